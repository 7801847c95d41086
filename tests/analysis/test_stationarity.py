"""Stationarity: T/2 against T as a paired difference, on signals with a known relaxation time."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from phasetrans.analysis.stationarity import converged_fraction, stationarity
from phasetrans.errors import AnalysisInputError
from phasetrans.names import TIME, at_checkpoints

#: Budgets per alpha (steps): the cells' clocks differ, so ``time_step`` is (alpha, time).
BUDGETS = {0.5: 4096, 1.0: 8192, 2.0: 16384}
#: 12 log-spaced checkpoints T/2048 … T: they include T/4, T/2 and T.
N_CHECKPOINTS = 12
#: Relaxation time over the budget, per (alpha, width) cell.
TAU_OVER_T = np.array(
    [
        [0.01, 0.03, 0.05, 0.1],
        [0.2, 1.0, 10.0, 0.02],
        [0.07, 0.5, 2.0, 5.0],
    ]
)
WIDTHS = [8, 16, 32, 64]


def _steps() -> xr.DataArray:
    budgets = np.array(list(BUDGETS.values()))
    powers = 2.0 ** np.arange(-(N_CHECKPOINTS - 1), 1)
    steps = (budgets[:, None] * powers[None, :]).astype(np.int64)
    return xr.DataArray(steps, dims=("alpha", TIME), coords={"alpha": list(BUDGETS)})


def _relaxing(teachers: int, students: int) -> tuple[xr.Dataset, np.ndarray, np.ndarray]:
    """m(t) = m_inf + a exp(-t/tau) per cell, the same for every teacher and student."""
    steps = _steps()
    budget = steps.isel({TIME: -1})
    tau = xr.DataArray(TAU_OVER_T, dims=("alpha", "width"), coords={"width": WIDTHS}) * budget
    m_inf = xr.DataArray([0.2, 0.5, 1.0], dims="alpha") + xr.DataArray(
        [0.0, 0.1, 0.2, 0.3], dims="width"
    )
    amplitude = 0.3 * xr.DataArray([1, -1, 1, -1], dims="width")
    m = m_inf + amplitude * np.exp(-steps / tau)
    m = m.expand_dims(teacher_seed=np.arange(teachers), seed=np.arange(students))
    m = m.assign_coords(time_step=steps).transpose("alpha", "width", "teacher_seed", "seed", TIME)
    final = m.isel({TIME: -1}, drop=True).drop_vars("time_step")
    ds = xr.Dataset({at_checkpoints("dimension"): m, "dimension": final})
    # the change over the last factor 2, and its size relative to the larger value
    at_t = (m_inf + amplitude * np.exp(-budget / tau)).transpose("alpha", "width")
    at_half = (m_inf + amplitude * np.exp(-budget / 2 / tau)).transpose("alpha", "width")
    change = (at_t - at_half).values
    scale = np.fmax(np.abs(at_t.values), np.abs(at_half.values))
    return ds, change, scale


def test_noise_free_relaxation_flags_exactly_the_cells_that_moved():
    tolerance = 1e-4
    ds, change, scale = _relaxing(teachers=3, students=2)
    expected = np.abs(change) > tolerance * scale
    ratio = np.abs(change) / (tolerance * scale)
    assert not np.any((ratio > 0.5) & (ratio < 2)), "no cell may sit near the threshold"
    assert 0 < expected.sum() < expected.size

    result = stationarity(ds, tolerance=tolerance, bootstrap=20)
    converged = result["dimension_converged"].transpose("alpha", "width").values
    np.testing.assert_array_equal(~converged, expected)
    np.testing.assert_allclose(result["dimension_change"].transpose("alpha", "width"), change)
    # the paired difference of identical students has no spread: the tolerance decided
    assert float(result["dimension_change_error"].max()) < 1e-12
    np.testing.assert_array_equal(result["step_half"], np.array(list(BUDGETS.values())) // 2)
    np.testing.assert_array_equal(result["step_last"], list(BUDGETS.values()))
    fraction = converged_fraction(result)
    assert fraction.sel(variable="dimension").item() == pytest.approx(1 - expected.mean())
    assert int(fraction["n_cells"].sel(variable="dimension")) == expected.size


def test_one_sample_and_a_data_array_use_the_tolerance():
    ds, change, scale = _relaxing(teachers=1, students=1)
    da = ds[at_checkpoints("dimension")].isel(teacher_seed=0, seed=[0])
    result = stationarity(da, teacher_dim=None, tolerance=1e-4, bootstrap=5)
    assert result.attrs["variables"] == ["dimension"]
    assert result.attrs["sample_dims"] == ["seed"]
    np.testing.assert_array_equal(
        ~result["dimension_converged"].transpose("alpha", "width").values,
        np.abs(change) > 1e-4 * scale,
    )
    assert float(np.abs(result["dimension_change_error"]).max()) == 0.0


def test_the_closest_checkpoint_to_half_is_compared_and_said():
    steps = np.array([1, 10, 100, 450, 1000])
    values = np.array([0.0, 0.5, 0.9, 0.95, 1.0])
    da = xr.DataArray(
        np.broadcast_to(values, (2, 2, 5)).copy(),
        dims=("teacher_seed", "seed", TIME),
        coords={"time_step": (TIME, steps)},
        name=at_checkpoints("specialisation"),
    )
    result = stationarity(da, bootstrap=5)
    assert int(result["step_half"]) == 450 and int(result["step_last"]) == 1000
    assert "closest to half" in result.attrs["half"]
    assert float(result["specialisation_change"]) == pytest.approx(0.05)
    assert not bool(result["specialisation_converged"])


def _noisy(cells: int, moved: int, teachers: int, students: int, seed: int):
    """Constant m in ``cells - moved`` cells, a drift of 10 sigma(change) in the others.

    Noise at each checkpoint: a teacher part (sigma_b) and a student part (sigma_w),
    fresh at every time, so the paired change keeps both.
    """
    rng = np.random.default_rng(seed)
    sigma_b, sigma_w = 0.02, 0.02
    steps = np.array([64, 128, 256, 512, 1024])
    var_teacher_mean = 2 * sigma_b**2 + 2 * sigma_w**2 / students
    sigma_change = np.sqrt(var_teacher_mean / teachers)
    drift = np.zeros(cells)
    drift[:moved] = 10 * sigma_change
    m = 0.5 + drift[:, None] * (steps == steps[-1])[None, :]
    noise = rng.normal(0, sigma_b, (cells, teachers, 1, steps.size)) + rng.normal(
        0, sigma_w, (cells, teachers, students, steps.size)
    )
    da = xr.DataArray(
        m[:, None, None, :] + noise,
        dims=("width", "teacher_seed", "seed", TIME),
        coords={"width": np.arange(cells), "time_step": (TIME, steps)},
    )
    second = 1.0 - da  # a second order parameter, same students
    ds = xr.Dataset({at_checkpoints("dimension"): da, at_checkpoints("overlap"): second})
    expected_var = (teachers - 1) / teachers * var_teacher_mean / teachers + (
        students - 1
    ) / students * 2 * sigma_w**2 / (teachers * students)
    return ds, np.sqrt(expected_var)


def test_noisy_two_level_disorder_false_positives_within_the_stated_rate():
    cells, moved, teachers, students = 600, 100, 10, 4
    ds, expected_error = _noisy(cells, moved, teachers, students, seed=3)
    result = stationarity(ds, "dimension", bootstrap=200, seed=11)
    converged = result["dimension_converged"].values
    # Known answer: the two-level bootstrap error of the paired change (bootstrap module notes)
    median_error = float(np.median(result["dimension_change_error"].values[moved:]))
    assert median_error == pytest.approx(expected_error, rel=0.15)
    # A truly converged cell fails 3 sigma when |t_(n-1)| > 3 sqrt((n-1)/n) (the bootstrap
    # error is sqrt((n-1)/n) of the standard error; the student level only adds to it):
    # for 10 teachers, p = 1.9 % (the Gaussian 0.27 % needs many teachers).
    p = 2 * stats.t.sf(3 * np.sqrt((teachers - 1) / teachers), teachers - 1)
    assert p == pytest.approx(0.0192, abs=1e-3)
    false_positives = int((~converged[moved:]).sum())
    assert false_positives <= stats.binom.ppf(1 - 1e-6, cells - moved, p)
    assert converged[moved:].mean() > 0.95
    # drifts of 10 sigma are caught
    assert (~converged[:moved]).mean() > 0.95


def test_every_variable_is_resampled_with_the_same_draws():
    ds, _ = _noisy(20, 5, 6, 3, seed=0)
    alone = stationarity(ds, ["dimension"], bootstrap=50, seed=4)
    both = stationarity(ds, ["dimension", "overlap_time"], bootstrap=50, seed=4)
    np.testing.assert_array_equal(alone["dimension_change_error"], both["dimension_change_error"])
    # overlap = 1 - dimension: the same resamples give the same error
    np.testing.assert_allclose(both["overlap_change_error"], both["dimension_change_error"])
    np.testing.assert_allclose(both["overlap_change"], -both["dimension_change"])
    assert list(converged_fraction(both)["variable"].values) == ["dimension", "overlap"]


def test_diverged_students_are_left_out():
    ds, _ = _noisy(4, 0, 3, 3, seed=1)
    student = dict(width=0, teacher_seed=0, seed=0)
    spoiled = ds.copy(deep=True)
    spoiled[at_checkpoints("dimension")][{**student, TIME: -1}] = 50.0
    missing = ds.copy(deep=True)
    missing[at_checkpoints("dimension")][student] = np.nan
    diverged = xr.zeros_like(ds[at_checkpoints("dimension")].isel({TIME: 0}, drop=True))
    diverged[student] = 7
    spoiled["diverged_epoch"] = diverged
    result = stationarity(spoiled, "dimension", bootstrap=20)
    xr.testing.assert_identical(result, stationarity(missing, "dimension", bootstrap=20))
    assert abs(float(result["dimension_change"][0])) < 1


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda ds: stationarity(ds.isel({TIME: -1}, drop=True)), "time"),
        (lambda ds: stationarity(ds["dimension"]), "time"),
        (lambda ds: stationarity(ds, ["dimension", "accuracy"]), "variables"),
        (lambda ds: stationarity(ds["dimension_time"], "dimension"), "variables"),
        (lambda ds: stationarity(ds.drop_vars("time_step")), "time_step"),
        (lambda ds: stationarity(ds, level=0), "level"),
        (lambda ds: stationarity(ds, tolerance=-1e-3), "tolerance"),
        (lambda ds: stationarity(ds, bootstrap=1), "bootstrap"),
        (lambda ds: stationarity(ds, student_dim="member"), "student_dim"),
        (lambda ds: converged_fraction(ds), "result"),
    ],
)
def test_bad_input_is_one_line_with_its_field(call, field):
    ds, _, _ = _relaxing(teachers=2, students=2)
    with pytest.raises(AnalysisInputError) as info:
        call(ds)
    assert info.value.field == field
    assert "\n" not in str(info.value)


def test_per_node_variables_only_when_named():
    ds, _ = _noisy(6, 2, 3, 2, seed=2)
    per_node = ds[at_checkpoints("dimension")].expand_dims(teacher_node=[0, 1, 2]).copy()
    ds[at_checkpoints("overlap_max")] = per_node
    default = stationarity(ds, bootstrap=10)
    assert default.attrs["variables"] == ["dimension", "overlap"]
    named = stationarity(ds, ["dimension", "overlap_max"], bootstrap=10)
    assert set(named["overlap_max_converged"].dims) == {"teacher_node", "width"}
    fraction = converged_fraction(named)
    assert int(fraction["n_cells"].sel(variable="overlap_max")) == 3 * 6
