"""Known-answer tests of the teacher–student topology analysis."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import xarray as xr
from scipy.optimize import linear_sum_assignment

from phasetrans.analysis.topology import (
    compare_topology,
    distribution_distance,
    layer_measures,
    match_neurons,
    match_student,
    node_strengths,
    normalize_magnitudes,
    path_magnitudes,
    present_nodes,
    retained_count,
    retained_mask,
    sorted_path_curve,
    to_graph,
)
from phasetrans.errors import ConfigError

# --------------------------------------------------------------------------- helpers


def brute_force_paths(w1: np.ndarray, w2: np.ndarray, nodes) -> np.ndarray:
    out = [
        abs(w1[i, j] * w2[j, k])
        for i in range(w1.shape[0])
        for j in nodes
        for k in range(w2.shape[1])
    ]
    return np.sort(np.array(out))


def permuted_rescaled(w1, w2, rng, *, rescale=True):
    """Teacher with hidden nodes permuted, incoming × a and outgoing ÷ a (a > 0)."""
    n = w1.shape[1]
    perm = rng.permutation(n)
    a = rng.uniform(0.3, 3.0, n) if rescale else np.ones(n)
    return w1[:, perm] * a, w2[perm] / a[:, None], perm


N_INPUT, N_HIDDEN2 = 6, 5
TEACHER_WIDTHS, WIDTHS, SEEDS = (3, 4), (6, 8), (0, 1, 2)


def make_study(seed: int = 0) -> tuple[xr.Dataset, xr.Dataset, xr.Dataset]:
    """A small study in the dataset schema: (root, weights group, teacher group).

    Spectral students hold their teacher's nodes (permuted; rescaled for seeds
    1 and 2) with high importance plus weak noise nodes of tiny importance, and
    dimension = teacher_width. Direct students are random, dimension = width.
    """
    rng = np.random.default_rng(seed)
    trainings = ["spectral", "direct"]
    n_node, n_tnode = max(WIDTHS), max(TEACHER_WIDTHS)
    shape = (len(trainings), len(TEACHER_WIDTHS), len(WIDTHS), len(SEEDS))
    w1 = np.full((*shape, N_INPUT, n_node), np.nan)
    w2 = np.full((*shape, n_node, N_HIDDEN2), np.nan)
    importance = np.full((*shape, n_node), np.nan)
    dimension = np.full(shape, np.nan)
    tw1 = np.full((len(TEACHER_WIDTHS), N_INPUT, n_tnode), np.nan)
    tw2 = np.full((len(TEACHER_WIDTHS), n_tnode, N_HIDDEN2), np.nan)
    for t, h in enumerate(TEACHER_WIDTHS):
        tw1[t, :, :h] = rng.uniform(-1, 1, (N_INPUT, h))
        tw2[t, :h] = rng.uniform(-1, 1, (h, N_HIDDEN2))
        for w, width in enumerate(WIDTHS):
            for s, sd in enumerate(SEEDS):
                pos = rng.permutation(width)[:h]
                a = np.ones(h) if sd == 0 else rng.uniform(0.3, 3.0, h)
                spec = (0, t, w, s)
                w1[spec][:, :width] = 0.01 * rng.normal(size=(N_INPUT, width))
                w2[spec][:width] = 0.01 * rng.normal(size=(width, N_HIDDEN2))
                w1[spec][:, pos] = tw1[t, :, :h] * a
                w2[spec][pos] = tw2[t, :h] / a[:, None]
                importance[spec][:width] = 0.01 * rng.uniform(size=width)
                importance[spec][pos] = 1 + rng.uniform(size=h)
                dimension[spec] = h
                direct = (1, t, w, s)
                w1[direct][:, :width] = rng.normal(size=(N_INPUT, width))
                w2[direct][:width] = rng.normal(size=(width, N_HIDDEN2))
                importance[direct][:width] = rng.uniform(0.5, 1.0, width)
                dimension[direct] = width
    coords = {
        "training": trainings,
        "teacher_width": list(TEACHER_WIDTHS),
        "width": list(WIDTHS),
        "seed": list(SEEDS),
        "node": np.arange(n_node),
        "retained": np.arange(n_node + 1),
    }
    dims = ("training", "teacher_width", "width", "seed")
    root = xr.Dataset(
        {
            "importance": ((*dims, "node"), importance),
            "dimension": (dims, dimension),
            "test_mse": ((*dims, "retained"), rng.uniform(size=(*shape, n_node + 1))),
        },
        coords=coords,
    )
    weights = xr.Dataset(
        {"w1": ((*dims, "input", "node"), w1), "w2": ((*dims, "node", "hidden2"), w2)},
        coords={k: coords[k] for k in ("training", "teacher_width", "width", "seed", "node")}
        | {"input": np.arange(N_INPUT), "hidden2": np.arange(N_HIDDEN2)},
    )
    teacher = xr.Dataset(
        {
            "w1": (("teacher_width", "input", "teacher_node"), tw1),
            "w2": (("teacher_width", "teacher_node", "hidden2"), tw2),
        },
        coords={
            "teacher_width": list(TEACHER_WIDTHS),
            "input": np.arange(N_INPUT),
            "teacher_node": np.arange(n_tnode),
            "hidden2": np.arange(N_HIDDEN2),
        },
    )
    return root, weights, teacher


def write_study(path: Path, seed: int = 0) -> Path:
    """Write :func:`make_study` as a netCDF4 file with groups 'weights' and 'teacher'."""
    root, weights, teacher = make_study(seed)
    root.to_netcdf(path, mode="w")
    weights.to_netcdf(path, mode="a", group="weights")
    teacher.to_netcdf(path, mode="a", group="teacher")
    return path


def read_study(path: Path) -> xr.Dataset:
    """Merge a study file's root with its groups, as ``open_study`` does."""
    with (
        xr.open_dataset(path) as root,
        xr.open_dataset(path, group="weights") as weights,
        xr.open_dataset(path, group="teacher") as teacher,
    ):
        teacher = teacher.rename(w1="teacher_w1", w2="teacher_w2")
        return xr.merge([root, weights, teacher], compat="no_conflicts", join="outer").load()


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> xr.Dataset:
    return read_study(write_study(tmp_path_factory.mktemp("study") / "study.nc"))


