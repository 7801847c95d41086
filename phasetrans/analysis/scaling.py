r"""Finite-size-scaling collapse with the Houdayer–Hartmann quality and a seed bootstrap.

Near a continuous transition an observable of a system of size :math:`L` at
control :math:`x` obeys

.. math:: O(x, L) = L^{\zeta} \, F\bigl((x - x_c) \, L^{1/\nu}\bigr).

:func:`collapse` finds :math:`x_c, \nu, \zeta` that put the curves of all sizes
on one master curve :math:`F`, with standard errors from the curvature of the
quality at its minimum and percentile intervals from resampling whole samples
(seeds).  Sign convention: the scaled control is
:math:`s = (x - x_c) L^{1/\nu}`, so points with :math:`x < x_c` have
:math:`s < 0` for every size, and :math:`\nu > 0` spreads the curves of larger
systems over a wider range of :math:`s`.
"""

from __future__ import annotations

import concurrent.futures
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import xarray as xr

from phasetrans.analysis.collapse_result import (
    _LEVELS,
    CORRECTION_PARAMETERS,
    PARAMETERS,
    CollapseResult,
)
from phasetrans.analysis.quality import PaddedCurves, hh_terms
from phasetrans.analysis.samples import fill_zero_errors, mean_and_error, typical_error
from phasetrans.analysis.validation import (
    AnalysisInputError,
    require_control,
    require_dims,
    require_finite_data,
    require_known_names,
    require_sizes,
)

__all__ = ["CollapseResult", "collapse"]


# ---------------------------------------------------------------------------
# data preparation


@dataclass(frozen=True)
class _Data:
    """The observable on the (size, control) grid, plus the raw samples."""

    sizes: np.ndarray  # (n_sizes,)
    control: np.ndarray  # (n_control,), ascending
    mean: np.ndarray  # (n_sizes, n_control)
    err: np.ndarray  # (n_sizes, n_control)
    samples: np.ndarray | None  # (n_sizes, n_control, n_samples)
    given_err: np.ndarray | None
    error_model: str
    floor: float


