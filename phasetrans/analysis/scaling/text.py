"""The text report of a collapse (``CollapseResult.report()``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from phasetrans.analysis.parameter_text import BOOTSTRAP_SD, few_resamples, parameter_lines
from phasetrans.analysis.scaling.honesty import PROFILE_DELTA_CHI2
from phasetrans.analysis.scaling.result import CURVATURE_SE, NO_SIZE_DEPENDENCE, sizes_text

if TYPE_CHECKING:
    from phasetrans.analysis.scaling.result import CollapseResult

__all__ = ["collapse_report"]


def collapse_report(result: CollapseResult) -> str:
    """Plain-text summary of a collapse: estimates, errors, intervals, quality, alerts.

    Parameters
    ----------
    result : CollapseResult

    Returns
    -------
    str
        The form, error model, fitted window, quality, the profile that
        decided the size dependence, the parameter table
        (:func:`~phasetrans.analysis.parameter_text.parameter_lines`), what ±
        and the bootstrap s.d. are, the bootstrap, then any warning, alert
        and note.
    """
    lines = [
        f"Finite-size-scaling collapse over {result.size_dim!r} "
        f"(sizes {sizes_text(result)}) and {result.control_dim!r}",
        "  form         O = L^zeta * F((x - x_c(L)) * L^(1/nu))"
        + ("  with x_c(L) = x_c + b * L^-omega" if result.corrections else ""),
        f"  error model  {result.error_model}",
        f"  window       {result.control_dim} in [{result.x_window[0]:g}, {result.x_window[1]:g}]",
        f"  quality      S = {result.quality:.4g} over {result.n_points} of "
        f"{result.n_total} points (S ~ 1: consistent with the error bars)"
        + (f"; {result.n_flat} flat-plateau points left out" if result.n_flat else ""),
        *_profile_lines(result),
        *parameter_lines(result.params),
        f"  {CURVATURE_SE}; std.err from {result.stderr_method}",
    ]
    if result.n_bootstrap:
        kind = (
            "two-level resamples (teachers, then students) of"
            if isinstance(result.sample_dim, tuple)
            else "resamples of"
        )
        lines.append(
            f"  bootstrap    {result.n_bootstrap} {kind} {result.sample_dim!r} "
            f"(seed {result.seed}), {result.n_bootstrap_failed} failed; {BOOTSTRAP_SD}"
        )
    warning = few_resamples(result.n_bootstrap)
    if warning:
        lines.append(f"  warning      {warning}")
    lines += [f"  ALERT        {alert}" for alert in result.alerts]
    if result.size_independent:
        lines.append(
            f"  note         {NO_SIZE_DEPENDENCE} (1/nu is compatible with 0: the "
            "curves do not depend on size)"
        )
    for name in result.outside_interval():
        lines.append(
            f"  note         the estimate of {name} lies outside its 95% interval "
            "(skewed or multimodal bootstrap distribution): trust the interval"
        )
    return "\n".join(lines)


def _profile_lines(result: CollapseResult) -> list[str]:
    """The decision on size dependence, from the profile of S at 1/nu = 0."""
    if not np.isfinite(result.profile_quality):
        return []
    n, s0, s_min = result.profile_points, result.profile_quality, result.free_quality
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = n * (s0 - s_min) / s_min if s_min > 0 else np.inf * (s0 - s_min)
    verdict = "no size dependence" if result.size_independent else "size dependence"
    sign = "<=" if delta <= PROFILE_DELTA_CHI2 else ">"
    return [
        f"  profile      S(1/nu -> 0) = {s0:.4g} against S_min = {s_min:.4g} over {n} points: "
        f"N (S - S_min)/S_min = {delta:.3g} {sign} {PROFILE_DELTA_CHI2:g}, {verdict} "
        "(decided before the bootstrap)"
    ]
