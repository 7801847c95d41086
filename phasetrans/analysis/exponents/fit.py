r"""Fit one transition model to an observable, with bootstrap intervals."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import lmfit
import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import percentile_intervals
from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.exponents.models import MODELS
from phasetrans.analysis.exponents.resampling import FitPoints, Refits, resample_fit
from phasetrans.analysis.exponents.results import TransitionFit
from phasetrans.analysis.samples import (
    describe_samples,
    fill_zero_errors,
    mean_and_error,
    sample_values,
    typical_error,
)
from phasetrans.errors import AnalysisInputError, PhasetransWarning

__all__ = ["SIDES", "fit_transition"]

#: Which side of the critical point is fitted.
SIDES = ("below", "above", "both")


def _select(
    da: xr.DataArray,
    control_dim: str,
    sample_dim: str | Sequence[str] | None,
    side: str,
    window,
    x_c: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Control values, data (control first, samples last), the chosen points, sample dims."""
    values, used = sample_values(da, {"control_dim": control_dim}, sample_dim)
    if side not in SIDES:
        raise AnalysisInputError(f"side={side!r}; allowed: {list(SIDES)}", field="side", value=side)
    try:
        x = np.asarray(da[control_dim].values, dtype=float)
    except (TypeError, ValueError):
        raise AnalysisInputError(
            f"control_dim={control_dim!r} coordinate is not numeric; allowed: real numbers",
            field="control_dim",
            value=control_dim,
        ) from None
    keep = np.ones(x.size, dtype=bool)
    if side == "below":
        keep &= x < x_c
    elif side == "above":
        keep &= x > x_c
    if window is not None:
        if np.ndim(window) == 0:
            w = float(window)
            if not w > 0:
                raise AnalysisInputError(
                    f"window={window!r}; allowed: a positive distance from x_c or (low, high)",
                    field="window",
                    value=window,
                )
            keep &= np.abs(x - x_c) <= w
        else:
            lo, hi = (float(v) for v in window)
            if not lo < hi:
                raise AnalysisInputError(
                    f"window={tuple(window)!r} is empty; allowed: (low, high) with low < high",
                    field="window",
                    value=window,
                )
            keep &= (x >= lo) & (x <= hi)
    return x[keep], values[keep], keep, used


def _given_errors(error, da: xr.DataArray, control_dim: str, keep: np.ndarray) -> np.ndarray:
    if isinstance(error, xr.DataArray):
        if set(error.dims) - {control_dim}:
            raise AnalysisInputError(
                f"error has dimensions {list(error.dims)}; allowed: ({control_dim!r},)",
                field="error",
                value=list(error.dims),
            )
        err = error.broadcast_like(da[control_dim]).transpose(control_dim).values
    else:
        err = np.full(keep.size, float(error))
    yerr = np.asarray(err, dtype=float)[keep]
    if (yerr[np.isfinite(yerr)] <= 0).any():
        raise AnalysisInputError(
            "error has values <= 0; allowed: positive standard errors", field="error"
        )
    return yerr


