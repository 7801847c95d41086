"""Fit several transition models to the same points and rank them by AIC or BIC."""

from __future__ import annotations

import math
from collections.abc import Sequence

import xarray as xr

from phasetrans.analysis.exponents.fit import fit_transition
from phasetrans.analysis.exponents.models import MODELS
from phasetrans.analysis.exponents.results import ModelComparison
from phasetrans.analysis.progress import progress_bar
from phasetrans.errors import AnalysisInputError

__all__ = ["compare_models"]


def compare_models(
    da: xr.DataArray,
    control_dim: str,
    *,
    models: Sequence[str] = ("power", "exponential", "step"),
    criterion: str = "aic",
    side: str = "below",
    window: float | tuple[float, float] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    x_c: float = 0.0,
    sample_dim: str | Sequence[str] | None = None,
    error: xr.DataArray | float | None = None,
    vary_x_c: bool = False,
    progress: bool = False,
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
    side, window, bootstrap, seed, x_c, sample_dim, error, vary_x_c
        As for :func:`fit_transition`, the same for every model.
    progress : bool
        Show a progress bar over the models on stderr (for long bootstraps; a
        widget in Jupyter when ipywidgets is installed, see
        :mod:`phasetrans.analysis.progress`).

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
        raise AnalysisInputError(
            f"criterion={criterion!r}; allowed: ['aic', 'bic']", field="criterion", value=criterion
        )
    models = list(models)
    if not models:
        raise AnalysisInputError(
            f"models={models!r}; allowed: a non-empty list from {list(MODELS)}",
            field="models",
            value=models,
        )
    for name in models:
        if name not in MODELS:
            raise AnalysisInputError(
                f"models names {name!r}; allowed: {list(MODELS)}", field="models", value=name
            )
    options = dict(
        side=side,
        window=window,
        bootstrap=bootstrap,
        seed=seed,
        x_c=x_c,
        sample_dim=sample_dim,
        error=error,
        vary_x_c=vary_x_c,
    )
    fits = {}
    with progress_bar(len(models), "fit", "model", progress) as bar:
        for name in models:
            bar.set_postfix_str(name)
            fits[name] = fit_transition(da, control_dim, model=name, **options)
            bar.update()
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
