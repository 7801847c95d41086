"""The claims that rest on a model fitted to the data: the collapse and the transition fit.

:func:`collapse_study` and :func:`fit_study` run the analyses on the default
slice (:mod:`phasetrans.analysis.defaults`) and return a :class:`Modelled`
(the result, what it was computed on, its window);
:func:`collapse_claim` and :func:`fit_claim` word their verdicts, which hold
only when the model is adequate (:mod:`phasetrans.report.adequacy`), with the
goodness of fit in the verdict cell; :func:`model_alerts` and
:func:`model_tables` give their alerts and parameter tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import xarray as xr

from phasetrans.analysis.defaults import COLLAPSE_S_MAX, default_value
from phasetrans.analysis.exponents.models import FORMULAS
from phasetrans.report.adequacy import (
    collapse_alerts,
    collapse_goodness,
    fit_alerts,
    fit_goodness,
)
from phasetrans.report.parameters import parameter_table
from phasetrans.report.records import Claim, Table

__all__ = [
    "PAPER_MODEL",
    "Modelled",
    "collapse_claim",
    "collapse_study",
    "fit_claim",
    "fit_study",
    "fits_of",
    "model_alerts",
    "model_tables",
    "size_symbol",
]

#: The model of the paper's claim about the shape of the transition.
PAPER_MODEL = "exponential"
_SYMBOLS = {"width": "W", "teacher_width": "h_T"}


def size_symbol(dim: str) -> str:
    """``"W"`` for ``width``, ``"h_T"`` for ``teacher_width``, else the name."""
    return _SYMBOLS.get(dim, dim)


@dataclass(frozen=True)
class Modelled:
    """An analysis result with what it was computed on.

    Attributes
    ----------
    result : CollapseResult, ModelComparison or TransitionFit
    where : str
        The data in words (``"ΔMSE of spectral students across W at h_T = 8"``).
    window : (float, float) or None
        The control window of the analysis.
    training : str
        The training analysed.
    width : int or None
        The student width of a fit.
    """

    result: Any
    where: str
    window: tuple[float, float] | None
    training: str
    width: int | None = None


def _teachers(base: xr.Dataset) -> str:
    n = base.sizes.get("teacher_seed", 1)
    return f", {n} teachers" if n > 1 else ""


def collapse_study(base: xr.Dataset, h_t: int, bootstrap: int, seed: int) -> Modelled:
    """The collapse the report checks: across widths at ``h_t``, or across h_T in n/h_T − 1."""
    from phasetrans.analysis.collapse_input import sample_dims
    from phasetrans.analysis.defaults import default_slice, default_window
    from phasetrans.analysis.scaling import collapse

    training = str(default_value(base, "training"))
    if base.sizes.get("width", 1) < 2 and base.sizes.get("teacher_width", 1) > 1:
        # one student width, several teachers: the paper's claim 4, in n/h_T - 1
        da = default_slice(
            base,
            "normalized_delta_mse",
            size="teacher_width",
            control="ratio",
            given={"training": training},
        )
        size = "teacher_width"
        where = f"ΔMSE/ΔMSE_max of {training} students against n/h_T − 1 across h_T"
    else:
        given = {"training": training}
        if "teacher_width" in base.dims:
            given["teacher_width"] = h_t
        da = default_slice(base, "delta_mse", given=given)
        size = "width"
        where = f"ΔMSE of {training} students against n − h_T across W at h_T = {h_t}"
    window = default_window(da)
    result = collapse(
        da,
        size,
        "control",
        sample_dim=sample_dims(da),
        x_window=window,
        bootstrap=bootstrap,
        seed=seed,
    )
    return Modelled(result, where + _teachers(base), window, training)


def collapse_claim(modelled: Modelled) -> Claim:
    """The collapse claim of a :func:`collapse_study` result; it holds only when S ≤ threshold."""
    result = modelled.result
    samples = "teachers, then students" if isinstance(result.sample_dim, tuple | list) else "seeds"
    if result.size_dim == "teacher_width":
        claim = "curves of all teacher sizes collapse in n/h_T − 1 (claim 4)"
    else:
        claim = "curves of all widths collapse onto one (universality across W)"
    measured = (
        f"finite-size-scaling collapse of {modelled.where}, {result.n_bootstrap} bootstrap "
        f"resamples of {samples}; Houdayer–Hartmann S"
    )
    p = result.params
    good = collapse_goodness(result)
    if result.at_bound:
        value = f"{', '.join(result.at_bound)} at the bound of the search"
        verdict = f"not determined (degenerate collapse at an optimiser bound; {good.text()})"
    elif result.size_independent:
        value = f"1/ν = {p['inv_nu'].format(0.95)} (compatible with 0)"
        verdict = (
            f"holds (the curves coincide without rescaling; {good.text()}, {good.rule()})"
            if good.adequate
            else f"does not hold (no rescaling makes the curves agree: {good.text()}, "
            f"{good.rule()})"
        )
    else:
        value = (
            f"x_c = {p['x_c'].format(0.95)} (n_c = h_T means x_c = 0), "
            f"1/ν = {p['inv_nu'].format(0.95)}"
        )
        verdict = (
            f"holds ({good.text()}, {good.rule()})"
            if good.adequate
            else f"does not hold (the collapse is inadequate: {good.text()}, {good.rule()})"
        )
    return Claim(claim, measured, f"{value}; S = {good.statistic:.3g}", verdict, kind="collapse")


def fit_study(base: xr.Dataset, h_t: int, bootstrap: int, seed: int) -> Modelled:
    """The transition models fitted below h_T to the widest student's curve, over the disorder."""
    from phasetrans.analysis.collapse_input import sample_dims
    from phasetrans.analysis.defaults import curve_value, default_slice, default_window
    from phasetrans.analysis.exponents import compare_models, fit_transition

    training = str(default_value(base, "training"))
    given = {"training": training}
    if "teacher_width" in base.dims:
        given["teacher_width"] = h_t
    da = default_slice(base, "delta_mse", given=given)
    width = int(curve_value(da, "width"))
    curve = da.sel(width=width, drop=True).dropna("control", how="all")
    window = default_window(da)
    options = dict(
        side="below", window=window, sample_dim=sample_dims(curve), bootstrap=bootstrap, seed=seed
    )
    try:
        result = compare_models(curve, "control", **options)
    except ValueError:  # too few points for every model (small h_T): the paper's one alone
        result = fit_transition(curve, "control", model=PAPER_MODEL, **options)
    where = f"ΔMSE of {training} W = {width} students for n < h_T = {h_t}{_teachers(base)}"
    return Modelled(result, where, window, training, width)


