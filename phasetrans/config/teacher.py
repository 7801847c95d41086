"""The ``[teacher]`` table: the teacher networks of a study (widths, seeds, kind)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from phasetrans.config.base import (
    PositiveInt,
    Seed,
    Spec,
    as_list,
    sweep_field,
    unique_sorted,
)

__all__ = ["TeachersSpec"]


class TeachersSpec(Spec):
    """The teacher network(s): one study may scan several teacher widths ``h_T``.

    ``seed`` (one teacher) or ``seeds`` (a list: the disorder average over
    teachers, dimension ``teacher_seed``); ``input_dim`` may be a list. One
    teacher of the study is a :class:`phasetrans.backend.specs.TeacherSpec`.

    ``width`` (one h_T) or ``widths`` (a list), by the sweep rule of the other
    fields: a list makes ``teacher_width`` a dimension of the dataset, a single
    ``width`` a scalar coordinate. ``widths`` always holds the values (the
    planner's view); ``width`` records that the single form was used.
    """

    kind: Literal["regression", "classification", "committee"] = "regression"
    input_dim: PositiveInt | Annotated[list[PositiveInt], Field(min_length=1)] = 10
    widths: Annotated[list[PositiveInt], Field(min_length=1)] = Field(default_factory=lambda: [20])
    width: PositiveInt | None = None
    hidden2: PositiveInt = 20
    seed: Seed = 0
    seeds: Annotated[list[Seed], Field(min_length=1)] | None = None
    activation: Literal["relu", "erf"] = "relu"
    orthogonal: bool = False

    _unique = field_validator("widths")(lambda v: unique_sorted(v))
    _sweeps = field_validator("input_dim", "seeds")(lambda v: sweep_field(v))

    @model_validator(mode="before")
    @classmethod
    def _one_width_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("width") is not None:
            if "widths" in data:
                raise ValueError(
                    "give teacher.width (one h_T) or teacher.widths (a list), not both"
                )
            return {**data, "widths": [data["width"]]}
        return data

    @model_validator(mode="after")
    def _one_seed_form(self) -> TeachersSpec:
        if self.seeds is not None and "seed" in self.model_fields_set:
            raise ValueError("give teacher.seed (one teacher) or teacher.seeds (a list), not both")
        given = self.model_fields_set
        if self.kind == "committee":
            if "hidden2" in given:
                raise ValueError(
                    "a committee teacher has no second hidden layer: remove teacher.hidden2"
                )
            widest, narrowest = max(self.widths), min(as_list(self.input_dim))
            if widest > narrowest:
                raise ValueError(
                    f"a committee teacher needs h_T <= input_dim: widths has {widest} "
                    f"and input_dim has {narrowest}"
                )
        else:
            for name in ("activation", "orthogonal"):
                if name in given:
                    raise ValueError(
                        f"teacher.{name} is for committee teachers (kind = 'committee'), "
                        f"not kind = {self.kind!r}"
                    )
        return self

    @property
    def committee(self) -> bool:
        """True for the soft committee machine ``y = Σ_m g(B_m · x / √N)``."""
        return self.kind == "committee"

    @property
    def seed_values(self) -> list[int]:
        """The teacher seeds of the study (``[seed]`` in the single-value form)."""
        return list(self.seeds) if self.seeds is not None else [self.seed]
