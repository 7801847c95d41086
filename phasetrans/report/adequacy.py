r"""Whether a fitted model describes its data: the goodness of fit behind every verdict.

A claim that rests on a model (a transition fit, a finite-size-scaling
collapse) *holds* only when the model is adequate:

- a fit is adequate when the p-value of its :math:`\chi^2` given its degrees
  of freedom is at least :data:`~phasetrans.analysis.defaults.FIT_P_MIN`;
  an unweighted fit (no error bars) has no :math:`\chi^2` test;
- a collapse is adequate when its Houdayer–Hartmann quality :math:`S` is at
  most :data:`~phasetrans.analysis.defaults.COLLAPSE_S_MAX`.

Both tests treat the points as independent, while the points of one curve
share students (every student gives a whole curve), so their errors are
correlated and the tests are only indicative (:data:`ASSUMPTION`, said on the
page).  :func:`fit_goodness` and :func:`collapse_goodness` give the numbers,
:class:`Goodness` words them; :func:`fit_alerts` and :func:`collapse_alerts`
give the lines of the report's Alerts section.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import stats

from phasetrans.analysis.defaults import COLLAPSE_S_MAX, FIT_P_MIN

__all__ = [
    "ASSUMPTION",
    "Goodness",
    "collapse_alerts",
    "collapse_goodness",
    "fit_alerts",
    "fit_goodness",
    "format_p",
    "rules_note",
]

#: What both adequacy tests assume, said once on the page.
ASSUMPTION = (
    "Both tests treat the points as independent, while the points of one curve share "
    "students (each student contributes a whole curve), so neighbouring points are "
    "correlated: read p and S as indicative, not as exact probabilities."
)


def format_p(p: float) -> str:
    """A p-value to two significant digits; ``"< 1e-300"`` below the float range."""
    if not math.isfinite(p):
        return "n/a"
    if p == 0:
        return "< 1e-300"
    return f"{p:.2g}"


@dataclass(frozen=True)
class Goodness:
    """The goodness of fit of one model.

    Attributes
    ----------
    kind : str
        ``"fit"`` or ``"collapse"``.
    statistic : float
        The reduced :math:`\\chi^2` of a fit, or :math:`S` of a collapse.
    p : float
        The :math:`\\chi^2` p-value of a fit (NaN for a collapse or an untested fit).
    dof : int
        Degrees of freedom of a fit (points minus varied parameters); points
        entering :math:`S` for a collapse.
    adequate : bool or None
        None when the fit cannot be tested (unweighted, or no degree of freedom).
    why_untested : str
        Why ``adequate`` is None.
    """

    kind: str
    statistic: float
    p: float
    dof: int
    adequate: bool | None
    why_untested: str = ""

    def text(self) -> str:
        """``"reduced χ² = 10.6 (4 d.o.f.), p = 3e-09"`` or ``"S = 4.05 over 36 points"``."""
        if self.kind == "collapse":
            return f"S = {self.statistic:.3g} over {self.dof} points"
        if self.adequate is None:
            return f"reduced χ² = {self.statistic:.3g}, {self.why_untested}"
        return f"reduced χ² = {self.statistic:.3g} ({self.dof} d.o.f.), p = {format_p(self.p)}"

    def rule(self) -> str:
        """The comparison with the threshold: ``"p < 0.01"``, ``"S ≤ 3"``, ..."""
        if self.kind == "collapse":
            sign = "≤" if self.adequate else ">"
            return f"S {sign} {COLLAPSE_S_MAX:g}"
        if self.adequate is None:
            return "not tested"
        return f"p {'≥' if self.adequate else '<'} {FIT_P_MIN:g}"


def fit_goodness(fit: Any) -> Goodness:
    """The :math:`\\chi^2` test of a :class:`~phasetrans.analysis.exponents.TransitionFit`."""
    r = fit.result
    dof = int(r.ndata - r.nvarys)
    redchi = float(r.redchi) if dof > 0 else math.nan
    if fit.yerr is None:
        return Goodness("fit", redchi, math.nan, dof, None, "unweighted: no error bars to test")
    if dof <= 0:
        return Goodness("fit", redchi, math.nan, dof, None, "no degree of freedom left")
    p = float(stats.chi2.sf(float(r.chisqr), dof))
    return Goodness("fit", redchi, p, dof, bool(p >= FIT_P_MIN))


def collapse_goodness(result: Any) -> Goodness:
    """:math:`S` of a :class:`~phasetrans.analysis.scaling.CollapseResult` against its threshold."""
    s = float(result.quality)
    return Goodness("collapse", s, math.nan, int(result.n_points), bool(s <= COLLAPSE_S_MAX))


def rules_note() -> str:
    """The adequacy rules and their assumption, as the page states them."""
    return (
        f"Adequacy: a fit is adequate when its χ² p-value (given its degrees of freedom) is "
        f"at least {FIT_P_MIN:g}; a collapse when its Houdayer–Hartmann S is at most "
        f"{COLLAPSE_S_MAX:g} (S ≈ 1: the curves agree within their error bars). A claim "
        f"resting on a model holds only when the model is adequate. {ASSUMPTION}"
    )


def fit_alerts(fits: dict[str, Any], where: str) -> list[str]:
    """One alert naming every inadequate fit of ``fits`` (``{model: TransitionFit}``)."""
    bad = []
    for model, fit in fits.items():
        good = fit_goodness(fit)
        if good.adequate is False:
            bad.append(f"{model} ({good.text()})")
    if not bad:
        return []
    return [f"Inadequate fit (p < {FIT_P_MIN:g}) of {where}: " + "; ".join(bad) + "."]


def collapse_alerts(result: Any, where: str) -> list[str]:
    """Alerts of a collapse: its own (degenerate, x_c outside its window), then inadequate.

    A degenerate optimum and an ``x_c`` outside the fitted window are decided
    once, by the result (:attr:`~phasetrans.analysis.scaling.CollapseResult.alerts`);
    the report adds where the collapse is and the adequacy rule, which a
    degenerate collapse does not reach.
    """
    alerts = [f"{where}: {alert}." for alert in result.alerts]
    good = collapse_goodness(result)
    if not result.at_bound and not good.adequate:
        alerts.append(
            f"Inadequate collapse of {where}: {good.text()} > {COLLAPSE_S_MAX:g}; the curves "
            "do not agree within their error bars."
        )
    return alerts
