"""The ``[data]`` table: training and test sets, and the training-set size rule."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, field_validator, model_validator

from phasetrans.config.base import NonNegativeInt, PositiveFloat, PositiveInt, Spec, sweep_field

__all__ = ["DEFAULT_N_TEST", "DEFAULT_N_TRAIN", "DataSpec", "n_train_of"]

#: Training-set size of a study that gives neither ``n_train`` nor ``alpha``.
DEFAULT_N_TRAIN = 10_000
#: Test-set size of a study that gives no ``n_test``.
DEFAULT_N_TEST = 10_000


def n_train_of(alpha: Any, input_dim: Any, teacher_width: Any) -> Any:
    """Training-set size at ``alpha``: ``max(1, round(alpha · input_dim · h_T))``.

    Examples per teacher first-layer parameter, so that sizes are comparable
    across input dimensions and teacher widths. Rounds half to even.

    Parameters
    ----------
    alpha, input_dim, teacher_width : number or array (numpy or xarray)
        Broadcast together.

    Returns
    -------
    numpy.integer or array of int
        Of the broadcast shape (``int(...)`` of it for one cell).
    """
    return np.maximum(1, np.round(alpha * input_dim * teacher_width)).astype(int)


class DataSpec(Spec):
    """Training and test sets drawn from ``N(0, I_d)`` and labelled by the teacher.

    Give ``n_train`` or ``alpha`` (``n_train =`` :func:`n_train_of`), each a
    number or a list; without either, ``n_train`` is :data:`DEFAULT_N_TRAIN`.
    """

    n_train: PositiveInt | Annotated[list[PositiveInt], Field(min_length=1)] | None = None
    alpha: PositiveFloat | Annotated[list[PositiveFloat], Field(min_length=1)] | None = None
    n_test: PositiveInt = DEFAULT_N_TEST
    seed: NonNegativeInt = 1
    shuffle_seed: NonNegativeInt = 2
    online: bool = False
    nested: bool | None = None

    _sweeps = field_validator("n_train", "alpha")(lambda v: sweep_field(v))

    @model_validator(mode="before")
    @classmethod
    def _train_size(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if data.get("online") is True:
                for name in ("n_train", "alpha", "nested"):
                    if name in data:
                        raise ValueError(
                            f"data.{name} is not allowed with data.online = true: online "
                            "learning draws a fresh batch every step (no training set); "
                            "give the budget as training.<method>.steps or .samples"
                        )
                return data
            if data.get("n_train") is not None and data.get("alpha") is not None:
                raise ValueError("give data.n_train or data.alpha, not both")
            if data.get("n_train") is None and data.get("alpha") is None:
                return {**data, "n_train": DEFAULT_N_TRAIN}
        return data
