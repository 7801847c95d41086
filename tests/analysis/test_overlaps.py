"""Known-answer tests of the threshold-free overlaps (phasetrans.analysis.overlaps)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import xarray as xr

from phasetrans import sample_path
from phasetrans.analysis.overlaps import (
    COSINE_THRESHOLD,
    OVERLAP,
    OVERLAP_MAX,
    OVERLAP_MAX_WEIGHTED,
    OVERLAP_SCHEMA,
    OVERLAP_SYMMETRIC,
    OVERLAP_VARIABLES,
    PRINCIPAL_ANGLE,
    SPECIALISATION,
    SUBSPACE_COSINE,
    SUBSPACE_OVERLAP,
    add_overlaps,
    overlap_matrices,
    recovered_at,
    student_overlaps,
    study_overlap_matrices,
    symmetric_baseline,
)
from phasetrans.errors import AnalysisInputError
from phasetrans.store import read_dataset
from phasetrans.testing import permuted_teacher

SAMPLE = sample_path()  # the study shipped with the package


def _orthonormal(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(n, m)))
    return q


def _mc_expected_max_cos(n: int, w: int, draws: int, rng: np.random.Generator):
    """Monte-Carlo E max_i |cos(z_i, e)| over ``w`` Gaussian vectors z_i in ``n`` dims.

    cos(z, e) = z_1 / sqrt(z_1² + χ²_{n-1}), so no n-dimensional vectors are drawn.
    Returns the mean and its standard error.
    """
    z1 = rng.normal(size=(draws, w))
    rest = rng.chisquare(n - 1, size=(draws, w))
    best = (np.abs(z1) / np.sqrt(z1**2 + rest)).max(axis=1)
    return best.mean(), best.std(ddof=1) / np.sqrt(draws)


# ---------------------------------------------------------------------------
# known answers


def test_permuted_rescaled_teacher_gives_permutation_and_full_specialisation():
    rng = np.random.default_rng(0)
    n, m = 20, 5
    teacher = rng.normal(size=(n, m))  # not orthogonal: r_sym differs from 1/sqrt(M)
    copy = permuted_teacher(teacher, None, rng, scale=(0.2, 5.0))
    perm = copy.perm
    scale = np.linalg.norm(copy.w1, axis=0) / np.linalg.norm(teacher[:, perm], axis=0)
    extra = rng.normal(size=(n, 3))  # three more nodes, switched off
    w = np.concatenate([extra[:, :1], copy.w1, extra[:, 1:]], axis=1)
    contribution = np.concatenate([[0.0], scale, [0.0, 0.0]])  # copies of unequal size
    out = student_overlaps(w[None], teacher, contribution=contribution[None])

    assert tuple(out) == OVERLAP_VARIABLES
    cos = out[OVERLAP][0]
    assert cos.shape == (m + 3, m)
    # student node 1 + k holds teacher node perm[k]: R restricted to them is the permutation
    np.testing.assert_allclose(cos[1 : m + 1][np.arange(m), perm], 1.0, atol=1e-12)
    assert np.array_equal(np.abs(cos[1 : m + 1]).argmax(axis=0), np.argsort(perm))
    np.testing.assert_allclose(out[OVERLAP_MAX][0], 1.0, atol=1e-12)
    np.testing.assert_allclose(out[OVERLAP_MAX_WEIGHTED][0], 1.0, atol=1e-12)
    r_sym = symmetric_baseline(teacher.T @ teacher / n)
    assert out[OVERLAP_SYMMETRIC][0] == pytest.approx(r_sym, abs=1e-12)
    assert out[SPECIALISATION][0] == pytest.approx(1.0 - r_sym, abs=1e-12)
    np.testing.assert_allclose(out[SUBSPACE_COSINE][0], 1.0, atol=1e-10)
    assert out[SUBSPACE_OVERLAP][0] == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize(("n", "issue_value", "tol"), [(10, 0.62, 0.02), (320, 0.12, 0.01)])
def test_random_students_sit_at_the_random_vector_expectation(n, issue_value, tol):
    """r_n of random students = E max of W |cos| of random vectors in N dims.

    Expectation by Monte Carlo (40 000 draws, seed 1); the students' mean over
    300 students × 4 teacher nodes must agree within 4 combined standard errors
    (the student error counted over students only, which is conservative).
    The issue's values 0.62 (N = 10) and 0.12 (N = 320) for W = 16 are checked too.
    """
    w_nodes, m, s = 16, 4, 300
    expected, mc_error = _mc_expected_max_cos(n, w_nodes, 40_000, np.random.default_rng(1))
    assert expected == pytest.approx(issue_value, abs=tol)

    rng = np.random.default_rng(2)
    teacher = _orthonormal(rng, n, m)
    out = student_overlaps(rng.normal(size=(s, n, w_nodes)), teacher)
    r_n = out[OVERLAP_MAX]
    error = r_n.mean(axis=1).std(ddof=1) / np.sqrt(s)
    assert r_n.mean() == pytest.approx(expected, abs=4 * np.hypot(error, mc_error))
    # equal contributions (the default: norms of equal expectation) barely change r^w
    assert np.all(out[OVERLAP_MAX_WEIGHTED] <= r_n + 1e-12)


def test_switched_off_nodes_do_not_count_in_the_weighted_overlap():
    """Only the M strongest nodes count fully; nodes with contribution 0 not at all."""
    rng = np.random.default_rng(3)
    n, m, w_nodes = 10, 4, 64
    teacher = _orthonormal(rng, n, m)
    w = rng.normal(size=(50, n, w_nodes))
    contribution = np.zeros((50, w_nodes))
    contribution[:, :m] = rng.uniform(0.5, 2.0, size=(50, m))
    out = student_overlaps(w, teacher, contribution=contribution)
    cos = np.abs(out[OVERLAP])
    np.testing.assert_allclose(out[OVERLAP_MAX], cos.max(axis=1))
    np.testing.assert_allclose(out[OVERLAP_MAX_WEIGHTED], cos[:, :m].max(axis=1))
    # the false size effect: 64 random directions in 10 dims cover every teacher node
    assert out[OVERLAP_MAX].mean() > out[OVERLAP_MAX_WEIGHTED].mean() + 0.2
    # half a contribution counts half
    contribution[:, m] = 0.5 * contribution[:, :m].min(axis=1)
    out = student_overlaps(w, teacher, contribution=contribution)
    expected = np.maximum(cos[:, :m].max(axis=1), 0.5 * cos[:, m])
    np.testing.assert_allclose(out[OVERLAP_MAX_WEIGHTED], expected)


@pytest.mark.parametrize("m", [1, 2, 4, 8])
def test_symmetric_baseline_of_orthogonal_teacher_is_one_over_sqrt_m(m):
    assert symmetric_baseline(np.eye(m)) == pytest.approx(1 / np.sqrt(m), abs=1e-14)
    assert symmetric_baseline(3.0 * np.eye(m)) == pytest.approx(1 / np.sqrt(m), abs=1e-14)


def test_symmetric_baseline_of_a_non_orthogonal_pair_by_hand():
    # |B1| = 2, |B2| = 1, B1.B2 = 1 (cosine 1/2): u = B1 + B2, |u|² = 4 + 2 + 1 = 7;
    # cos(u, B1) = (4 + 1) / (2 √7), cos(u, B2) = (1 + 1) / √7; r_sym is their mean.
    t = np.array([[4.0, 1.0], [1.0, 1.0]])
    by_hand = (5 / (2 * np.sqrt(7)) + 2 / np.sqrt(7)) / 2  # 0.85042
    assert symmetric_baseline(t) == pytest.approx(by_hand, abs=1e-14)
    assert by_hand == pytest.approx(0.85042, abs=1e-5)
    # equal norms, cosine ρ: r_sym = sqrt((1 + ρ)/2)
    assert symmetric_baseline([[1.0, 0.5], [0.5, 1.0]]) == pytest.approx(np.sqrt(0.75))
    # teacher contributions (1, 0): u = B̂1, r_sym = (1 + ρ)/2
    assert symmetric_baseline([[1.0, 0.5], [0.5, 1.0]], contribution=[1.0, 0.0]) == 0.75
    # the same number from the weights, inside student_overlaps
    b = np.array([[2.0, 0.5], [0.0, np.sqrt(0.75)], [0.0, 0.0]])
    assert np.allclose(b.T @ b, t)
    out = student_overlaps(np.eye(3)[None], b)
    assert out[OVERLAP_SYMMETRIC][0] == pytest.approx(by_hand, abs=1e-14)
    # padding (a NaN diagonal) is left out; leading dims are kept
    padded = np.full((2, 3, 3), np.nan)
    padded[0, :2, :2] = t
    padded[1, :1, :1] = 1.0
    np.testing.assert_allclose(symmetric_baseline(padded), [by_hand, 1.0])


def test_subspace_overlap_of_mixed_teacher_and_of_random_student():
    rng = np.random.default_rng(4)
    n, m = 400, 4
    teacher = rng.normal(size=(n, m))
    mixed = teacher @ rng.normal(size=(m, m))  # random mixing: the same span
    w = np.concatenate([mixed, rng.normal(size=(n, 6))], axis=1)
    contribution = np.concatenate([np.full(m, 2.0), np.full(6, 1.0)])  # the mix ranks first
    out = student_overlaps(w[None], teacher, contribution=contribution[None])
    np.testing.assert_allclose(out[SUBSPACE_COSINE][0], 1.0, atol=1e-10)
    assert out[SUBSPACE_OVERLAP][0] == pytest.approx(1.0, abs=1e-10)
    assert out[OVERLAP_MAX][0].max() < 1.0 - 1e-3  # mixed vectors are no node copies

    # random students: E sum cos² = M²/N, so the subspace overlap is about M/N = 0.01
    out = student_overlaps(rng.normal(size=(20, n, 10)), teacher)
    assert out[SUBSPACE_OVERLAP].mean() == pytest.approx(m / n, rel=0.5)
    assert out[SUBSPACE_OVERLAP].max() < 5 * m / n
    # without contributions the subspace takes the M largest norms
    w = np.concatenate([3 * mixed, 0.1 * rng.normal(size=(n, 6))], axis=1)
    assert student_overlaps(w[None], teacher)[SUBSPACE_OVERLAP][0] == pytest.approx(1.0)
    # a student with fewer nodes than the teacher lacks directions: cosine 0
    out = student_overlaps(teacher[None, :, :2], teacher)
    np.testing.assert_allclose(out[SUBSPACE_COSINE][0], [1, 1, 0, 0], atol=1e-10)
    assert out[SUBSPACE_OVERLAP][0] == pytest.approx(0.5)


def test_recovered_at_threshold_scan_numpy_and_xarray():
    r = np.array([[0.95, 0.85, 0.5, np.nan], [1.0, 1.0, 1.0, 1.0], [np.nan] * 4])
    taus = [0.0, 0.6, 0.9, 1.0]
    expected = np.array([[1, 2 / 3, 1 / 3, 0], [1, 1, 1, 1], [np.nan] * 4])
    np.testing.assert_allclose(recovered_at(r, taus), expected)
    np.testing.assert_allclose(recovered_at(r, 0.9), expected[:, 2])

    da = xr.DataArray(r, dims=("seed", "teacher_node"), coords={"seed": [5, 6, 7]})
    scan = recovered_at(da, taus)
    assert scan.dims == ("seed", COSINE_THRESHOLD)
    np.testing.assert_allclose(scan.values, expected)
    np.testing.assert_array_equal(scan[COSINE_THRESHOLD].values, taus)
    assert recovered_at(da, 0.9).dims == ("seed",)
    per_seed = xr.DataArray([0.9, 0.0, 0.5], dims="seed", coords={"seed": [5, 6, 7]})
    np.testing.assert_allclose(recovered_at(da, per_seed).values, [1 / 3, 1, np.nan])
    assert recovered_at(da, 0.9).attrs["long_name"] and "units" not in recovered_at(da, 0.9).attrs

    with pytest.raises(AnalysisInputError, match="tau"):
        recovered_at(r, 1.5)
    with pytest.raises(AnalysisInputError, match="tau"):
        recovered_at(r, np.nan)
    with pytest.raises(AnalysisInputError, match="teacher_node"):
        recovered_at(da.rename(teacher_node="node"), 0.9)


def test_overlap_matrices_raw_and_cosine():
    rng = np.random.default_rng(5)
    n = 7
    w = rng.normal(size=(3, n, 4))
    w[1, :, 2] = 0.0  # a zero vector: cosine 0 with everything
    t = rng.normal(size=(n, 2))
    mats = overlap_matrices(w, t)
    assert mats.r.shape == (3, 4, 2) and mats.q.shape == (3, 4, 4) and mats.t.shape == (2, 2)
    i, k = 3, 1
    assert mats.r[0, i, k] == pytest.approx(w[0, :, i] @ t[:, k] / n)
    assert mats.q[2, 0, i] == pytest.approx(w[2, :, 0] @ w[2, :, i] / n)
    assert mats.t[0, 1] == pytest.approx(t[:, 0] @ t[:, 1] / n)
    cos = w[0, :, i] @ t[:, k] / np.linalg.norm(w[0, :, i]) / np.linalg.norm(t[:, k])
    assert mats.r_cosine[0, i, k] == pytest.approx(cos)
    np.testing.assert_allclose(np.diagonal(mats.t_cosine), 1.0)
    np.testing.assert_allclose(np.diagonal(mats.q_cosine[0]), 1.0)
    assert np.all(mats.r_cosine[1, 2] == 0) and np.all(mats.q_cosine[1, 2] == 0)
    np.testing.assert_allclose(mats.r_cosine, student_overlaps(w, t)[OVERLAP])
    with pytest.raises(AnalysisInputError, match="same number of inputs"):
        overlap_matrices(w, t[:-1])


def test_non_finite_students_give_nan_rows_and_padding_is_left_out():
    rng = np.random.default_rng(6)
    n, m, w_nodes = 8, 3, 5
    teacher = rng.normal(size=(n, m))
    w = rng.normal(size=(4, n, w_nodes))
    contribution = rng.uniform(0.1, 1.0, size=(4, w_nodes))
    w[1, 2, 3] = np.nan
    w[2, 0, 0] = np.inf
    contribution[3, 1] = np.nan
    out = student_overlaps(w, teacher, contribution=contribution)
    for name, values in out.items():
        assert np.isfinite(values[0]).all(), name
        assert np.isnan(values[1:]).all(), name

    # padding: inputs beyond input_dim (teacher rows all NaN), nodes beyond width
    # (student columns all NaN) and teacher nodes beyond h_T (teacher columns all NaN)
    w_pad = np.full((1, n + 2, w_nodes + 3), np.nan)
    w_pad[0, :n, :w_nodes] = w[0]
    t_pad = np.full((n + 2, m + 1), np.nan)
    t_pad[:n, :m] = teacher
    c_pad = np.full((1, w_nodes + 3), np.nan)
    c_pad[0, :w_nodes] = contribution[0]
    padded = student_overlaps(w_pad, t_pad, contribution=c_pad)
    plain = student_overlaps(w[:1], teacher, contribution=contribution[:1])
    np.testing.assert_allclose(padded[OVERLAP][0, :w_nodes, :m], plain[OVERLAP][0])
    assert np.isnan(padded[OVERLAP][0, w_nodes:]).all()
    assert np.isnan(padded[OVERLAP][0, :, m:]).all()
    for name in (OVERLAP_MAX, OVERLAP_MAX_WEIGHTED, SUBSPACE_COSINE):
        np.testing.assert_allclose(padded[name][0, :m], plain[name][0])
        assert np.isnan(padded[name][0, m])
    for name in (OVERLAP_SYMMETRIC, SPECIALISATION, SUBSPACE_OVERLAP):
        assert padded[name][0] == pytest.approx(plain[name][0])


def test_shape_errors_name_the_argument():
    w, t = np.zeros((2, 5, 3)), np.ones((5, 2))
    with pytest.raises(AnalysisInputError, match="w1"):
        student_overlaps(w, np.ones((4, 2)))
    with pytest.raises(AnalysisInputError, match="contribution"):
        student_overlaps(w, t, contribution=np.ones((2, 4)))
    with pytest.raises(AnalysisInputError, match="teacher_contribution"):
        student_overlaps(w, t, teacher_contribution=np.ones(3))
    with pytest.raises(AnalysisInputError, match="top"):
        student_overlaps(w, t, top=0)
    with pytest.raises(AnalysisInputError, match="broadcast"):
        student_overlaps(w, np.ones((3, 5, 2)))


# ---------------------------------------------------------------------------
# the study dataset


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> xr.Dataset:
    path = tmp_path_factory.mktemp("sample") / "sample_quick.nc"
    shutil.copy(SAMPLE, path)
    return read_dataset(path, load=True)


def test_add_overlaps_on_the_sample_study(sample):
    out = add_overlaps(sample)
    student = ("training", "teacher_width", "width", "seed")
    for name in OVERLAP_VARIABLES:
        assert out[name].dims == student + OVERLAP_SCHEMA[name][0], name
        assert out[name].attrs["long_name"] and "units" not in out[name].attrs  # dimensionless
    assert out.sizes[PRINCIPAL_ANGLE] == out.sizes["teacher_node"]
    assert set(sample.data_vars) < set(out.data_vars) and OVERLAP not in sample
    # the same numbers as the numpy core on one student (width 16 of 128 node slots)
    cell = {"training": "direct", "teacher_width": 8, "width": 16, "seed": 2}
    one = sample.sel(cell)
    core = student_overlaps(
        one.w1.values[None, :, :16],
        one.teacher_w1.values,
        contribution=one.importance.values[None, :16],
    )
    for name in OVERLAP_VARIABLES:
        got = out[name].sel(cell).values
        if name == OVERLAP:
            got = got[:16]
            assert np.isnan(out[name].sel(cell).values[16:]).all()
        np.testing.assert_allclose(got, core[name][0], atol=1e-12, err_msg=name)
    # the spectral students of the sample are specialised, the direct ones nearly
    spec = out[SPECIALISATION]
    assert float(spec.sel(training="spectral").min()) > 0.55
    assert float(out[OVERLAP_MAX_WEIGHTED].sel(training="spectral").min()) > 0.95


def test_add_overlaps_keeps_present_variables_unless_overwrite(sample):
    marked = add_overlaps(sample)
    marked[SPECIALISATION] = marked[SPECIALISATION] * 0 + 7.0
    assert float(add_overlaps(marked)[SPECIALISATION].min()) == 7.0
    assert float(add_overlaps(marked, overwrite=True)[SPECIALISATION].max()) < 1.0
    with pytest.raises(AnalysisInputError, match="teacher_w1"):
        add_overlaps(sample.drop_vars("teacher_w1"))


def _swept_study(rng: np.random.Generator, *, readout: bool = False) -> xr.Dataset:
    """Students over (training, teacher_seed, input_dim, teacher_width, width, seed),
    teachers over (teacher_seed, input_dim, teacher_width), NaN-padded like combine."""
    dims_in, t_widths, widths, seeds = (4, 6), (2, 3), (3, 5), (0, 1)
    shape = (2, 2, len(dims_in), len(t_widths), len(widths), len(seeds))
    w1 = np.full((*shape, max(dims_in), max(widths)), np.nan)
    imp = np.full((*shape, max(widths)), np.nan)
    tw = np.full((2, len(dims_in), len(t_widths), max(dims_in), max(t_widths)), np.nan)
    for ts in range(2):
        for a, n in enumerate(dims_in):
            for b, m in enumerate(t_widths):
                tw[ts, a, b, :n, :m] = rng.normal(size=(n, m))
    for idx in np.ndindex(*shape):
        n, width = dims_in[idx[2]], widths[idx[4]]
        w1[(*idx, slice(0, n), slice(0, width))] = rng.normal(size=(n, width))
        imp[(*idx, slice(0, width))] = rng.uniform(0, 1, size=width)
    coords = {
        "training": ["spectral", "direct"],
        "teacher_seed": [0, 1],
        "input_dim": list(dims_in),
        "teacher_width": list(t_widths),
        "width": list(widths),
        "seed": list(seeds),
        "input": np.arange(max(dims_in)),
        "node": np.arange(max(widths)),
        "teacher_node": np.arange(max(t_widths)),
    }
    student = ("training", "teacher_seed", "input_dim", "teacher_width", "width", "seed")
    data = {
        "w1": ((*student, "input", "node"), w1),
        "importance": ((*student, "node"), imp),
        "teacher_w1": (("teacher_seed", "input_dim", "teacher_width", "input", "teacher_node"), tw),
    }
    if readout:
        data["readout"] = ((*student, "node"), rng.normal(size=imp.shape) * np.isfinite(imp))
    return xr.Dataset(data, coords=coords)


@pytest.mark.parametrize("readout", [False, True])
def test_add_overlaps_broadcasts_teachers_over_sweeps_and_padding(readout):
    rng = np.random.default_rng(7)
    ds = _swept_study(rng, readout=readout)
    out = add_overlaps(ds)
    student = ("training", "teacher_seed", "input_dim", "teacher_width", "width", "seed")
    assert out[OVERLAP_MAX].dims == (*student, "teacher_node")
    assert out[SUBSPACE_COSINE].dims == (*student, PRINCIPAL_ANGLE)
    for cell in (
        {"training": "direct", "teacher_seed": 1, "input_dim": 4, "teacher_width": 3,
         "width": 5, "seed": 0},
        {"training": "spectral", "teacher_seed": 0, "input_dim": 6, "teacher_width": 2,
         "width": 3, "seed": 1},
    ):  # fmt: skip
        one = ds.sel(cell)
        n, m, w = cell["input_dim"], cell["teacher_width"], cell["width"]
        w1 = one.w1.values[:n, :w]
        if readout:
            contribution = np.abs(one.readout.values[:w]) * np.linalg.norm(w1, axis=0)
        else:
            contribution = one.importance.values[:w]
        core = student_overlaps(
            w1[None], one.teacher_w1.values[:n, :m], contribution=contribution[None]
        )
        got = out.sel(cell)
        np.testing.assert_allclose(got[OVERLAP].values[:w, :m], core[OVERLAP][0])
        np.testing.assert_allclose(
            got[OVERLAP_MAX_WEIGHTED].values[:m], core[OVERLAP_MAX_WEIGHTED][0]
        )
        np.testing.assert_allclose(got[SUBSPACE_COSINE].values[:m], core[SUBSPACE_COSINE][0])
        for name in (OVERLAP_SYMMETRIC, SPECIALISATION, SUBSPACE_OVERLAP):
            assert float(got[name]) == pytest.approx(float(core[name][0]), abs=1e-12), name
        assert np.isnan(got[OVERLAP_MAX].values[m:]).all()
    # overlap_symmetric depends on the teacher alone
    sym = out[OVERLAP_SYMMETRIC]
    assert float((sym - sym.isel(training=0, width=0, seed=0)).max()) == 0.0
    # a lazy (dask) dataset chunked over students gives the same numbers
    lazy = add_overlaps(ds.chunk({"seed": 1, "training": 1}))
    assert lazy[SPECIALISATION].chunks is not None
    xr.testing.assert_allclose(lazy[SPECIALISATION].compute(), out[SPECIALISATION])


def test_study_overlap_matrices_leave_padded_inputs_out():
    rng = np.random.default_rng(8)
    ds = _swept_study(rng)
    mats = study_overlap_matrices(ds)
    assert mats["Q"].dims[-2:] == ("node", "node_b")
    assert mats["T"].dims == (
        "teacher_seed",
        "input_dim",
        "teacher_width",
        "teacher_node",
        "teacher_node_b",
    )
    cell = {
        "training": "spectral",
        "teacher_seed": 1,
        "input_dim": 4,
        "teacher_width": 2,
        "width": 3,
        "seed": 1,
    }
    one = ds.sel(cell)
    ref = overlap_matrices(one.w1.values[:4, :3], one.teacher_w1.values[:4, :2])
    got = mats.sel(cell)
    np.testing.assert_allclose(got["R"].values[:3, :2], ref.r)
    np.testing.assert_allclose(got["Q_cosine"].values[:3, :3], ref.q_cosine)
    np.testing.assert_allclose(got["T"].values[:2, :2], ref.t)
    assert np.isnan(got["R"].values[3:]).all()


def test_contribution_is_chosen_per_student():
    """readout where a student has one, else importance, else the norm (the core default)."""
    rng = np.random.default_rng(9)
    ds = _swept_study(rng, readout=True)
    ds["readout"] = ds["readout"].where(ds["training"] == "direct")  # spectral: none
    out = add_overlaps(ds)
    bare = add_overlaps(ds.drop_vars(["readout", "importance"]))
    base = {"teacher_seed": 0, "input_dim": 6, "teacher_width": 3, "width": 5, "seed": 1}
    for training in ("spectral", "direct"):
        one = ds.sel(base | {"training": training})
        w1, t = one.w1.values[None, :, :], one.teacher_w1.values[:, :3]
        if training == "direct":
            contribution = np.abs(one.readout.values) * np.linalg.norm(w1[0], axis=0)
        else:
            contribution = one.importance.values
        weighted = student_overlaps(w1, t, contribution=contribution[None])
        got = out[OVERLAP_MAX_WEIGHTED].sel(base | {"training": training}).values[:3]
        np.testing.assert_allclose(got, weighted[OVERLAP_MAX_WEIGHTED][0])
        by_norm = student_overlaps(w1, t)[OVERLAP_MAX_WEIGHTED][0]
        got = bare[OVERLAP_MAX_WEIGHTED].sel(base | {"training": training}).values[:3]
        np.testing.assert_allclose(got, by_norm)
