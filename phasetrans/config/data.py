"""The ``[data]`` table: training and test sets, and the training-set size rule."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, field_validator, model_validator

from phasetrans.config.base import PositiveFloat, PositiveInt, Seed, Spec, sweep_field

__all__ = [
    "DEFAULT_N_TEST",
    "DEFAULT_N_TRAIN",
    "DataSpec",
    "alpha_realised",
    "check_alpha_cells",
    "n_train_of",
]

#: Training-set size of a study that gives neither ``n_train`` nor ``alpha``.
DEFAULT_N_TRAIN = 10_000
#: Test-set size of a study that gives no ``n_test``.
DEFAULT_N_TEST = 10_000


def n_train_of(alpha: Any, input_dim: Any, teacher_width: Any) -> Any:
    """Training-set size at ``alpha``: ``round(alpha · input_dim · h_T)``.

    Examples per teacher first-layer parameter, so that sizes are comparable
    across input dimensions and teacher widths. Rounds half to even. Nothing
    is clamped: a study whose cell would round below 1 is refused
    (:func:`check_alpha_cells`).

    Parameters
    ----------
    alpha, input_dim, teacher_width : number or array (numpy or xarray)
        Broadcast together.

    Returns
    -------
    numpy.integer or array of int
        Of the broadcast shape (``int(...)`` of it for one cell).
    """
    return np.round(alpha * input_dim * teacher_width).astype(int)


def alpha_realised(alpha: Any, input_dim: Any, teacher_width: Any) -> Any:
    """The ``alpha`` a cell trained at: ``n_train / (input_dim · h_T)`` with :func:`n_train_of`.

    It differs from the nominal ``alpha`` by the rounding of ``n_train``
    (at most ``1 / (2 · input_dim · h_T)``); broadcast as :func:`n_train_of`.
    """
    return n_train_of(alpha, input_dim, teacher_width) / (input_dim * teacher_width)


def check_alpha_cells(alphas: list[float], input_dims: list[int], widths: list[int]) -> None:
    """Refuse an ``alpha`` cell with no training example, and alphas that give one ``n_train``.

    Parameters
    ----------
    alphas, input_dims, widths : list
        ``data.alpha``, ``teacher.input_dim`` and ``teacher.widths`` as lists.

    Raises
    ------
    ValueError
        One line naming the cell (alpha, input_dim, h_T) and the rule.
    """
    for n_in in input_dims:
        for h_t in widths:
            by_size: dict[int, list[float]] = {}
            for alpha in alphas:
                by_size.setdefault(int(n_train_of(alpha, n_in, h_t)), []).append(alpha)
            if 0 in by_size:
                raise ValueError(
                    f"data.alpha = {by_size[0][0]!r} gives no training example at input_dim = "
                    f"{n_in}, h_T = {h_t}: n_train = round(alpha · input_dim · h_T) = 0; "
                    f"allowed: alpha > {1 / (2 * n_in * h_t):.6g} at that cell"
                )
            same = next((v for v in by_size.values() if len(v) > 1), None)
            if same is not None:
                n = int(n_train_of(same[0], n_in, h_t))
                raise ValueError(
                    f"data.alpha values {', '.join(map(repr, same))} give the same n_train = {n} "
                    f"at input_dim = {n_in}, h_T = {h_t} (n_train = round(alpha · input_dim · "
                    "h_T)): keep one of them"
                )


class DataSpec(Spec):
    """Training and test sets drawn from ``N(0, I_d)`` and labelled by the teacher.

    Give ``n_train`` or ``alpha`` (``n_train =`` :func:`n_train_of`), each a
    number or a list; without either, ``n_train`` is :data:`DEFAULT_N_TRAIN`.
    """

    n_train: PositiveInt | Annotated[list[PositiveInt], Field(min_length=1)] | None = None
    alpha: PositiveFloat | Annotated[list[PositiveFloat], Field(min_length=1)] | None = None
    n_test: PositiveInt = DEFAULT_N_TEST
    seed: Seed = 1
    shuffle_seed: Seed = 2
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