@pytest.fixture
def teacher():
    rng = np.random.default_rng(42)
    return rng.uniform(-1, 1, (10, 20)), rng.uniform(-1, 1, (20, 20))


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
    with pytest.raises(ConfigError, match="n_points"):
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
    with pytest.raises(ConfigError, match="normalize: 'median' is not allowed; use one of max"):
        distribution_distance([1.0], [1.0], normalize="median")
    np.testing.assert_allclose(normalize_magnitudes([1.0, 3.0], "sum"), [0.25, 0.75])
    np.testing.assert_allclose(normalize_magnitudes([0.0, 0.0], "max"), [0.0, 0.0])


# --------------------------------------------------------------------------- graphs

W1_CUT = np.array([[1.0, -0.1, 0.6, 0.3], [0.49, 0.5, -0.8, 0.0], [0.2, 0.9, 0.05, -1.0]])
W2_CUT = np.array([[2.0, -0.5], [1.5, 0.1], [-0.9, 1.0], [0.0, 3.0]])


def test_to_graph_counts_layers_and_weights():
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    g = to_graph(w1, w2)
    assert isinstance(g, nx.DiGraph)
    assert (g.number_of_nodes(), g.number_of_edges()) == (3 + 4 + 2 + 1, 12 + 8 + 2)
    layers = nx.get_node_attributes(g, "layer")
    assert sorted(layers.values()).count("hidden1") == 4
    assert layers[("output", 0)] == "output"
    assert g.edges[("input", 2), ("hidden1", 1)]["weight"] == w1[2, 1]
    assert g.edges[("hidden1", 3), ("hidden2", 0)]["weight"] == w2[3, 0]
    assert g.edges[("hidden2", 1), ("output", 0)]["weight"] == 1.0
    kept = to_graph(w1, w2, keep=[0, 2])
    assert (kept.number_of_nodes(), kept.number_of_edges()) == (3 + 2 + 2 + 1, 6 + 4 + 2)
    assert ("hidden1", 1) not in kept
    w1[:, 3] = np.nan
    assert to_graph(w1, w2).number_of_nodes() == 9


def test_to_graph_rel_cutoff_drops_small_and_zero_edges():
    g0 = to_graph(W1_CUT, W2_CUT)
    assert g0.number_of_edges() == 11 + 7 + 2  # the two exact zeros are never edges
    g = to_graph(W1_CUT, W2_CUT, rel_cutoff=0.5)
    assert g.number_of_edges() == 6 + 3 + 2
    assert ("input", 1, "hidden1", 0) not in {(*u, *v) for u, v in g.edges}  # 0.49 < 0.5
    assert g.has_edge(("input", 1), ("hidden1", 1))  # 0.5 is kept
    assert g.number_of_nodes() == 3 + 4 + 2 + 1
    with pytest.raises(ConfigError, match="rel_cutoff"):
        to_graph(W1_CUT, W2_CUT, rel_cutoff=1.5)


