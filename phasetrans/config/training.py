"""The ``[training.<method>]`` tables: optimiser, budget, batches, penalties, stop rule."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from phasetrans.config.base import (
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    Spec,
    sweep_field,
)
from phasetrans.names import OPTIMIZERS, STEPS

__all__ = [
    "ADAM_BETAS",
    "ADAM_EPS",
    "BUDGETS",
    "DEFAULT_EPOCHS",
    "METHOD_DEFAULTS",
    "STOP_TOL",
    "StopSpec",
    "TrainingSpec",
    "check_online_table",
]

#: Per-method training defaults (the authors' configuration; the group-lasso
#: coefficient is ours, the paper has no such baseline).
METHOD_DEFAULTS: dict[str, dict[str, Any]] = {
    "spectral": {"lr": 0.005, "batch_size": 300},
    "direct": {"lr": 0.002, "batch_size": 500},
    "group_lasso": {"lr": 0.002, "batch_size": 500, "group_lasso": 1e-3},
}

#: The budgets of a training run; exactly one is given (``epochs`` by default).
BUDGETS = ("epochs", "steps", "samples")
#: Epochs of a study that gives no budget (the authors' configuration).
DEFAULT_EPOCHS = 2000
#: Relative loss improvement below which a member counts as converged (``stop.tol``).
STOP_TOL = 1e-4
#: Adam's constants ``(β₁, β₂)`` and ``ε`` (the Keras defaults; not a study setting).
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-7


class StopSpec(Spec):
    """Stop a student once converged (off unless ``[training.<method>.stop]`` is given).

    A member stops when, over the last ``patience`` epochs, its effective
    dimension has not changed and its training loss improved by less than
    ``tol`` (relative).
    """

    patience: PositiveInt
    tol: PositiveFloat = STOP_TOL


class TrainingSpec(Spec):
    """Training settings of one method (Adam or SGD, Keras-style L2 ``c · Σ x²``).

    ``l2_eigenvalues`` may be a list (a sweep dimension). ``step`` picks the
    training step: ``reference`` (plain autograd), ``fast``, ``member`` or ``auto``.

    The budget is exactly one of ``epochs`` (passes over the training set; the
    default, :data:`DEFAULT_EPOCHS`), ``steps`` (optimiser steps) or ``samples``
    (examples seen: the run lasts the fewest steps that see at least that many).
    The batch is ``batch_size`` (a number, or ``"full"`` for the whole training
    set) or ``batches_per_epoch = k`` (fixed steps per epoch: each epoch's
    shuffled order is split into exactly ``k`` near-equal batches, so every cell
    of an α sweep takes the same number of steps per epoch). ``lr_scaling =
    "inverse_input_dim"`` divides the SGD learning rate by ``N``. The defaults
    are the spectral method's (:data:`METHOD_DEFAULTS`).
    """

    lr: PositiveFloat = METHOD_DEFAULTS["spectral"]["lr"]
    batch_size: PositiveInt | Literal["full"] | None = METHOD_DEFAULTS["spectral"]["batch_size"]
    epochs: NonNegativeInt | None = DEFAULT_EPOCHS
    steps: PositiveInt | None = None
    samples: PositiveInt | None = None
    batches_per_epoch: PositiveInt | None = None
    optimizer: Literal[OPTIMIZERS] = "adam"  # type: ignore[valid-type]
    lr_scaling: Literal["none", "inverse_input_dim"] = "none"
    l2_eigenvalues: NonNegativeFloat | Annotated[list[NonNegativeFloat], Field(min_length=1)] = 5e-4
    l2_eigenvectors: NonNegativeFloat = 0.01
    l2_dense: NonNegativeFloat = 0.0
    group_lasso: NonNegativeFloat = 0.0
    log_every: PositiveInt = 10
    step: Literal[STEPS] = "auto"  # type: ignore[valid-type]
    stop: StopSpec | None = None

    _sweeps = field_validator("l2_eigenvalues")(lambda v: sweep_field(v))

    @model_validator(mode="before")
    @classmethod
    def _one_budget(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        budgets = [k for k in BUDGETS if data.get(k) is not None]
        if len(budgets) > 1:
            raise ValueError(
                f"give one budget of {', '.join(BUDGETS)}; got {' and '.join(budgets)}"
            )
        if not budgets:
            data = {**data, "epochs": DEFAULT_EPOCHS}
        else:
            data = {**data, **{k: data.get(k) for k in BUDGETS}}
        return data

    @model_validator(mode="after")
    def _optimizer_rules(self) -> TrainingSpec:
        if self.optimizer == "adam" and self.lr_scaling != "none":
            raise ValueError(
                f"lr_scaling = {self.lr_scaling!r} applies to optimizer = 'sgd'; under Adam "
                "the step size does not scale with the gradient: use lr_scaling = 'none'"
            )
        if self.optimizer == "sgd" and self.step == "fast":
            raise ValueError("step = 'fast' implements Adam only; use step = 'reference' or 'auto'")
        return self

    @property
    def budget(self) -> tuple[str, int]:
        """``(kind, value)`` of the budget: ``epochs``, ``steps`` or ``samples``."""
        for kind in BUDGETS:
            value = getattr(self, kind)
            if value is not None:
                return kind, value
        raise AssertionError("a validated TrainingSpec has a budget")  # pragma: no cover


def check_online_table(method: str, table: dict[str, Any], online: bool) -> None:
    """With online data the budget is steps or samples, and there are no epochs."""
    if not online:
        return
    for name in ("epochs", "batches_per_epoch", "stop"):
        if name in table:
            raise ValueError(
                f"training.{method}.{name} is not allowed with data.online = true "
                "(no training set, so no epochs): give the budget as steps or samples"
            )
    if "steps" not in table and "samples" not in table:
        raise ValueError(
            f"training.{method} needs a budget with data.online = true: give steps or samples"
        )
    if table.get("batch_size") == "full":
        raise ValueError(
            f"training.{method}.batch_size = 'full' is not allowed with data.online = true "
            "(no training set): give a number"
        )
