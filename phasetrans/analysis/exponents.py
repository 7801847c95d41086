r"""lmfit models of a transition on one side of :math:`x_c`, bootstrap intervals, model ranking.

Three shapes of an observable :math:`O(x)` near a transition:

- power law, :math:`O = A\,|x - x_c|^{\beta} + c` (:class:`PowerLawTransitionModel`);
- the paper's exponential, :math:`O = a\,e^{-b x} + c` (:class:`ExponentialTransitionModel`);
- a smooth (logistic) step, :math:`O = c + A / (1 + e^{(x - x_0)/w})`
  (:class:`StepTransitionModel`).

Each is an :class:`lmfit.Model` with a data-driven ``guess()``.
:func:`fit_transition` fits one of them to a :class:`xarray.DataArray` and adds
bootstrap percentile intervals; :func:`compare_models` fits several and ranks
them by AIC or BIC.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import lmfit
import numpy as np
import scipy.special
import xarray as xr
from lmfit.models import update_param_vals

from phasetrans.analysis.samples import fill_zero_errors, mean_and_error, typical_error
from phasetrans.analysis.validation import AnalysisInputError, require_dims, require_finite_data

__all__ = [
    "MODELS",
    "ExponentialTransitionModel",
    "ModelComparison",
    "PowerLawTransitionModel",
    "StepTransitionModel",
    "TransitionFit",
    "compare_models",
    "fit_transition",
]

_LEVELS = (0.68, 0.95)
SIDES = ("below", "above", "both")


def power_law(x, amplitude=1.0, x_c=0.0, beta=1.0, c=0.0):
    """:math:`A |x - x_c|^\\beta + c`."""
    return amplitude * np.abs(x - x_c) ** beta + c


def exponential(x, a=1.0, b=1.0, c=0.0):
    """:math:`a e^{-b x} + c`."""
    return a * np.exp(-b * x) + c


def logistic_step(x, amplitude=1.0, center=0.0, width=1.0, c=0.0):
    """:math:`c + A / (1 + e^{(x - x_0)/w})`: ``c + amplitude`` far below, ``c`` far above."""
    return c + amplitude * scipy.special.expit(-(x - center) / width)


def _scan_linear(x, y, shapes) -> tuple[float, tuple, np.ndarray]:
    """Best of ``y ~ c + A g(x)`` over candidate shapes ``g`` (linear least squares each).

    Returns the SSE, the key of the best shape and its ``(c, A)``.
    """
    best = (math.inf, None, np.array([0.0, 0.0]))
    for key, g in shapes:
        with np.errstate(over="ignore", invalid="ignore"):
            design = np.column_stack([np.ones_like(x), g])
        if not np.isfinite(design).all():
            continue
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        sse = float(np.sum((design @ coef - y) ** 2))
        if sse < best[0]:
            best = (sse, key, coef)
    return best


class PowerLawTransitionModel(lmfit.Model):
    r"""Power law about the critical point, :math:`A |x - x_c|^{\beta} + c`.

    ``x_c`` is a parameter like the others; :func:`fit_transition` holds it
    fixed at the given critical point unless asked to vary it.  ``beta`` is
    bounded to :math:`(0, 20]`.
    """

    def __init__(self, **kwargs):
        super().__init__(power_law, **kwargs)
        self.set_param_hint("beta", min=1e-6, max=20.0)

    def guess(self, data, x, x_c: float = 0.0, **kws) -> lmfit.Parameters:
        """Guess by scanning ``beta``; ``A`` and ``c`` are then a linear least-squares fit.

        Parameters
        ----------
        data, x : array_like
            The curve.
        x_c : float
            The critical point (held at this value).
        **kws
            Parameter values that override the guess.
        """
        data, x = np.asarray(data, float), np.asarray(x, float)
        d = np.abs(x - x_c)
        betas = np.geomspace(0.02, 10.0, 80)
        _, beta, (c, amplitude) = _scan_linear(x, data, ((b, d**b) for b in betas))
        params = self.make_params(
            amplitude=amplitude, x_c=x_c, beta=1.0 if beta is None else beta, c=c
        )
        params[f"{self.prefix}x_c"].set(vary=False)
        return update_param_vals(params, self.prefix, **kws)


class ExponentialTransitionModel(lmfit.Model):
    r"""The paper's form, :math:`a e^{-b x} + c` (fitted on :math:`x < 0`)."""

    def __init__(self, **kwargs):
        super().__init__(exponential, **kwargs)

    def guess(self, data, x, **kws) -> lmfit.Parameters:
        """Guess by scanning the rate ``b`` (both signs); ``a``, ``c`` by linear least squares."""
        data, x = np.asarray(data, float), np.asarray(x, float)
        span = float(np.ptp(x)) or 1.0
        rates = np.geomspace(0.01, 40.0, 60) / span
        rates = np.concatenate([rates, -rates])
        ref = float(np.median(x))  # exp(-b (x - ref)) keeps the scan finite
        _, b, (c, a_ref) = _scan_linear(x, data, ((r, np.exp(-r * (x - ref))) for r in rates))
        b = 1.0 / span if b is None else b
        params = self.make_params(a=a_ref * math.exp(b * ref), b=b, c=c)
        return update_param_vals(params, self.prefix, **kws)