def _prepare(
    da: xr.DataArray,
    size_dim: str,
    control_dim: str,
    sample_dim: str | None,
    error: xr.DataArray | float | None,
    x_window: tuple[float, float] | None,
) -> _Data:
    if not isinstance(da, xr.DataArray):
        raise AnalysisInputError(
            f"da is a {type(da).__name__}; allowed: xarray.DataArray "
            "(select one variable of a Dataset)"
        )
    require_dims(da, {"size_dim": size_dim, "control_dim": control_dim, "sample_dim": sample_dim})
    extra = [d for d in da.dims if d not in (size_dim, control_dim, sample_dim)]
    if extra:
        raise AnalysisInputError(
            f"da has dimensions {extra} besides size_dim, control_dim and sample_dim; "
            "select or reduce them first"
        )
    sizes = require_sizes(da, size_dim)
    control = require_control(da, control_dim)
    require_finite_data(da)

    order = np.argsort(control)
    control = control[order]
    dims = [size_dim, control_dim] + ([sample_dim] if sample_dim else [])
    values = np.asarray(da.transpose(*dims).values, dtype=float)[:, order]
    if x_window is not None:
        try:
            lo, hi = (float(v) for v in x_window)
        except (TypeError, ValueError):
            raise AnalysisInputError(
                f"x_window={x_window!r} is not a (low, high) pair; allowed: two numbers"
            ) from None
        if not lo < hi:
            raise AnalysisInputError(
                f"x_window={x_window!r} is empty; allowed: (low, high) with low < high"
            )
        keep = (control >= lo) & (control <= hi)
        control, values = control[keep], values[:, keep]
        if not np.isfinite(values).any():
            raise AnalysisInputError(
                f"x_window={x_window!r} leaves no finite data; the control "
                f"{control_dim!r} spans [{da[control_dim].min().item():g}, "
                f"{da[control_dim].max().item():g}]"
            )

    given = None
    if error is not None:
        if isinstance(error, xr.DataArray):
            if sample_dim is not None and sample_dim in error.dims:
                raise AnalysisInputError(
                    f"error has the sample dimension {sample_dim!r}; allowed: errors of "
                    f"the sample mean over ({size_dim!r}, {control_dim!r})"
                )
            extra = [d for d in error.dims if d not in (size_dim, control_dim)]
            if extra:
                raise AnalysisInputError(
                    f"error has dimensions {extra}; allowed: a subset of "
                    f"({size_dim!r}, {control_dim!r})"
                )
            template = da.isel({sample_dim: 0}, drop=True) if sample_dim else da
            err_da, _ = xr.broadcast(error, template)
            given = np.asarray(err_da.transpose(size_dim, control_dim).values, dtype=float)
            given = given[:, order]
            if x_window is not None:
                given = given[:, keep]
        else:
            given = np.full(values.shape[:2], float(error))
        with np.errstate(invalid="ignore"):
            bad = np.isfinite(given) & (given <= 0)
        if bad.any():
            raise AnalysisInputError(
                f"error has {int(bad.sum())} values <= 0; allowed: positive standard errors"
            )

    if sample_dim is not None:
        if values.shape[2] < 2 and given is None:
            raise AnalysisInputError(
                f"sample_dim={sample_dim!r} has length {values.shape[2]}; need at least 2 "
                "samples for standard errors (or pass error=)"
            )
        mean, se = mean_and_error(values)
        samples = values
    else:
        mean, se, samples = values, None, None

    if given is not None:
        err, model, floor = given, "given", 0.0
    elif se is not None:
        positive = se[np.isfinite(se) & (se > 0)]
        if positive.size:
            floor = typical_error(se)  # for cells whose samples all agree
            err = fill_zero_errors(se, floor)
            model = f"standard error over {sample_dim!r} ({values.shape[2]} samples)"
        else:
            floor = 0.0
            err, model = _unweighted(mean), "unweighted (no sample varies; equal error bars)"
    else:
        err, model, floor = _unweighted(mean), "unweighted (equal error bars)", 0.0

    has_data = np.isfinite(mean) & np.isfinite(err)
    if int((has_data.sum(axis=1) > 0).sum()) < 2:
        raise AnalysisInputError(
            f"only {int((has_data.sum(axis=1) > 0).sum())} size(s) along {size_dim!r} have "
            "finite data (and errors); a collapse needs at least 2"
        )
    return _Data(sizes, control, mean, err, samples, given, model, floor)


def _unweighted(mean: np.ndarray) -> np.ndarray:
    """Equal error bars: the standard deviation of all values (1 if they are constant)."""
    spread = float(np.nanstd(mean))
    return np.full(mean.shape, spread if spread > 0 else 1.0)


# ---------------------------------------------------------------------------
# the objective