def fit_transition(
    da: xr.DataArray,
    control_dim: str,
    *,
    model: str = "power",
    side: str = "below",
    window: float | tuple[float, float] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    x_c: float = 0.0,
    sample_dim: str | Sequence[str] | None = None,
    error: xr.DataArray | float | None = None,
    vary_x_c: bool = False,
    params: lmfit.Parameters | None = None,
) -> TransitionFit:
    r"""Fit a transition model on one side of :math:`x_c`, with bootstrap intervals.

    Parameters
    ----------
    da : xarray.DataArray
        Observable over ``control_dim`` (and ``sample_dim``, if given).
    control_dim : str
        Dimension of the control :math:`x` (numeric coordinate).
    model : str
        ``"power"``, ``"exponential"`` or ``"step"`` (see :data:`MODELS`).
    side : str
        ``"below"`` (:math:`x < x_c`), ``"above"`` (:math:`x > x_c`) or ``"both"``.
    window : float or (float, float), optional
        Keep :math:`|x - x_c| \le` ``window``, or ``low <= x <= high``.
    bootstrap : int
        Number of bootstrap refits for percentile intervals.
    seed : int
        Seed of the :class:`numpy.random.Generator` of the bootstrap.
    x_c : float
        Critical point: splits the sides and is the power law's origin.
    sample_dim : str or (str, str), optional
        Dimension of independent samples (seeds): the fit is to their mean,
        weighted by its standard error, and the bootstrap resamples whole
        samples.  Or ``(teacher_dim, student_dim)`` for two levels: the mean
        over teachers of their students' means, the standard error of the
        teacher means, and the two-level bootstrap (teachers, then students).
        Without it the fit is unweighted (or weighted by ``error``) and the
        bootstrap resamples residuals.
    error : xarray.DataArray, optional
        Standard errors over ``control_dim``, used as weights when there is no
        ``sample_dim``.
    vary_x_c : bool
        Let the power law's :math:`x_c` vary (it is held at ``x_c`` by default).
    params : lmfit.Parameters, optional
        Starting parameters, instead of the model's ``guess()``.

    Returns
    -------
    TransitionFit
        The lmfit result, bootstrap intervals and ``report()``.

    Raises
    ------
    AnalysisInputError
        (a ``ValueError``) for an unknown ``model`` or ``side``, a missing
        dimension, all-NaN data, an empty window, fewer points than
        parameters + 1, or a negative ``bootstrap``.

    Notes
    -----
    With samples, :math:`y_i` is the mean over samples and :math:`\sigma_i`
    its standard error (cells where every sample agrees get a typical one,
    the median of the positive errors); the fit minimises
    :math:`\sum_i (y_i - f(x_i))^2/\sigma_i^2`.
    The bootstrap draws samples with replacement (the same draw for every
    control value), recomputes :math:`y_i, \sigma_i` and refits from the best
    fit; without samples it refits :math:`\hat f(x_i) + \sigma_i r^*_i`, with
    :math:`r^*` drawn with replacement from the standardised residuals.
    Intervals are the 16–84 % and 2.5–97.5 % percentiles.

    References
    ----------
    .. [1] M. Newville et al., LMFIT: Non-Linear Least-Square Minimization and
       Curve-Fitting for Python, doi:10.5281/zenodo.11813.
    .. [2] B. Efron and R. J. Tibshirani, An Introduction to the Bootstrap
       (Chapman & Hall, 1993).
    .. [3] L. Giambagli et al., "How a student becomes a teacher: learning and
       forgetting through spectral methods", NeurIPS 2023 (arXiv:2310.12612).
    """
    _check(model, bootstrap)
    points = _points(da, control_dim, sample_dim, side, window, float(x_c), error)
    lm = MODELS[model]()
    nvarys = len(lm.param_names) - (1 if model == "power" and not vary_x_c else 0)
    if points.x.size <= nvarys:
        raise AnalysisInputError(
            f"{points.x.size} points on side {side!r} of x_c={x_c:g} in window {window!r}; "
            f"the {model} model needs more than {nvarys}",
            field="window",
            value=window,
        )
    if params is not None:
        start = params
    else:
        start = lm.guess(points.y, points.x, **({"x_c": float(x_c)} if model == "power" else {}))
    if model == "power":
        start["x_c"].set(vary=vary_x_c)
    result = lm.fit(points.y, start, x=points.x, weights=points.weights, nan_policy="raise")
    refits = resample_fit(lm, result, points, bootstrap, seed) if bootstrap else None
    if refits is not None and refits.n_failed:
        warnings.warn(
            f"{refits.n_failed} of {bootstrap} bootstrap refits of the {model} model failed; "
            "its intervals come from the others",
            PhasetransWarning,
            stacklevel=2,
        )
    used, levels = points.sample_dims, points.levels
    return TransitionFit(
        model=model,
        result=result,
        params=_estimates(result, refits),
        x=points.x,
        y=points.y,
        yerr=points.yerr,
        error_model=points.error_model,
        control_dim=control_dim,
        sample_dim=(used[0] if levels == 1 else used) if levels else None,
        side=side,
        window=window,
        x_c=float(x_c),
        bootstrap_kind=refits.kind if refits is not None else "",
        n_bootstrap=bootstrap,
        n_bootstrap_failed=refits.n_failed if refits is not None else 0,
        seed=seed,
        name=str(da.name) if da.name is not None else "observable",
        attrs=dict(da.attrs),
        control_attrs=dict(da[control_dim].attrs),
    )


def _check(model: str, bootstrap: int) -> None:
    if model not in MODELS:
        raise AnalysisInputError(
            f"model={model!r}; allowed: {list(MODELS)}", field="model", value=model
        )
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise AnalysisInputError(
            f"bootstrap={bootstrap!r}; allowed: an integer >= 0", field="bootstrap", value=bootstrap
        )


def _points(
    da: xr.DataArray,
    control_dim: str,
    sample_dim: str | Sequence[str] | None,
    side: str,
    window,
    x_c: float,
    error: xr.DataArray | float | None,
) -> FitPoints:
    """The points fitted: the chosen side and window, the mean and its error model, finite only."""
    x, values, keep, used = _select(da, control_dim, sample_dim, side, window, x_c)
    levels = len(used)
    floor = 0.0
    if levels:
        if values.shape[1] < 2:
            raise AnalysisInputError(
                f"sample_dim={used[0]!r} has length {values.shape[1]}; need at least 2",
                field="sample_dim",
                value=used[0],
            )
        y, se = mean_and_error(values, levels)
        floor = typical_error(se)  # for points whose seeds all agree
        yerr = fill_zero_errors(se, floor) if floor > 0 else None
        error_model = (
            describe_samples(used, values.shape)
            if yerr is not None
            else "unweighted (no sample varies)"
        )
    else:
        y = values
        yerr, error_model = None, "unweighted"
        if error is not None:
            yerr = _given_errors(error, da, control_dim, keep)
            error_model = "given"
    ok = np.isfinite(y) & (np.isfinite(yerr) if yerr is not None else True)
    return FitPoints(
        x=x[ok],
        y=y[ok],
        yerr=yerr[ok] if yerr is not None else None,
        values=values[ok] if levels else None,
        levels=levels,
        floor=floor,
        error_model=error_model,
        sample_dims=used,
    )


def _estimates(result: lmfit.model.ModelResult, refits: Refits | None) -> dict[str, Estimate]:
    """Every parameter as an :class:`Estimate`: lmfit's value, error and correlations, and
    the bootstrap replicates and intervals of the varying ones.

    lmfit's error comes from the covariance, the curvature of chi^2 at the
    minimum: it is both ``stderr`` and ``curvature_stderr`` (the "±" of the
    displays, :func:`~phasetrans.analysis.parameter_text.covariance_error`).
    """
    out = {}
    for name, p in result.params.items():
        samples = refits.samples.get(name) if refits is not None else None
        if not p.vary:
            stderr = 0.0
        else:
            stderr = float(p.stderr) if p.stderr is not None else math.nan
        out[name] = Estimate(
            p.value,
            stderr,
            curvature_stderr=stderr,  # lmfit's covariance: the curvature of chi^2
            intervals=percentile_intervals(samples) if samples is not None else None,
            samples=samples,
            fixed=not p.vary,
            correlations=p.correl,
        )
    return out
