"""The builders of phasetrans.testing produce what their docstrings promise."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.special import logit

from phasetrans.analysis.matching import match_neurons
from phasetrans.analysis.overlaps import OVERLAP_MAX, OVERLAP_MAX_WEIGHTED, student_overlaps
from phasetrans.analysis.paths import path_magnitudes
from phasetrans.analysis.scaling import collapse
from phasetrans.errors import AnalysisInputError
from phasetrans.names import TIME, at_checkpoints
from phasetrans.testing import (
    KNOWN_CURVES,
    critical_ensemble,
    curve_samples,
    known_collapse,
    overlap_ensemble,
    permuted_teacher,
    pruning_study,
    scaling_function,
    specialisation,
    studies,
    swept_study,
    threshold_artefact_ensemble,
    topology_study,
    transition_study,
    with_checkpoints,
    write_topology_study,
)
from phasetrans.testing import checkpoints as checkpoints_module
from phasetrans.testing import topology as topology_module
from phasetrans.testing.curves import KNOWN_PARAMETERS, X

# ---------------------------------------------------------------------------
# the known collapse


def test_known_collapse_obeys_the_scaling_form_exactly_without_noise():
    da = known_collapse(0.3, 0.8, -0.2, noise=0.0, n_seeds=2, n_x=41, ragged=False)
    size, x = da["L"].values[:, None], da["x"].values[None, :]
    s = (x - 0.3) * size ** (1 / 0.8)
    expected = size**-0.2 * scaling_function(s)
    np.testing.assert_allclose(da.isel(seed=1).values, expected, rtol=1e-14)
    # |s| <= window = 6 at the largest size, and it reaches the window's edges
    assert np.abs(s[-1]).max() == pytest.approx(6.0)


def test_known_collapse_ragged_windows_and_missing_cell():
    da = known_collapse(n_x=31, n_seeds=3)
    missing = da.isnull().all("seed")
    for i in range(4):
        row = missing.isel(L=i).values
        expected = np.zeros(31, bool)
        expected[: 3 * i] = True
        expected[31 - 2 * (3 - i) :] = True
        if i == 1:
            expected[31 // 3] = True
        np.testing.assert_array_equal(row, expected)
    # NaN cells are NaN for every seed, never for some
    assert (da.isnull().any("seed") == missing).all()
    assert not known_collapse(n_x=31, n_seeds=3, missing_cell=False).isel(L=1, x=10).isnull().any()


def test_known_collapse_is_reproducible_and_takes_a_generator():
    a = known_collapse(seed=4, n_seeds=3)
    xr.testing.assert_identical(a, known_collapse(seed=4, n_seeds=3))
    rng = np.random.default_rng(4)
    xr.testing.assert_identical(a, known_collapse(seed=rng, n_seeds=3))
    # the generator was advanced: a second call draws new noise
    assert not np.array_equal(known_collapse(seed=rng, n_seeds=3).values, a.values, equal_nan=True)


def test_a_collapse_recovers_the_stated_x_c_and_nu():
    x_c, nu, zeta = -0.4, 1.7, 0.25
    da = known_collapse(x_c, nu, zeta, noise=0.02, n_seeds=8, n_x=41, seed=1)
    result = collapse(da, "L", "x", sample_dim="seed")
    assert result.x_c == pytest.approx(x_c, abs=0.01)
    assert result.nu == pytest.approx(nu, rel=0.05)
    assert result.zeta == pytest.approx(zeta, abs=0.05)


# ---------------------------------------------------------------------------
# the known transition


def test_critical_ensemble_follows_each_teachers_logistic_with_the_stated_nu():
    ds = critical_ensemble(
        sizes=(16, 64), alpha=np.linspace(0.9, 1.1, 11), nu=2.0, width=0.05,
        disorder=0.0, noise=0.0, n_teachers=2, n_students=2,
    )  # fmt: skip
    m = ds["teacher_recovered"].isel(teacher_seed=0, seed=0)
    np.testing.assert_allclose(m.sel(alpha=1.0, method="nearest"), 0.5)
    finite = (m > 1e-9) & (m < 1 - 1e-9)
    z = (ds["alpha"] - 1.0) * ds["input_dim"] ** (1 / 2.0) / 0.05
    np.testing.assert_allclose(logit(m.where(finite)), z.where(finite).T, atol=1e-8)
    assert bool(finite.all())  # |z| <= 8: the check saw the curves, not plateaus
    np.testing.assert_array_equal(ds["alpha_c_teacher"], 1.0)
    assert ds.attrs["nu"] == 2.0 and ds.attrs["teacher_kind"] == "committee"


def test_critical_ensemble_disorder_spreads_as_n_to_the_minus_a():
    sizes = (16, 64, 256)
    ds = critical_ensemble(sizes=sizes, disorder=0.3, disorder_exponent=0.5, n_teachers=400)
    xi = (ds["alpha_c_teacher"] - 1.0) * ds["input_dim"] ** 0.5 / 0.3
    for n in sizes:  # xi ~ N(0, 1), drawn anew at every size
        sample = xi.sel(input_dim=n)
        assert abs(float(sample.mean())) < 4 / np.sqrt(400)
        assert float(sample.std(ddof=1)) == pytest.approx(1.0, abs=0.15)
    assert abs(np.corrcoef(xi.isel(input_dim=0), xi.isel(input_dim=1))[0, 1]) < 0.2


def test_threshold_artefact_ensemble_thresholds_its_own_overlaps():
    ds = threshold_artefact_ensemble(sizes=(16, 256), n_teachers=16, n_students=8, seed=3)
    r = ds["overlap_max"]
    np.testing.assert_array_equal(
        ds["teacher_recovered"], (r >= ds.attrs["threshold"]).mean("teacher_node")
    )
    mean = 1.0 - 0.5 * np.exp(-ds["alpha"] / 2.0)
    residual = (r - mean) * np.sqrt(ds["input_dim"]) / 0.5  # N(0, 1) at every size
    assert float(residual.std()) == pytest.approx(1.0, abs=0.03)
    assert abs(float(residual.mean())) < 0.03


def test_overlap_ensemble_phases_and_bad_phase():
    sym = overlap_ensemble("symmetric", r_sym=0.4, spread=0.05, n_teachers=32, n_students=16)
    assert float(sym.mean()) == pytest.approx(0.4, abs=4 * 0.05 / np.sqrt(sym.size))
    assert float(sym.std()) == pytest.approx(0.05, rel=0.1)
    ordered = overlap_ensemble("ordered", spread=0.05)
    assert float(ordered.max()) <= 1.0 and float(ordered.min()) > 0.97
    with pytest.raises(AnalysisInputError) as info:
        overlap_ensemble("glassy")
    assert info.value.field == "phase"


def test_transition_study_layout_and_its_slow_cells():
    ds = transition_study(checkpoints=True)
    r = ds["overlap_max_weighted"]
    np.testing.assert_allclose(ds["specialisation"], r.mean("teacher_node") - specialisation.R_SYM)
    assert (ds["overlap_symmetric"] == specialisation.R_SYM).all()
    m = ((r - specialisation.R_SYM) / (1 - specialisation.R_SYM)).mean("teacher_node")
    spectral = m.sel(training="spectral").mean(["teacher_seed", "seed"])
    assert float(spectral.sel(alpha=0.6).max()) < 0.1  # symmetric well below alpha_c
    assert float(spectral.sel(alpha=1.4).min()) > 0.9  # specialised well above
    assert list(ds["input_dim"].values) == list(specialisation.SIZES)
    change = ds[at_checkpoints("specialisation")].diff(TIME).squeeze(TIME, drop=True)
    (cell,) = specialisation.SLOW
    np.testing.assert_allclose(change.sel(cell), 0.1)
    assert int((change > 0).sum()) == change.sel(cell).size  # nowhere else


# ---------------------------------------------------------------------------
# permuted teachers


def test_permuted_teacher_has_overlap_one_after_matching():
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(12, 5)), rng.normal(size=(5, 3))
    copy = permuted_teacher(w1, w2, 11)
    match = match_neurons(copy.w1, w1)
    assert match.recovered.size == 5
    np.testing.assert_allclose(match.similarity, 1.0, atol=1e-12)
    # student node j is teacher node perm[j]
    assert {(int(s), int(t)) for s, t in match.pairs} == set(enumerate(copy.perm.tolist()))
    overlaps = student_overlaps(copy.w1[None], w1)
    np.testing.assert_allclose(overlaps[OVERLAP_MAX][0], 1.0, atol=1e-12)
    np.testing.assert_allclose(overlaps[OVERLAP_MAX_WEIGHTED][0], 1.0, atol=1e-12)
    # the rescaling cancels in every path w1[i, j] w2[j, k]
    np.testing.assert_allclose(path_magnitudes(copy.w1, copy.w2), path_magnitudes(w1, w2))
    scales = copy.w1[0] / w1[0, copy.perm]
    assert ((scales >= 0.3) & (scales <= 3.0)).all() and np.ptp(scales) > 0.1


def test_permuted_teacher_without_rescaling_is_a_permutation():
    w1 = np.arange(12.0).reshape(3, 4)
    copy = permuted_teacher(w1, None, np.random.default_rng(2), scale=None)
    np.testing.assert_array_equal(copy.w1, w1[:, copy.perm])
    assert copy.w2 is None and sorted(copy.perm) == [0, 1, 2, 3]


def test_topology_study_spectral_students_hold_their_teachers_nodes(tmp_path):
    root, weights, teacher = topology_study()
    for h in topology_module.TEACHER_WIDTHS:
        t = teacher["w1"].sel(teacher_width=h).isel(teacher_node=slice(0, h)).values
        for width in topology_module.WIDTHS:
            for seed in topology_module.SEEDS:
                cell = {"teacher_width": h, "width": width, "seed": seed}
                spectral, direct = {**cell, "training": "spectral"}, {**cell, "training": "direct"}
                imp = root["importance"].sel(spectral).values
                top = np.argsort(-np.nan_to_num(imp, nan=-1))[:h]
                w = weights["w1"].sel(spectral).values[:, top]
                assert match_neurons(w, t).recovered.size == h
                random = weights["w1"].sel(direct).values[:, :width]
                assert match_neurons(random, t).recovered.size < h
    assert (root["dimension"].sel(training="spectral") == root["teacher_width"]).all()
    path = write_topology_study(tmp_path / "study.nc", seed=0)
    with xr.open_dataset(path, group="teacher") as stored:
        xr.testing.assert_identical(stored.load(), teacher)


# ---------------------------------------------------------------------------
# studies, checkpoints, curves


def test_pruning_study_curves_are_flat_at_full_width_and_nan_beyond():
    ds = pruning_study(widths=(12, 24), n_seeds=3, noise=0.0, classification=True)
    mse = ds["test_mse"]
    for width in (12, 24):
        cell = mse.sel(width=width)
        assert cell.sel(retained=slice(width + 1, None)).isnull().all()
        full = cell.sel(retained=width)
        assert ((full >= 0.01) & (full < 0.011)).all()  # the base, the curve's 0
    spectral = mse.sel(training="spectral", width=24, teacher_width=10).isel(seed=0)
    # softplus(-(n - h_T) (W/12)^(1/NU)) minus its value at n = W: steep below h_T
    delta = spectral - spectral.sel(retained=24)
    expected = 0.05 * np.logaddexp(0.0, -(2 - 10) * 2 ** (1 / studies.NU)) - 0.05 * np.logaddexp(
        0.0, -(24 - 10) * 2 ** (1 / studies.NU)
    )
    assert float(delta.sel(retained=2)) == pytest.approx(expected, rel=1e-12)
    assert ds.attrs["teacher_kind"] == "classification" and "test_accuracy" in ds


def test_swept_study_transition_sits_at_its_alpha_c():
    ds = swept_study(alphas=(studies.ALPHA_C - 0.5, studies.ALPHA_C, studies.ALPHA_C + 0.5))
    m = ds["teacher_recovered"].mean(["training", "teacher_seed", "seed", "teacher_width", "width"])
    np.testing.assert_allclose(m.sel(alpha=studies.ALPHA_C), 0.5, atol=0.02)
    d = ds["input_dim"]
    np.testing.assert_allclose(
        m.sel(alpha=studies.ALPHA_C + 0.5), 1 / (1 + np.exp(-0.5 * d ** (1 / studies.NU_ALPHA))),
        atol=0.02,
    )  # fmt: skip
    n_train = np.rint(ds["alpha"] * ds["input_dim"] * ds["teacher_width"])
    np.testing.assert_array_equal(ds["n_train"], n_train.transpose(*ds["n_train"].dims))


def test_with_checkpoints_relaxes_onto_the_final_values():
    ds = pruning_study(widths=(12, 24), n_seeds=2)
    ds["teacher_recovered"] = ds["dimension"] * 0 + 0.5
    slow = ({"training": "direct", "width": 24},)
    out = with_checkpoints(ds, slow, variables=("teacher_recovered",), budget=1000)
    series = out[at_checkpoints("teacher_recovered")]
    assert list(out["time_step"].values) == [int(1000 * 2.0**k) for k in range(-7, 1)]
    xr.testing.assert_allclose(series.isel({TIME: -1}, drop=True), ds["teacher_recovered"])
    half = series.isel({TIME: -2}, drop=True) - ds["teacher_recovered"]
    np.testing.assert_allclose(half.sel(slow[0]), 0.3 * (np.exp(-0.5) - np.exp(-1.0)))
    np.testing.assert_allclose(half.sel(training="spectral"), 0.0, atol=1e-20)
    assert checkpoints_module.BUDGET == 3000  # the default budget the CLI test relies on


def test_curve_samples_scatter_around_the_known_curve():
    for name, curve in KNOWN_CURVES.items():
        da = curve_samples(curve, noise=0.01, n_seeds=400, seed=2)
        assert da.dims == ("x", "seed") and np.array_equal(da["x"], X)
        residual = (da.mean("seed") - curve(X)) / (0.01 / np.sqrt(400))
        assert float(np.abs(residual).max()) < 4.5, name
    assert KNOWN_PARAMETERS["power"]["beta"] == 0.7