class _Objective:
    """Quality as a function of the free parameters in local coordinates ``z``.

    ``theta[free] = theta0[free] + basis @ z``; ``basis`` is diagonal (typical
    scales) during the search and the square root of the covariance
    (whitening) for polishing and the bootstrap.
    """

    def __init__(
        self,
        curves: PaddedCurves,
        sizes: np.ndarray,
        theta: np.ndarray,
        free: np.ndarray,
        basis: np.ndarray,
        min_points: int,
    ) -> None:
        self.curves = curves
        self.sizes = sizes
        self.log_l = np.log(sizes)
        self.log_l_centred = self.log_l - self.log_l.mean()
        self.theta = np.asarray(theta, dtype=float)
        self.free = free
        self.basis = basis
        self.min_points = min_points
        self.n_evals = 0

    def rebased(
        self,
        theta: np.ndarray,
        basis: np.ndarray,
        curves: PaddedCurves | None = None,
        free: np.ndarray | None = None,
    ) -> _Objective:
        """The same goal about ``theta`` in ``basis`` (optionally other curves or free set)."""
        return _Objective(
            self.curves if curves is None else curves,
            self.sizes,
            theta,
            self.free if free is None else free,
            basis,
            self.min_points,
        )

    def full(self, z: np.ndarray) -> np.ndarray:
        theta = self.theta.copy()
        theta[self.free] = self.theta[self.free] + self.basis @ np.asarray(z)
        return theta

    def normalised(self, theta: np.ndarray) -> np.ndarray:
        return np.linalg.solve(self.basis, np.asarray(theta)[self.free] - self.theta[self.free])

    def scaled(self, theta: np.ndarray, centred: bool = True):
        x_c, inv_nu, zeta, b, omega = theta
        log_l = self.log_l_centred if centred else self.log_l
        with np.errstate(over="ignore", invalid="ignore"):
            stretch = np.exp(inv_nu * log_l)
            lift = np.exp(-zeta * log_l)
            shift = x_c + b * np.exp(-omega * self.log_l)
        c = self.curves
        s = (c.x - shift[:, None]) * stretch[:, None]
        return s, c.y * lift[:, None], c.dy * lift[:, None]

    def terms(self, theta: np.ndarray, centred: bool = True, any_order: bool = False):
        s, y, dy = self.scaled(theta, centred)
        if not (np.isfinite(s).all() and np.isfinite(y).all() and np.isfinite(dy).all()):
            return None
        if (dy <= 0).any():
            return None
        return hh_terms(s, y, dy, self.curves.counts, any_order=any_order)

    def value(self, theta: np.ndarray) -> float:
        self.n_evals += 1
        if theta[4] <= 0 or abs(theta[1]) > 50 or abs(theta[2]) > 50:
            return math.inf
        terms = self.terms(theta, any_order=True)
        if terms is None:
            return math.inf
        yp, dyp, master, master_var, ok = terms
        n = int(ok.sum())
        if n < self.min_points:
            return math.inf
        r = (yp[ok] - master[ok]) ** 2 / (dyp[ok] ** 2 + master_var[ok])
        return float(r.mean())

    def __call__(self, z: np.ndarray) -> float:
        return self.value(self.full(z))


def _nelder_mead(
    objective: _Objective,
    z0: np.ndarray,
    step: np.ndarray,
    xatol: float,
    frtol: float = 1e-7,
):
    """Nelder–Mead from ``z0`` with an axis-aligned initial simplex of ``step``.

    Stops when the simplex is within ``xatol`` (normalised units) and its
    values within ``frtol`` times the starting value.
    """
    p = z0.size
    simplex = np.vstack([z0, z0 + np.diag(step)])
    f0 = objective(z0)
    fatol = frtol * f0 if np.isfinite(f0) and f0 > 0 else 1e-12
    res = scipy.optimize.minimize(
        objective,
        z0,
        method="Nelder-Mead",
        options={
            "initial_simplex": simplex,
            "xatol": xatol,
            "fatol": fatol,
            "maxfev": 400 * p,
            "adaptive": p > 3,
        },
    )
    return np.asarray(res.x), float(res.fun)


def _grid_starts(objective: _Objective, axes: list[np.ndarray], n_starts: int) -> list:
    """Evaluate the product grid and return up to ``n_starts`` well-separated best points."""
    mesh = np.meshgrid(*axes, indexing="ij")
    points = np.stack([m.ravel() for m in mesh], axis=1)
    index = np.stack(
        [m.ravel() for m in np.meshgrid(*[np.arange(a.size) for a in axes], indexing="ij")],
        axis=1,
    )
    values = np.array([objective.value(_theta_from_grid(objective, pt)) for pt in points])
    starts: list[np.ndarray] = []
    chosen: list[np.ndarray] = []
    for k in np.argsort(values, kind="stable"):
        if not np.isfinite(values[k]) or len(starts) == n_starts:
            break
        if any(np.all(np.abs(index[k] - c) <= 1) for c in chosen):
            continue
        chosen.append(index[k])
        starts.append(_theta_from_grid(objective, points[k]))
    return starts


