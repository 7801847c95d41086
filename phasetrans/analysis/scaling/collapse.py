r"""The collapse: find :math:`x_c, \nu, \zeta` that put every size on one master curve.

:func:`collapse` composes the steps: :mod:`~phasetrans.analysis.scaling.checks`
(the arguments), :func:`~phasetrans.analysis.scaling.data.prepare` (input and
error model), :func:`_search` (grid and Nelder–Mead on the
:class:`~phasetrans.analysis.scaling.objective.Objective`),
:func:`~phasetrans.analysis.scaling.uncertainty.estimate_errors` (curvature,
polish, bootstrap), :func:`~phasetrans.analysis.scaling.honesty.apply_flags`
(no size dependence, degenerate optimum) and
:func:`~phasetrans.analysis.scaling.objective.scaled_dataset`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from phasetrans.analysis.scaling.checks import check_arguments, check_fix
from phasetrans.analysis.scaling.data import CollapseData, prepare
from phasetrans.analysis.scaling.decision import decide
from phasetrans.analysis.scaling.honesty import apply_flags
from phasetrans.analysis.scaling.objective import NAMES, Objective, scaled_dataset
from phasetrans.analysis.scaling.optimiser import nelder_mead, search_plain
from phasetrans.analysis.scaling.quality import PaddedCurves
from phasetrans.analysis.scaling.result import CollapseResult
from phasetrans.errors import AnalysisInputError, PhasetransWarning

__all__ = ["collapse"]


def _estimate_zeta(data: CollapseData) -> float:
    """Slope of log RMS(O) against log L: a rough start for zeta."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.nanmean(data.mean**2, axis=1))
    ok = np.isfinite(rms) & (rms > 0)
    if ok.sum() < 2:
        return 0.0
    slope = np.polyfit(np.log(data.sizes[ok]), np.log(rms[ok]), 1)[0]
    return float(np.clip(slope, -5, 5))


def _search(
    objective: Objective,
    data: CollapseData,
    free_names: list[str],
    scale: np.ndarray,
    starts: dict[str, float | None],
    min_overlap: float,
) -> np.ndarray:
    """The plain scaling form on a grid then Nelder–Mead, then every free parameter."""
    theta0 = objective.theta
    free = objective.free
    if not free.size:
        return theta0
    distinct = np.unique(data.control[np.isfinite(data.mean).any(axis=0)])
    lo, hi = np.quantile(distinct, [0.1, 0.9])
    zeta0 = _estimate_zeta(data)
    axes_by_name = {
        "x_c": np.linspace(lo, hi, 9),
        "inv_nu": np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0]),
        "zeta": zeta0 + np.array([-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0]),
    }
    for name in ("x_c", "zeta"):
        if starts[name] is not None:
            axes_by_name[name] = np.append(axes_by_name[name], starts[name])
    if starts["nu"] is not None:
        axes_by_name["inv_nu"] = np.append(axes_by_name["inv_nu"], 1.0 / starts["nu"])
    theta_hat = theta0
    base = [k for k, n in enumerate(free_names) if n in axes_by_name]
    if base:
        theta_hat = search_plain(
            objective.rebased(theta0, np.diag(scale[base]), free=free[base]),
            [np.unique(axes_by_name[free_names[k]]) for k in base],
            theta0 if any(v is not None for v in starts.values()) else None,
            min_overlap,
        )
    # then every free parameter (the correction to scaling joins here, from b = 0)
    z, _ = nelder_mead(objective, objective.normalised(theta_hat), np.ones(free.size), 1e-3)
    z, _ = nelder_mead(objective, z, np.full(free.size, 0.3), 1e-4)
    return objective.full(z)


