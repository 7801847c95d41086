"""Path magnitudes and their distributions (analysis/paths.py)."""

from __future__ import annotations

import numpy as np
import pytest

from phasetrans.analysis.paths import (
    distribution_distance,
    node_strengths,
    normalize_magnitudes,
    path_magnitudes,
    present_nodes,
    sorted_path_curve,
)
from phasetrans.errors import AnalysisInputError
from phasetrans.testing.topology import permuted_teacher as permuted_rescaled
from tests.analysis.topology_helpers import brute_force_paths

# --------------------------------------------------------------------------- paths


def test_path_magnitudes_hand_computed():
    w1 = np.array([[1.0, -2.0], [3.0, 0.5]])
    w2 = np.array([[2.0, -1.0], [4.0, 1.0]])
    np.testing.assert_array_equal(path_magnitudes(w1, w2), [0.5, 1, 2, 2, 2, 3, 6, 8])
    np.testing.assert_array_equal(path_magnitudes(w1, w2, keep=[1]), [0.5, 2, 2, 8])


def test_path_magnitudes_match_enumeration_and_skip_padded_and_pruned_nodes():
    rng = np.random.default_rng(1)
    w1, w2 = rng.normal(size=(4, 7)), rng.normal(size=(7, 3))
    w1[:, 5:] = np.nan  # padding of a width-5 student
    w2[5:] = np.nan
    w1[:, 2] = 0.0  # pruned node
    paths = path_magnitudes(w1, w2)
    assert paths.size == 4 * 4 * 3
    np.testing.assert_allclose(paths, brute_force_paths(w1, w2, [0, 1, 3, 4]))
    np.testing.assert_allclose(
        path_magnitudes(w1, w2, keep=[0, 3, 6]), brute_force_paths(w1, w2, [0, 3])
    )
    mask = np.zeros(7, dtype=bool)
    mask[[0, 3]] = True
    np.testing.assert_array_equal(
        path_magnitudes(w1, w2, keep=mask), path_magnitudes(w1, w2, keep=[0, 3])
    )


def test_present_nodes_and_keep_validation():
    w1 = np.array([[1.0, 0.0, np.nan, 2.0], [1.0, 0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(present_nodes(w1), [True, False, False, True])
    np.testing.assert_array_equal(present_nodes(w1, keep=[3]), [False, False, False, True])
    with pytest.raises(ValueError, match=r"outside 0\.\.3"):
        present_nodes(w1, keep=[4])
    with pytest.raises(ValueError, match="shape"):
        present_nodes(w1, keep=np.ones(3, dtype=bool))
    with pytest.raises(ValueError, match="w2 has 3"):
        path_magnitudes(w1, np.ones((3, 2)))


def test_paths_invariant_under_permutation_and_relu_rescaling(teacher):
    w1, w2 = teacher
    s1, s2, _ = permuted_rescaled(w1, w2, np.random.default_rng(3))
    np.testing.assert_allclose(path_magnitudes(s1, s2), path_magnitudes(w1, w2), rtol=1e-12)
    d = distribution_distance(path_magnitudes(s1, s2), path_magnitudes(w1, w2))
    assert d.wasserstein == pytest.approx(0, abs=1e-12)
    assert d.ks <= 1.01 / 4000  # rescaling moves one path by an ulp at most
    # strengths are not invariant under rescaling
    h1 = distribution_distance(node_strengths(s1, s2), node_strengths(w1, w2))
    assert h1.ks > 0.2


def test_sorted_path_curve_interpolates_onto_rank_grid():
    rank, curve = sorted_path_curve([4.0, 1.0, 3.0, 2.0], n_points=4)
    np.testing.assert_allclose(rank, [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(curve, [0.25, 0.5, 0.75, 1.0])
    rank, curve = sorted_path_curve([4.0, 1.0, 3.0, 2.0], n_points=2, normalize="none")
    np.testing.assert_allclose(rank, [0.25, 0.75])
    np.testing.assert_allclose(curve, [1.5, 3.5])
    # the same distribution sampled at two sizes gives the same curve
    fine = np.linspace(0, 1, 4001)
    _, a = sorted_path_curve(fine, n_points=50)
    _, b = sorted_path_curve(fine[::40], n_points=50)
    np.testing.assert_allclose(a, b, atol=0.011)
    assert np.isnan(sorted_path_curve([], n_points=3)[1]).all()
    with pytest.raises(AnalysisInputError, match="n_points"):
        sorted_path_curve([1.0], n_points=1)


@pytest.mark.parametrize(
    ("normalize", "wasserstein", "ks"),
    [("max", 0.0, 0.0), ("sum", 0.0, 0.0), ("mean", 0.0, 0.0), ("none", 1.5, 0.5)],
)
def test_distribution_distance_known_values(normalize, wasserstein, ks):
    d = distribution_distance([1.0, 2.0], [2.0, 4.0], normalize=normalize)
    assert d.wasserstein == pytest.approx(wasserstein)
    assert d.ks == pytest.approx(ks)
    assert (d.n_student, d.n_teacher) == (2, 2)


def test_distribution_distance_empty_and_bad_normalize():
    d = distribution_distance([], [1.0])
    assert np.isnan(d.wasserstein) and np.isnan(d.ks)
    message = "normalize: 'median' is not allowed; use one of max"
    with pytest.raises(AnalysisInputError, match=message):
        distribution_distance([1.0], [1.0], normalize="median")
    np.testing.assert_allclose(normalize_magnitudes([1.0, 3.0], "sum"), [0.25, 0.75])
    np.testing.assert_allclose(normalize_magnitudes([0.0, 0.0], "max"), [0.0, 0.0])
