"""The paper's claims, each checked on a study: what was measured, the number, the verdict.

One public function per claim, composed by
:func:`phasetrans.report.build.build_report` into rows of
:class:`~phasetrans.report.records.Claim`.  Every mean ± error is
:func:`phasetrans.analysis.describe.describe` of a variable read with
:func:`phasetrans.analysis.observables.student_variable` (diverged students
excluded), and the verdict thresholds are the named settings of
:mod:`phasetrans.analysis.defaults`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis.defaults import (
    COLLAPSE_S_MAX,
    DIMENSION_TOLERANCE,
    DIRECT_LOSS_MIN,
    MSE_AT_HT_MAX,
    MSE_JUMP_MIN,
    RECOVERED_MIN,
)
from phasetrans.analysis.describe import describe, footnote, format_pm
from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.analysis.observables import student_variable
from phasetrans.names import STRUCTURE_DIMS
from phasetrans.report.records import Claim

__all__ = [
    "STUDY_DIMS",
    "base_slice",
    "collapse_claim",
    "collapse_study",
    "dimension_claims",
    "fit_claim",
    "fit_study",
    "mse_claims",
    "recovery_claim",
    "spread_note",
    "sweep_dims",
]


#: Dimensions of every study; any other dimension is a swept parameter.
STUDY_DIMS = STRUCTURE_DIMS


def sweep_dims(ds: xr.Dataset) -> list[str]:
    """The swept dimensions of a study: every dimension not in :data:`STUDY_DIMS`."""
    return [str(d) for d in ds.dims if d not in STUDY_DIMS]


def base_slice(ds: xr.Dataset, keep: tuple[str, ...] = ()) -> tuple[xr.Dataset, dict[str, Any]]:
    """The study at the first value of every swept dimension, except those in ``keep``.

    The claims keep ``teacher_seed`` (they average over the disorder); the
    per-student figures take the first teacher.
    """
    at = {d: ds[d].values[0].item() for d in sweep_dims(ds) if d not in keep}
    return (ds.isel(dict.fromkeys(at, 0)) if at else ds), at


def _per_width(values: dict[int, str]) -> str:
    return "; ".join(f"W={w}: {v}" for w, v in values.items())


def _verdict(ok: bool) -> str:
    return "holds" if ok else "does not hold"


def _by_width(described: xr.Dataset, fmt: str, counts: bool = False) -> str:
    """``"W=16: 8.00 ± 0.05; W=32: ..."`` of a :func:`describe` result over ``width``."""
    values = {}
    for w in described["width"].values:
        cell = described.sel(width=w)
        text = format_pm(cell["mean"], cell["spread"], fmt)
        values[int(w)] = f"{text} ({int(cell['n'])} students)" if counts else text
    return _per_width(values)


# ---------------------------------------------------------------------------
# claims


def dimension_claims(base: xr.Dataset, h_t: int) -> list[Claim]:
    """Spectral students' dimension ≈ h_T at every width; direct students' grows with it.

    Parameters
    ----------
    base : xarray.Dataset
        The study at one value of every sweep but ``teacher_seed``.
    h_t : int
        The teacher width of the claims.
    """
    rows = []
    trainings = [str(t) for t in base["training"].values]
    dims = describe(student_variable(base, "dimension").sel(teacher_width=h_t))
    what = f"mean ± {dims.attrs['spread']}"
    if "spectral" in trainings:
        spectral = dims.sel(training="spectral")
        ok = bool((abs(spectral["mean"] / h_t - 1) <= DIMENSION_TOLERANCE).all())
        rows.append(
            Claim(
                f"spectral students' effective dimension ≈ h_T = {h_t} for every width",
                f"effective dimension (importance/max > threshold), {what}",
                _by_width(spectral, ".2f", counts=True),
                _verdict(ok),
            )
        )
    if "direct" in trainings:
        direct = dims.sel(training="direct")
        grows = direct.sizes["width"] > 1 and bool(np.all(np.diff(direct["mean"].values) > 0))
        rows.append(
            Claim(
                "direct training: the effective dimension grows with the width",
                f"effective dimension of direct students, {what}",
                _by_width(direct, ".2f"),
                _verdict(grows),
            )
        )
    return rows


def mse_claims(base: xr.Dataset, h_t: int) -> list[Claim]:
    """The test error against pruning: flat down to h_T, a jump below (spectral); direct degrades.

    The ratios are those of :func:`phasetrans.summary.summarize` (the
    ``phasetrans info`` table): means over the disorder of each student's ratio.
    """
    from phasetrans.summary import summarize

    table = summarize(base).sel(teacher_width=h_t)
    trainings = [str(t) for t in base["training"].values]
    widths = [int(w) for w in base["width"].values if int(w) > h_t]
    checks = [
        (
            "spectral",
            "ratio_hT",
            lambda r: r <= MSE_AT_HT_MAX,
            "spectral: pruning down to h_T nodes leaves the test error unchanged",
            "MSE(n = h_T) / MSE(all kept), mean over the disorder (widths above h_T)",
        ),
        (
            "spectral",
            "ratio_half",
            lambda r: r >= MSE_JUMP_MIN,
            "spectral: the test error jumps when fewer than h_T nodes are kept",
            "MSE(n = h_T/2) / MSE(all kept), mean over the disorder",
        ),
        (
            "direct",
            "ratio_hT",
            lambda r: r >= DIRECT_LOSS_MIN,
            "direct: the error degrades as soon as pruning starts (long before h_T)",
            "MSE(n = h_T) / MSE(all kept) of direct students, mean over the disorder",
        ),
    ]
    rows = []
    for training, name, rule, claim, measured in checks:
        if training not in trainings:
            continue
        ratio = {w: float(table[name].sel(training=training, width=w)) for w in widths}
        values = {w: f"{r:.3g}" for w, r in ratio.items()}
        ok = all(rule(r) for r in ratio.values())
        rows.append(Claim(claim, measured, _per_width(values), _verdict(ok)))
    return rows


def collapse_study(base: xr.Dataset, h_t: int, bootstrap: int, seed: int) -> Any:
    """The collapse the report checks: across widths at ``h_t``, or across ``h_T`` in n/h_T − 1.

    Returns
    -------
    CollapseResult
    """
    from phasetrans.analysis.collapse_input import sample_dims
    from phasetrans.analysis.defaults import default_slice, default_window
    from phasetrans.analysis.scaling import collapse

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
    return collapse(
        da,
        size,
        "control",
        sample_dim=sample_dims(da),
        x_window=default_window(da),
        bootstrap=bootstrap,
        seed=seed,
    )


def collapse_claim(result: Any) -> Claim:
    """The collapse claim of a :func:`collapse_study` result, with its verdict."""
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
        return format_pm(result.params[name], result.stderr.get(name, np.nan), ".3g", ".2g")

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


def fit_study(base: xr.Dataset, h_t: int, bootstrap: int, seed: int) -> tuple[Any, int]:
    """The transition models fitted below h_T to the widest spectral curve, and that width."""
    from phasetrans.analysis.collapse_input import sample_dims
    from phasetrans.analysis.defaults import curve_value, default_slice, default_window
    from phasetrans.analysis.exponents import compare_models, fit_transition

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
        return compare_models(curve, "control", **options), width
    except ValueError:  # too few points for every model (small h_T): the paper's one alone
        return fit_transition(curve, "control", model="exponential", **options), width


def fit_claim(comparison: Any, width: int) -> Claim:
    """The claim "below h_T the error grows like a·exp(−b·x) + c" from :func:`fit_study`."""
    fits = getattr(comparison, "fits", None)
    if fits is None:  # a single TransitionFit
        fit, best, criterion = comparison, comparison.model, "AIC (only this model fits)"
    else:
        fit, best = fits.get("exponential"), comparison.best
        criterion = comparison.criterion.upper()
    value = f"best model: {best}"
    if fit is not None:
        b = fit.params.get("b", np.nan)
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


def recovery_claim(base: xr.Dataset, h_t: int, topology: xr.Dataset | str | None) -> Claim:
    """The pruned spectral student recovers the teacher's nodes (mean fraction ≥ RECOVERED_MIN).

    From the dataset's ``teacher_recovered``, else from a
    :func:`phasetrans.analysis.topology.compare_topology` result.
    """
    if "teacher_recovered" in base.data_vars:
        rec = student_variable(base, "teacher_recovered").sel(teacher_width=h_t)
        source = "teacher_recovered of the dataset"
    elif isinstance(topology, xr.Dataset):
        rec = topology["recovered_fraction"].sel(teacher_width=h_t)
        source = "compare_topology(retained='dimension')"
    else:
        raise ValueError(f"no teacher_recovered in the dataset and no topology ({topology})")
    described = describe(rec)
    parts, ok = [], True
    for training in described["training"].values:
        cells = described.sel(training=training)
        if str(training) == "spectral":
            ok = bool((cells["mean"] >= RECOVERED_MIN).all())
        parts.append(f"{training}: {_by_width(cells, '.2f')}")
    return Claim(
        "the pruned spectral student recovers the teacher's hidden nodes",
        f"fraction of teacher nodes matched at cosine ≥ {COSINE_MATCH} ({source}), mean ± "
        f"{described.attrs['spread']}",
        " | ".join(parts),
        _verdict(ok),
    )


def spread_note(base: xr.Dataset) -> str:
    """The footnote of the claims tables: what ± is (that of :func:`dimension_claims`)."""
    return footnote(describe(student_variable(base, "dimension", warn=False)))