def collapse(
    da: xr.DataArray,
    size_dim: str,
    control_dim: str,
    *,
    sample_dim: str | Sequence[str] | None = None,
    error: xr.DataArray | float | None = None,
    x_c: float | None = None,
    nu: float | None = None,
    zeta: float | None = None,
    fix: Mapping[str, float] | None = None,
    x_window: tuple[float, float] | None = None,
    corrections: bool = False,
    bootstrap: int = 0,
    seed: int = 0,
    min_overlap: float = 0.2,
    workers: int = 1,
    progress: bool = False,
) -> CollapseResult:
    r"""Finite-size-scaling collapse: estimate :math:`x_c, \nu, \zeta` with errors.

    Parameters
    ----------
    da : xarray.DataArray
        Observable over ``(size_dim, control_dim[, sample_dim])``; any order.
        The grid may be ragged: NaN cells and different control ranges per size
        are skipped.
    size_dim : str
        Dimension of the system size :math:`L`; its coordinate holds the
        (positive, distinct) sizes.
    control_dim : str
        Dimension of the control parameter :math:`x`; its coordinate holds the
        (distinct) control values.
    sample_dim : str or (str, str), optional
        Dimension of independent samples (seeds): the observable is their
        mean and its error the standard error of the mean.  Or
        ``(teacher_dim, student_dim)``, e.g. ``("teacher_seed", "seed")``:
        the mean over teachers of each teacher's mean over its students, the
        standard error of the teacher means, and a two-level bootstrap.  A
        teacher dimension that ``da`` lacks (or of length 1) leaves one level.
    error : xarray.DataArray or float, optional
        Standard errors of the (mean) observable over ``(size_dim,
        control_dim)`` (or a subset, broadcast); takes precedence over the
        standard error from ``sample_dim``.
    x_c, nu, zeta : float, optional
        Starting values; they join the coarse grid and start a local search.
    fix : mapping, optional
        Parameters pinned to a value, e.g. ``{"zeta": 0}``; names from
        ``x_c, nu, zeta`` (and ``b, omega`` with ``corrections``).
        ``{"nu": inf}`` pins :math:`1/\nu = 0`.
    x_window : (float, float), optional
        Only control values with ``low <= x <= high`` are used.
    corrections : bool
        Also fit a correction to scaling in the critical point,
        :math:`x_c(L) = x_c + b L^{-\omega}`.
    bootstrap : int
        Number of resamples of whole samples along ``sample_dim`` (with
        replacement; teachers, then students within them, for two levels)
        for percentile intervals; needs ``sample_dim``.
    seed : int
        Seed of the :class:`numpy.random.Generator` drawing the resamples.
    min_overlap : float
        Smallest fraction of points that must have a master-curve estimate;
        parameter values with less overlap between sizes count as infinitely
        bad, which keeps the optimiser off degenerate, non-overlapping
        "collapses".
    workers : int
        Processes sharing the bootstrap resamples (the draws, and so the
        result, do not depend on it).
    progress : bool
        Show a bar over the bootstrap resamples on stderr (a widget in
        Jupyter when ipywidgets is installed; see
        :mod:`phasetrans.analysis.progress`).

    Returns
    -------
    CollapseResult
        Estimates, standard errors, bootstrap intervals, quality, the error
        model used and the scaled data; ``report()`` prints it.  When the
        curves show no size dependence (``result.size_independent``), ``nu``
        is ``inf``, ``1/nu`` is 0 and ``x_c`` is NaN (unless fixed).

    Raises
    ------
    AnalysisInputError
        (a ``ValueError``) if a dimension is missing, the size dimension has
        length 1 or a non-positive or repeated size, the data are all NaN,
        ``fix`` names an unknown parameter, ``x_window`` is empty, or
        ``bootstrap`` is negative or asked for without ``sample_dim``.

    Notes
    -----
    The scaled data are :math:`s_{ij} = (x_j - x_c(L_i)) L_i^{1/\nu}` and
    :math:`y_{ij} = L_i^{-\zeta} O_{ij}` with errors
    :math:`dy_{ij} = L_i^{-\zeta} dO_{ij}`, where :math:`x_c(L) = x_c` or,
    with ``corrections``, :math:`x_c + b L^{-\omega}`.  The goal function is
    the Houdayer–Hartmann quality :math:`S` (see
    :func:`phasetrans.analysis.scaling.quality.quality`).  Error model: ``error`` if
    given; else the standard error over ``sample_dim`` (cells whose samples are
    all equal get a typical error, the median of the positive standard errors,
    so no point has infinite weight); else equal error bars for every point
    (the standard deviation of the data), which makes :math:`S` a relative
    measure only.  :math:`S` counts only points where the observable varies:
    where a point and every point bracketing it have the same value (a flat
    plateau), it is left out, and at least ``min_overlap`` of all points must
    enter :math:`S`, so a "collapse" made of plateau points cannot win.

    Degenerate optimum: the search keeps :math:`|1/\nu| \le 50` and
    :math:`|\zeta| \le 50`.  An optimum within 2 % of such a bound is not a
    collapse but an artefact (with :math:`\zeta \approx -50`, the huge
    :math:`L^{-\zeta}` error bars of the larger sizes make any residual tiny):
    ``result.at_bound`` names the parameters there, every free estimate is
    NaN and the report says that nothing is determined.

    No size dependence: when :math:`1/\nu` is compatible with 0 — the
    estimate is 0, or the best :math:`S` with :math:`1/\nu = 0` (the other
    parameters free: its profile) is within
    :data:`~phasetrans.analysis.scaling.honesty.PROFILE_RISE` :math:`S_{min}`
    of the optimum, two curvature standard errors — the curves do not depend
    on size: :math:`\nu` is reported as ``inf`` (:math:`1/\nu = 0`) and
    :math:`x_c`, which then only shifts every size alike, as NaN; the
    quality, :math:`\zeta` and the scaled data are those of the profile's
    optimum, with :math:`x_c` taken as 0.  The decision uses the point
    estimate and the profile only, never the bootstrap resamples, so it is the
    same for any ``bootstrap``; below
    :data:`~phasetrans.analysis.defaults.MIN_BOOTSTRAP` resamples the
    intervals carry a warning.

    Window: an estimate of :math:`x_c` outside the control range fitted is an
    extrapolation; it is an alert (``result.alerts``) and a
    :class:`~phasetrans.errors.PhasetransWarning`.

    The optimiser works on :math:`1/\nu` (so :math:`1/\nu = 0`, curves that do
    not depend on size, is an ordinary point; ``nu`` is reported as
    :math:`1/(1/\nu)`).  It evaluates :math:`S` on a coarse grid (9 values of
    :math:`x_c` across the data, 10 of :math:`1/\nu` in [0, 3], 7 of
    :math:`\zeta` around a log-log estimate, plus the starting values), runs
    Nelder–Mead from the three best well-separated grid points, restarts once
    from the best (with the correction parameters free, starting at
    :math:`b = 0`), and polishes the result in coordinates whitened by the
    curvature covariance.

    Caveats of the quality measure: it interpolates linearly between
    neighbouring points, so a master curve that bends strongly between them
    biases the estimates (by about 0.3 % in :math:`\nu` for 141 points where
    the scaled spacing of the largest size is 0.6 of the width of :math:`F`).
    When all sizes share a coarse control grid (integer ``retained``), points of
    different sizes coincide exactly at :math:`1/\nu = 0`, and an arbitrarily
    small change of :math:`1/\nu` changes which neighbours bracket each point:
    :math:`S` is then discontinuous at 0, and the grid contains
    :math:`1/\nu = 0` exactly so that this hypothesis is always tried.

    Standard errors without bootstrap follow pyfssa: the covariance is
    :math:`2 S_{min} H^{-1}`, with :math:`H` the Hessian of :math:`S` at the
    minimum from a quadratic fit on steps that raise :math:`S` by about
    :math:`S_{min}`.  As :math:`S` is a mean over :math:`N` points, this is the
    :math:`\Delta\chi^2 = N` contour, conservative by about :math:`\sqrt{N}`
    compared with the bootstrap (which is the recommended error).  With
    ``bootstrap=B``, ``B`` sets of samples are drawn with replacement (the same
    draw for every size and control), the mean and its standard error
    recomputed, and the collapse redone by a local Nelder–Mead search from the
    point estimate (in the whitened coordinates); the standard errors are then
    the bootstrap standard deviations and the intervals the 16–84 % and
    2.5–97.5 % percentiles.  The interval of :math:`\nu` is mapped from the
    one of :math:`1/\nu` (its upper end is ``inf`` when that contains 0).

    References
    ----------
    .. [1] J. Houdayer and A. K. Hartmann, Phys. Rev. B 70, 014418 (2004).
    .. [2] O. Melchert, "autoScale.py - A program for automatic finite-size
       scaling analyses", arXiv:0910.5403 (2009).
    .. [3] A. Sorge, pyfssa, doi:10.5281/zenodo.35293.
    .. [4] B. Efron and R. J. Tibshirani, An Introduction to the Bootstrap
       (Chapman & Hall, 1993).

    Examples
    --------
    >>> res = collapse(da, "width", "control", sample_dim="seed", fix={"zeta": 0},
    ...                bootstrap=200)  # doctest: +SKIP
    >>> print(res.report())  # doctest: +SKIP
    """
    fixed = check_fix(fix, corrections)
    check_arguments(bootstrap, sample_dim, workers, min_overlap)
    data = prepare(da, size_dim, control_dim, sample_dim, error, x_window)
    starts = {"x_c": x_c, "nu": nu, "zeta": zeta}
    objective, free_names, scale = _objective(data, fixed, corrections, starts, min_overlap)
    theta_hat = _search(objective, data, free_names, scale, starts, min_overlap)
    s_min = objective.value(theta_hat)
    if not np.isfinite(s_min):
        raise AnalysisInputError(
            f"the fixed parameters {fixed} give curves that do not overlap where the "
            f"observable varies (min_overlap={min_overlap}); change fix or x_window",
            field="fix",
            value=fixed,
        )
    sizes = np.asarray(data.sizes, dtype=float)
    log_span = float(np.log(sizes.max() / sizes.min())) if sizes.min() > 0 else 1.0
    options = {
        "corrections": corrections, "bootstrap": bootstrap, "seed": seed, "workers": workers,
        "progress": progress,
    }  # fmt: skip
    found = decide(objective, data, theta_hat, s_min, free_names, fixed, log_span, options)
    params, at_bound = apply_flags(found.errors.params, found.size_independent)
    size_independent = found.size_independent
    theta, s_shown = found.errors.theta, found.errors.quality
    scaled = scaled_dataset(data, objective, theta, size_dim, control_dim, da)
    if size_independent and not at_bound and "x_c" not in fixed:
        # x_c is not determined: shown as 0 (S does not see a common shift)
        scaled["scaled_x"] = scaled["scaled_x"] + theta[0]
        scaled["scaled_x"].attrs = {"long_name": "x (1/nu = 0; x_c not determined, taken as 0)"}
    used = data.sample_dims
    result = CollapseResult(
        params=params,
        quality=s_shown,
        n_points=int(scaled.attrs["n_points"]),
        n_total=objective.curves.n_points,
        error_model=data.error_model,
        stderr_method=found.errors.method,
        n_bootstrap=bootstrap,
        n_bootstrap_failed=found.errors.n_failed,
        corrections=corrections,
        scaled=scaled,
        size_dim=size_dim,
        control_dim=control_dim,
        sample_dim=(used[0] if len(used) == 1 else used) if used else None,
        seed=seed,
        size_independent=size_independent,
        n_flat=int(scaled.attrs["n_flat"]),
        at_bound=at_bound,
        x_window=(float(data.control.min()), float(data.control.max())),
        profile_quality=found.profile.quality if found.profile is not None else math.nan,
        free_quality=found.free_quality,
        profile_points=found.profile.n_points if found.profile is not None else 0,
    )
    for alert in result.window_alerts():
        warnings.warn(alert, PhasetransWarning, stacklevel=2)
    return result


