"""The teacher's own pruning curve against answers known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.teacher_curve import teacher_importance, teacher_pruning_curve
from phasetrans.errors import AnalysisInputError


def _weights(w1: np.ndarray, w2: np.ndarray) -> tuple[xr.DataArray, xr.DataArray]:
    return (
        xr.DataArray(w1, dims=("input", "teacher_node")),
        xr.DataArray(w2, dims=("teacher_node", "hidden2")),
    )


def _removed_mse(c: np.ndarray) -> float:
    """E[(Σ_i c_i relu(x_i))²] for independent standard normal x_i.

    E[relu(x)²] = 1/2 and E[relu(x)] = 1/√(2π), so the cross terms weigh 1/(2π).
    """
    return 0.5 * float((c**2).sum()) + (float(c.sum()) ** 2 - float((c**2).sum())) / (2 * math.pi)


def _additive_teacher() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # Node i sees only input i with weight a_i > 0 and feeds one positive unit with
    # weight b_i > 0, so y = Σ_i a_i b_i relu(x_i) and removing a set R costs
    # E[(Σ_{i∈R} a_i b_i relu(x_i))²]. Incoming norms order the nodes 0, 1, 2; the
    # paths a_i b_i = 0.3, 2, 5 order them 2, 1, 0, and so does greedy elimination (the
    # cost of removing a set grows with every c_i = a_i b_i it holds).
    a = np.array([3.0, 2.0, 1.0])
    b = np.array([0.1, 1.0, 5.0])
    return np.diag(a), b[:, None], a, b


def test_keeping_every_node_costs_nothing_and_keeping_none_costs_the_mean_square() -> None:
    rng = np.random.default_rng(5)
    w1, w2 = _weights(rng.standard_normal((6, 5)), rng.standard_normal((5, 4)))
    curve = teacher_pruning_curve(w1, w2, n_test=3000, seed=11)
    x = np.random.default_rng(11).standard_normal((3000, 6))
    y = np.maximum(np.maximum(x @ w1.values, 0) @ w2.values, 0).sum(-1)
    assert curve.sel(retained=5).item() == 0.0
    # No bias: the empty teacher outputs 0, so the MSE is E[y²] over the same inputs.
    assert curve.sel(retained=0).item() == pytest.approx(float((y**2).mean()), rel=1e-12)


@pytest.mark.parametrize(
    ("rule", "kept_first"), [("incoming", [0, 1, 2]), ("path", [2, 1, 0]), ("greedy", [2, 1, 0])]
)
def test_curve_follows_the_rule_order(rule: str, kept_first: list[int]) -> None:
    w1, w2, a, b = _additive_teacher()
    curve = teacher_pruning_curve(*_weights(w1, w2), rule=rule, n_test=400_000, seed=1)
    c = a * b
    for n in range(4):
        expected = _removed_mse(c[kept_first[n:]])
        assert curve.sel(retained=n).item() == pytest.approx(expected, rel=0.02, abs=1e-12)


def test_importance_rules() -> None:
    w1, w2, a, b = _additive_teacher()
    incoming = teacher_importance(*_weights(w1, w2), "incoming")
    path = teacher_importance(*_weights(w1, w2), "path")
    np.testing.assert_allclose(incoming.values, a * math.sqrt(3))
    np.testing.assert_allclose(path.values, a * b)


def test_padded_teacher_matches_its_own_width_and_is_nan_beyond_it() -> None:
    rng = np.random.default_rng(2)
    small1, small2 = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    big1, big2 = rng.standard_normal((4, 5)), rng.standard_normal((5, 5))
    pad1 = np.full((4, 5), np.nan)
    pad1[:, :3] = small1
    pad2 = np.full((5, 5), np.nan)
    pad2[:3] = small2
    w1 = xr.DataArray(
        np.stack([pad1, big1]),
        dims=("teacher_width", "input", "teacher_node"),
        coords={"teacher_width": [3, 5]},
    )
    w2 = xr.DataArray(np.stack([pad2, big2]), dims=("teacher_width", "teacher_node", "hidden2"))
    curve = teacher_pruning_curve(w1, w2, n_test=500, seed=3)
    alone = teacher_pruning_curve(*_weights(small1, small2), n_test=500, seed=3)
    assert curve.dims == ("teacher_width", "retained")
    np.testing.assert_allclose(curve.sel(teacher_width=3, retained=[0, 1, 2, 3]), alone.values)
    assert np.isnan(curve.sel(teacher_width=3, retained=[4, 5]).values).all()
    assert curve.sel(teacher_width=5, retained=5).item() == 0.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"rule": "outgoing"}, "rule"), ({"n_test": 0}, "n_test"), ({"seed": -1}, "seed")],
)
def test_bad_arguments_name_their_field(kwargs: dict[str, object], field: str) -> None:
    w1, w2, _, _ = _additive_teacher()
    with pytest.raises(AnalysisInputError) as info:
        teacher_pruning_curve(*_weights(w1, w2), **kwargs)
    assert info.value.field == field


def test_weights_without_their_dimensions_are_refused() -> None:
    w1, w2, _, _ = _additive_teacher()
    with pytest.raises(AnalysisInputError, match="hidden2") as info:
        teacher_pruning_curve(*_weights(w1, w2)[:1], xr.DataArray(w2, dims=("teacher_node", "k")))
    assert info.value.field == "w2"
