"""The collapse says when it cannot tell: no size dependence, flat plateaus, diverged students."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.collapse_input import collapse_array
from phasetrans.analysis.observables import delta_mse
from phasetrans.analysis.scaling import collapse, quality
from phasetrans.errors import AnalysisInputError, PhasetransWarning
from phasetrans.testing.studies import pruning_study as make_study


def same_curve_for_every_size(seed: int = 4) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    x = np.linspace(-3, 3, 41)
    clean = 1 / (1 + np.exp(-x)) + 0.2
    values = clean[None, :, None] * (1 + 0.02 * rng.standard_normal((3, 41, 16)))
    return xr.DataArray(values, dims=("W", "n", "seed"), coords={"W": [20, 100, 500], "n": x})


@pytest.mark.parametrize("bootstrap", [0, 20])
def test_size_independent_curves_give_infinite_nu_and_no_critical_point(bootstrap):
    result = collapse(
        same_curve_for_every_size(), "W", "n", sample_dim="seed", fix={"zeta": 0},
        bootstrap=bootstrap, seed=1,
    )  # fmt: skip
    assert result.size_independent
    assert result.nu == np.inf and result.params["inv_nu"] == 0.0
    assert np.isnan(result.x_c) and np.isnan(result.params["x_c"])
    text = result.report()
    assert "no size dependence: ν and x_c not determined" in text
    if bootstrap:
        lo, hi = result.interval("inv_nu")
        assert lo <= 0.0 <= hi  # the estimate 0 lies in its own interval
        for level in (0.68, 0.95):  # |nu| bounded below, never an interval without inf
            lo, hi = result.interval("nu", level)
            assert 0 < lo <= result.nu <= hi == np.inf
        assert np.isnan(result.interval("x_c")).all()
    assert "outside its 95% interval" not in text


def test_size_dependent_curves_keep_finite_estimates():
    from phasetrans.testing.collapse import known_collapse as synthetic

    result = collapse(synthetic(0.5, 1.3, 0.4, seed=7), "L", "x", sample_dim="seed")
    assert not result.size_independent
    assert np.isfinite(result.x_c) and np.isfinite(result.nu)
    assert "no size dependence" not in result.report()


def test_flat_plateau_points_do_not_enter_the_quality():
    """Non-zero parts apart, zero plateaus overlapping: S would be exactly 0 from them."""
    x = np.array([[-4.0, -3, -2, -1, 0, 1, 2, 3, 4], [5.0, 6, 7, 8, 0.5, 1.5, 2.5, 3.5, 4.5]])
    y = np.array([[0.4, 0.3, 0.2, 0.1, 0, 0, 0, 0, 0], [0.9, 0.5, 0.2, 0.1, 0, 0, 0, 0, 0]])
    assert np.isnan(quality(x, y, np.full_like(y, 0.01)))  # no informative point
    y[1, 5] = 0.05  # one point that varies: it counts, and only it
    assert quality(x, y, np.full_like(y, 0.01)) > 1


def plateau_study() -> xr.DataArray:
    """Delta MSE-like data: exactly 0 for x >= 0 at every size, different shapes below."""
    rng = np.random.default_rng(0)
    x = np.arange(-4.0, 41.0)
    below = x < 0
    values = np.zeros((2, x.size, 10))
    for i, (a, p) in enumerate([(0.02, 2.0), (0.3, 0.5)]):
        curve = a * (-x[below]) ** p
        values[i, below] = curve[:, None] * (1 + 0.05 * rng.standard_normal((below.sum(), 10)))
    return xr.DataArray(
        values, dims=("width", "control", "seed"), coords={"width": [8.0, 16.0], "control": x}
    )


def test_a_collapse_made_of_plateau_points_does_not_win():
    da = plateau_study()
    # x_c = -0.5, nu = 0.25: the non-zero parts of the two widths no longer overlap and
    # 35 plateau points do (S was exactly 0 from them): now refused
    with pytest.raises(AnalysisInputError, match="do not overlap where the observable varies"):
        collapse(
            da, "width", "control", sample_dim="seed", fix={"x_c": -0.5, "nu": 0.25, "zeta": 0}
        )
    # only 8 of the 90 points vary: too few for min_overlap = 0.2 of them
    with pytest.raises(AnalysisInputError, match="no parameter values give overlapping curves"):
        collapse(da, "width", "control", sample_dim="seed", fix={"zeta": 0})
    free = collapse(da, "width", "control", sample_dim="seed", fix={"zeta": 0}, x_window=(-4, 6))
    assert free.quality > 1  # the shapes below x = 0 really differ
    assert free.n_flat > 0 and f"{free.n_flat} flat-plateau points left out" in free.report()
    assert free.n_points == int(np.isfinite(free.scaled["master"]).sum()) - free.n_flat


def test_diverged_students_are_excluded_and_named():
    ds = make_study(widths=(12, 24), n_seeds=4)
    ds["diverged_epoch"] = xr.zeros_like(ds["dimension"], dtype=int)
    ds["diverged_epoch"].loc[{"training": "spectral", "width": 24, "seed": 2}] = 17
    with pytest.warns(PhasetransWarning) as record:
        d = delta_mse(ds)
    message = str(record[0].message)
    assert "1 diverged student" in message
    assert "training='spectral'" in message and "width=24" in message and "seed=2" in message
    assert "epoch 17" in message
    assert d.sel(training="spectral", width=24, seed=2).isnull().all()
    assert np.isfinite(d.sel(training="spectral", width=24, seed=1, retained=3)).all()
    with pytest.warns(PhasetransWarning, match="diverged"):
        da = collapse_array(ds, training="spectral", teacher_width=10)
    assert da.sel(width=24, seed=2).isnull().all()


def test_a_negligible_rescaling_counts_as_no_size_dependence():
    from phasetrans.analysis.estimate import Estimate
    from phasetrans.analysis.scaling.honesty import size_independent

    tiny = {0.95: (-2.8e-9, -2.9e-11)}  # every resample at 1/nu ~ -1e-9
    params = {"inv_nu": Estimate(-4.6e-10, 1e-9, intervals=tiny)}
    assert size_independent(params, np.log(16 / 4))
    real = {"inv_nu": Estimate(-0.1, 0.05, intervals={0.95: (-0.3, -0.05)})}
    assert not size_independent(real, np.log(16 / 4))
    pinned = {"inv_nu": params["inv_nu"].replace(fixed=True)}
    assert not size_independent(pinned, np.log(4))  # nu pinned