class StepTransitionModel(lmfit.Model):
    r"""Smooth step, :math:`c + A / (1 + e^{(x - x_0)/w})`, with ``width`` :math:`w > 0`."""

    def __init__(self, **kwargs):
        super().__init__(logistic_step, **kwargs)
        self.set_param_hint("width", min=1e-12)

    def guess(self, data, x, **kws) -> lmfit.Parameters:
        """Guess by scanning centre and width; ``A`` and ``c`` by linear least squares."""
        data, x = np.asarray(data, float), np.asarray(x, float)
        span = float(np.ptp(x)) or 1.0
        centers = np.quantile(x, np.linspace(0, 1, 21))
        widths = span * np.geomspace(0.005, 1.0, 16)
        shapes = (((x0, w), scipy.special.expit(-(x - x0) / w)) for x0 in centers for w in widths)
        _, key, (c, amplitude) = _scan_linear(x, data, shapes)
        center, width = key if key is not None else (float(np.median(x)), span / 10)
        params = self.make_params(amplitude=amplitude, center=center, width=width, c=c)
        return update_param_vals(params, self.prefix, **kws)


#: Model names accepted by :func:`fit_transition` and :func:`compare_models`.
MODELS: dict[str, type[lmfit.Model]] = {
    "power": PowerLawTransitionModel,
    "exponential": ExponentialTransitionModel,
    "step": StepTransitionModel,
}

_FORMULAS = {
    "power": "A*|x - x_c|^beta + c",
    "exponential": "a*exp(-b*x) + c",
    "step": "c + A/(1 + exp((x - x0)/w))",
}


