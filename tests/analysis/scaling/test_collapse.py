"""Known-answer tests of the finite-size-scaling collapse on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.scaling import collapse
from phasetrans.testing.collapse import known_collapse as synthetic
from phasetrans.testing.collapse import scaling_function as master


@pytest.mark.parametrize(
    ("x_c", "nu", "zeta"),
    [(0.5, 1.3, 0.4), (-1.0, 0.7, -0.5), (2.0, 2.5, 1.0)],
)
def test_collapse_recovers_generated_exponents_on_a_ragged_grid(x_c, nu, zeta):
    da = synthetic(x_c, nu, zeta, seed=7)
    assert np.isnan(da.values).any()  # the grid really is ragged
    result = collapse(da, "L", "x", sample_dim="seed")
    assert result.x_c == pytest.approx(x_c, rel=0.01)
    assert result.nu == pytest.approx(nu, rel=0.05)
    assert result.zeta == pytest.approx(zeta, abs=0.05)
    # noise consistent with the error bars: S of order one
    assert 0.5 < result.quality < 3.0
    assert result.error_model.startswith("standard error over 'seed'")
    assert result.stderr_method == "curvature"
    assert 0 < result.nu_err < 0.2 * nu
    # the true values lie within three (conservative) curvature errors
    assert abs(result.nu - nu) < 3 * result.nu_err
    assert abs(result.x_c - x_c) < 3 * result.x_c_err


def test_noise_free_collapse_has_quality_near_zero():
    da = synthetic(0.5, 1.3, 0.4, noise=0.0, n_x=121, n_seeds=1, ragged=False).isel(seed=0)
    result = collapse(da, "L", "x")
    assert result.error_model.startswith("unweighted")
    assert result.quality < 1e-4
    assert result.x_c == pytest.approx(0.5, rel=1e-3)
    assert result.nu == pytest.approx(1.3, rel=5e-3)
    assert result.zeta == pytest.approx(0.4, abs=5e-3)
    # off the minimum the same data collapse badly
    off = collapse(da, "L", "x", fix={"nu": 1.0, "x_c": 0.5, "zeta": 0.4})
    assert off.quality > 100 * result.quality


def test_starting_values_far_off_still_find_the_minimum():
    da = synthetic(0.5, 1.3, 0.4, seed=3)
    near = collapse(da, "L", "x", sample_dim="seed")
    far = collapse(da, "L", "x", sample_dim="seed", x_c=0.9, nu=4.0, zeta=-1.0)
    assert far.nu == pytest.approx(near.nu, rel=1e-3)
    assert far.quality == pytest.approx(near.quality, rel=1e-3)


def test_fix_pins_parameters():
    da = synthetic(0.5, 1.3, 0.4, seed=2)
    result = collapse(da, "L", "x", sample_dim="seed", fix={"zeta": 0.4})
    assert result.zeta == 0.4
    assert result.zeta_err == 0.0
    assert result.fixed == {"zeta": 0.4}
    assert result.nu == pytest.approx(1.3, rel=0.05)
    assert "fixed" in result.report()
    # a wrong pinned value makes the collapse worse than the free fit
    wrong = collapse(da, "L", "x", sample_dim="seed", fix={"zeta": 0.0})
    assert wrong.quality > 10 * result.quality


def test_size_independent_curves_give_inverse_nu_zero():
    rng = np.random.default_rng(4)
    x = np.linspace(-3, 3, 41)
    values = master(x)[None, :, None] * (1 + 0.02 * rng.standard_normal((3, 41, 16)))
    da = xr.DataArray(values, dims=("W", "n", "seed"), coords={"W": [20, 100, 500], "n": x})
    result = collapse(da, "W", "n", sample_dim="seed", fix={"zeta": 0, "x_c": 0})
    assert abs(result.params["inv_nu"]) < 0.02
    pinned = collapse(da, "W", "n", sample_dim="seed", fix={"zeta": 0, "nu": np.inf})
    assert pinned.nu == np.inf
    assert pinned.params["inv_nu"] == 0.0


def test_dimension_order_and_size_order_do_not_matter():
    da = synthetic(0.5, 1.3, 0.4, seed=6)
    a = collapse(da, "L", "x", sample_dim="seed")
    b = collapse(da.transpose("seed", "x", "L").isel(L=[2, 0, 3, 1]), "L", "x", sample_dim="seed")
    assert b.nu == pytest.approx(a.nu, rel=1e-6)
    assert b.x_c == pytest.approx(a.x_c, rel=1e-6)


def test_scaled_data_follow_the_sign_convention():
    da = synthetic(0.5, 1.3, 0.4, seed=8)
    result = collapse(da, "L", "x", sample_dim="seed")
    sc = result.scaled
    assert set(sc.dims) == {"L", "x"}
    cell = sc.sel(L=32.0).isel(x=30)
    expected = (cell["x"].item() - result.x_c) * 32.0 ** (1 / result.nu)
    assert cell["scaled_x"].item() == pytest.approx(expected, rel=1e-9)
    assert cell["scaled_y"].item() == pytest.approx(
        cell["observable"].item() * 32.0 ** (-result.zeta), rel=1e-9
    )
    # x < x_c maps to s < 0 for every size
    below = sc["scaled_x"].where(sc["x"] < result.x_c)
    assert (below.fillna(-1) < 0).all()
    assert int(np.isfinite(sc["master"]).sum()) == result.n_points
    assert np.nanmean(sc["residual"].values ** 2) == pytest.approx(result.quality, rel=0.2)


def test_corrections_to_scaling_recover_the_shift_of_the_critical_point():
    rng = np.random.default_rng(0)
    sizes = np.array([8.0, 16.0, 32.0, 64.0, 128.0])
    x = np.linspace(0.2, 0.9, 141)
    x_c_of_l = 0.5 + 4.0 * sizes**-2.0  # b = 4, omega = 2
    clean = 1 / (1 + np.exp(-(x[None] - x_c_of_l[:, None]) * sizes[:, None])) + 0.1
    values = clean[:, :, None] * (1 + 0.02 * rng.standard_normal((*clean.shape, 20)))
    da = xr.DataArray(values, dims=("L", "x", "seed"), coords={"L": sizes, "x": x})
    plain = collapse(da, "L", "x", sample_dim="seed", fix={"zeta": 0})
    fixed_omega = collapse(
        da, "L", "x", sample_dim="seed", fix={"zeta": 0, "omega": 2}, corrections=True
    )
    assert plain.quality > 20
    assert fixed_omega.quality < 2
    assert fixed_omega.params["b"] == pytest.approx(4.0, rel=0.05)
    assert fixed_omega.x_c == pytest.approx(0.5, abs=5e-4)
    assert fixed_omega.nu == pytest.approx(1.0, rel=0.01)
    free = collapse(da, "L", "x", sample_dim="seed", fix={"zeta": 0}, corrections=True)
    assert free.params["omega"] == pytest.approx(2.0, rel=0.25)
    assert "b * L^-omega" in free.report()


def test_collapse_figure_has_raw_collapsed_and_residual_panels():
    from phasetrans.plots.scaling import plot_collapse

    result = collapse(synthetic(0.5, 1.3, 0.4, seed=9, n_x=31), "L", "x", sample_dim="seed")
    fig = plot_collapse(result)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 3
    assert any(t.startswith("data") for t in titles) and any(t.startswith("S = ") for t in titles)
    collapsed = next(ax for ax in fig.axes if ax.get_title().startswith("collapse"))
    assert len(collapsed.containers) == 4  # one error-bar series per size
    assert "ν = 1.3" in fig._suptitle.get_text()
