"""Known-answer tests of fit_transition and its bootstrap (one and two levels)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.exponents import (
    compare_models,
    fit_transition,
    power_law,
)
from phasetrans.analysis.validation import AnalysisInputError
from phasetrans.testing.curves import KNOWN_CURVES as CURVES
from phasetrans.testing.curves import X
from phasetrans.testing.curves import curve_samples as samples


def test_power_law_exponent_with_seed_bootstrap():
    da = samples(CURVES["power"])
    fit = fit_transition(da, "x", model="power", sample_dim="seed", bootstrap=60, seed=1)
    assert fit.params["beta"] == pytest.approx(0.7, abs=0.02)
    assert fit.params["x_c"] == 0.0 and "x_c" not in fit.stderr  # held fixed
    assert fit.error_model.startswith("standard error over 'seed'")
    assert fit.bootstrap_kind == "seeds" and fit.n_bootstrap_failed == 0
    lo95, hi95 = fit.interval("beta", 0.95)
    lo68, hi68 = fit.interval("beta", 0.68)
    assert lo95 < lo68 < fit.params["beta"] < hi68 < hi95
    assert lo95 <= 0.7 <= hi95
    # the interval is about as wide as lmfit's standard error says
    assert 0.3 < (hi68 - lo68) / 2 / fit.stderr["beta"] < 3
    text = fit.report()
    assert "beta" in text and "60 resamples of 'seed'" in text and "fixed" in text
    again = fit_transition(da, "x", model="power", sample_dim="seed", bootstrap=60, seed=1)
    np.testing.assert_array_equal(again.bootstrap_samples["beta"], fit.bootstrap_samples["beta"])


def test_residual_bootstrap_without_samples():
    da = samples(CURVES["power"]).mean("seed")
    fit = fit_transition(da, "x", model="power", bootstrap=60, seed=2)
    assert fit.error_model == "unweighted" and fit.bootstrap_kind == "residuals"
    assert fit.interval("beta")[0] <= 0.7 <= fit.interval("beta")[1]
    weighted = fit_transition(da, "x", model="power", error=0.005)
    assert weighted.error_model == "given"
    assert weighted.params["beta"] == pytest.approx(fit.params["beta"], rel=1e-6)


def test_sides_and_windows_select_points():
    x = np.arange(-10.0, 11.0)
    da = samples(lambda x: np.abs(x) ** 1.2 + 1.0, x=x)
    below = fit_transition(da, "x", model="power", sample_dim="seed", side="below")
    above = fit_transition(da, "x", model="power", sample_dim="seed", side="above")
    assert (below.x < 0).all() and below.x.size == 10
    assert (above.x > 0).all() and above.x.size == 10
    assert below.params["beta"] == pytest.approx(1.2, abs=0.05)
    near = fit_transition(da, "x", model="power", sample_dim="seed", side="both", window=4)
    assert near.x.min() == -4 and near.x.max() == 4 and near.x.size == 9
    box = fit_transition(da, "x", model="power", sample_dim="seed", window=(-6, -2))
    np.testing.assert_array_equal(box.x, [-6, -5, -4, -3, -2])


def test_critical_point_can_vary():
    x = np.arange(-12.0, -1.75, 0.25)
    da = samples(lambda x: power_law(x, 0.5, -1.5, 0.8, 0.0), x=x, noise=0.005)
    fit = fit_transition(da, "x", model="power", sample_dim="seed", x_c=-1.0, vary_x_c=True)
    assert fit.params["x_c"] == pytest.approx(-1.5, abs=0.1)
    assert fit.params["beta"] == pytest.approx(0.8, abs=0.05)
    held = fit_transition(da, "x", model="power", sample_dim="seed", x_c=-1.0)
    assert held.params["x_c"] == -1.0
    assert held.result.chisqr > 2 * fit.result.chisqr


def test_errors():
    da = samples(CURVES["power"])
    with pytest.raises(AnalysisInputError, match=r"model='cubic'; allowed"):
        fit_transition(da, "x", model="cubic", sample_dim="seed")
    with pytest.raises(AnalysisInputError, match=r"side='left'"):
        fit_transition(da, "x", side="left", sample_dim="seed")
    with pytest.raises(AnalysisInputError, match=r"control_dim='n' is not a dimension"):
        fit_transition(da, "n", sample_dim="seed")
    with pytest.raises(AnalysisInputError, match=r"besides control_dim"):
        fit_transition(da, "x")
    with pytest.raises(AnalysisInputError, match="no finite value"):
        fit_transition(da * np.nan, "x", sample_dim="seed")
    with pytest.raises(AnalysisInputError, match=r"3 points .* needs more than 3"):
        fit_transition(da, "x", sample_dim="seed", window=(-3, -1))
    with pytest.raises(AnalysisInputError, match=r"side 'above'"):
        fit_transition(da, "x", sample_dim="seed", side="above")
    with pytest.raises(AnalysisInputError, match=r"criterion='aicc'"):
        compare_models(da, "x", sample_dim="seed", criterion="aicc")
    with pytest.raises(AnalysisInputError, match=r"models names 'spline'"):
        compare_models(da, "x", sample_dim="seed", models=["power", "spline"])


def test_two_level_fit_weights_by_the_teachers_spread():
    rng = np.random.default_rng(3)
    clean = CURVES["power"](X)
    teacher = 0.05 * rng.standard_normal((1, 10, 1))
    values = clean[:, None, None] + teacher + 0.01 * rng.standard_normal((X.size, 10, 6))
    da = xr.DataArray(values, dims=("x", "teacher_seed", "seed"), coords={"x": X})
    two = fit_transition(
        da, "x", sample_dim=("teacher_seed", "seed"), bootstrap=30, seed=1, model="power"
    )
    assert two.sample_dim == ("teacher_seed", "seed")
    assert two.error_model.startswith("two-level standard error")
    np.testing.assert_allclose(two.yerr, values.mean(axis=2).std(axis=1, ddof=1) / np.sqrt(10))
    assert two.params["beta"] == pytest.approx(0.7, abs=0.1)
    lo, hi = two.interval("beta")
    assert lo <= two.params["beta"] <= hi and lo <= 0.7 <= hi