@dataclass(frozen=True)
class TransitionFit:
    """A fitted transition model with bootstrap intervals.

    Attributes
    ----------
    model : str
        Name in :data:`MODELS`.
    result : lmfit.model.ModelResult
        The fit to the (mean) data; ``result.params`` holds the estimates and
        lmfit's standard errors.
    x, y : ndarray
        The points fitted (control values and mean observable).
    yerr : ndarray or None
        Their standard errors (None for an unweighted fit).
    error_model : str
        ``"standard error over '<sample_dim>'"``, ``"given"`` or ``"unweighted"``.
    intervals : dict
        ``{param: {0.68: (lo, hi), 0.95: (lo, hi)}}`` bootstrap percentile
        intervals of the varying parameters (empty without bootstrap).
    bootstrap_samples : dict
        ``{param: ndarray (n_bootstrap,)}``, NaN where a refit failed.
    bootstrap_kind : str
        ``"seeds"`` (whole samples resampled), ``"residuals"`` or ``""``.
    n_bootstrap, n_bootstrap_failed : int
        Resamples requested and refits that failed.
    name : str
        Name of the fitted observable.
    """

    model: str
    result: lmfit.model.ModelResult = field(repr=False)
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    yerr: np.ndarray | None = field(repr=False)
    error_model: str
    control_dim: str
    sample_dim: str | None
    side: str
    window: object
    x_c: float
    intervals: dict[str, dict[float, tuple[float, float]]]
    bootstrap_samples: dict[str, np.ndarray] = field(repr=False)
    bootstrap_kind: str
    n_bootstrap: int
    n_bootstrap_failed: int
    seed: int
    name: str = "observable"

    @property
    def params(self) -> dict[str, float]:
        """Best-fit value of every parameter."""
        return {k: float(p.value) for k, p in self.result.params.items()}

    @property
    def stderr(self) -> dict[str, float]:
        """lmfit's standard errors (NaN where lmfit could not estimate them)."""
        return {
            k: float(p.stderr) if p.stderr is not None else math.nan
            for k, p in self.result.params.items()
            if p.vary
        }

    @property
    def aic(self) -> float:
        """Akaike information criterion of the fit."""
        return float(self.result.aic)

    @property
    def bic(self) -> float:
        """Bayesian information criterion of the fit."""
        return float(self.result.bic)

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Bootstrap percentile interval of parameter ``name`` at ``level`` (0.68 or 0.95)."""
        return self.intervals[name][level]

    def eval(self, x: np.ndarray) -> np.ndarray:
        """The fitted curve at ``x``."""
        return self.result.eval(x=np.asarray(x, dtype=float))

    def report(self) -> str:
        """Plain-text summary: model, data, estimates, errors, intervals and criteria."""
        r = self.result
        lines = [
            f"Transition fit: {self.model}  O = {_FORMULAS[self.model]}",
            f"  data         {r.ndata} points of {self.control_dim!r}, side {self.side!r} of "
            f"x_c = {self.x_c:g}" + (f", window {self.window}" if self.window is not None else ""),
            f"  error model  {self.error_model}",
            f"  fit          chi2 = {r.chisqr:.4g}, reduced chi2 = {r.redchi:.4g}, "
            f"AIC = {r.aic:.2f}, BIC = {r.bic:.2f}" + ("" if r.success else "  (NOT CONVERGED)"),
        ]
        header = f"  {'parameter':<10}{'estimate':>13}{'std.err':>11}"
        if self.intervals:
            header += f"{'68% interval':>26}{'95% interval':>26}"
        lines.append(header)
        stderr = self.stderr
        for name, p in r.params.items():
            row = f"  {name:<10}{p.value:>13.6g}"
            if not p.vary:
                lines.append(row + f"{'fixed':>11}")
                continue
            row += f"{stderr[name]:>11.3g}"
            if name in self.intervals:
                for level in _LEVELS:
                    lo, hi = self.intervals[name][level]
                    row += f"{f'[{lo:.5g}, {hi:.5g}]':>26}"
            lines.append(row)
        if self.n_bootstrap:
            what = (
                f"resamples of {self.sample_dim!r}"
                if self.bootstrap_kind == "seeds"
                else "residual resamples"
            )
            lines.append(
                f"  bootstrap    {self.n_bootstrap} {what} (seed {self.seed}), "
                f"{self.n_bootstrap_failed} failed"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ModelComparison:
    """Several transition models fitted to the same points, ranked by an information criterion.

    Attributes
    ----------
    fits : dict
        ``{model name: TransitionFit}``.
    rows : list of dict
        One row per model, best first, with ``model, nvarys, ndata, chisqr,
        redchi, aic, bic, delta`` (criterion minus the best one) and ``weight``
        (Akaike/Schwarz weight :math:`\\propto e^{-\\Delta/2}`).
    criterion : str
        ``"aic"`` or ``"bic"``.
    """

    fits: dict[str, TransitionFit]
    rows: list[dict[str, object]]
    criterion: str

    @property
    def best(self) -> str:
        """Name of the model with the lowest criterion."""
        return str(self.rows[0]["model"])

    def to_dataset(self) -> xr.Dataset:
        """The table as an :class:`xarray.Dataset` over ``model``."""
        names = [str(r["model"]) for r in self.rows]
        keys = ("nvarys", "ndata", "chisqr", "redchi", "aic", "bic", "delta", "weight")
        return xr.Dataset(
            {k: ("model", [r[k] for r in self.rows]) for k in keys},
            coords={"model": names},
            attrs={"criterion": self.criterion},
        )

    def report(self) -> str:
        """The ranking as a text table, then each fit's report."""
        crit = self.criterion.upper()
        lines = [
            f"Model comparison by {crit} (lower is better; weight ~ exp(-delta/2))",
            f"  {'model':<12}{'k':>3}{'N':>6}{'chi2':>12}{'red.chi2':>11}"
            f"{'AIC':>11}{'BIC':>11}{'d' + crit:>9}{'weight':>9}",
        ]
        for r in self.rows:
            lines.append(
                f"  {r['model']:<12}{r['nvarys']:>3}{r['ndata']:>6}{r['chisqr']:>12.4g}"
                f"{r['redchi']:>11.4g}{r['aic']:>11.2f}{r['bic']:>11.2f}"
                f"{r['delta']:>9.2f}{r['weight']:>9.3f}"
            )
        for r in self.rows:
            lines += ["", self.fits[str(r["model"])].report()]
        return "\n".join(lines)


