"""Parameter tables of the report's fits and collapses, as lmfit's ``fit_report`` shows them.

Every row is one :class:`~phasetrans.analysis.estimate.Estimate`: its value
± its standard error (:attr:`~phasetrans.analysis.estimate.Estimate.standard_error`,
the one "±" of every face), its bootstrap s.d. (labelled as such), its 68 %
and 95 % bootstrap intervals, a flag when the estimate sits at the
edge of (or outside) its own 68 % interval
(:data:`~phasetrans.analysis.defaults.INTERVAL_EDGE`), and its strong
correlations (:math:`|C| >` :data:`~phasetrans.analysis.defaults.STRONG_CORRELATION`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from phasetrans.analysis.defaults import STRONG_CORRELATION
from phasetrans.analysis.estimate import Estimate, format_estimate, format_value
from phasetrans.analysis.parameter_text import bootstrap_sd, edge_flag, strong_correlations
from phasetrans.report.records import Table

__all__ = ["HEADER", "estimate_row", "parameter_table"]

#: Columns of every parameter table.
HEADER = [
    "parameter",
    "estimate ± standard error",
    "bootstrap s.d.",
    "68 % interval",
    "95 % interval",
    "flags",
    f"correlations |C| > {STRONG_CORRELATION:g}",
]


def _interval(estimate: Estimate, level: float) -> str:
    lo, hi = estimate.interval(level)
    if estimate.fixed or not (math.isfinite(lo) and math.isfinite(hi)):
        return "—"
    scale = estimate.stderr  # the digits only: the bootstrap s.d. where bootstrapped
    scale = scale if math.isfinite(scale) and scale > 0 else (hi - lo) / 4
    return f"[{format_value(lo, scale)}, {format_value(hi, scale)}]"


def estimate_row(
    name: str, estimate: Estimate, params: Mapping[str, Estimate] | None = None
) -> list[str]:
    """The cells of one parameter's row (see :data:`HEADER`).

    ``params`` are the table's parameters, whose strong correlations with this
    one the row lists (:func:`~phasetrans.analysis.parameter_text.strong_correlations`);
    by default every parameter ``estimate`` has a correlation with.
    """
    flags = []
    if estimate.fixed:
        flags.append("fixed")
    elif not math.isfinite(float(estimate)):
        flags.append("not determined")
    edge = edge_flag(estimate)
    if edge:
        flags.append(edge)
    value = float(estimate)
    shown = format_estimate(value, estimate.standard_error, fixed=estimate.fixed)
    if not math.isfinite(value):
        shown = "—" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    sd = bootstrap_sd(estimate)
    return [
        name,
        shown,
        f"{sd:.2g}" if math.isfinite(sd) else "—",
        _interval(estimate, 0.68),
        _interval(estimate, 0.95),
        "; ".join(flags),
        "; ".join(strong_correlations(_with_partners(name, estimate, params), of=name)),
    ]


def _with_partners(
    name: str, estimate: Estimate, params: Mapping[str, Estimate] | None
) -> dict[str, Estimate]:
    """``params`` (or stand-ins for every partner of ``estimate``) with ``estimate`` as ``name``."""
    partners = params if params is not None else dict.fromkeys(estimate.correlations, estimate)
    return {**partners, name: estimate}


def parameter_table(caption: str, params: Mapping[str, Estimate], error: str) -> Table:
    """A :class:`~phasetrans.report.records.Table` of ``params``.

    Parameters
    ----------
    caption : str
        What was fitted, and its goodness of fit.
    params : mapping of str to Estimate
        The result's parameters.
    error : str
        Where the standard error comes from (``"standard error from the fit's
        covariance"``); goes into the caption.
    """
    rows = [estimate_row(name, e, params) for name, e in params.items()]
    return Table(f"{caption}; ± is the {error}", list(HEADER), rows)
