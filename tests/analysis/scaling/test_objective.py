"""The public scaling transform, scale(da, x_c, nu, zeta)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.scaling import collapse, scale
from phasetrans.errors import AnalysisInputError
from phasetrans.testing.collapse import known_collapse as synthetic
from phasetrans.testing.collapse import scaling_function as master


def test_scale_puts_generated_data_on_the_master_curve():
    da = synthetic(0.5, 1.3, 0.4, noise=0.0, n_seeds=1, ragged=False).isel(seed=0, drop=True)
    sc = scale(da, 0.5, 1.3, 0.4)
    assert sc["scaled_x"].dims == ("L", "x")
    np.testing.assert_allclose(sc["scaled_y"].values, master(sc["scaled_x"].values), rtol=1e-12)
    cell = sc.sel(L=16.0).isel(x=3)
    assert cell["scaled_x"].item() == pytest.approx((cell["x"].item() - 0.5) * 16 ** (1 / 1.3))
    err = scale(da, 0.5, 1.3, 0.4, error=xr.full_like(da, 0.1))
    np.testing.assert_allclose(err["scaled_error"].sel(L=64.0).values, 0.1 * 64.0**-0.4)
    flat = scale(da, 0.5, np.inf, 0.0)
    np.testing.assert_allclose(flat["scaled_x"].sel(L=8.0).values, da["x"].values - 0.5)


def test_scale_agrees_with_the_collapse_result():
    da = synthetic(0.5, 1.3, 0.4, seed=8)
    result = collapse(da, "L", "x", sample_dim="seed")
    sc = scale(da.mean("seed"), result.x_c, result.nu, result.zeta, size_dim="L", control_dim="x")
    ok = np.isfinite(result.scaled["scaled_x"].values)
    np.testing.assert_allclose(
        sc["scaled_x"].values[ok], result.scaled["scaled_x"].values[ok], rtol=1e-9
    )


def test_scale_errors():
    da = synthetic(0.5, 1.3, 0.4, n_x=11, n_seeds=2)
    with pytest.raises(AnalysisInputError, match="name size_dim and control_dim"):
        scale(da, 0.5, 1.3, 0.4)
    with pytest.raises(AnalysisInputError, match=r"nu=0"):
        scale(da.isel(seed=0), 0.5, 0, 0.4)
    with pytest.raises(AnalysisInputError, match=r"size_dim='W' is not a dimension"):
        scale(da.isel(seed=0), 0.5, 1.3, 0.4, size_dim="W", control_dim="x")
