"""The transition-fit results: repr with the parameters, HTML, dataset, figure."""

from __future__ import annotations

import numpy as np
import pytest

from phasetrans.analysis.estimate import format_value
from phasetrans.analysis.exponents import compare_models, fit_transition
from phasetrans.testing.curves import KNOWN_CURVES as CURVES
from phasetrans.testing.curves import curve_samples as samples


@pytest.fixture(scope="module")
def fitted():
    da = samples(CURVES["exponential"], noise=0.005, seed=5)
    return fit_transition(da, "x", model="exponential", sample_dim="seed", bootstrap=5)


def test_repr_shows_the_fitted_parameters(fitted):
    text = repr(fitted)
    assert text.startswith("<TransitionFit exponential below x_c=0")
    for name in ("a", "b", "c"):  # value ± error, decimals from the error (format_estimate)
        e = fitted.params[name]
        assert f"{name}={format_value(e, e.stderr)} ± {e.stderr:.2g}" in text
    assert "AIC=" in text and "\n" not in text and len(text) < 300


def test_html_and_dataset(fitted, tmp_path):
    page = fitted._repr_html_()
    assert "<caption>exponential fit" in page and "<td>b</td>" in page
    ds = fitted.to_dataset()
    assert ds["parameter"].values.tolist() == list(fitted.params)
    assert ds["estimate"].sel(parameter="b").item() == fitted.params["b"]
    assert ds["stderr"].sel(parameter="b").item() == fitted.stderr["b"]
    lo, hi = fitted.interval("b", 0.95)
    assert ds["interval_low"].sel(parameter="b", level=0.95).item() == lo
    assert ds["interval_high"].sel(parameter="b", level=0.95).item() == hi
    assert ds["bootstrap_samples"].sizes["resample"] == 5
    np.testing.assert_allclose(ds["best_fit"].values, fitted.eval(fitted.x))
    assert ds.attrs["model"] == "exponential" and ds.attrs["aic"] == fitted.aic
    ds.to_netcdf(tmp_path / "fit.nc")


def test_plot_and_report(fitted):
    fig = fitted.plot()
    assert len(fig.axes) == 2
    top, bottom = fig.axes
    again = fitted.plot(ax=(top, bottom))
    assert again is fig
    assert fitted.report().startswith("Transition fit: exponential")


def test_comparison_is_rich_too():
    da = samples(CURVES["power"], noise=0.005, seed=5)
    table = compare_models(da, "x", sample_dim="seed")
    text = repr(table)
    assert text.startswith("<ModelComparison by AIC: power (weight")
    assert "best power: <TransitionFit power" in text
    page = table._repr_html_()
    assert page.count("<tr>") >= 4 and "<caption>Models ranked by AIC" in page
    ds = table.to_dataset()
    assert ds.attrs["best"] == "power"
    assert ds["estimate"].sel(model="power", parameter="beta").item() == pytest.approx(
        table.fits["power"].params["beta"]
    )
    assert np.isnan(ds["estimate"].sel(model="exponential", parameter="beta").item())
    assert len(table.plot().axes) == 2
    assert "Model comparison by AIC" in table.report()


def test_params_are_estimates_with_lmfit_errors_and_the_bootstrap(fitted):
    from phasetrans.analysis.estimate import Estimate

    lm = fitted.result.params
    for name, e in fitted.params.items():
        assert isinstance(e, Estimate) and e == lm[name].value
        assert e.stderr == lm[name].stderr and e.correlations == lm[name].correl
        assert e.samples.shape == (5,) and e.interval(0.95) == fitted.interval(name, 0.95)
    assert fitted.params["a"].correlations["b"] == pytest.approx(lm["a"].correl["b"])


def test_a_held_parameter_is_fixed_with_no_error():
    da = samples(CURVES["power"], noise=0.005, seed=5)
    fit = fit_transition(da, "x", model="power", sample_dim="seed", bootstrap=3)
    held = fit.params["x_c"]
    assert held.fixed and held.stderr == 0.0 and held.samples is None and not held.intervals
    assert "x_c" not in fit.stderr and "x_c" not in fit.intervals
    assert "x_c=0 (fixed)" in repr(fit)
    ds = fit.to_dataset()
    assert ds["stderr"].sel(parameter="x_c").item() == 0.0  # as its long_name says
    assert ds["fixed"].sel(parameter="x_c").item() == 1
