"""The collapse result: short repr, HTML table, dataset, figure; the degenerate-bound guard."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.scaling import collapse
from phasetrans.analysis.scaling.objective import BOUNDS
from phasetrans.analysis.scaling.result import AT_BOUND
from tests.analysis.scaling.test_collapse import synthetic


@pytest.fixture(scope="module")
def result():
    return collapse(synthetic(n_seeds=8, n_x=31), "L", "x", sample_dim="seed", bootstrap=6)


def test_repr_is_short_and_shows_the_estimates(result):
    text = repr(result)
    assert text.startswith("<CollapseResult L=[8, 16, 32, 64] vs 'x': x_c=")
    assert "nu=" in text and "zeta=" in text and "S=" in text and "bootstrap 6" in text
    assert len(text) < 300 and "\n" not in text and "array" not in text


def test_html_table_has_every_parameter_and_the_intervals(result):
    page = result._repr_html_()
    assert page.startswith("<div><table><caption>Collapse over L")
    for name in ("x_c", "nu", "inv_nu", "zeta", "68% interval", "95% interval"):
        assert f"<td>{name}</td>" in page or f"<th>{name}</th>" in page


def test_to_dataset_holds_estimates_errors_intervals_and_samples(result, tmp_path):
    ds = result.to_dataset()
    assert ds["parameter"].values.tolist() == ["x_c", "nu", "inv_nu", "zeta"]
    assert ds["estimate"].sel(parameter="nu").item() == result.nu
    assert ds["stderr"].sel(parameter="x_c").item() == result.x_c_err
    assert ds["interval_low"].dims == ("parameter", "level")
    assert ds["level"].values.tolist() == [0.68, 0.95]
    lo, hi = result.interval("zeta", 0.68)
    assert ds["interval_high"].sel(parameter="zeta", level=0.68).item() == hi
    assert ds["interval_low"].sel(parameter="zeta", level=0.68).item() == lo
    np.testing.assert_array_equal(
        ds["bootstrap_samples"].sel(parameter="zeta").values, result.bootstrap_samples["zeta"]
    )
    assert ds.attrs["quality"] == result.quality and ds.attrs["sample_dim"] == "seed"
    assert {"scaled_x", "scaled_y", "master", "residual"} <= set(ds.data_vars)
    assert ds["estimate"].attrs["long_name"]
    ds.to_netcdf(tmp_path / "collapse.nc")  # storable beside the study
    back = xr.open_dataset(tmp_path / "collapse.nc")
    assert back.attrs["size_dim"] == "L"


def test_plot_delegates_to_the_figure_function(result):
    fig = result.plot()
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="ax: the collapse figure"):
        result.plot(ax=fig.axes[0])


def test_without_bootstrap_the_dataset_has_no_intervals():
    res = collapse(synthetic(n_seeds=4, n_x=21), "L", "x", sample_dim="seed", fix={"zeta": 0.4})
    ds = res.to_dataset()
    assert "interval_low" not in ds and "bootstrap_samples" not in ds
    assert ds["fixed"].sel(parameter="zeta").item() == 1
    assert "zeta=0.4 (fixed)" in repr(res)


def _two_sizes(seed: int) -> xr.DataArray:
    """Two sizes of a noisy step: a free zeta can run to its bound and fake a collapse."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-1, 1, 15)
    sizes = np.array([4, 8])
    base = 1 / (1 + np.exp(3 * x[None, :] * np.sqrt(sizes[:, None])))
    noise = 1 + 0.3 * rng.standard_normal((2, 15, 5))
    values = base[..., None] * noise + 0.01 * rng.standard_normal((2, 15, 5))
    return xr.DataArray(values, dims=("L", "x", "seed"), coords={"L": sizes, "x": x})


def test_a_solution_at_an_optimiser_bound_is_degenerate_not_a_collapse():
    da = _two_sizes(1)
    honest = collapse(da, "L", "x", sample_dim="seed")
    assert honest.at_bound == () and honest.determined
    # started near the bounds, the search ends at zeta = -50 with a "better" S
    res = collapse(da, "L", "x", sample_dim="seed", nu=1 / 49, zeta=-42)
    assert res.quality < honest.quality
    assert res.at_bound == ("zeta",) and not res.determined
    for name in ("x_c", "nu", "inv_nu", "zeta"):
        assert math.isnan(res.params[name]), name
    assert math.isnan(res.x_c) and math.isnan(res.nu) and math.isnan(res.zeta)
    assert AT_BOUND in res.report() and "DEGENERATE" in repr(res)
    assert "at an optimiser bound" in res._repr_html_()
    assert res.to_dataset().attrs["at_bound"] == "zeta"
    assert BOUNDS == {"inv_nu": 50.0, "zeta": 50.0}


def test_a_degenerate_bootstrap_has_nan_intervals():
    res = collapse(_two_sizes(1), "L", "x", sample_dim="seed", nu=1 / 49, zeta=-42, bootstrap=3)
    assert "zeta" in res.at_bound
    assert all(math.isnan(v) for v in res.interval("x_c", 0.95))
    assert all(math.isnan(v) for v in res.interval("nu", 0.95))
