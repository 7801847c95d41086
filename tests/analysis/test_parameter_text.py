"""How fits and collapses show their parameters: ± a standard error, the bootstrap beside it."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from phasetrans.analysis.defaults import INTERVAL_EDGE, MIN_BOOTSTRAP, STRONG_CORRELATION
from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.exponents import compare_models, fit_transition
from phasetrans.analysis.parameter_text import (
    bootstrap_sd,
    covariance_error,
    edge_flag,
    few_resamples,
    parameter_lines,
    short_estimate,
    strong_correlations,
)
from phasetrans.errors import AnalysisInputError
from phasetrans.testing.curves import KNOWN_CURVES as CURVES
from phasetrans.testing.curves import curve_samples as samples


def _with(value: float, lo68: float, hi68: float, lo95: float, hi95: float) -> Estimate:
    return Estimate(
        value, 0.1, curvature_stderr=0.05, intervals={0.68: (lo68, hi68), 0.95: (lo95, hi95)}
    )


def test_edge_flag_says_where_the_estimate_sits_in_its_own_interval():
    assert INTERVAL_EDGE == 0.2
    assert edge_flag(_with(1.0, 0.9, 1.1, 0.8, 1.2)) == ""  # the middle
    assert edge_flag(_with(1.0, 0.97, 1.2, 0.9, 1.3)) == "at the edge of its 68% interval"
    assert edge_flag(_with(1.0, 1.01, 1.2, 0.9, 1.3)) == "outside its 68% interval"
    assert edge_flag(_with(1.0, 1.01, 1.2, 1.005, 1.3)) == "outside its 95% interval"
    assert edge_flag(Estimate(1.0, 0.1)) == ""  # no bootstrap
    assert edge_flag(_with(1.0, 1.01, 1.2, 1.005, 1.3).replace(fixed=True)) == ""


def test_strong_correlations_each_pair_once_strongest_first():
    assert STRONG_CORRELATION == 0.95
    params = {
        "a": Estimate(1.0, 0.1, correlations={"b": -0.9999, "c": 0.5}),
        "b": Estimate(2.0, 0.1, correlations={"a": -0.9999, "c": 0.96}),
        "c": Estimate(3.0, 0.1, correlations={"a": 0.5, "b": 0.96}),
    }
    assert strong_correlations(params) == ["C(a, b) = -1.000", "C(b, c) = +0.960"]


def test_few_resamples_is_a_warning_below_the_minimum():
    assert few_resamples(0) == "" and few_resamples(MIN_BOOTSTRAP) == ""
    assert few_resamples(5).startswith("intervals from only 5 resamples (fewer than 50)")


def test_plus_minus_is_the_covariance_error_and_the_bootstrap_sd_is_named():
    e = Estimate(
        3.854, 0.2, curvature_stderr=0.058, samples=np.array([3.5, 3.9, 3.7, np.nan]),
        intervals={0.68: (3.557, 3.906), 0.95: (3.204, 3.970)},
    )  # fmt: skip
    assert covariance_error(e) == 0.058
    assert bootstrap_sd(e) == pytest.approx(np.std([3.5, 3.9, 3.7], ddof=1))
    assert short_estimate("beta", e) == "beta=3.854 ± 0.058 [3.557, 3.906] (at its edge)"
    head, row = parameter_lines({"beta": e})
    assert "estimate ± s.e." in head and "bootstrap s.d." in head
    assert row.split()[:5] == ["beta", "3.854", "±", "0.058", "0.2"]
    assert row.endswith("at the edge of its 68% interval")
    undetermined = Estimate(math.nan, math.nan, samples=np.array([1.0, 2.0]))
    assert math.isnan(bootstrap_sd(undetermined))  # replicates of no value shown
    assert "not determined" in parameter_lines({"x_c": undetermined})[1]


@pytest.fixture(scope="module")
def fitted():
    da = samples(CURVES["exponential"], noise=0.005, seed=5)
    return fit_transition(da, "x", model="exponential", sample_dim="seed", bootstrap=20)


def test_a_fit_shows_its_interval_beside_lmfits_error_and_its_correlations(fitted):
    text = repr(fitted)
    for name, e in fitted.params.items():
        assert e.curvature_stderr == e.stderr == fitted.result.params[name].stderr
        assert short_estimate(name, e) in text
        # value ± lmfit's error, then the 68 % bootstrap interval beside it
        shown = re.search(rf"{name}=(\S+) ± (\S+) \[(\S+), (\S+)\]", text)
        assert shown and float(shown.group(2)) == pytest.approx(e.stderr, rel=0.05)
        lo, hi = e.interval(0.68)
        assert float(shown.group(3)) == pytest.approx(lo, abs=2 * e.stderr / 10)
        assert float(shown.group(4)) == pytest.approx(hi, abs=2 * e.stderr / 10)
    strong = strong_correlations(fitted.params)
    assert strong and all(c.replace(" = ", "=") in text for c in strong)
    assert "bootstrap 20 (too few)" in text
    report = fitted.report()
    assert "± : standard error from the covariance of the fit (lmfit)" in report
    assert "bootstrap s.d. (ddof 1) of the resamples" in report
    assert f"correlations |C| > 0.95: {strong[0]}" in report
    assert "warning      intervals from only 20 resamples" in report
    page = fitted._repr_html_()
    assert "<th>bootstrap s.d.</th>" in page and strong[0] in page


def test_a_comparison_gives_each_models_fit_by_name():
    da = samples(CURVES["power"], noise=0.005, seed=5)
    table = compare_models(da, "x", sample_dim="seed")
    assert table["power"] is table.fits["power"]
    assert list(table) == [r["model"] for r in table.rows] and len(table) == 3
    assert "step" in table and "nope" not in table
    with pytest.raises(AnalysisInputError, match=r"model='nope' was not fitted; allowed: \[") as e:
        table["nope"]
    assert e.value.field == "model"
