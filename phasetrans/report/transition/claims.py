"""The transition section's claims: the collapse, self-averaging, systematics, threshold.

Each function words one verdict of a
:class:`~phasetrans.analysis.transition.TransitionResult`; the rules are
stated in :mod:`phasetrans.report.transition`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from phasetrans.analysis.defaults import COLLAPSE_S_MAX
from phasetrans.report.adequacy import collapse_goodness
from phasetrans.report.records import Claim
from phasetrans.report.stationarity import Unconverged
from phasetrans.report.transition.format import LEVEL, format_param

__all__ = ["collapse_claim", "self_averaging_claim", "systematics_claim", "threshold_claim"]


def _artefact(result: Any) -> bool:
    return (result.threshold_note or "").startswith("THRESHOLD ARTEFACT")


def collapse_claim(result: Any, unconverged: Unconverged | None) -> Claim:
    """Whether the curves collapse: determined, sharpening, no threshold artefact, S small."""
    c, ctl, size = result.collapse, result.control, result.size
    sizes = ", ".join(f"{v:g}" for v in result.sizes)
    measured = (
        f"finite-size-scaling collapse of the disorder average of {result.order} against "
        f"{ctl} across {size} = {sizes} ({result.training or 'one training'}; "
        f"{c.n_bootstrap} two-level resamples); Houdayer–Hartmann S"
    )
    value = (
        f"{ctl}_c = {format_param(result, 'x_c')}, ν = {format_param(result, 'nu')}, "
        f"1/ν = {format_param(result, 'inv_nu')}; S = {c.quality:.3g} over "
        f"{c.n_points}/{c.n_total} points"
    )
    if result.collapse_choice["corrections"]:
        value += f" (with corrections to scaling: {ctl}_c is an extrapolation)"
    good = collapse_goodness(c)
    fit = f"{good.text()}, {good.rule()}"
    if c.at_bound:
        verdict = f"not determined (degenerate collapse at an optimiser bound; {fit})"
    elif c.size_independent:
        verdict = (
            f"does not hold (the curves do not sharpen with {size}: 1/ν compatible with 0; {fit})"
        )
    elif result.threshold is not None and _artefact(result):
        verdict = f"does not hold (threshold artefact: {ctl}_c moves with the threshold τ; {fit})"
    elif not good.adequate:
        verdict = f"does not hold (the collapse is inadequate: {fit})"
    else:
        verdict = f"holds ({fit})"
    if unconverged is not None:
        stale = (
            f"NOT STATIONARY: {len(unconverged.cells)} of {unconverged.n_tested} cells still "
            f"changed from T/2 to T ({unconverged.text(3)}), so {ctl}_c and ν describe "
            "the end of training, not a converged state"
        )
        if verdict.startswith("holds"):
            verdict = f"partly ({verdict[len('holds (') : -1]}, but {stale})"
        else:
            verdict += f"; {stale}"
    return Claim(
        f"{result.order} has a finite-size transition at {ctl}_c: the curves of every "
        f"{size} collapse onto one",
        measured,
        value,
        verdict,
        kind="collapse",
    )


def self_averaging_claim(result: Any) -> Claim:
    """Whether the spread of the per-teacher pseudo-critical points shrinks with size."""
    ctl, size = result.control, result.size
    claim = (
        f"the per-teacher pseudo-critical point {ctl}*(t) is self-averaging: its spread "
        f"over teachers shrinks with {size}"
    )
    measured = (
        f"{ctl}*(t) where a teacher's student average reaches {result.levels[1]:g}; spread "
        f"= standard deviation over teachers, fitted as spread ∝ {size}^-a"
    )
    a = result.spread_exponent
    if a is None:
        return Claim(claim, measured, result.self_averaging(), "not tested (one teacher)")
    lo = a["intervals"].get(LEVEL, (math.nan, math.nan))[0]
    if not np.isfinite(a["estimate"]):
        crossed = result.pseudocritical["n_crossed"]
        value = (
            f"a not determined; teachers whose curve reaches {result.levels[1]:g}: "
            + ", ".join(
                f"{n:g}: {int(crossed.sel({size: n}))} of {result.n_teachers}" for n in result.sizes
            )
        )
        return Claim(claim, measured, value, "not determined (too few teachers cross)")
    if not np.isfinite(lo):
        verdict = "not determined (a has no interval)"
    elif lo > 0:
        verdict = "holds (a > 0 at 95 %)"
    else:
        verdict = "does not hold (the 95 % interval of a reaches 0)"
    if not result.collapse.determined or result.collapse.quality > COLLAPSE_S_MAX:
        verdict += "; its comparison with 1/ν rests on a poor collapse"
    return Claim(claim, measured, result.self_averaging(), verdict)


def systematics_claim(result: Any) -> Claim:
    """Whether any row of the systematic-error table moves the estimates beyond their error."""
    ctl = result.control
    base = result.systematics[0]
    thresholded = result.threshold is not None
    rows = [r for r in result.systematics[1:] if thresholded or r.group != "threshold"]
    claim = f"{ctl}_c and ν do not depend on the analysis choices"
    measured = (
        f"the collapse re-run under each choice of the systematic-error table "
        f"({result.systematics_bootstrap} resamples each); largest shift against the "
        "half-width of the baseline's 95 % interval"
        + ("" if thresholded else "; the threshold rows analyse teacher_recovered, not counted")
    )
    if not result.collapse.determined:
        return Claim(claim, measured, "", "not determined (the baseline collapse gave no estimate)")
    d_a = [
        (abs(r.alpha_c - base.alpha_c), r.label)
        for r in rows
        if r.units == base.units and np.isfinite(r.alpha_c)
    ]
    d_n = [(abs(r.nu - base.nu), r.label) for r in rows if np.isfinite(r.nu)]
    if not d_a and not d_n:
        return Claim(claim, measured, "", "not available: no re-run gave numbers")
    half_a = (base.alpha_c_interval[1] - base.alpha_c_interval[0]) / 2
    half_n = (base.nu_interval[1] - base.nu_interval[0]) / 2
    parts, exceeded = [], []
    for name, shifts, half in ((f"{ctl}_c", d_a, half_a), ("ν", d_n, half_n)):
        if not shifts:
            continue
        shift, label = max(shifts)
        parts.append(f"{name} moves by ≤ {shift:.3g} (under '{label}'; 95 % half-width {half:.3g})")
        if not np.isfinite(half) or shift > half:
            exceeded.append(name)
    skipped = len(result.systematics) - 1 - len(rows)
    value = "; ".join(parts) + (f"; {skipped} threshold rows not counted" if skipped else "")
    if exceeded:
        verdict = (
            f"partly (the systematic error of {' and '.join(exceeded)} exceeds the statistical one)"
        )
    else:
        verdict = "holds (every shift within the 95 % half-width)"
    return Claim(claim, measured, value, verdict)


def threshold_claim(result: Any) -> Claim:
    """Whether ``teacher_recovered``'s crossing is made by its threshold."""
    thresholded = result.threshold is not None
    taus = sorted({r.threshold for r in result.systematics if r.threshold is not None})
    scan = f"τ = {taus[0]:g}–{taus[-1]:g}" if taus else "the threshold scan"
    measured = f"the collapse of teacher_recovered at {scan} (recomputed from overlap_max)"
    if not thresholded:
        measured += f"; the section's order parameter {result.order} has no threshold"
    if not result.collapse.determined:
        verdict = (
            f"not determined (the baseline collapse gave no {result.control}_c, so the scan has "
            "no interval to compare with)"
        )
    elif _artefact(result):
        verdict = "does not hold (threshold artefact)"
    else:
        verdict = "holds"
    return Claim(
        "teacher_recovered's transition is not made by its threshold τ",
        measured,
        result.threshold_note,
        verdict,
    )
