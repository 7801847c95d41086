r"""The decision on size dependence, made before the bootstrap, and the errors it reports.

:func:`decide` polishes the optimum of the search, decides from the point
estimate and the profile of :math:`S` in :math:`1/\nu`
(:func:`~phasetrans.analysis.scaling.honesty.profile_at_zero`) whether the
curves depend on size, and only then bootstraps what the result reports: the
free optimum, and with no size dependence also the best point with
:math:`1/\nu = 0` (for ``zeta``, ``b``, ``omega``).  The decision therefore
does not depend on the number of resamples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from phasetrans.analysis.scaling.data import CollapseData
from phasetrans.analysis.scaling.honesty import (
    Profile,
    profile_at_zero,
    restricted,
    size_independent,
)
from phasetrans.analysis.scaling.objective import Objective
from phasetrans.analysis.scaling.uncertainty import Errors, errors_at, polish

__all__ = ["Found", "decide"]


@dataclass(frozen=True)
class Found:
    """The errors of the reported estimates, the profile and the decision on size dependence.

    Attributes
    ----------
    errors : Errors
        The reported estimates (before the flags rewrite what is not
        determined), the point where the quality and scaled data are taken.
    profile : Profile or None
        The best collapse with 1/nu = 0 (None when nu is fixed).
    size_independent : bool
        The decision.
    free_quality : float
        S at the free optimum.
    """

    errors: Errors
    profile: Profile | None
    size_independent: bool
    free_quality: float


def decide(
    objective: Objective,
    data: CollapseData,
    theta_hat: np.ndarray,
    s_min: float,
    free_names: list[str],
    fixed: dict[str, float],
    log_span: float,
    options: dict,
) -> Found:
    """Polish, decide on size dependence from the profile, then bootstrap what is reported.

    The decision uses the polished optimum and its curvature errors only.  With
    no size dependence, ``zeta`` (and ``b``, ``omega``) are re-estimated, with
    their own bootstrap, at the best point with 1/nu = 0; the bootstrap of the
    free optimum still gives the intervals of 1/nu, nu and x_c.
    """
    optimum = polish(objective, theta_hat, s_min, free_names)
    no_resamples = {**options, "bootstrap": 0}
    point = errors_at(optimum, data, fixed, **no_resamples)
    profile = profile_at_zero(objective, optimum.theta, optimum.quality, set(fixed), log_span)
    independent = size_independent(point.params, log_span, profile)
    found = errors_at(optimum, data, fixed, **options) if options["bootstrap"] else point
    if not (independent and profile is not None and np.isfinite(profile.quality)):
        return Found(found, profile, independent, optimum.quality)
    local, names = restricted(objective, profile.theta)
    pinned = {**fixed, "x_c": float(profile.theta[0]), "nu": math.inf}
    if names:
        sub = errors_at(
            polish(local, profile.theta, profile.quality, names), data, pinned, **options
        )
    else:
        sub = Errors(profile.theta, profile.quality, {}, found.method, 0)
    params = {**found.params, **{n: sub.params[n] for n in names}}
    errors = Errors(sub.theta, sub.quality, params, found.method, max(found.n_failed, sub.n_failed))
    return Found(errors, profile, independent, optimum.quality)