def test_layer_measures_agree_with_numpy_strengths():
    rng = np.random.default_rng(5)
    w1, w2 = rng.normal(size=(5, 9)), rng.normal(size=(9, 4))
    w1[:, 7:] = np.nan
    w2[7:] = np.nan
    keep = [0, 2, 3, 6, 8]
    m = layer_measures(to_graph(w1, w2, keep=keep))
    assert [m[k].n_nodes for k in m] == [5, 4, 4, 1]
    np.testing.assert_array_equal(m["hidden1"].index, [0, 2, 3, 6])
    np.testing.assert_allclose(m["hidden1"].in_strength, node_strengths(w1, w2, keep=keep))
    np.testing.assert_allclose(
        m["hidden2"].in_strength, node_strengths(w1, w2, keep=keep, layer="hidden2")
    )
    np.testing.assert_array_equal(m["hidden1"].in_degree, [5, 5, 5, 5])
    np.testing.assert_array_equal(m["input"].out_degree, [4] * 5)
    assert m["hidden2"].density == 1.0 and np.isnan(m["input"].density)
    np.testing.assert_allclose(m["output"].in_strength, [4.0])
    cut = layer_measures(to_graph(W1_CUT, W2_CUT, rel_cutoff=0.5))
    assert cut["hidden1"].density == pytest.approx(6 / 12)
    assert cut["hidden2"].density == pytest.approx(3 / 8)
    np.testing.assert_array_equal(cut["hidden1"].in_degree, [1, 2, 2, 1])


# --------------------------------------------------------------------------- matching


def test_match_identical_student(teacher):
    w1, _ = teacher
    m = match_neurons(w1, w1)
    np.testing.assert_array_equal(m.pairs, np.column_stack([np.arange(20), np.arange(20)]))
    np.testing.assert_allclose(m.similarity, 1.0)
    assert m.n_recovered == 20 and m.recovered_fraction == 1.0
    assert m.mean_similarity == pytest.approx(1.0)
    assert m.matrix.shape == (20, 20)
    np.testing.assert_allclose(np.diag(m.matrix), 1.0)


def test_match_permuted_rescaled_teacher(teacher):
    w1, w2 = teacher
    s1, _, perm = permuted_rescaled(w1, w2, np.random.default_rng(7))
    m = match_neurons(s1, w1)
    # student node a holds teacher node perm[a]
    np.testing.assert_array_equal(m.pairs[:, 1], np.arange(20))
    np.testing.assert_array_equal(perm[m.pairs[:, 0]], m.pairs[:, 1])
    np.testing.assert_allclose(m.similarity, 1.0)
    assert m.n_recovered == 20


def test_match_random_weights_few_matches(teacher):
    w1, _ = teacher
    m = match_neurons(np.random.default_rng(11).normal(size=(10, 20)), w1)
    assert m.n_recovered <= 1
    assert m.mean_similarity < 0.6
    assert "recovered" in str(m)


def test_match_ignores_padded_and_pruned_nodes(teacher):
    w1, _ = teacher
    t1 = w1[:, :5]
    s1 = np.full((10, 7), np.nan)
    s1[:, [4, 0, 2]] = t1[:, [0, 1, 2]] * 2.0
    s1[:, 1] = 0.0  # pruned node; 5, 6 are padding
    m = match_neurons(s1, t1, threshold=0.9)
    np.testing.assert_array_equal(m.student_nodes, [0, 2, 4])
    np.testing.assert_array_equal(m.pairs, [[4, 0], [0, 1], [2, 2]])
    np.testing.assert_allclose(m.similarity, 1.0)
    np.testing.assert_array_equal(m.recovered, [0, 1, 2])
    assert m.recovered_fraction == pytest.approx(3 / 5)
    assert np.isnan(m.matrix[[1, 3, 5, 6]]).all()
    assert np.isfinite(m.matrix[[0, 2, 4]]).all()