def _search_plain(
    plain: _Objective, axes: list[np.ndarray], start: np.ndarray | None, min_overlap: float
) -> np.ndarray:
    """Grid, then Nelder–Mead from the three best separated grid points (and ``start``)."""
    starts = _grid_starts(plain, axes, 3)
    if start is not None:
        starts.append(start)
    if not starts:
        raise AnalysisInputError(
            f"no parameter values give overlapping curves (min_overlap={min_overlap}); "
            "widen x_window, give starting values or lower min_overlap"
        )
    step = np.ones(plain.free.size)
    best = min(
        (_nelder_mead(plain, plain.normalised(t), step, 1e-3) for t in starts),
        key=lambda zf: zf[1],
    )
    return plain.full(best[0])


def _theta_from_grid(objective: _Objective, point: np.ndarray) -> np.ndarray:
    theta = objective.theta.copy()
    theta[objective.free] = point
    return theta


def _curvature(objective: _Objective, theta_hat: np.ndarray, s_min: float) -> np.ndarray:
    """Covariance of the free parameters, :math:`2 S_{min} H^{-1}` (pyfssa's rule).

    :math:`S` is only piecewise smooth (the bracketing neighbours change with
    the parameters), so :math:`H` comes from a least-squares quadratic fit to
    :math:`S` on a stencil whose steps raise :math:`S` by about :math:`S_{min}`
    (about one standard error under this rule): first along the parameter axes,
    then again along the principal axes of that first estimate, which resolves
    strongly correlated parameters.
    """
    p = objective.free.size
    nan = np.full((p, p), np.nan)
    if p == 0 or not np.isfinite(s_min):
        return nan
    if s_min == 0:
        return np.zeros((p, p))
    z_hat = objective.normalised(theta_hat)

    def step_along(v: np.ndarray) -> float:
        t = 0.1
        for _ in range(60):
            rise = max(objective(z_hat + t * v), objective(z_hat - t * v)) - s_min
            if rise < 0.2 * s_min and t < 1e6:
                t *= 2.0
            elif rise > 3.0 * s_min and t > 1e-10:
                t *= 0.5
            else:
                break
        return t

    hess_z = _quadratic_hessian(objective, z_hat, np.diag([step_along(v) for v in np.eye(p)]))
    if hess_z is None:
        return nan
    _, vectors = np.linalg.eigh(hess_z)
    refined = _quadratic_hessian(
        objective, z_hat, np.column_stack([step_along(v) * v for v in vectors.T])
    )
    if refined is not None:
        hess_z = refined
    if np.linalg.eigvalsh(hess_z).min() <= 0:
        return nan
    cov_z = 2 * s_min * np.linalg.inv(hess_z)
    return objective.basis @ cov_z @ objective.basis.T


def _quadratic_hessian(
    objective: _Objective, z0: np.ndarray, basis: np.ndarray
) -> np.ndarray | None:
    """Hessian in z of a least-squares quadratic fitted on z = z0 + basis @ u, u a stencil."""
    p = basis.shape[1]
    eye = np.eye(p)
    design = [np.zeros(p)]
    for i in range(p):
        design += [eye[i], -eye[i], 0.5 * eye[i], -0.5 * eye[i]]
        for j in range(i):
            design += [eye[i] + eye[j], eye[i] - eye[j], -eye[i] + eye[j], -eye[i] - eye[j]]
    u = np.array(design)
    f = np.array([objective(z0 + basis @ row) for row in u])
    if not np.isfinite(f).all():
        return None
    inv_b = np.linalg.inv(basis)
    pairs = [(i, j) for i in range(p) for j in range(i + 1)]
    columns = [np.ones(len(u))] + [u[:, i] for i in range(p)]
    columns += [0.5 * u[:, i] ** 2 if i == j else u[:, i] * u[:, j] for i, j in pairs]
    coef = np.linalg.lstsq(np.column_stack(columns), f, rcond=None)[0]
    hess_u = np.empty((p, p))
    for k, (i, j) in enumerate(pairs):
        hess_u[i, j] = hess_u[j, i] = coef[1 + p + k]
    return inv_b.T @ hess_u @ inv_b


# ---------------------------------------------------------------------------
# the public function


