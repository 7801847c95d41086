"""Verdicts that respect the fit: a model's claim holds only when the model is adequate.

The fits are real (:func:`compare_models` on :mod:`phasetrans.testing.curves`, whose
points are independent Gaussian draws, so the χ² test is exact there); the p-values
are checked against scipy's χ² distribution.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from phasetrans.analysis.defaults import COLLAPSE_S_MAX, FIT_P_MIN
from phasetrans.analysis.exponents import compare_models
from phasetrans.analysis.scaling import collapse
from phasetrans.errors import PhasetransWarning
from phasetrans.report.adequacy import (
    collapse_alerts,
    collapse_goodness,
    fit_alerts,
    fit_goodness,
    format_p,
)
from phasetrans.report.models import Modelled, fit_claim, model_tables
from phasetrans.testing import known_collapse
from phasetrans.testing.curves import KNOWN_CURVES, curve_samples


def _fit(chisqr: float, ndata: int, nvarys: int, weighted: bool = True) -> SimpleNamespace:
    dof = ndata - nvarys
    result = SimpleNamespace(
        chisqr=chisqr, redchi=chisqr / dof if dof else np.nan, ndata=ndata, nvarys=nvarys
    )
    return SimpleNamespace(result=result, yerr=np.ones(ndata) if weighted else None)


def test_the_fit_p_value_is_the_chi_square_tail():
    good = fit_goodness(_fit(31.8, 6, 3))
    assert good.dof == 3 and good.statistic == pytest.approx(10.6)
    assert good.p == pytest.approx(stats.chi2.sf(31.8, 3), rel=1e-12)  # 5.8e-7
    assert good.adequate is False
    assert good.text() == f"reduced χ² = 10.6 (3 d.o.f.), p = {good.p:.2g}"
    assert good.rule() == "p < 0.01"
    assert fit_goodness(_fit(3.0, 6, 3)).adequate is True  # p = 0.39


def test_the_threshold_is_p_at_least_one_percent():
    edge = stats.chi2.isf(FIT_P_MIN, 4)  # 13.28: p = 0.01 exactly
    assert fit_goodness(_fit(edge * (1 - 1e-9), 7, 3)).adequate is True
    assert fit_goodness(_fit(edge * (1 + 1e-6), 7, 3)).adequate is False


def test_untestable_fits_say_why():
    unweighted = fit_goodness(_fit(5.0, 6, 3, weighted=False))
    assert unweighted.adequate is None and "no error bars" in unweighted.text()
    saturated = fit_goodness(_fit(0.0, 3, 3))
    assert saturated.adequate is None and "no degree of freedom" in saturated.text()


def test_a_collapse_is_adequate_up_to_s_of_three():
    assert COLLAPSE_S_MAX == 3
    at = SimpleNamespace(quality=3.0, n_points=40, params={}, at_bound=())
    assert collapse_goodness(at).adequate is True
    above = SimpleNamespace(quality=4.05, n_points=66, params={}, at_bound=(), alerts=[])
    assert collapse_goodness(above).adequate is False
    assert collapse_goodness(above).text() == "S = 4.05 over 66 points"
    (alert,) = collapse_alerts(above, "the curves")
    assert alert.startswith("Inadequate collapse of the curves: S = 4.05 over 66 points > 3")


def test_collapse_alerts_are_the_results_own_with_where_it_is():
    # the rules (a bound, x_c outside the window) are the result's, decided once
    stuck = SimpleNamespace(
        quality=5.0, n_points=30, params={}, at_bound=("inv_nu",), alerts=["degenerate (bound)"]
    )
    assert collapse_alerts(stuck, "ΔMSE") == ["ΔMSE: degenerate (bound)."]  # not also inadequate
    da = known_collapse(x_c=0.5, nu=1.3, zeta=0.4, seed=3)
    with pytest.warns(PhasetransWarning, match="outside the fitted window"):
        outside = collapse(da, "L", "x", sample_dim="seed", x_window=(0.25, 0.45), bootstrap=0)
    alerts = collapse_alerts(outside, "ΔMSE")
    assert alerts[0] == f"ΔMSE: {outside.alerts[0]}."
    assert "x_c = 0.5000 lies outside the fitted window [0.255217, 0.442884]" in alerts[0]
    inside = SimpleNamespace(quality=1.0, n_points=30, params={"x_c": 7.9}, at_bound=(), alerts=[])
    assert collapse_alerts(inside, "ΔMSE") == []


def test_format_p():
    assert format_p(0.0037) == "0.0037" and format_p(0.0) == "< 1e-300"
    assert format_p(float("nan")) == "n/a"


@pytest.fixture(scope="module")
def exponential_data():
    """Exponential points, independent noise 0.002: the exponential fits, the others need not."""
    return curve_samples(KNOWN_CURVES["exponential"], noise=0.002, n_seeds=16, seed=1)


@pytest.fixture(scope="module")
def power_data():
    """Power-law points with small noise: the exponential cannot follow them."""
    return curve_samples(KNOWN_CURVES["power"], noise=0.002, n_seeds=16, seed=2)


def _claim(da):
    comparison = compare_models(da, "x", sample_dim="seed")
    return comparison, fit_claim(Modelled(comparison, "O", None, "spectral", 64))


def test_the_paper_fit_holds_when_the_exponential_fits(exponential_data):
    comparison, claim = _claim(exponential_data)
    good = fit_goodness(comparison.fits["exponential"])
    assert good.adequate, good.text()
    assert claim.kind == "fit"
    if comparison.best == "exponential":
        assert claim.verdict == f"holds (exponential fits: {good.text()}, p ≥ 0.01)"
    else:  # another model ranks better by AIC: the exponential fits, but is not the best
        assert claim.verdict.startswith(f"partly (exponential fits: {good.text()}; ")


def test_the_paper_fit_does_not_hold_when_the_exponential_does_not_fit(power_data):
    comparison, claim = _claim(power_data)
    goods = {m: fit_goodness(f) for m, f in comparison.fits.items()}
    assert goods["exponential"].adequate is False and goods["power"].adequate is True
    assert claim.verdict.startswith(
        f"does not hold (exponential does not fit: {goods['exponential'].text()}, p < 0.01; "
    )
    (alert,) = fit_alerts(comparison.fits, "O")
    assert alert.startswith("Inadequate fit (p < 0.01) of O: ")
    assert f"exponential ({goods['exponential'].text()})" in alert
    assert "power (" not in alert  # the adequate one is not listed


def test_no_model_fits_says_so_whatever_ranks_best(power_data):
    # the mean curve with extra noise of 0.02 but stated errors of 0.0005: every χ² explodes
    mean = power_data.mean("seed")
    noisy = mean + 0.02 * np.random.default_rng(5).standard_normal(mean.shape)
    comparison = compare_models(noisy, "x", error=0.0005)
    claim = fit_claim(Modelled(comparison, "O", None, "spectral", 64))
    best = comparison.best
    assert not any(fit_goodness(f).adequate for f in comparison.fits.values())
    assert claim.verdict.startswith(f"no model fits: {fit_goodness(comparison.fits[best]).text()}")
    assert f"for {best}, the best by AIC" in claim.verdict


def test_parameter_tables_carry_the_goodness_of_fit(power_data):
    comparison, _ = _claim(power_data)
    tables = model_tables(Modelled(comparison, "O", None, "spectral", 64))
    assert [t.caption.split(" fit ")[0] for t in tables] == [r["model"] for r in comparison.rows]
    for table, model in zip(tables, [r["model"] for r in comparison.rows], strict=True):
        assert fit_goodness(comparison.fits[model]).text() in table.caption
        assert [row[0] for row in table.rows] == list(comparison.fits[model].params)
