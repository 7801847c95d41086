r"""The honest flags of a collapse: no size dependence, and a degenerate optimum at a bound.

After the search and its errors, :func:`apply_flags` says what the collapse
did not determine and rewrites those estimates:

- **no size dependence** (:func:`size_independent`): :math:`1/\nu` is
  compatible with 0, so :math:`\nu` is ``inf`` and :math:`x_c` (a common shift
  of every size) NaN, unless fixed;
- **at a bound** (:func:`at_bound`): a free :math:`|1/\nu|` or :math:`|\zeta|`
  within :data:`BOUND_MARGIN` of the optimiser's
  :data:`~phasetrans.analysis.scaling.objective.BOUNDS` is an artefact, and
  every free estimate is NaN.
"""

from __future__ import annotations

import math

import numpy as np

from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.scaling.objective import BOUNDS

__all__ = ["BOUND_MARGIN", "NO_RESCALING", "apply_flags", "at_bound", "size_independent"]

#: A free parameter this close to its bound (relative) marks a degenerate collapse.
BOUND_MARGIN = 0.02
#: A rescaling L^(1/nu) that changes the control by less than this fraction over
#: the sizes of the data is no rescaling at all.
NO_RESCALING = 1e-6


def size_independent(params: dict[str, Estimate], log_size_span: float = 1.0) -> bool:
    """Whether 1/nu is compatible with 0: no size dependence (see :func:`collapse`).

    Compatible means: the 95 % interval of 1/nu contains 0, or every value in
    it rescales the control by less than :data:`NO_RESCALING` across the sizes
    (``|1/nu| · ln(L_max/L_min)``), as when a bootstrap finds 1/nu ~ -1e-9
    in every resample; without a bootstrap, |1/nu| below twice its error.
    """
    inv = params["inv_nu"]
    if inv.fixed:
        return False
    span = max(log_size_span, 1e-12)
    interval = inv.intervals.get(0.95)
    if interval is not None and all(np.isfinite(interval)):
        negligible = max(abs(interval[0]), abs(interval[1])) * span < NO_RESCALING
        return bool(interval[0] <= 0.0 <= interval[1] or negligible)
    err = inv.stderr
    return (
        inv == 0
        or abs(inv) * span < NO_RESCALING
        or (bool(np.isfinite(err)) and abs(inv) < 2 * err)
    )


def at_bound(params: dict[str, Estimate]) -> tuple[str, ...]:
    """Free parameters within :data:`BOUND_MARGIN` of the optimiser's bound."""
    out = []
    for name, bound in BOUNDS.items():
        e = params.get(name)
        if e is None or e.fixed:
            continue
        if np.isfinite(e) and abs(e) >= (1 - BOUND_MARGIN) * bound:
            out.append(name)
    return tuple(out)


def _not_determined(e: Estimate) -> Estimate:
    """``e`` with its value, errors and correlations gone (NaN; its replicates kept)."""
    return e.replace(
        math.nan,
        stderr=math.nan,
        curvature_stderr=math.nan,
        intervals={lv: (math.nan, math.nan) for lv in e.intervals},
        correlations={},
    )


def _nu_lower_bound(lo: float, hi: float) -> float:
    """Lower bound on |nu| from an interval of 1/nu that is compatible with 0."""
    largest = max(abs(lo), abs(hi))
    return 1.0 / largest if largest > 0 else math.inf


def apply_flags(
    params: dict[str, Estimate], log_size_span: float
) -> tuple[dict[str, Estimate], bool, tuple[str, ...]]:
    """The estimates with what is not determined rewritten, and the two flags.

    Returns
    -------
    params : dict
        A new dict: with no size dependence, 1/nu = 0 and nu = inf (its error
        inf; the interval of 1/nu widened to hold 0, that of |nu| bounded
        below only) and x_c NaN unless fixed (also when nu is fixed at inf);
        at a bound, every free estimate NaN.
    size_independent : bool
    at_bound : tuple of str
    """
    params = dict(params)
    undetermined = size_independent(params, log_size_span)
    nu = params["nu"]
    if undetermined:
        inv = params["inv_nu"]
        widened = {lv: (min(lo, 0.0), max(hi, 0.0)) for lv, (lo, hi) in inv.intervals.items()}
        params["inv_nu"] = inv.replace(0.0, intervals=widened)
        params["nu"] = nu.replace(
            math.inf,
            stderr=math.inf,
            curvature_stderr=math.inf,
            intervals={lv: (_nu_lower_bound(lo, hi), math.inf) for lv, (lo, hi) in widened.items()}
            if widened
            else nu.intervals,
        )
    if (undetermined or (nu.fixed and nu == math.inf)) and not params["x_c"].fixed:
        params["x_c"] = _not_determined(params["x_c"])  # a common shift of every size
    bound = at_bound(params)
    if bound:  # a degenerate optimum: nothing it says is determined
        params = {n: e if e.fixed else _not_determined(e) for n, e in params.items()}
    return params, undetermined, bound