# ---------------------------------------------------------------------------


def _select(
    da: xr.DataArray,
    control_dim: str,
    sample_dim: str | None,
    side: str,
    window,
    x_c: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Control values, data (control first, samples last) and the mask of the chosen points."""
    if not isinstance(da, xr.DataArray):
        raise AnalysisInputError(f"da is a {type(da).__name__}; allowed: xarray.DataArray")
    require_dims(da, {"control_dim": control_dim, "sample_dim": sample_dim})
    extra = [d for d in da.dims if d not in (control_dim, sample_dim)]
    if extra:
        raise AnalysisInputError(
            f"da has dimensions {extra} besides control_dim and sample_dim; "
            "select or reduce them first"
        )
    require_finite_data(da)
    if side not in SIDES:
        raise AnalysisInputError(f"side={side!r}; allowed: {list(SIDES)}")
    try:
        x = np.asarray(da[control_dim].values, dtype=float)
    except (TypeError, ValueError):
        raise AnalysisInputError(
            f"control_dim={control_dim!r} coordinate is not numeric; allowed: real numbers"
        ) from None
    dims = [control_dim] + ([sample_dim] if sample_dim else [])
    values = np.asarray(da.transpose(*dims).values, dtype=float)
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
                    f"window={window!r}; allowed: a positive distance from x_c or (low, high)"
                )
            keep &= np.abs(x - x_c) <= w
        else:
            lo, hi = (float(v) for v in window)
            if not lo < hi:
                raise AnalysisInputError(
                    f"window={tuple(window)!r} is empty; allowed: (low, high) with low < high"
                )
            keep &= (x >= lo) & (x <= hi)
    return x[keep], values[keep], keep


def _percentiles(values: np.ndarray) -> dict[float, tuple[float, float]]:
    ok = values[np.isfinite(values)]
    out = {}
    for level in _LEVELS:
        if ok.size:
            lo, hi = np.percentile(ok, [50 - 50 * level, 50 + 50 * level])
            out[level] = (float(lo), float(hi))
        else:
            out[level] = (math.nan, math.nan)
    return out


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
    sample_dim: str | None = None,
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
    sample_dim : str, optional
        Dimension of independent samples (seeds): the fit is to their mean,
        weighted by its standard error, and the bootstrap resamples whole
        samples.  Without it the fit is unweighted (or weighted by ``error``)
        and the bootstrap resamples residuals.
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
    its standard error (cells where every sample agrees get the smallest
    positive one); the fit minimises :math:`\sum_i (y_i - f(x_i))^2/\sigma_i^2`.
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
        raise AnalysisInputError(f"model={model!r}; allowed: {list(MODELS)}")
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise AnalysisInputError(f"bootstrap={bootstrap!r}; allowed: an integer >= 0")
    x, values, keep = _select(da, control_dim, sample_dim, side, window, float(x_c))
    lm = MODELS[model]()

    floor = 0.0
    if sample_dim is not None:
        if values.shape[1] < 2:
            raise AnalysisInputError(
                f"sample_dim={sample_dim!r} has length {values.shape[1]}; need at least 2"
            )
        y, se = mean_and_error(values)
        floor = typical_error(se)  # for points whose seeds all agree
        yerr = fill_zero_errors(se, floor) if floor > 0 else None
        error_model = (
            f"standard error over {sample_dim!r} ({values.shape[1]} samples)"
            if yerr is not None
            else "unweighted (no sample varies)"
        )
    else:
        y = values
        yerr, error_model = None, "unweighted"
        if error is not None:
            if isinstance(error, xr.DataArray):
                if set(error.dims) - {control_dim}:
                    raise AnalysisInputError(
                        f"error has dimensions {list(error.dims)}; allowed: ({control_dim!r},)"
                    )
                err = error.broadcast_like(da[control_dim]).transpose(control_dim).values
            else:
                err = np.full(keep.size, float(error))
            yerr = np.asarray(err, dtype=float)[keep]
            if (yerr[np.isfinite(yerr)] <= 0).any():
                raise AnalysisInputError("error has values <= 0; allowed: positive standard errors")
            error_model = "given"
    ok = np.isfinite(y) & (np.isfinite(yerr) if yerr is not None else True)
    x, y = x[ok], y[ok]
    if yerr is not None:
        yerr = yerr[ok]
    if sample_dim is not None:
        values = values[ok]

    nvarys = len(lm.param_names) - (1 if model == "power" and not vary_x_c else 0)
    if x.size <= nvarys:
        raise AnalysisInputError(
            f"{x.size} points on side {side!r} of x_c={x_c:g} in window {window!r}; "
            f"the {model} model needs more than {nvarys}"
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
        if sample_dim is not None:
            kind = "seeds"
            draws = rng.integers(0, values.shape[1], size=(bootstrap, values.shape[1]))
        else:
            kind = "residuals"
            sigma = yerr if yerr is not None else np.ones_like(y)
            standardised = (y - fitted) / sigma
            draws = rng.integers(0, y.size, size=(bootstrap, y.size))
        for b in range(bootstrap):
            if kind == "seeds":
                yb, seb = mean_and_error(values[:, draws[b]])
                wb = None if yerr is None else 1.0 / fill_zero_errors(seb, floor)
                if wb is not None and not np.isfinite(wb).all():
                    failed += 1
                    continue
            else:
                yb = fitted + sigma * standardised[draws[b]]
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
    intervals = {k: _percentiles(v) for k, v in samples.items()} if bootstrap else {}

    return TransitionFit(
        model=model,
        result=result,
        x=x,
        y=y,
        yerr=yerr,
        error_model=error_model,
        control_dim=control_dim,
        sample_dim=sample_dim,
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


def compare_models(
    da: xr.DataArray,
    control_dim: str,
    *,
    models: Sequence[str] = ("power", "exponential", "step"),
    criterion: str = "aic",
    **kwargs,
) -> ModelComparison:
    r"""Fit several transition models to the same points and rank them.

    Parameters
    ----------
    da : xarray.DataArray
        As for :func:`fit_transition`.
    control_dim : str
        Dimension of the control.
    models : sequence of str
        Names from :data:`MODELS`.
    criterion : str
        ``"aic"`` or ``"bic"``.
    **kwargs
        Passed to :func:`fit_transition` (``side``, ``window``, ``x_c``,
        ``sample_dim``, ``bootstrap``, ``seed``, ...).

    Returns
    -------
    ModelComparison
        Rows best first; ``report()`` prints the table and each fit.

    Raises
    ------
    AnalysisInputError
        For an unknown model or criterion, or any error of
        :func:`fit_transition`.

    Notes
    -----
    With :math:`\chi^2` the weighted residual sum, :math:`N` points and
    :math:`k` varying parameters, :math:`\mathrm{AIC} = N \ln(\chi^2/N) + 2k`
    and :math:`\mathrm{BIC} = N \ln(\chi^2/N) + k \ln N` (lmfit's
    definitions); the weight of model :math:`m` is
    :math:`e^{-\Delta_m/2} / \sum_j e^{-\Delta_j/2}`.

    References
    ----------
    .. [1] K. P. Burnham and D. R. Anderson, Model Selection and Multimodel
       Inference (Springer, 2002).
    """
    if criterion not in ("aic", "bic"):
        raise AnalysisInputError(f"criterion={criterion!r}; allowed: ['aic', 'bic']")
    models = list(models)
    if not models:
        raise AnalysisInputError(
            f"models={models!r}; allowed: a non-empty list from {list(MODELS)}"
        )
    for name in models:
        if name not in MODELS:
            raise AnalysisInputError(f"models names {name!r}; allowed: {list(MODELS)}")
    fits = {name: fit_transition(da, control_dim, model=name, **kwargs) for name in models}
    values = {name: getattr(fit, criterion) for name, fit in fits.items()}
    best = min(values.values())
    raw = {name: math.exp(-(v - best) / 2) for name, v in values.items()}
    total = sum(raw.values())
    rows = []
    for name in sorted(fits, key=lambda n: values[n]):
        r = fits[name].result
        rows.append(
            {
                "model": name,
                "nvarys": int(r.nvarys),
                "ndata": int(r.ndata),
                "chisqr": float(r.chisqr),
                "redchi": float(r.redchi),
                "aic": float(r.aic),
                "bic": float(r.bic),
                "delta": float(values[name] - best),
                "weight": raw[name] / total,
            }
        )
    return ModelComparison(fits=fits, rows=rows, criterion=criterion)
