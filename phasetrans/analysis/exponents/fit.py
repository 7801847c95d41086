r"""Fit one transition model to an observable, with bootstrap intervals."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import lmfit
import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import draw, percentile_intervals
from phasetrans.analysis.exponents.models import MODELS
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
    if model not in MODELS:
        raise AnalysisInputError(
            f"model={model!r}; allowed: {list(MODELS)}", field="model", value=model
        )
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise AnalysisInputError(
            f"bootstrap={bootstrap!r}; allowed: an integer >= 0", field="bootstrap", value=bootstrap
        )
    x, values, keep, used = _select(da, control_dim, sample_dim, side, window, float(x_c))
    levels = len(used)
    lm = MODELS[model]()

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
    x, y = x[ok], y[ok]
    if yerr is not None:
        yerr = yerr[ok]
    if levels:
        values = values[ok]

    nvarys = len(lm.param_names) - (1 if model == "power" and not vary_x_c else 0)
    if x.size <= nvarys:
        raise AnalysisInputError(
            f"{x.size} points on side {side!r} of x_c={x_c:g} in window {window!r}; "
            f"the {model} model needs more than {nvarys}",
            field="window",
            value=window,
        )
    if params is not None:
        start = params
    else:
        start = lm.guess(y, x, **({"x_c": float(x_c)} if model == "power" else {}))
    if model == "power":
        start["x_c"].set(vary=vary_x_c)
    weights = None if yerr is None else 1.0 / yerr
    result = lm.fit(y, start, x=x, weights=weights, nan_policy="raise")

    varying = [k for k, p in result.params.items() if p.vary]
    samples = {k: np.full(bootstrap, np.nan) for k in varying}
    kind = ""
    failed = 0
    if bootstrap:
        rng = np.random.default_rng(seed)
        fitted = result.best_fit
        if levels:
            kind = "seeds"
            draws = draw(rng, values.shape[1:], bootstrap)
        else:
            kind = "residuals"
            sigma = yerr if yerr is not None else np.ones_like(y)
            standardised = (y - fitted) / sigma
            draws = draw(rng, (y.size,), bootstrap)
        for b in range(bootstrap):
            if kind == "seeds":
                yb, seb = mean_and_error(draws.take(values, b), levels)
                wb = None if yerr is None else 1.0 / fill_zero_errors(seb, floor)
                if wb is not None and not np.isfinite(wb).all():
                    failed += 1
                    continue
            else:
                yb = fitted + sigma * draws.take(standardised, b)
                wb = weights
            try:
                refit = lm.fit(yb, result.params.copy(), x=x, weights=wb)
            except (ValueError, RuntimeError, FloatingPointError):
                failed += 1
                continue
            if not refit.success:
                failed += 1
                continue
            for k in varying:
                samples[k][b] = refit.params[k].value
    intervals = {k: percentile_intervals(v) for k, v in samples.items()} if bootstrap else {}
    if failed:
        warnings.warn(
            f"{failed} of {bootstrap} bootstrap refits of the {model} model failed; "
            "its intervals come from the others",
            PhasetransWarning,
            stacklevel=2,
        )

    return TransitionFit(
        model=model,
        result=result,
        x=x,
        y=y,
        yerr=yerr,
        error_model=error_model,
        control_dim=control_dim,
        sample_dim=(used[0] if levels == 1 else used) if levels else None,
        side=side,
        window=window,
        x_c=float(x_c),
        intervals=intervals,
        bootstrap_samples=samples if bootstrap else {},
        bootstrap_kind=kind,
        n_bootstrap=bootstrap,
        n_bootstrap_failed=failed,
        seed=seed,
        name=str(da.name) if da.name is not None else "observable",
    )
