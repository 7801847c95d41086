r"""The honest flags of a collapse: no size dependence, and a degenerate optimum at a bound.

After the search and its errors, :func:`apply_flags` says what the collapse
did not determine and rewrites those estimates:

- **no size dependence** (:func:`size_independent`): :math:`1/\nu` is
  compatible with 0, so :math:`\nu` is ``inf`` and :math:`x_c` (a common shift
  of every size) NaN, unless fixed.  The decision is made from the point
  estimate and the **profile** of :math:`S` in :math:`1/\nu`
  (:func:`profile_at_zero`: the best :math:`S` with :math:`1/\nu = 0`, the
  other parameters free), never from the bootstrap resamples, so it does not
  change with their number;
- **at a bound** (:func:`at_bound`): a free :math:`|1/\nu|` or :math:`|\zeta|`
  within :data:`BOUND_MARGIN` of the optimiser's
  :data:`~phasetrans.analysis.scaling.objective.BOUNDS` is an artefact, and
  every free estimate is NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.scaling.objective import BOUNDS, NAMES, Objective
from phasetrans.analysis.scaling.optimiser import nelder_mead

__all__ = [
    "BOUND_MARGIN",
    "NO_RESCALING",
    "PROFILE_DELTA_CHI2",
    "Profile",
    "apply_flags",
    "at_bound",
    "profile_at_zero",
    "restricted",
    "size_independent",
]

#: A free parameter this close to its bound (relative) marks a degenerate collapse.
BOUND_MARGIN = 0.02
#: A rescaling L^(1/nu) that changes the control by less than this fraction over
#: the sizes of the data is no rescaling at all.
NO_RESCALING = 1e-6
#: 1/nu = 0 is compatible with the optimum when the profile of S there rises by at most
#: this much in chi^2 units, N (S(0) - S_min) / S_min over the N points of S (the errors
#: rescaled so that S_min is 1): two standard errors of one parameter.
PROFILE_DELTA_CHI2 = 4.0


@dataclass(frozen=True)
class Profile:
    r"""The best collapse with no size dependence: :math:`1/\nu \to 0`, the rest free.

    Attributes
    ----------
    theta : numpy.ndarray
        ``(x_c, 1/nu, zeta, b, omega)`` there: :math:`1/\nu` is 0 or a
        rescaling too small to count (:data:`NO_RESCALING`), and :math:`x_c`
        only says how points that coincide at :math:`1/\nu = 0` are ordered.
    quality : float
        :math:`S` there (inf where the sizes do not overlap).
    s_min : float
        :math:`S` at the free optimum.
    n_points : int
        Points entering :math:`S` at the free optimum.
    """

    theta: np.ndarray
    quality: float
    s_min: float
    n_points: int

    @property
    def delta_chi2(self) -> float:
        r""":math:`N (S(1/\nu \to 0) - S_{min}) / S_{min}` (inf or NaN where undefined)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            rise = np.float64(self.quality - self.s_min) / np.float64(self.s_min)
        return float(self.n_points * rise)

    @property
    def compatible(self) -> bool:
        """Whether 1/nu = 0 lies within :data:`PROFILE_DELTA_CHI2` of the optimum."""
        if not np.isfinite(self.quality):
            return False
        if self.s_min <= 0:
            return bool(self.quality <= self.s_min)
        return bool(self.delta_chi2 <= PROFILE_DELTA_CHI2)


def restricted(
    objective: Objective, theta: np.ndarray, with_x_c: bool = False
) -> tuple[Objective, list[str]]:
    """The goal function about ``theta`` with only ``zeta``, ``b``, ``omega`` free (those free).

    ``with_x_c`` frees ``x_c`` too (if it is free).  Returns the objective
    (diagonal basis: the search scales) and the names of its free parameters.
    """
    pinned = ("inv_nu",) if with_x_c else ("x_c", "inv_nu")
    keep = [k for k, i in enumerate(objective.free) if NAMES[i] not in pinned]
    scales = np.abs(np.diag(objective.basis))[keep]
    local = objective.rebased(theta, np.diag(scales), free=objective.free[keep])
    return local, [NAMES[objective.free[k]] for k in keep]


def _points_in_quality(objective: Objective, theta: np.ndarray) -> int:
    terms = objective.terms(theta, any_order=True)
    if terms is None:
        return 0
    _, _, _, _, defined, flat, _ = terms
    return int((defined & ~flat).sum())