def _check_fix(fix: Mapping[str, float] | None, corrections: bool) -> dict[str, float]:
    fix = dict(fix or {})
    allowed = list(PARAMETERS) + (list(CORRECTION_PARAMETERS) if corrections else [])
    hint = "" if corrections else " (b and omega need corrections=True)"
    require_known_names(fix, allowed, "fix", hint)
    for name, value in fix.items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise AnalysisInputError(
                f"fix[{name!r}]={value!r} is not a number; allowed: a real number"
            ) from None
        if name == "nu" and (value == 0 or math.isnan(value)):
            raise AnalysisInputError(
                f"fix['nu']={value!r}; allowed: a non-zero number or inf (1/nu = 0)"
            )
        if name != "nu" and not math.isfinite(value):
            raise AnalysisInputError(f"fix[{name!r}]={value!r}; allowed: a finite number")
        if name == "omega" and value <= 0:
            raise AnalysisInputError(f"fix['omega']={value!r}; allowed: a positive number")
        fix[name] = value
    return fix


def _estimate_zeta(data: _Data) -> float:
    """Slope of log RMS(O) against log L: a rough start for zeta."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(np.nanmean(data.mean**2, axis=1))
    ok = np.isfinite(rms) & (rms > 0)
    if ok.sum() < 2:
        return 0.0
    slope = np.polyfit(np.log(data.sizes[ok]), np.log(rms[ok]), 1)[0]
    return float(np.clip(slope, -5, 5))


def collapse(
    da: xr.DataArray,
    size_dim: str,
    control_dim: str,
    *,
    sample_dim: str | None = None,
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
    sample_dim : str, optional
        Dimension of independent samples (seeds).  The observable is their
        mean and its error the standard error of the mean.
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
        replacement) for percentile intervals; needs ``sample_dim``.
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

    Returns
    -------
    CollapseResult
        Estimates, standard errors, bootstrap intervals, quality, the error
        model used and the scaled data; ``report()`` prints it.

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
    :func:`phasetrans.analysis.quality.quality`).  Error model: ``error`` if
    given; else the standard error over ``sample_dim`` (cells whose samples are
    all equal get the smallest positive standard error, so no point has
    infinite weight); else equal error bars for every point (the standard
    deviation of the data), which makes :math:`S` a relative measure only.

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
    fixed = _check_fix(fix, corrections)
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise AnalysisInputError(f"bootstrap={bootstrap!r}; allowed: an integer >= 0")
    if bootstrap and sample_dim is None:
        raise AnalysisInputError(
            f"bootstrap={bootstrap} needs sample_dim (the dimension of the seeds to resample)"
        )
    if not isinstance(workers, int | np.integer) or workers < 1:
        raise AnalysisInputError(f"workers={workers!r}; allowed: an integer >= 1")
    if not 0 <= min_overlap <= 1:
        raise AnalysisInputError(f"min_overlap={min_overlap!r}; allowed: a number in [0, 1]")
    data = _prepare(da, size_dim, control_dim, sample_dim, error, x_window)
    curves = PaddedCurves.from_grid(
        np.broadcast_to(data.control, data.mean.shape), data.mean, data.err
    )
    min_points = max(3, math.ceil(min_overlap * curves.n_points))

    # parameter vector (x_c, 1/nu, zeta, b, omega)
    names = ["x_c", "inv_nu", "zeta", "b", "omega"]
    distinct = np.unique(data.control[np.isfinite(data.mean).any(axis=0)])
    lo, hi = np.quantile(distinct, [0.1, 0.9])
    span = float(distinct[-1] - distinct[0]) or 1.0
    zeta0 = _estimate_zeta(data)
    start = {
        "x_c": x_c if x_c is not None else float(np.median(distinct)),
        "inv_nu": 1.0 / nu if nu is not None else 1.0,
        "zeta": zeta if zeta is not None else zeta0,
        "b": 0.0,
        "omega": 1.0,
    }
    pinned = {k: v for k, v in fixed.items() if k != "nu"}
    if "nu" in fixed:
        pinned["inv_nu"] = 1.0 / fixed["nu"]
    start.update(pinned)
    free_names = [n for n in names if n not in pinned and (corrections or n in names[:3])]
    free = np.array([names.index(n) for n in free_names], dtype=np.intp)
    scale_by_name = {
        "x_c": 0.05 * span,
        "inv_nu": 0.1,
        "zeta": 0.1,
        "b": 0.05 * span * float(np.exp(np.log(data.sizes).mean())),
        "omega": 0.2,
    }
    scale = np.array([scale_by_name[n] for n in free_names])
    theta0 = np.array([start[n] for n in names], dtype=float)
    objective = _Objective(curves, data.sizes, theta0, free, np.diag(scale), min_points)

    theta_hat = theta0
    if free.size:
        axes_by_name = {
            "x_c": np.linspace(lo, hi, 9),
            "inv_nu": np.array([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0]),
            "zeta": zeta0 + np.array([-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0]),
        }
        for name, value in (("x_c", x_c), ("zeta", zeta)):
            if value is not None:
                axes_by_name[name] = np.append(axes_by_name[name], value)
        if nu is not None:
            axes_by_name["inv_nu"] = np.append(axes_by_name["inv_nu"], 1.0 / nu)
        # the plain scaling form first: grid, then Nelder–Mead from the best points
        base = [k for k, n in enumerate(free_names) if n in axes_by_name]
        if base:
            theta_hat = _search_plain(
                objective.rebased(theta0, np.diag(scale[base]), free=free[base]),
                [np.unique(axes_by_name[free_names[k]]) for k in base],
                theta0 if any(v is not None for v in (x_c, nu, zeta)) else None,
                min_overlap,
            )
        # then every free parameter (the correction to scaling joins here, from b = 0)
        z, _ = _nelder_mead(objective, objective.normalised(theta_hat), np.ones(free.size), 1e-3)
        z, _ = _nelder_mead(objective, z, np.full(free.size, 0.3), 1e-4)
        theta_hat = objective.full(z)
    s_min = objective.value(theta_hat)
    if not np.isfinite(s_min):
        raise AnalysisInputError(
            f"the fixed parameters {fixed} give curves that do not overlap "
            f"(min_overlap={min_overlap}); change fix or x_window"
        )

    cov = _curvature(objective, theta_hat, s_min)
    local = _local_search(objective, theta_hat, cov)
    if free.size:
        # polish in whitened coordinates, where the valley of S is round
        z, f = local.search(local.objective)
        if f < s_min:
            theta_hat, s_min = local.objective.full(z), f
    curv = {n: 0.0 for n in names}
    for k, n in enumerate(free_names):
        curv[n] = float(np.sqrt(cov[k, k])) if np.isfinite(cov[k, k]) else math.nan

    params = dict(zip(names, map(float, theta_hat), strict=True))
    samples: dict[str, np.ndarray] = {}
    intervals: dict[str, dict[float, tuple[float, float]]] = {}
    failed = 0
    if bootstrap:
        draws = _bootstrap(
            data, local.objective.rebased(theta_hat, local.basis), local, bootstrap, seed, workers
        )
        failed = int(np.isnan(draws[:, 0]).sum())
        for k, n in enumerate(names):
            samples[n] = draws[:, k]
        samples["nu"] = _safe_inverse(samples["inv_nu"])
        for n in names:
            ok = samples[n][np.isfinite(samples[n])]
            intervals[n] = {lv: _percentile_interval(ok, lv) for lv in _LEVELS}
        intervals["nu"] = {lv: _nu_interval(intervals["inv_nu"][lv]) for lv in _LEVELS}
    params["nu"] = float(_safe_inverse(np.array(params["inv_nu"])))
    curv["nu"] = _nu_error(params["inv_nu"], curv["inv_nu"])
    if bootstrap:
        stderr = {}
        for n in names:
            ok = samples[n][np.isfinite(samples[n])]
            stderr[n] = float(ok.std(ddof=1)) if ok.size > 1 and n in free_names else 0.0
        stderr["nu"] = _nu_error(params["inv_nu"], stderr["inv_nu"])
        method = "bootstrap"
    else:
        stderr, method = dict(curv), "curvature"
    if not corrections:
        for n in CORRECTION_PARAMETERS:
            for d in (params, stderr, curv, samples, intervals):
                d.pop(n, None)

    scaled = _scaled_dataset(data, objective, theta_hat, size_dim, control_dim, da)
    n_points = int(np.isfinite(scaled["master"].values).sum())
    return CollapseResult(
        x_c=params["x_c"],
        nu=params["nu"],
        zeta=params["zeta"],
        x_c_err=stderr["x_c"],
        nu_err=stderr["nu"],
        zeta_err=stderr["zeta"],
        quality=s_min,
        n_points=n_points,
        n_total=curves.n_points,
        error_model=data.error_model,
        params=params,
        stderr=stderr,
        stderr_method=method,
        curvature_stderr=curv,
        intervals=intervals,
        bootstrap_samples=samples,
        n_bootstrap=bootstrap,
        n_bootstrap_failed=failed,
        fixed=fixed,
        corrections=corrections,
        scaled=scaled,
        size_dim=size_dim,
        control_dim=control_dim,
        sample_dim=sample_dim,
        seed=seed,
    )


@dataclass(frozen=True)
class _LocalSearch:
    r"""A Nelder–Mead search about a known minimum, in whitened coordinates.

    With the curvature covariance :math:`C = 2 S_{min} H^{-1}` and
    ``basis`` its Cholesky factor, one unit of ``z`` is one curvature standard
    error.  Those are about :math:`\sqrt{N}` times the statistical errors
    (they correspond to :math:`\Delta\chi^2 = N` rather than 1), so the
    simplex starts about three statistical errors wide and resolves about a tenth
    of the bootstrap spread.
    """

    objective: _Objective
    basis: np.ndarray
    step: np.ndarray
    xatol: float
    frtol: float

    def search(self, objective: _Objective) -> tuple[np.ndarray, float]:
        return _nelder_mead(objective, np.zeros(self.step.size), self.step, self.xatol, self.frtol)


def _local_search(objective: _Objective, theta_hat: np.ndarray, cov: np.ndarray) -> _LocalSearch:
    n_points = max(objective.curves.n_points, 1)
    p = objective.free.size
    basis = None
    if p and np.isfinite(cov).all():
        try:
            basis = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            basis = None
    if basis is not None and np.all(np.diag(basis) > 0):
        step = np.full(p, min(1.0, 3.0 / math.sqrt(n_points)))
    else:
        basis = objective.basis
        step = np.full(p, 0.1)
    return _LocalSearch(
        objective=objective.rebased(theta_hat, basis),
        basis=basis,
        step=step,
        xatol=0.1 * float(step.min(initial=1.0)),
        frtol=0.05 / n_points,
    )


def _bootstrap(
    data: _Data,
    objective: _Objective,
    local: _LocalSearch,
    n_resamples: int,
    seed: int,
    workers: int = 1,
) -> np.ndarray:
    """Redo the collapse on resampled seeds; rows of (x_c, 1/nu, zeta, b, omega).

    ``objective`` is centred on the point estimate in the whitened basis; each
    resample is searched locally from there.  All draws are made here, before
    any work is shared out, so the result does not depend on ``workers``.
    """
    rng = np.random.default_rng(seed)
    n_samples = data.samples.shape[2]
    draws = rng.integers(0, n_samples, size=(n_resamples, n_samples))
    if objective.free.size == 0:
        return np.tile(objective.theta, (n_resamples, 1))
    workers = min(workers, n_resamples)
    if workers <= 1:
        return _bootstrap_chunk(data, objective, local, draws)
    chunks = np.array_split(draws, workers)
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        parts = pool.map(
            _bootstrap_chunk,
            [data] * workers,
            [objective] * workers,
            [local] * workers,
            chunks,
        )
        return np.vstack(list(parts))


def _bootstrap_chunk(
    data: _Data, objective: _Objective, local: _LocalSearch, draws: np.ndarray
) -> np.ndarray:
    out = np.full((len(draws), objective.theta.size), np.nan)
    control = np.broadcast_to(data.control, data.mean.shape)
    for b, idx in enumerate(draws):
        mean, se = mean_and_error(data.samples[:, :, idx])
        if data.given_err is not None:
            err = data.given_err
        elif data.floor > 0:
            err = fill_zero_errors(se, data.floor)
        else:
            err = _unweighted(mean)
        resampled = objective.rebased(
            objective.theta, objective.basis, PaddedCurves.from_grid(control, mean, err)
        )
        z, f = local.search(resampled)
        if np.isfinite(f):
            out[b] = resampled.full(z)
    return out


def _percentile_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    if values.size == 0:
        return (math.nan, math.nan)
    lo, hi = np.percentile(values, [50 - 50 * level, 50 + 50 * level])
    return (float(lo), float(hi))


def _safe_inverse(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.where(values == 0, np.inf, 1.0 / np.asarray(values, dtype=float))


def _nu_error(inv_nu: float, inv_nu_err: float) -> float:
    """Delta method: sd(nu) = sd(1/nu) / (1/nu)^2."""
    if inv_nu_err == 0:
        return 0.0
    if inv_nu == 0:
        return math.inf
    return float(inv_nu_err / inv_nu**2)


def _nu_interval(inv_interval: tuple[float, float]) -> tuple[float, float]:
    """Map an interval of 1/nu to one of nu (upper end inf when it contains 0)."""
    lo, hi = inv_interval
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return (math.nan, math.nan)
    if lo > 0 or hi < 0:
        return (1.0 / hi, 1.0 / lo)
    return (1.0 / hi if hi > 0 else -math.inf, math.inf)


def _scaled_dataset(
    data: _Data,
    objective: _Objective,
    theta: np.ndarray,
    size_dim: str,
    control_dim: str,
    da: xr.DataArray,
) -> xr.Dataset:
    """The scaled data and the master curve on the (size, control) grid."""
    shape = data.mean.shape
    terms = objective.terms(theta, centred=False)
    s, y, dy = objective.scaled(theta, centred=False)
    valid = objective.curves.valid
    cells = objective.curves.cells

    def grid(values: np.ndarray) -> np.ndarray:
        out = np.full(shape[0] * shape[1], np.nan)
        out[cells] = values
        return out.reshape(shape)

    master = np.full(cells.size, np.nan)
    master_var = np.full(cells.size, np.nan)
    if terms is not None:
        _, _, master, master_var, ok = terms
        # only points the quality uses have a master curve (the others lie outside
        # the other sizes' range, where the local fit is undefined or extrapolated)
        master = np.where(ok, master, np.nan)
        master_var = np.where(ok, master_var, np.nan)
    with np.errstate(invalid="ignore"):
        residual = (y[valid] - master) / np.sqrt(dy[valid] ** 2 + master_var)
    dims = (size_dim, control_dim)
    coords = {size_dim: da[size_dim].values, control_dim: data.control}
    return xr.Dataset(
        {
            "observable": (dims, data.mean, {"long_name": da.name or "observable"}),
            "error": (dims, data.err, {"long_name": f"error ({data.error_model})"}),
            "scaled_x": (dims, grid(s[valid]), {"long_name": "(x - x_c) L^(1/nu)"}),
            "scaled_y": (dims, grid(y[valid]), {"long_name": "L^-zeta O"}),
            "scaled_error": (dims, grid(dy[valid]), {"long_name": "L^-zeta dO"}),
            "master": (dims, grid(master), {"long_name": "master curve at the point"}),
            "master_error": (dims, grid(np.sqrt(master_var)), {"long_name": "its error"}),
            "residual": (dims, grid(residual), {"long_name": "(y - Y)/sqrt(dy^2 + dY^2)"}),
        },
        coords=coords,
        attrs={"quality": float(objective.value(theta))},
    )
