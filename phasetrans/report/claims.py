"""The paper's claims, each checked on a study: what was measured, the number, the verdict."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.names import STRUCTURE_DIMS

__all__ = [
    "COLLAPSE_S_MAX",
    "DIMENSION_TOLERANCE",
    "DIRECT_LOSS_MIN",
    "MSE_AT_HT_MAX",
    "MSE_JUMP_MIN",
    "RECOVERED_MIN",
    "STUDY_DIMS",
    "Claim",
    "Report",
    "Section",
    "Table",
]


#: Dimensions of every study; any other dimension is a swept parameter.
STUDY_DIMS = STRUCTURE_DIMS

#: Tolerances of the verdicts (documented in the report's footnote).
DIMENSION_TOLERANCE = 0.25  # |dimension / h_T - 1| for "dimension ≈ h_T"
MSE_AT_HT_MAX = 1.5  # MSE(h_T) / MSE(all) for "no loss down to h_T"
MSE_JUMP_MIN = 10.0  # MSE(h_T / 2) / MSE(all) for "a jump below h_T"
DIRECT_LOSS_MIN = 2.0  # direct MSE(h_T) / MSE(all) for "direct degrades"
RECOVERED_MIN = 0.9  # fraction of teacher nodes recovered
COLLAPSE_S_MAX = 10.0  # Houdayer-Hartmann S below which a collapse "holds"


@dataclass
class Claim:
    """One row of the claims table.

    Attributes
    ----------
    claim : str
        The paper's statement.
    measured : str
        What was measured, on which slice.
    value : str
        The number(s) with their interval or spread.
    verdict : str
        ``"holds"``, ``"does not hold"``, ``"partly"``, ``"see figure"`` or
        ``"not available: <reason>"``.
    """

    claim: str
    measured: str
    value: str
    verdict: str


@dataclass
class Table:
    """A table of numbers in a report section.

    Attributes
    ----------
    caption : str
    header : list of str
    rows : list of list of str
        Cells already formatted (values with their intervals).
    """

    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """A section of the report after the paper's claims (e.g. the transition analysis).

    Attributes
    ----------
    title : str
    notes : list of str
        What was analysed and how (choices, resamples, verdict rules).
    claims : list of Claim
        Its own claims table.
    tables : list of Table
    figures : list of (str, Figure or str)
        A figure, or ``"not available: <reason>"``.
    """

    title: str
    notes: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, Figure | str]] = field(default_factory=list)


@dataclass
class Report:
    """The pieces of a study report before they become HTML.

    Attributes
    ----------
    title : str
    provenance : list of (str, str)
        Key/value rows (versions, hash, device, dates, dims).
    study_toml : str
        The study file the data came from.
    notes : list of str
        What slice the claims use, tolerances, missing data.
    alerts : list of str
        Warnings shown at the top of the page (claims resting on unconverged cells).
    claims : list of Claim
    figures : list of (str, Figure or str)
        Section title and a figure, or ``"not available: <reason>"``.
    sections : list of Section
        Further sections, shown after the claims (the transition analysis).
    """

    title: str
    provenance: list[tuple[str, str]] = field(default_factory=list)
    study_toml: str = ""
    notes: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    figures: list[tuple[str, Figure | str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def to_html(self, *, dpi: int = 90, image_dir: Path | None = None) -> str:
        """The report as one HTML page.

        Parameters
        ----------
        dpi : int
            Resolution of the PNG figures.
        image_dir : pathlib.Path, optional
            Write the figures as PNG files into this folder and link them
            (relative to the page, which must be in ``image_dir.parent``);
            by default they are embedded as base64 data URIs.
        """
        from phasetrans.report.html import render

        return render(self, dpi=dpi, image_dir=image_dir)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"not available: {type(exc).__name__}" + (f": {text}" if text else "")


def guard(fn: Callable[[], Any]) -> Any:
    """``fn()`` or the "not available: ..." text of its exception."""
    try:
        return fn()
    except Exception as exc:
        return _reason(exc)


def _sweep_dims(ds: xr.Dataset) -> list[str]:
    return [str(d) for d in ds.dims if d not in STUDY_DIMS]


def _base_slice(ds: xr.Dataset, keep: tuple[str, ...] = ()) -> tuple[xr.Dataset, dict[str, Any]]:
    """The study at the first value of every swept dimension, except those in ``keep``.

    The claims keep ``teacher_seed`` (they average over the disorder); the
    per-student figures take the first teacher.
    """
    at = {d: ds[d].values[0].item() for d in _sweep_dims(ds) if d not in keep}
    return (ds.isel(dict.fromkeys(at, 0)) if at else ds), at


def _pm(mean: float, err: float, fmt: str = ".3g") -> str:
    if not np.isfinite(err):
        return f"{mean:{fmt}}"
    return f"{mean:{fmt}} ± {err:.2g}"


def _per_width(values: dict[int, str]) -> str:
    return "; ".join(f"W={w}: {v}" for w, v in values.items())


def _spread(da: xr.DataArray) -> tuple[float, float, int]:
    """Mean, standard error and count over the finite values of ``da`` (seeds)."""
    from phasetrans.analysis.samples import mean_and_error

    values = np.asarray(da.values, dtype=float).ravel()
    n = int(np.isfinite(values).sum())
    mean, err = mean_and_error(values)
    return float(mean), float(err), n


# ---------------------------------------------------------------------------
# claims


def _dimension_claims(base: xr.Dataset, h_t: int) -> list[Claim]:
    rows = []
    trainings = [str(t) for t in base["training"].values]
    if "spectral" in trainings:
        dims = base["dimension"].sel(training="spectral", teacher_width=h_t)
        values, ok = {}, True
        for w in base["width"].values:
            mean, err, n = _spread(dims.sel(width=w))
            values[int(w)] = f"{_pm(mean, err, '.1f')} ({n} seeds)"
            ok &= abs(mean / h_t - 1) <= DIMENSION_TOLERANCE
        rows.append(
            Claim(
                f"spectral students' effective dimension ≈ h_T = {h_t} for every width",
                "effective dimension (importance/max > threshold), mean ± standard error "
                "over seeds",
                _per_width(values),
                "holds" if ok else "does not hold",
            )
        )
    if "direct" in trainings:
        dims = base["dimension"].sel(training="direct", teacher_width=h_t)
        values, fractions = {}, []
        for w in base["width"].values:
            mean, err, _ = _spread(dims.sel(width=w))
            values[int(w)] = _pm(mean, err, ".1f")
            fractions.append(mean / float(w))
        grows = bool(np.all(np.diff(dims.mean("seed").values) > 0)) if len(fractions) > 1 else False
        rows.append(
            Claim(
                "direct training: the effective dimension grows with the width",
                "effective dimension of direct students, mean ± standard error over seeds",
                _per_width(values),
                "holds" if grows else "does not hold",
            )
        )
    return rows


def _mse_claims(base: xr.Dataset, h_t: int) -> list[Claim]:
    from phasetrans.summary import summarize

    table = summarize(base).sel(teacher_width=h_t)
    trainings = [str(t) for t in base["training"].values]
    widths = [int(w) for w in base["width"].values if int(w) > h_t]
    rows = []
    if "spectral" in trainings:
        ratio = table["ratio_hT"].sel(training="spectral")
        values = {w: f"{float(ratio.sel(width=w)):.3g}" for w in widths}
        ok = all(float(ratio.sel(width=w)) <= MSE_AT_HT_MAX for w in widths)
        rows.append(
            Claim(
                "spectral: pruning down to h_T nodes leaves the test error unchanged",
                "MSE(n = h_T) / MSE(all kept), mean over seeds (widths above h_T)",
                _per_width(values),
                "holds" if ok else "does not hold",
            )
        )
        half = table["ratio_half"].sel(training="spectral")
        values = {w: f"{float(half.sel(width=w)):.3g}" for w in widths}
        ok = all(float(half.sel(width=w)) >= MSE_JUMP_MIN for w in widths)
        rows.append(
            Claim(
                "spectral: the test error jumps when fewer than h_T nodes are kept",
                "MSE(n = h_T/2) / MSE(all kept), mean over seeds",
                _per_width(values),
                "holds" if ok else "does not hold",
            )
        )
    if "direct" in trainings:
        ratio = table["ratio_hT"].sel(training="direct")
        values = {w: f"{float(ratio.sel(width=w)):.3g}" for w in widths}
        ok = all(float(ratio.sel(width=w)) >= DIRECT_LOSS_MIN for w in widths)
        rows.append(
            Claim(
                "direct: the error degrades as soon as pruning starts (long before h_T)",
                "MSE(n = h_T) / MSE(all kept) of direct students, mean over seeds",
                _per_width(values),
                "holds" if ok else "does not hold",
            )
        )
    return rows


def _collapse(base: xr.Dataset, h_t: int, bootstrap: int, seed: int):
    import phasetrans
    from phasetrans.analysis.defaults import default_slice, default_window
    from phasetrans.analysis.observables import sample_dims

    if base.sizes.get("width", 1) < 2 and base.sizes.get("teacher_width", 1) > 1:
        # one student width, several teachers: the paper's claim 4, in n/h_T - 1
        da = default_slice(
            base,
            "normalized_delta_mse",
            size="teacher_width",
            control="ratio",
            given={"training": "spectral"},
        )
        size = "teacher_width"
    else:
        da = default_slice(base, "delta_mse", given={"training": "spectral", "teacher_width": h_t})
        size = "width"
    return phasetrans.collapse(
        da,
        size,
        "control",
        sample_dim=sample_dims(da),
        x_window=default_window(da),
        bootstrap=bootstrap,
        seed=seed,
    )


def _collapse_claim(result: Any) -> Claim:
    two_level = isinstance(result.sample_dim, tuple | list)
    samples = "teachers, then students" if two_level else "seeds"
    if result.size_dim == "teacher_width":
        claim = "curves of all teacher sizes collapse in n/h_T − 1 (claim 4)"
        measured = (
            "finite-size-scaling collapse of ΔMSE/ΔMSE_max against n/h_T − 1 in [−1, 1] "
            f"across h_T, {result.n_bootstrap} bootstrap resamples of {samples}; "
            "Houdayer–Hartmann S"
        )
    else:
        claim = "curves of all widths collapse onto one (universality across W)"
        measured = (
            "finite-size-scaling collapse of ΔMSE against n − h_T in [−h_T, h_T], "
            f"{result.n_bootstrap} bootstrap resamples of {samples}; Houdayer–Hartmann S"
        )

    def interval(name: str) -> str:
        if result.intervals.get(name):
            lo, hi = result.interval(name, 0.95)
            return f"{result.params[name]:.3g} [95%: {lo:.3g}, {hi:.3g}]"
        return _pm(result.params[name], result.stderr.get(name, math.nan))

    if getattr(result, "at_bound", ()):
        value = f"S = {result.quality:.3g} at the bound of {', '.join(result.at_bound)}"
        verdict = "not determined (degenerate collapse at an optimiser bound)"
    elif result.size_independent:
        value = f"1/ν = {interval('inv_nu')}; S = {result.quality:.3g}"
        if result.quality < COLLAPSE_S_MAX:
            verdict = "holds (curves coincide without rescaling: 1/ν ≈ 0)"
        else:
            verdict = (
                "does not hold within the error bars "
                f"(no rescaling of x helps; S ≥ {COLLAPSE_S_MAX:g})"
            )
    else:
        value = (
            f"x_c = {interval('x_c')} (n_c = h_T means x_c = 0), 1/ν = {interval('inv_nu')}; "
            f"S = {result.quality:.3g}"
        )
        verdict = (
            "holds"
            if result.quality < COLLAPSE_S_MAX
            else f"partly (poor collapse quality, S ≥ {COLLAPSE_S_MAX:g})"
        )
    return Claim(claim, measured, value, verdict)


def _fit(base: xr.Dataset, h_t: int, bootstrap: int, seed: int):
    import phasetrans
    from phasetrans.analysis.defaults import curve_value, default_slice, default_window
    from phasetrans.analysis.observables import sample_dims

    da = default_slice(base, "delta_mse", given={"training": "spectral", "teacher_width": h_t})
    width = int(curve_value(da, "width"))
    curve = da.sel(width=width, drop=True).dropna("control", how="all")
    options = dict(
        side="below",
        window=default_window(da),
        sample_dim=sample_dims(curve),
        bootstrap=bootstrap,
        seed=seed,
    )
    try:
        return phasetrans.compare_models(curve, "control", **options), width
    except ValueError:  # too few points for every model (small h_T): the paper's one alone
        return phasetrans.fit_transition(curve, "control", model="exponential", **options), width


def _fit_claim(comparison: Any, width: int) -> Claim:
    fits = getattr(comparison, "fits", None)
    if fits is None:  # a single TransitionFit
        fit, best, criterion = comparison, comparison.model, "AIC (only this model fits)"
    else:
        fit, best = fits.get("exponential"), comparison.best
        criterion = comparison.criterion.upper()
    value = f"best model: {best}"
    if fit is not None:
        b = fit.params.get("b", math.nan)
        if "b" in fit.intervals:
            lo, hi = fit.interval("b", 0.95)
            value += f"; exponential b = {b:.3g} [95%: {lo:.3g}, {hi:.3g}]"
        else:
            value += f"; exponential b = {b:.3g}"
    return Claim(
        "below h_T the error grows like a·exp(−b·x) + c (the paper's fit)",
        f"ΔMSE of spectral W = {width} for n < h_T; models ranked by {criterion}",
        value,
        "holds" if best == "exponential" else f"partly (best: {best})",
    )


def _recovery_claim(base: xr.Dataset, h_t: int, topology: xr.Dataset | None) -> Claim:
    if "teacher_recovered" in base.data_vars:
        rec = base["teacher_recovered"].sel(teacher_width=h_t)
        source = "teacher_recovered of the dataset"
    elif isinstance(topology, xr.Dataset):
        rec = topology["recovered_fraction"].sel(teacher_width=h_t)
        source = "compare_topology(retained='dimension')"
    else:
        raise ValueError(f"no teacher_recovered in the dataset and no topology ({topology})")
    parts, ok = [], True
    for training in rec["training"].values:
        values = {}
        for w in rec["width"].values:
            mean, err, _ = _spread(rec.sel(training=training, width=w))
            values[int(w)] = _pm(mean, err, ".2f")
            if str(training) == "spectral":
                ok &= mean >= RECOVERED_MIN
        parts.append(f"{training}: {_per_width(values)}")
    return Claim(
        "the pruned spectral student recovers the teacher's hidden nodes",
        f"fraction of teacher nodes matched at cosine ≥ {COSINE_MATCH} ({source}), mean ± standard "
        "error over seeds",
        " | ".join(parts),
        "holds" if ok else "does not hold",
    )