def profile_at_zero(
    objective: Objective,
    theta_hat: np.ndarray,
    s_min: float,
    fixed: set[str],
    log_size_span: float,
) -> Profile | None:
    r""":math:`S` minimised over the other free parameters with :math:`1/\nu \to 0`.

    Parameters
    ----------
    objective : Objective
        The goal function of the collapse (its basis gives the search scales).
    theta_hat : numpy.ndarray
        The free optimum; the search starts from its other parameters.
    s_min : float
        :math:`S` at ``theta_hat``.
    fixed : set of str
        Names of the pinned parameters (``x_c``, ``nu``, ``zeta``, ``b``, ``omega``).
    log_size_span : float
        :math:`\ln(L_{max}/L_{min})`.

    Returns
    -------
    Profile or None
        None when :math:`1/\nu` is pinned.

    Notes
    -----
    Where sizes share control values, their points coincide exactly at
    :math:`1/\nu = 0`, and which neighbours bracket a point is a matter of
    ties: :math:`S` jumps there.  An arbitrarily small :math:`1/\nu` orders
    the coinciding points, on either side of :math:`x_c`, and the free search
    uses that freedom.  The profile has it too: it is the best of
    :math:`1/\nu = 0` (where :math:`x_c` does not matter and is 0) and
    :math:`1/\nu = \pm\epsilon` with :math:`x_c` free, :math:`\epsilon` a
    rescaling that still counts as none (half :data:`NO_RESCALING` across the
    sizes).
    """
    if "nu" in fixed:
        return None
    eps = 0.5 * NO_RESCALING / max(log_size_span, 1e-12)
    n_points = _points_in_quality(objective, theta_hat)
    best = None
    for inv_nu in (0.0, -eps, eps):
        theta = np.array(theta_hat, dtype=float)
        theta[NAMES.index("inv_nu")] = inv_nu
        if inv_nu == 0 and "x_c" not in fixed:
            theta[NAMES.index("x_c")] = 0.0  # a common shift: S does not see it at 1/nu = 0
        local, names = restricted(objective, theta, with_x_c=inv_nu != 0)
        if names:
            z, _ = nelder_mead(local, np.zeros(len(names)), np.ones(len(names)), 1e-3)
            z, f = nelder_mead(local, z, np.full(len(names), 0.3), 1e-4)
            if f <= local(np.zeros(len(names))):  # never worse than the start
                theta = local.full(z)
        value = objective.value(theta)
        if best is None or value < best.quality:
            best = Profile(theta, value, s_min, n_points)
    return best


def size_independent(
    params: dict[str, Estimate],
    log_size_span: float = 1.0,
    profile: Profile | None = None,
) -> bool:
    """Whether 1/nu is compatible with 0: no size dependence (see :func:`collapse`).

    Decided from the point estimate and the profile, never from the bootstrap:
    1/nu is compatible with 0 when its estimate is 0, or rescales the control
    by less than :data:`NO_RESCALING` across the sizes (``|1/nu| ·
    ln(L_max/L_min)``), or the ``profile`` of :math:`S` at 1/nu = 0 rises by
    at most :data:`PROFILE_DELTA_CHI2` in chi-square units
    (:attr:`Profile.compatible`); without a profile, when |1/nu| is below
    twice its curvature standard error (pyfssa's conservative rule).
    """
    inv = params["inv_nu"]
    if inv.fixed:
        return False
    if inv == 0 or abs(inv) * max(log_size_span, 1e-12) < NO_RESCALING:
        return True
    if profile is not None:
        return profile.compatible
    err = inv.curvature_stderr if np.isfinite(inv.curvature_stderr) else inv.stderr
    return bool(np.isfinite(err)) and abs(inv) < 2 * err


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
    params: dict[str, Estimate], undetermined: bool
) -> tuple[dict[str, Estimate], tuple[str, ...]]:
    """The estimates with what is not determined rewritten, and the parameters at a bound.

    Parameters
    ----------
    params : dict
        The estimates of the collapse.
    undetermined : bool
        Whether the curves show no size dependence (:func:`size_independent`).

    Returns
    -------
    params : dict
        A new dict: with no size dependence, 1/nu = 0 and nu = inf (its error
        inf; the interval of 1/nu widened to hold 0, that of |nu| bounded
        below only) and x_c NaN unless fixed (also when nu is fixed at inf);
        at a bound, every free estimate NaN.
    at_bound : tuple of str
    """
    params = dict(params)
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
    return params, bound