def test_match_is_the_optimal_assignment():
    rng = np.random.default_rng(2)
    s1, t1 = rng.normal(size=(4, 5)), rng.normal(size=(4, 4))
    m = match_neurons(s1, t1)
    sim = m.matrix
    best = max(
        sum(sim[s, t] for t, s in enumerate(rows)) for rows in itertools.permutations(range(5), 4)
    )
    assert m.similarity.sum() == pytest.approx(best)
    with pytest.raises(ConfigError, match=r"threshold: 1\.5"):
        match_neurons(s1, t1, threshold=1.5)
    with pytest.raises(ValueError, match="inputs"):
        match_neurons(s1, t1[:3])


def test_match_counts_every_recoverable_teacher_node():
    # A student with two copies of one teacher neuron (seen in direct students of
    # data/quick.nc): maximising Σ cos alone would pair T0 with the perfect copy
    # of T1 (cos 0.6) and recover only T2; the threshold-first objective keeps both.
    teacher = np.array([[1.0, 0.6, -0.6], [0.0, 0.8, 0.8], [0.0, 0.0, 0.0]])
    student = teacher[:, [1, 2, 2]] * [1.0, 1.0, 2.0]
    m = match_neurons(student, teacher, threshold=0.9)
    np.testing.assert_array_equal(m.recovered, [1, 2])
    np.testing.assert_array_equal(m.pairs[:, 1], [0, 1, 2])
    assert m.pairs[1, 0] == 0 and {m.pairs[0, 0], m.pairs[2, 0]} == {1, 2}  # copies tie
    assert m.mean_similarity == pytest.approx((1.0 + 1.0 - 0.6) / 3)
    rows, cols = linear_sum_assignment(m.matrix, maximize=True)
    assert (m.matrix[rows, cols] >= 0.9).sum() == 1  # what plain Σ cos would report


def test_match_is_lexicographically_optimal():
    rng = np.random.default_rng(4)
    s1, t1 = rng.normal(size=(3, 5)), rng.normal(size=(3, 4))
    m = match_neurons(s1, t1, threshold=0.5)
    sim = m.matrix

    def score(rows):
        values = [sim[s, t] for t, s in enumerate(rows)]
        return sum(v >= 0.5 for v in values), sum(values)

    best = max(score(rows) for rows in itertools.permutations(range(5), 4))
    assert m.n_recovered == best[0] >= 2
    assert m.similarity.sum() == pytest.approx(best[1])


def test_match_with_no_student_nodes(teacher):
    m = match_neurons(np.zeros((10, 3)), teacher[0])
    assert m.pairs.shape == (0, 2) and m.n_recovered == 0 and np.isnan(m.mean_similarity)


# --------------------------------------------------------------------------- study level


def test_retained_mask_ranks_by_importance():
    importance = np.array([[0.5, 2.0, np.nan, 1.0, 2.0]])
    ds = xr.Dataset(
        {
            "importance": (
                ("training", "teacher_width", "width", "seed", "node"),
                importance.reshape(1, 1, 1, 1, 5),
            ),
            "dimension": (
                ("training", "teacher_width", "width", "seed"),
                np.full((1, 1, 1, 1), 2.0),
            ),
        },
        coords={"training": ["spectral"], "teacher_width": [2], "width": [4], "seed": [0]},
    )
    np.testing.assert_array_equal(
        retained_mask(ds).values.ravel(), [False, True, False, False, True]
    )
    np.testing.assert_array_equal(
        retained_mask(ds, retained=3).values.ravel(), [False, True, False, True, True]
    )
    np.testing.assert_array_equal(
        retained_mask(ds, retained=10).values.ravel(), [True, True, False, True, True]
    )


def test_retained_count_choices(study):
    own = retained_count(study, "dimension")
    assert own.sel({"training": "direct", "width": 8}).values.tolist() == [[8.0] * 3] * 2
    spec = retained_count(study, "spectral_dimension")
    assert spec.sel({"training": "direct", "teacher_width": 4}).values.tolist() == [[4.0] * 3] * 2
    by_width = xr.DataArray([2.4, 2.6], coords={"width": [6, 8]}, dims="width")
    count = retained_count(study, by_width)
    assert count.dims == ("training", "teacher_width", "width", "seed")
    assert count.sel(width=6).values.max() == 2 and count.sel(width=8).values.min() == 3


@pytest.mark.parametrize(
    ("retained", "message"),
    [
        ("dim", "retained: 'dim' is not allowed; use dimension, spectral_dimension"),
        (0, "retained: 0 is not allowed"),
        (2.5, "retained: 2.5 is not allowed"),
        (xr.DataArray([1, 2], dims="node"), "retained: a DataArray over"),
    ],
)
def test_retained_rejects_bad_values(study, retained, message):
    with pytest.raises(ConfigError, match=message):
        compare_topology(study, retained=retained)