def fits_of(result: Any) -> dict[str, Any]:
    """``{model: TransitionFit}`` of a comparison (best first) or of a single fit."""
    fits = getattr(result, "fits", None)
    if fits is None:
        return {result.model: result}
    return {str(r["model"]): fits[str(r["model"])] for r in result.rows}


def fit_claim(modelled: Modelled) -> Claim:
    """The claim "below h_T the error grows like a·exp(−b·x) + c"; it holds only when it fits."""
    fits = fits_of(modelled.result)
    goods = {m: fit_goodness(f) for m, f in fits.items()}
    best = next(iter(fits))
    several = len(fits) > 1
    criterion = (
        f"models ranked by {modelled.result.criterion.upper()}"
        if several
        else "only this model has enough points"
    )
    value = f"best model: {best}" if several else f"model: {best}"
    paper = fits.get(PAPER_MODEL)
    if paper is not None and "b" in paper.params:
        value += f"; exponential b = {paper.params['b'].format(0.95)}"
    mine = goods.get(PAPER_MODEL)
    by = f"the best by {modelled.result.criterion.upper()}" if several else "the only model"
    if mine is None:
        verdict = "not available: the exponential model could not be fitted"
    elif mine.adequate is None:
        verdict = f"not determined (exponential: {mine.text()})"
    elif not any(g.adequate for g in goods.values()):
        verdict = f"no model fits: {goods[best].text()} for {best}, {by}"
        if best != PAPER_MODEL:
            verdict += f"; exponential: {mine.text()}"
    elif mine.adequate and best == PAPER_MODEL:
        verdict = f"holds (exponential fits: {mine.text()}, {mine.rule()})"
    elif mine.adequate:
        verdict = f"partly (exponential fits: {mine.text()}; {best} is {by}: {goods[best].text()})"
    else:
        fitting = next(m for m, g in goods.items() if g.adequate)
        verdict = (
            f"does not hold (exponential does not fit: {mine.text()}, {mine.rule()}; "
            f"{fitting} fits: {goods[fitting].text()})"
        )
    return Claim(
        "below h_T the error grows like a·exp(−b·x) + c (the paper's fit)",
        f"{modelled.where}; {criterion}; reduced χ² and its p-value per model",
        value,
        verdict,
        kind="fit",
    )


def model_alerts(modelled: Modelled) -> list[str]:
    """The alerts of a collapse or a fit (inadequate, degenerate, outside its window)."""
    if hasattr(modelled.result, "quality"):
        return collapse_alerts(modelled.result, modelled.where)
    return fit_alerts(fits_of(modelled.result), modelled.where)


def model_tables(modelled: Modelled) -> list[Table]:
    """The parameter table of a collapse, or one per fitted model."""
    result = modelled.result
    if hasattr(result, "quality"):
        good = collapse_goodness(result)
        error = "standard error from the curvature of S"
        caption = (
            f"Collapse O = L^ζ F((x − x_c) L^(1/ν)) of {modelled.where}: {good.text()} "
            f"(adequate when S ≤ {COLLAPSE_S_MAX:g})"
        )
        return [parameter_table(caption, result.params, error)]
    tables = []
    for model, fit in fits_of(result).items():
        good = fit_goodness(fit)
        caption = f"{model} fit O = {FORMULAS[model]} of {modelled.where}: {good.text()}"
        error = "standard error from the fit's covariance"
        tables.append(parameter_table(caption, fit.params, error))
    return tables
