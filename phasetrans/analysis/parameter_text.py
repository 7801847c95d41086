r"""How a fitted result shows its parameters, as lmfit's ``fit_report`` does.

A transition fit (:class:`~phasetrans.analysis.exponents.TransitionFit`) and
a collapse (:class:`~phasetrans.analysis.scaling.CollapseResult`) show every
parameter alike, in their ``repr``, ``report()`` and HTML table:

- the value ± its **standard error from the covariance** of the goal function
  (:func:`covariance_error`: lmfit's for a fit, :math:`2 S_{min} H^{-1}` of
  the quality for a collapse).  "±" is always a standard error;
- beside it the **bootstrap** percentile intervals (68 % and 95 %) and, named
  so, the **bootstrap s.d.** (ddof 1) of the replicates;
- a **flag** when the estimate sits at the edge of its own 68 % interval
  (within :data:`~phasetrans.analysis.defaults.INTERVAL_EDGE` of its width
  from an end) or outside it (:func:`edge_flag`): a skewed or shifted
  bootstrap distribution, where the interval and not ± describes the
  uncertainty;
- the **strong correlations**, :math:`|C| >`
  :data:`~phasetrans.analysis.defaults.STRONG_CORRELATION`, each pair once
  (:func:`strong_correlations`);
- a **warning** when the intervals come from fewer than
  :data:`~phasetrans.analysis.defaults.MIN_BOOTSTRAP` resamples
  (:func:`few_resamples`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

from phasetrans.analysis.bootstrap import LEVELS, bootstrap_std
from phasetrans.analysis.defaults import INTERVAL_EDGE, MIN_BOOTSTRAP, STRONG_CORRELATION
from phasetrans.analysis.estimate import Estimate, format_estimate, format_value

__all__ = [
    "BOOTSTRAP_SD",
    "bootstrap_sd",
    "covariance_error",
    "edge_flag",
    "few_resamples",
    "html_parameters",
    "parameter_lines",
    "short_estimate",
    "strong_correlations",
]

#: What the bootstrap column is, said where it is shown.
BOOTSTRAP_SD = "bootstrap s.d. (ddof 1) of the resamples"
_HEADER = ("parameter", "estimate ± s.e.", "bootstrap s.d.", "68% interval", "95% interval")


def covariance_error(estimate: Estimate) -> float:
    """The standard error behind "±": from the curvature (covariance) at the optimum.

    0 for a fixed parameter; NaN where the curvature gave none.
    """
    return estimate.standard_error


def bootstrap_sd(estimate: Estimate) -> float:
    """Standard deviation (ddof 1) of the finite bootstrap replicates.

    NaN without them, for a fixed parameter, and for an estimate that is not
    finite (not determined, or ``nu = inf``): the replicates then describe no
    value that is shown.
    """
    if estimate.fixed or estimate.samples is None or not math.isfinite(estimate):
        return math.nan
    return float(bootstrap_std(estimate.samples))


def edge_flag(estimate: Estimate) -> str:
    """Where the estimate sits in its own bootstrap interval, when that is worth a flag.

    Returns
    -------
    str
        ``"outside its 95% interval"``, ``"outside its 68% interval"``, ``"at
        the edge of its 68% interval"`` (within :data:`INTERVAL_EDGE` of the
        interval's width from an end), or ``""`` (fixed, no interval, or well
        inside it).
    """
    value = float(estimate)
    lo68, hi68 = estimate.interval(0.68)
    if estimate.fixed or not all(math.isfinite(v) for v in (value, lo68, hi68)):
        return ""
    lo95, hi95 = estimate.interval(0.95)
    if math.isfinite(lo95) and math.isfinite(hi95) and not lo95 <= value <= hi95:
        return "outside its 95% interval"
    if not lo68 <= value <= hi68:
        return "outside its 68% interval"
    width = hi68 - lo68
    if width > 0 and min(value - lo68, hi68 - value) < INTERVAL_EDGE * width:
        return "at the edge of its 68% interval"
    return ""


def strong_correlations(params: Mapping[str, Estimate], of: str | None = None) -> list[str]:
    """``"C(a, b) = -1.000"`` for every pair with :math:`|C| >` :data:`STRONG_CORRELATION`.

    Each pair once, named in the order of ``params``; strongest first.  With
    ``of``, only the pairs of that parameter, named first (``C(of, b)``): a
    table row of one parameter.
    """
    seen: dict[frozenset[str], tuple[float, str]] = {}
    for name, e in params.items() if of is None else [(of, params[of])]:
        for other, c in e.correlations.items():
            key = frozenset((name, other))
            if other in params and key not in seen and math.isfinite(c):
                if abs(c) > STRONG_CORRELATION:
                    seen[key] = (c, f"C({name}, {other}) = {c:+.3f}")
    return [text for _, text in sorted(seen.values(), key=lambda ct: -abs(ct[0]))]


def few_resamples(n_bootstrap: int) -> str:
    """The warning the intervals carry below :data:`MIN_BOOTSTRAP` resamples, or ``""``."""
    if not 0 < n_bootstrap < MIN_BOOTSTRAP:
        return ""
    return (
        f"intervals from only {n_bootstrap} resamples (fewer than {MIN_BOOTSTRAP}): rough, "
        f"rerun with bootstrap >= {MIN_BOOTSTRAP}"
    )


def _scale(estimate: Estimate) -> float:
    """The error that sets the digits shown: ± if known, else a quarter of the 95 % width."""
    error = covariance_error(estimate)
    if math.isfinite(error) and error > 0:
        return error
    lo, hi = estimate.interval(0.95)
    return (hi - lo) / 4 if math.isfinite(lo) and math.isfinite(hi) else math.nan


def _interval_text(estimate: Estimate, level: float) -> str:
    lo, hi = estimate.interval(level)
    if estimate.fixed or math.isnan(lo) or math.isnan(hi):
        return ""
    scale = _scale(estimate)
    return f"[{format_value(lo, scale)}, {format_value(hi, scale)}]"


def _value_text(estimate: Estimate, undetermined: str = "nan") -> str:
    if math.isnan(estimate) and not estimate.fixed:
        return undetermined
    error = covariance_error(estimate)
    text = format_estimate(float(estimate), error, fixed=estimate.fixed)
    if not estimate.fixed and not (math.isfinite(error) and error > 0):
        text = format_value(float(estimate), _scale(estimate))
    return text


def _short_flag(flag: str) -> str:
    return {"at the edge of its 68% interval": " (at its edge)"}.get(
        flag, f" ({flag.replace('its ', '')})" if flag else ""
    )


def short_estimate(name: str, estimate: Estimate, sep: str = "=") -> str:
    """One parameter for a ``repr``: ``b=3.854 ± 0.058 [3.557, 3.906] (at its edge)``.

    ± is :func:`covariance_error`, the brackets the 68 % bootstrap interval,
    and the flag :func:`edge_flag`'s; ``sep`` goes between name and value.
    """
    interval = _interval_text(estimate, 0.68)
    text = f"{name}{sep}{_value_text(estimate)}" + (f" {interval}" if interval else "")
    return text + _short_flag(edge_flag(estimate))


def parameter_lines(params: Mapping[str, Estimate], indent: str = "  ") -> list[str]:
    """Lines of the text table: estimate ± s.e., bootstrap s.d., intervals, flag, correlations."""
    bootstrap = any(e.intervals for e in params.values())
    head = _HEADER if bootstrap else _HEADER[:2]
    widths = (10, 22, 16, 26, 26)
    lines = [(indent + "".join(f"{h:<{w}}" for h, w in zip(head, widths, strict=False))).rstrip()]
    for name, e in params.items():
        cells = [name, _value_text(e, "not determined")]
        if bootstrap:
            sd = bootstrap_sd(e)
            cells += [f"{sd:.2g}" if math.isfinite(sd) else "", *_intervals(e)]
        row = "".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=False))
        flag = edge_flag(e)
        lines.append((indent + row + (f"  {flag}" if flag else "")).rstrip())
    correlations = strong_correlations(params)
    if correlations:
        lines.append(
            f"{indent}correlations |C| > {STRONG_CORRELATION:g}: " + ", ".join(correlations)
        )
    return lines


def _intervals(estimate: Estimate) -> list[str]:
    return [_interval_text(estimate, level) for level in LEVELS]


def html_parameters(caption: str, params: Mapping[str, Estimate], notes: Sequence[str] = ()) -> str:
    """The HTML table of ``_repr_html_``: the columns of :func:`parameter_lines`."""
    bootstrap = any(e.intervals for e in params.values())
    head = [*(_HEADER if bootstrap else _HEADER[:2]), "flag"]
    rows = []
    for name, e in params.items():
        cells = [name, _value_text(e, "not determined")]
        if bootstrap:
            sd = bootstrap_sd(e)
            cells += [f"{sd:.2g}" if math.isfinite(sd) else "", *_intervals(e)]
        cells.append(edge_flag(e))
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
    correlations = strong_correlations(params)
    lines = list(notes)
    if correlations:
        lines.append(f"correlations |C| > {STRONG_CORRELATION:g}: " + ", ".join(correlations))
    foot = "".join(f"<p>{html.escape(t)}</p>" for t in lines)
    return (
        f"<div><table><caption>{html.escape(caption)}</caption>{header}{''.join(rows)}"
        f"</table>{foot}</div>"
    )