def test_compare_topology_spectral_recovers_teacher(study):
    res = compare_topology(study, n_points=50)
    assert set(res.dims) == {"training", "teacher_width", "width", "seed", "layer", "rank"}
    spec = res.sel({"training": "spectral"})
    for t in TEACHER_WIDTHS:
        s = spec.sel(teacher_width=t)
        np.testing.assert_array_equal(s.n_retained, t)
        np.testing.assert_array_equal(s.n_recovered, t)
        np.testing.assert_allclose(s.recovered_fraction, 1.0)
        np.testing.assert_allclose(s.mean_similarity, 1.0, atol=1e-12)
        np.testing.assert_allclose(s.path_wasserstein, 0.0, atol=1e-12)
        np.testing.assert_array_equal(s.path_ks.sel(seed=0), 0.0)  # pure permutation
        assert (s.path_ks <= 2 / (N_INPUT * t * N_HIDDEN2)).all()  # ulp shifts of rescaling
        np.testing.assert_allclose(
            s.path_curve, s.teacher_path_curve.broadcast_like(s.path_curve), atol=1e-12
        )
    # seed 0 is a pure permutation: strengths equal too; seeds 1, 2 are rescaled
    np.testing.assert_allclose(spec.strength_wasserstein.sel(seed=0), 0.0, atol=1e-12)
    assert (spec.strength_ks.sel(seed=[1, 2], layer="hidden1") > 0).all()
    np.testing.assert_array_equal(res.teacher_n_nodes, TEACHER_WIDTHS)
    assert res.teacher_path_curve.sel(teacher_width=4).max() == pytest.approx(1.0, abs=0.02)
    assert res.attrs["retained"] == "dimension" and res.attrs["normalize"] == "max"


def test_compare_topology_direct_pruned_to_spectral_dimension(study):
    own = compare_topology(study, training="direct")
    assert list(own.training.values) == ["direct"]
    np.testing.assert_array_equal(
        own.n_retained.sel(width=8).values, np.full((1, 2, 3), 8.0)
    )  # direct keeps everything at its own dimension
    res = compare_topology(study, retained="spectral_dimension", training="direct")
    for t in TEACHER_WIDTHS:
        np.testing.assert_array_equal(res.n_retained.sel(teacher_width=t), t)
    assert float(res.n_recovered.sum()) <= 2
    assert float(res.mean_similarity.mean()) < 0.6
    assert (res.path_wasserstein > 0.02).all() and (res.path_ks > 0.1).all()
    with pytest.raises(ConfigError, match="training: \\['lasso'\\] is not allowed"):
        compare_topology(study, training="lasso")


def test_compare_topology_with_more_nodes_than_the_teacher(study):
    res = compare_topology(study, retained=5, training="spectral").sel(teacher_width=3)
    np.testing.assert_array_equal(res.n_retained, 5)
    np.testing.assert_array_equal(res.n_recovered, 3)  # noise nodes do not count
    assert (res.path_ks > 0.1).all()  # their tiny paths shift the distribution


def test_compare_topology_retained_dataarray_and_missing_students(study):
    ds = study.copy(deep=True)
    ds["importance"].loc[{"training": "spectral", "teacher_width": 4, "width": 6, "seed": 2}] = (
        np.nan
    )
    by_width = xr.DataArray([2, 3], coords={"width": [6, 8]}, dims="width")
    res = compare_topology(ds, retained=by_width, training="spectral")
    np.testing.assert_array_equal(res.n_recovered.sel(teacher_width=3, width=6), 2)
    np.testing.assert_array_equal(res.n_recovered.sel(teacher_width=3, width=8), 3)
    missing = res.sel(teacher_width=4, width=6, seed=2)
    assert np.isnan(missing.n_retained) and np.isnan(missing.path_wasserstein)


def test_compare_topology_rejects_incomplete_dataset(study):
    with pytest.raises(ConfigError, match="lacks variable\\(s\\) teacher_w1"):
        compare_topology(study.drop_vars("teacher_w1"))
    with pytest.raises(ConfigError, match="normalize"):
        compare_topology(study, normalize="rank")


def test_match_student_uses_pruned_nodes(study):
    m = match_student(study, training="spectral", teacher_width=4, width=8, seed=1)
    assert m.n_recovered == 4 and m.student_nodes.size == 4
    assert np.isnan(m.matrix).all(axis=1).sum() == 8 - 4
