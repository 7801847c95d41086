"""What every table of a study file shares: the strict base model, value types, sweep fields."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from phasetrans.config.bounds import MAX_SEED
from phasetrans.names import METHODS

__all__ = [
    "Method",
    "NonNegativeFloat",
    "NonNegativeInt",
    "PositiveFloat",
    "PositiveInt",
    "Seed",
    "Spec",
    "as_list",
    "sweep_field",
    "unique_sorted",
]

Method = Literal[METHODS]  # type: ignore[valid-type]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
# floats are finite: inf is refused as nan is
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
#: A seed: what numpy and torch generators take, a 64-bit unsigned integer.
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]


class Spec(BaseModel):
    """Base of every table: unknown keys refused, immutable, no type coercion."""

    # strict: "2" or true is not an integer; TOML gives every value its own type
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def as_list(value: Any) -> list[Any]:
    """A sweep field's values: the list itself, or the single value as a list of one."""
    return list(value) if isinstance(value, list) else [value]


def unique_sorted(values: list[Any]) -> list[Any]:
    """``values`` sorted; ``ValueError`` when one repeats."""
    if len(set(values)) != len(values):
        raise ValueError("must not repeat a value")
    return sorted(values)


def sweep_field(value: Any) -> Any:
    """A sweep field as validated: a list is sorted (without repeats), a value kept."""
    return unique_sorted(value) if isinstance(value, list) else value
