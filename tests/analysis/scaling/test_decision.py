"""A collapse is one answer: size dependence decided before the bootstrap, alerts, own x_c."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

import phasetrans
from phasetrans.analysis.defaults import MIN_BOOTSTRAP
from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.scaling import collapse, quality
from phasetrans.analysis.scaling.honesty import PROFILE_DELTA_CHI2, Profile, size_independent
from phasetrans.errors import PhasetransWarning
from phasetrans.testing.collapse import known_collapse as synthetic


@pytest.fixture(scope="module")
def sample():
    return phasetrans.open_sample()


@pytest.fixture(scope="module")
def by_resamples(sample):
    return {k: sample.pt.collapse(training="spectral", bootstrap=k) for k in (5, 20, 50)}


def test_the_decision_is_the_same_for_5_20_and_50_resamples(by_resamples):
    decisions = {k: r.size_independent for k, r in by_resamples.items()}
    assert decisions == {5: True, 20: True, 50: True}  # widths 16-128 collapse at 1/nu = 0
    # and so is everything the decision rests on, and the point the result reports
    for name in ("quality", "free_quality", "profile_quality", "profile_points"):
        assert len({getattr(r, name) for r in by_resamples.values()}) == 1, name
    assert len({float(r.params["zeta"]) for r in by_resamples.values()}) == 1
    for r in by_resamples.values():
        assert r.nu == math.inf and math.isnan(r.x_c) and r.params["inv_nu"] == 0
        assert r.profile_points * (r.profile_quality / r.free_quality - 1) <= PROFILE_DELTA_CHI2


def test_intervals_from_too_few_resamples_carry_a_warning(by_resamples):
    assert MIN_BOOTSTRAP == 50
    for k, r in by_resamples.items():
        few = k < MIN_BOOTSTRAP
        assert ("rerun with bootstrap >= 50" in r.report()) is few
        assert ("(too few)" in repr(r)) is few
        assert ("warning: intervals from only" in r._repr_html_()) is few


def test_the_profile_decides_not_the_bootstrap_interval():
    # a 95 % bootstrap interval that excludes 0 does not make a size dependence ...
    away = {"inv_nu": Estimate(-1e-4, 1e-4, intervals={0.95: (-3e-3, -1e-5)})}
    flat = Profile(np.zeros(5), quality=4.06, s_min=4.05, n_points=66)
    assert size_independent(away, math.log(8), flat)
    # ... nor does one that holds 0 make it size independent when the profile rises far
    around = {"inv_nu": Estimate(0.5, 0.3, intervals={0.95: (-0.1, 1.1)})}
    steep = Profile(np.zeros(5), quality=1.34, s_min=0.83, n_points=162)
    assert steep.delta_chi2 == pytest.approx(162 * (1.34 / 0.83 - 1))
    assert not size_independent(around, math.log(8), steep)


def test_a_real_size_dependence_is_kept_and_the_profile_says_why():
    result = collapse(synthetic(0.5, 1.3, 0.4, seed=7), "L", "x", sample_dim="seed")
    assert not result.size_independent
    assert result.profile_quality > 100 * result.free_quality  # curves far from one another
    assert result.quality == result.free_quality
    assert "size dependence (decided before the bootstrap)" in result.report()


def test_with_no_size_dependence_the_result_is_at_its_own_point(by_resamples):
    r = by_resamples[50]
    sc = r.scaled
    # x_c is not determined: shown as 0, so the scaled control is the control itself
    control = sc["control"].broadcast_like(sc["scaled_x"]).where(sc["scaled_x"].notnull())
    np.testing.assert_allclose(sc["scaled_x"], control, atol=1e-4)
    # the quality printed is the S of the scaled data shown (to the 1e-6 rescaling that
    # orders the points coinciding at 1/nu = 0)
    widths = sc["width"].values.astype(float)[:, None]
    s = quality(
        sc["scaled_x"].values,
        sc["scaled_y"].values,
        sc["scaled_error"].values,
    )
    assert s == pytest.approx(r.quality, rel=1e-5)
    assert np.allclose(sc["scaled_y"], sc["observable"] * widths ** -float(r.zeta), equal_nan=True)
    fig = r.plot()
    raw, _, residual = fig.axes[:3]
    assert "taken as 0" in residual.get_xlabel()
    assert not [line for line in raw.get_lines() if line.get_label() == "$x_c$"]
    assert "no size dependence" in fig._suptitle.get_text()


def test_an_estimate_outside_the_fitted_window_is_an_alert():
    da = synthetic(0.5, 1.3, 0.4, seed=3)  # x_c = 0.5, the data fitted only up to 0.45
    with pytest.warns(PhasetransWarning, match="outside the fitted window"):
        r = collapse(da, "L", "x", sample_dim="seed", x_window=(0.25, 0.45))
    assert r.x_window == pytest.approx((0.2552, 0.4429), abs=1e-4)
    assert not r.x_window[0] <= r.x_c <= r.x_window[1]
    (alert,) = r.alerts
    assert "x_c = 0.50" in alert and "extrapolation" in alert
    assert f"ALERT        {alert}" in r.report()
    assert "ALERT x_c outside the window" in repr(r)
    assert "ALERT: " in r._repr_html_()
    assert r.to_dataset().attrs["alerts"] == alert
    inside = collapse(da, "L", "x", sample_dim="seed")
    assert inside.alerts == [] and "ALERT" not in inside.report()


def test_a_degenerate_collapse_is_an_alert_too():
    rng = np.random.default_rng(1)
    x = np.linspace(-1, 1, 15)
    sizes = np.array([4, 8])
    base = 1 / (1 + np.exp(3 * x[None, :] * np.sqrt(sizes[:, None])))
    values = base[..., None] * (1 + 0.3 * rng.standard_normal((2, 15, 5)))
    values += 0.01 * rng.standard_normal((2, 15, 5))
    da = xr.DataArray(values, dims=("L", "x", "seed"), coords={"L": sizes, "x": x})
    r = collapse(da, "L", "x", sample_dim="seed", nu=1 / 49, zeta=-42)
    assert r.at_bound == ("zeta",)
    assert [a for a in r.alerts if "degenerate collapse" in a and "zeta at the bound 50" in a]
