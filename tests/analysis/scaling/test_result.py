"""The collapse result: short repr, HTML table, dataset, figure; the degenerate-bound guard."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis.scaling import collapse
from phasetrans.analysis.scaling.objective import BOUNDS
from phasetrans.analysis.scaling.result import AT_BOUND
from phasetrans.testing.collapse import known_collapse as synthetic


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


def _labelled(values: np.ndarray) -> xr.DataArray:
    """A collapse input as collapse_array records it: control ``shift``, n - h_T."""
    da = synthetic(n_seeds=4, n_x=21)
    da = da.rename(L="width", x="control").assign_coords(control=values)
    da["control"].attrs = {"long_name": "n - h_T"}
    da["width"].attrs = {"long_name": "student width"}
    da.attrs = {"observable": "delta_mse", "size": "width", "control": "shift", "teacher_width": 8}
    return da


def test_the_result_keeps_the_input_attributes():
    # shift values in [-1, 0.5] and not integers: guessing from the values said "ratio"
    da = _labelled(np.linspace(-1.0, 0.5, 21))
    res = collapse(da, "width", "control", sample_dim="seed", fix={"zeta": 0.4})
    assert res.scaled["control"].attrs == {"long_name": "n - h_T"}
    assert res.scaled["width"].attrs == {"long_name": "student width"}
    assert res.scaled.attrs["control"] == "shift" and res.scaled.attrs["teacher_width"] == 8
    assert res.scaled["observable"].attrs["observable"] == "delta_mse"
    ds = res.to_dataset()
    assert ds.attrs["observable"] == "delta_mse" and ds.attrs["control"] == "shift"
    assert ds.attrs["quality"] == res.quality  # the result's own attrs win
    fig = res.plot()
    assert "n - h_T" in fig.axes[0].get_xlabel() and "n / h_T" not in fig.axes[0].get_xlabel()
    assert "Delta" in fig.axes[0].get_ylabel()


def test_without_attributes_the_control_is_not_guessed():
    da = synthetic(n_seeds=4, n_x=21).rename(L="width", x="control")
    res = collapse(da, "width", "control", sample_dim="seed", fix={"zeta": 0.4})
    assert res.scaled["control"].attrs == {}
    assert res.plot().axes[0].get_xlabel() == "control control"


def test_a_fit_keeps_the_input_attributes():
    from phasetrans.analysis.exponents import fit_transition

    da = _labelled(np.linspace(-1.0, 0.5, 21)).isel(width=-1, drop=True)
    fit = fit_transition(da.dropna("control", how="all"), "control", model="step", side="both",
                         x_c=0.0, sample_dim="seed")  # fmt: skip
    assert fit.attrs["control"] == "shift" and fit.control_attrs == {"long_name": "n - h_T"}
    ds = fit.to_dataset()
    assert ds["x"].attrs["long_name"] == "n - h_T" and ds.attrs["observable"] == "O"
    assert ds.attrs["teacher_width"] == 8
    assert "n - h_T" in fit.plot().axes[1].get_xlabel()


def test_plot_draws_into_three_given_axes(result):
    from phasetrans.plots._base import new_figure

    fig = new_figure(9, 3)
    axes = fig.subplots(1, 3)
    assert result.plot(ax=axes) is fig
    assert axes[0].get_ylabel() and axes[2].get_ylabel() == "residual / σ"
    with pytest.raises(ValueError, match="ax: the collapse figure draws three panels"):
        result.plot(ax=axes[:2])


def test_params_are_estimates_and_the_views_follow_them(result):
    from phasetrans.analysis.estimate import Estimate

    assert list(result.params) == ["x_c", "nu", "inv_nu", "zeta"]
    assert all(isinstance(e, Estimate) for e in result.params.values())
    nu = result.params["nu"]
    assert result.nu is nu and result.nu_err == nu.stderr
    assert result.stderr["x_c"] == result.params["x_c"].stderr
    assert result.intervals["zeta"] == result.params["zeta"].intervals
    assert result.bootstrap_samples["zeta"] is result.params["zeta"].samples
    assert nu.curvature_stderr == result.curvature_stderr["nu"] > 0
    # correlations of the free parameters from the bootstrap replicates; nu moves against 1/nu
    samples = {n: result.params[n].samples for n in ("x_c", "inv_nu")}
    expected = np.corrcoef(samples["x_c"], samples["inv_nu"])[0, 1]
    assert result.params["x_c"].correlations["inv_nu"] == pytest.approx(expected)
    assert nu.correlations["x_c"] == pytest.approx(-expected)
    assert set(result.params["zeta"].correlations) == {"x_c", "inv_nu"}


def test_a_fixed_parameter_is_marked_in_its_estimate():
    res = collapse(synthetic(n_seeds=4, n_x=21), "L", "x", sample_dim="seed", fix={"nu": 0.41})
    assert res.params["nu"] == 0.41  # the value given, not 1/(1/0.41)
    assert res.params["nu"].fixed and res.params["inv_nu"].fixed
    assert not res.params["x_c"].fixed and res.fixed == {"nu": 0.41}
    assert res.params["nu"].stderr == 0.0 and res.params["nu"].correlations == {}
