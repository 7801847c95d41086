"""Parameter tables of the report's fits and collapses, as lmfit's ``fit_report`` shows them.

Every row is one :class:`~phasetrans.analysis.estimate.Estimate`: its value
± its standard error (:func:`~phasetrans.analysis.estimate.format_estimate`),
its 68 % and 95 % bootstrap intervals, a flag when the estimate sits at the
edge of (or outside) its own 68 % interval
(:data:`~phasetrans.analysis.defaults.INTERVAL_EDGE`), and its strong
correlations (:math:`|C| >` :data:`~phasetrans.analysis.defaults.STRONG_CORRELATION`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from phasetrans.analysis.defaults import STRONG_CORRELATION
from phasetrans.analysis.estimate import Estimate, format_estimate, format_value
from phasetrans.analysis.parameter_text import edge_flag
from phasetrans.report.records import Table

__all__ = ["HEADER", "edge_flag", "estimate_row", "parameter_table", "strong_correlations"]

#: Columns of every parameter table.
HEADER = [
    "parameter",
    "estimate ± standard error",
    "68 % interval",
    "95 % interval",
    "flags",
    f"correlations |C| > {STRONG_CORRELATION:g}",
]


def strong_correlations(name: str, estimate: Estimate) -> list[str]:
    """``"C(a, b) = -1.000"`` for every correlation of ``estimate`` above the threshold."""
    return [
        f"C({name}, {other}) = {c:+.3f}"
        for other, c in estimate.correlations.items()
        if math.isfinite(c) and abs(c) > STRONG_CORRELATION
    ]


def _interval(estimate: Estimate, level: float) -> str:
    lo, hi = estimate.interval(level)
    if estimate.fixed or not (math.isfinite(lo) and math.isfinite(hi)):
        return "—"
    scale = estimate.stderr if math.isfinite(estimate.stderr) else (hi - lo) / 4
    return f"[{format_value(lo, scale)}, {format_value(hi, scale)}]"


def estimate_row(name: str, estimate: Estimate) -> list[str]:
    """The cells of one parameter's row (see :data:`HEADER`)."""
    flags = []
    if estimate.fixed:
        flags.append("fixed")
    elif not math.isfinite(float(estimate)):
        flags.append("not determined")
    edge = edge_flag(estimate)
    if edge:
        flags.append(edge)
    value = float(estimate)
    shown = format_estimate(value, estimate.stderr, fixed=estimate.fixed)
    if not math.isfinite(value):
        shown = "—" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    return [
        name,
        shown,
        _interval(estimate, 0.68),
        _interval(estimate, 0.95),
        "; ".join(flags),
        "; ".join(strong_correlations(name, estimate)),
    ]


def parameter_table(caption: str, params: Mapping[str, Estimate], error: str) -> Table:
    """A :class:`~phasetrans.report.records.Table` of ``params``.

    Parameters
    ----------
    caption : str
        What was fitted, and its goodness of fit.
    params : mapping of str to Estimate
        The result's parameters.
    error : str
        What the standard error is (``"from the covariance of the fit"``,
        ``"bootstrap standard deviation"``); goes into the caption.
    """
    rows = [estimate_row(name, e) for name, e in params.items()]
    return Table(f"{caption}; ± is the {error}", list(HEADER), rows)
