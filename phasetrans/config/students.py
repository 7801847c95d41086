"""The ``[students]`` table: student widths, seeds and training methods."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from phasetrans.config.base import (
    Method,
    PositiveFloat,
    PositiveInt,
    Seed,
    Spec,
    unique_sorted,
)

__all__ = ["COMMITTEE_INIT_Q", "DEFAULT_METHODS", "StudentsSpec"]

#: Initial ``Q_ii = |w_i|² / N`` of committee students (``students.init_q``).
COMMITTEE_INIT_Q = 0.5
#: Methods of a study that gives no ``students.methods``.
DEFAULT_METHODS = ("spectral", "direct")


class StudentsSpec(Spec):
    """Student widths, seeds (one student per seed) and training methods.

    Students of a committee teacher have its form, ``input → (spectral) hidden
    W → readout`` with pre-activations ``w_i · x / √N``: ``readout`` is
    ``"sum"`` (fixed unit weights, the default) or ``"trained"`` (initialised
    at 1), ``activation`` defaults to the teacher's, and ``init_q`` is the
    initial squared norm per input ``Q_ii = |w_i|² / N`` (default
    :data:`COMMITTEE_INIT_Q`), drawn as ``φ ~ N(0, init_q)``. The three are
    refused for the other teacher kinds.
    """

    widths: Annotated[list[PositiveInt], Field(min_length=1)]
    seeds: Annotated[list[Seed], Field(min_length=1)]
    methods: Annotated[list[Method], Field(min_length=1)] = Field(
        default_factory=lambda: list(DEFAULT_METHODS)
    )
    train_lambda_in: bool = False
    readout: Literal["sum", "trained"] | None = None
    activation: Literal["relu", "erf"] | None = None
    init_q: PositiveFloat | None = None

    _unique = field_validator("widths", "seeds")(lambda v: unique_sorted(v))

    @field_validator("methods")
    @classmethod
    def _methods_unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("must not repeat a method")
        return v