def _objective(
    data: CollapseData,
    fixed: dict[str, float],
    corrections: bool,
    starts: dict[str, float | None],
    min_overlap: float,
) -> tuple[Objective, list[str], np.ndarray]:
    """The goal function on the parameter vector (x_c, 1/nu, zeta, b, omega) from the starts.

    Returns the objective, the free parameters' names and their search scales.
    """
    curves = PaddedCurves.from_grid(
        np.broadcast_to(data.control, data.mean.shape), data.mean, data.err
    )
    min_points = max(3, math.ceil(min_overlap * curves.n_points))
    distinct = np.unique(data.control[np.isfinite(data.mean).any(axis=0)])
    span = float(distinct[-1] - distinct[0]) or 1.0
    start = {
        "x_c": starts["x_c"] if starts["x_c"] is not None else float(np.median(distinct)),
        "inv_nu": 1.0 / starts["nu"] if starts["nu"] is not None else 1.0,
        "zeta": starts["zeta"] if starts["zeta"] is not None else _estimate_zeta(data),
        "b": 0.0,
        "omega": 1.0,
    }
    pinned = {k: v for k, v in fixed.items() if k != "nu"}
    if "nu" in fixed:
        pinned["inv_nu"] = 1.0 / fixed["nu"]
    start.update(pinned)
    free_names = [n for n in NAMES if n not in pinned and (corrections or n in NAMES[:3])]
    free = np.array([NAMES.index(n) for n in free_names], dtype=np.intp)
    scale_by_name = {
        "x_c": 0.05 * span,
        "inv_nu": 0.1,
        "zeta": 0.1,
        "b": 0.05 * span * float(np.exp(np.log(data.sizes).mean())),
        "omega": 0.2,
    }
    scale = np.array([scale_by_name[n] for n in free_names])
    theta0 = np.array([start[n] for n in NAMES], dtype=float)
    objective = Objective(curves, data.sizes, theta0, free, np.diag(scale), min_points)
    return objective, free_names, scale
