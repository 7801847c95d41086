r"""The report's transition section, for any study swept in a control and a size.

A study with a swept control (:data:`CONTROLS`, e.g. ``alpha``) and a swept
size (:data:`SIZES`, ``input_dim``) gets one section made from one call of
:func:`phasetrans.analysis.transition.transition`: its claims (the collapse's
:math:`\alpha_c` and :math:`\nu`, the self-averaging of the per-teacher
:math:`\alpha^*(t)`, the systematic errors, the threshold scan), its tables
(per size, crossings, collapse, systematic errors) and its figure.  Nothing
here computes a statistic; it words the result's numbers.

Verdicts (stated on the page):

- the transition *holds* when the collapse is determined (no optimiser bound,
  a size dependence) and its quality :math:`S` is below
  :data:`~phasetrans.analysis.defaults.COLLAPSE_S_MAX`; a poor :math:`S` makes it
  *partly*; a thresholded order parameter whose :math:`\alpha_c` moves with the
  threshold makes it *does not hold*; cells not stationary at the end of
  training make a *holds* a *partly* and are named in the verdict;
- self-averaging *holds* when the 95 % interval of the spread exponent
  :math:`a` (spread :math:`\propto N^{-a}`) lies above 0;
- the estimates are *robust* when no choice of the systematic-error table
  moves :math:`\alpha_c` (or :math:`\nu`) by more than the half-width of the
  baseline's 95 % interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis.defaults import COLLAPSE_S_MAX
from phasetrans.analysis.overlaps import (
    OVERLAP_MAX,
    OVERLAP_MAX_WEIGHTED,
    SPECIALISATION,
)
from phasetrans.names import TIME, at_checkpoints
from phasetrans.report.records import Claim, Section, Table, guard
from phasetrans.report.stationarity import Unconverged, unconverged_cells

__all__ = [
    "BOOTSTRAP",
    "COLLAPSE_BOOTSTRAP",
    "CONTROLS",
    "MIN_BOOTSTRAP",
    "ORDERS",
    "SIZES",
    "SYSTEMATICS_BOOTSTRAP",
    "choose_order",
    "transition_axes",
    "transition_section",
]

#: Control dimensions of a transition, in order of preference.
CONTROLS = ("alpha", "n_train")
#: Size dimensions of a transition.
SIZES = ("input_dim",)
#: Order parameters, in order of preference, and why each is chosen.
ORDERS: tuple[tuple[str, str], ...] = (
    (
        OVERLAP_MAX_WEIGHTED,
        "threshold-free and output-weighted (a switched-off student node does not count); "
        "with r_sym in the data, m is the specialisation s normalised by 1 − r_sym (0 in the "
        "symmetric state, 1 when every teacher node is found)",
    ),
    (SPECIALISATION, "threshold-free (output-weighted r_n minus r_sym)"),
    (
        "teacher_recovered",
        "no threshold-free order parameter in the data; this one counts the teacher nodes "
        "with r_n ≥ τ, so its crossing can be made by τ (see the threshold row)",
    ),
    (OVERLAP_MAX, "threshold-free, but a switched-off student node still counts"),
)
#: At most this many two-level resamples of the curve statistics (the report's ``bootstrap``
#: caps it), of the collapse, and of each row of the systematic-error table.
BOOTSTRAP = 100
COLLAPSE_BOOTSTRAP = 40
SYSTEMATICS_BOOTSTRAP = 10
#: The fewest resamples used (the analysis has no intervals without them).
MIN_BOOTSTRAP = 10
#: The scalar whose checkpoints stand for an order parameter's in the stationarity test.
_STATIONARITY_PROXY = {OVERLAP_MAX_WEIGHTED: SPECIALISATION}
_LEVEL = 0.95


def transition_axes(ds: xr.Dataset) -> tuple[str, str] | None:
    """The swept ``(control, size)`` of a study, or None when it lacks either."""
    control = next((d for d in CONTROLS if ds.sizes.get(d, 1) > 1), None)
    size = next((d for d in SIZES if ds.sizes.get(d, 1) > 1), None)
    return (control, size) if control and size else None


def choose_order(ds: xr.Dataset) -> tuple[str, str]:
    """The first of :data:`ORDERS` in ``ds`` and why; ``ValueError`` when none is."""
    for name, why in ORDERS:
        if name in ds.data_vars:
            return name, why
    raise ValueError(f"no order parameter of {[n for n, _ in ORDERS]} in the data")


def _held(ds: xr.Dataset, order: str, control: str, size: str) -> dict[str, Any]:
    """The first value of every other dimension of ``order`` with several values."""
    skip = {control, size, "teacher_seed", "seed", "training", "teacher_node"}
    return {
        str(d): ds[d].values[0].item() for d in ds[order].dims if d not in skip and ds.sizes[d] > 1
    }


def transition_section(
    ds: xr.Dataset, *, bootstrap: int, seed: int
) -> tuple[Section, list[str]] | None:
    """The transition section of a study, and its alerts; None without a swept control and size.

    Parameters
    ----------
    ds : xarray.Dataset
        The study.
    bootstrap : int
        The report's resamples: the curve statistics use
        ``min(bootstrap, BOOTSTRAP)`` (at least :data:`MIN_BOOTSTRAP`), the
        collapse and the systematic rows fewer (:data:`COLLAPSE_BOOTSTRAP`,
        :data:`SYSTEMATICS_BOOTSTRAP`).
    seed : int
        Seed of every resample.

    Returns
    -------
    (Section, list of str) or None
        A failing analysis gives a section with one "not available" claim.
    """
    axes = transition_axes(ds)
    if axes is None:
        return None
    control, size = axes
    sizes = ", ".join(f"{v:g}" for v in ds[size].values)
    section = Section(f"Transition against {control} across {size} = {sizes}")
    chosen = guard(lambda: choose_order(ds))
    if isinstance(chosen, str):
        section.claims.append(Claim(f"a transition in {control}", "", "", chosen))
        return section, []
    order, why = chosen
    at = _held(ds, order, control, size)
    counts = _counts(bootstrap)
    analysed = guard(lambda: _analyse(ds, order, control, size, at, counts, seed))
    if isinstance(analysed, str):
        section.notes.append(f"Order parameter: {order} ({why}).")
        section.claims.append(Claim(f"a transition of {order} in {control}", "", "", analysed))
        return section, []
    result = analysed
    stationary = guard(lambda: _stationarity(ds, result, at, seed))
    section.title = f"Transition of {order} against {control} across {size} = {sizes}"
    section.notes = _notes(ds, result, why, at, counts, bootstrap, stationary)
    unconverged = stationary[1] if isinstance(stationary, tuple) else None
    section.claims = [_collapse_claim(result, unconverged), _self_averaging_claim(result)]
    section.claims.append(_systematics_claim(result))
    if result.threshold_note:
        section.claims.append(_threshold_claim(result))
    for table in (_per_size_table, _crossings_table, _collapse_table, _systematics_table):
        done = guard(lambda t=table: t(result))
        if isinstance(done, str):
            section.notes.append(f"{table.__name__[1:].replace('_', ' ')}: {done}")
        else:
            section.tables.append(done)
    section.figures = [
        (
            f"Transition of {result.order}: disorder average, susceptibility, "
            f"{'Binder ratio' if 'binder_ratio' in result.curves else 'centred cumulant'}, "
            f"per-teacher spread of {control}*(t)",
            guard(lambda: result.plot()),
        ),
        (f"Collapse of {result.order} across {size}", guard(lambda: result.collapse.plot())),
    ]
    alerts = []
    if unconverged is not None:
        alerts.append(
            f"The transition section ({result.order}, {_where(result, at)}) rests on cells "
            f"that had not converged: {unconverged.text()}."
        )
    return section, alerts


# ---------------------------------------------------------------------------
# analysis and stationarity


def _counts(bootstrap: int) -> tuple[int, int, int]:
    curves = max(min(int(bootstrap), BOOTSTRAP), MIN_BOOTSTRAP)
    return curves, min(curves, COLLAPSE_BOOTSTRAP), min(curves, SYSTEMATICS_BOOTSTRAP)


def _analyse(
    ds: xr.Dataset,
    order: str,
    control: str,
    size: str,
    at: Mapping[str, Any],
    counts: tuple[int, int, int],
    seed: int,
) -> Any:
    """:func:`~phasetrans.analysis.transition.transition` with the report's resamples."""
    from phasetrans.analysis.transition import transition

    return transition(
        ds,
        order,
        control=control,
        size=size,
        at=at or None,
        bootstrap=counts[0],
        collapse_bootstrap=counts[1],
        systematics_bootstrap=counts[2],
        seed=seed,
    )


def _stationarity(
    ds: xr.Dataset, result: Any, at: Mapping[str, Any], seed: int
) -> tuple[str, Unconverged | None]:
    """The stationarity of the transition's cells: a note, and the unconverged cells."""
    from phasetrans.analysis.stationarity import stationarity

    if TIME not in ds.dims:
        return "not tested (the study has no checkpoints)", None
    name = _STATIONARITY_PROXY.get(result.order, result.order)
    if at_checkpoints(name) not in ds.data_vars:
        name = result.order
    if at_checkpoints(name) not in ds.data_vars:
        return f"not tested ({result.order} was not recorded at checkpoints)", None
    checked = stationarity(ds, [name], seed=seed)
    where = {k: v for k, v in at.items() if k in checked.dims}
    if "training" in checked.dims and result.training is not None:
        where["training"] = result.training
    checked = checked.sel(where)
    single = {d: 0 for d in checked.dims if checked.sizes[d] == 1}
    checked = checked.isel(single) if single else checked
    bad = unconverged_cells(checked)
    proxy = f" (for {result.order}, whose numerator it is)" if name != result.order else ""
    rule = (
        f"|change of the disorder average from T/2 to T| ≤ {checked.attrs['level']:g} × its "
        "bootstrap error"
    )
    n = int(checked[f"{name}_change"].notnull().sum())
    if not bad:
        return f"{name}{proxy}: all {n} cells converged ({rule})", None
    return (
        f"{name}{proxy}: {len(bad[0].cells)} of {n} cells not converged ({rule})",
        bad[0],
    )


# ---------------------------------------------------------------------------
# formatting


def _ci(value: float, lo: float = math.nan, hi: float = math.nan, digits: int = 3) -> str:
    if not np.isfinite(value):
        return "—" if np.isnan(value) else f"{value}"
    text = f"{value:.{digits}g}"
    if np.isfinite(lo) and np.isfinite(hi):
        text += f" [{lo:.{digits}g}, {hi:.{digits}g}]"
    return text


def _cell(ds: xr.Dataset, name: str, sel: Mapping[str, Any]) -> str:
    """``name`` at ``sel`` with its 95 % interval (``<name>_interval``), when stored."""
    value = float(ds[name].sel(sel))
    key = f"{name}_interval"
    if key not in ds:
        return _ci(value)
    bounds = ds[key].sel(sel).sel(level=_LEVEL)
    return _ci(value, float(bounds.sel(bound="lower")), float(bounds.sel(bound="upper")))


def _param(result: Any, name: str) -> str:
    c = result.collapse
    value = float(c.params.get(name, math.nan))
    lo, hi = c.intervals.get(name, {}).get(_LEVEL, (math.nan, math.nan))
    return _ci(value, lo, hi)


def _where(result: Any, at: Mapping[str, Any]) -> str:
    parts = [f"training = {result.training}"] if result.training else []
    parts += [f"{k} = {v}" for k, v in at.items()]
    return ", ".join(parts) or "every cell"


def _notes(
    ds: xr.Dataset,
    result: Any,
    why: str,
    at: Mapping[str, Any],
    counts: tuple[int, int, int],
    bootstrap: int,
    stationary: Any,
) -> list[str]:
    ctl = result.control
    preference = ", ".join(name for name, _ in ORDERS)
    notes = [
        f"Order parameter: {result.order}, the first of ({preference}) in the data: {why}."
        + "".join(f" Here {n}." for n in result.notes)
    ]
    if "training" in ds.dims and ds.sizes["training"] > 1:
        others = [str(t) for t in ds["training"].values if str(t) != result.training]
        notes.append(
            f"Training {result.training} (the others, {', '.join(others)}: "
            f"phasetrans transition DATA.nc --training {others[0]})."
        )
    if at:
        notes.append(
            "Other swept dimensions held at their first value: "
            + ", ".join(f"{k} = {v}" for k, v in at.items())
            + "."
        )
    clamp = ""
    if bootstrap < counts[0]:
        clamp = f" (the report asked for {bootstrap}; the analysis needs resamples)"
    notes.append(
        f"Disorder: {result.n_teachers} teachers × {result.n_students} students; two-level "
        f"bootstrap (teachers, then students): {counts[0]} resamples of the curve statistics"
        f"{clamp}, {counts[1]} of the collapse, {counts[2]} per systematic row; seed "
        f"{result.seed}. Brackets are 95 % intervals."
    )
    width = "a ratio" if result.log else "a difference"
    low, mid, high = result.levels
    notes.append(
        f"Positions interpolated in {'ln ' if result.log else ''}{ctl}: the midpoint is where "
        f"the disorder average reaches {mid:g}, the width runs from {low:g} to {high:g} (as "
        f"{width}), {ctl}*(t) is where a teacher's student average reaches {mid:g}."
    )
    notes.append(f"Corrections to scaling: {result.collapse_choice['reason']}.")
    notes += [f"Systematic errors: {n}." for n in result.systematic_notes]
    if isinstance(stationary, str):
        notes.append(f"Stationarity: {stationary}")
    else:
        notes.append(f"Stationarity: {stationary[0]}.")
    notes.append(
        f"Verdicts: the transition holds when the collapse is determined and S < "
        f"{COLLAPSE_S_MAX:g} (a poor S or cells not stationary make it partly; a threshold "
        "artefact of a thresholded order parameter makes it fail); self-averaging holds when "
        "the 95 % interval of a (spread ∝ N^-a) is above 0; the estimates are robust when no "
        f"systematic choice moves {ctl}_c or ν by more than the half-width of the baseline's "
        "95 % interval."
    )
    return notes


# ---------------------------------------------------------------------------
# claims


def _artefact(result: Any) -> bool:
    return (result.threshold_note or "").startswith("THRESHOLD ARTEFACT")


def _collapse_claim(result: Any, unconverged: Unconverged | None) -> Claim:
    c, ctl, size = result.collapse, result.control, result.size
    sizes = ", ".join(f"{v:g}" for v in result.sizes)
    measured = (
        f"finite-size-scaling collapse of the disorder average of {result.order} against "
        f"{ctl} across {size} = {sizes} ({result.training or 'one training'}; "
        f"{c.n_bootstrap} two-level resamples); Houdayer–Hartmann S"
    )
    value = (
        f"{ctl}_c = {_param(result, 'x_c')}, ν = {_param(result, 'nu')}, "
        f"1/ν = {_param(result, 'inv_nu')}; S = {c.quality:.3g} over "
        f"{c.n_points}/{c.n_total} points"
    )
    if result.collapse_choice["corrections"]:
        value += f" (with corrections to scaling: {ctl}_c is an extrapolation)"
    if c.at_bound:
        verdict = "not determined (degenerate collapse at an optimiser bound)"
    elif c.size_independent:
        verdict = f"does not hold (the curves do not sharpen with {size}: 1/ν compatible with 0)"
    elif result.threshold is not None and _artefact(result):
        verdict = f"does not hold (threshold artefact: {ctl}_c moves with the threshold τ)"
    elif c.quality >= COLLAPSE_S_MAX:
        verdict = f"partly (poor collapse quality, S = {c.quality:.3g} ≥ {COLLAPSE_S_MAX:g})"
    else:
        verdict = f"holds (S = {c.quality:.3g} < {COLLAPSE_S_MAX:g})"
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
    )


def _self_averaging_claim(result: Any) -> Claim:
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
    lo = a["intervals"].get(_LEVEL, (math.nan, math.nan))[0]
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
    if not result.collapse.determined or result.collapse.quality >= COLLAPSE_S_MAX:
        verdict += "; its comparison with 1/ν rests on a poor collapse"
    return Claim(claim, measured, result.self_averaging(), verdict)


def _systematics_claim(result: Any) -> Claim:
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


def _threshold_claim(result: Any) -> Claim:
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


# ---------------------------------------------------------------------------
# tables


def _per_size_table(result: Any) -> Table:
    size, ctl = result.size, result.control
    ps, pc = result.per_size, result.pseudocritical
    header = [
        size,
        "midpoint",
        f"width ({'ratio' if result.log else 'difference'})",
        "χ peak at",
        "χ_max",
        f"max slope dm/d{ctl}",
    ]
    if pc is not None:
        header += [f"mean {ctl}*(t)", f"spread of {ctl}*(t)", "teachers crossing"]
    spread = None if pc is None else pc.rename(error="spread_error", interval="spread_interval")
    rows = []
    for n in result.sizes:
        sel = {size: n}
        peak = _cell(ps, "chi_peak_position", sel)
        if "chi_peak_edge_share" in ps and float(ps["chi_peak_edge_share"].sel(sel)) > 0:
            peak += f" ({float(ps['chi_peak_edge_share'].sel(sel)):.0%} at a grid edge)"
        row = [
            f"{n:g}",
            _cell(ps, "midpoint", sel),
            _cell(ps, "width", sel),
            peak,
            _cell(ps, "chi_peak_height", sel),
            _cell(ps, "max_slope", sel),
        ]
        if spread is not None:
            row += [
                _ci(float(pc["mean_alpha_star"].sel(sel))),
                _cell(spread, "spread", sel),
                f"{int(pc['n_crossed'].sel(sel))} of {result.n_teachers}",
            ]
        rows.append(row)
    return Table(
        f"Per {size}: midpoints, widths, susceptibility peaks and the per-teacher {ctl}*(t)",
        header,
        rows,
    )


def _crossings_table(result: Any) -> Table:
    cr = result.crossings
    binder = "binder_crossing" in cr
    header = ["sizes", f"crossing of {result.order}", "resamples that cross"]
    if binder:
        header += ["crossing of U_n", "resamples that cross"]
    rows = []
    for pair in cr["pair"].values:
        sel = {"pair": pair}
        row = [str(pair), _cell(cr, "crossing", sel), f"{float(cr['share'].sel(sel)):.0%}"]
        if binder:
            row += [
                _cell(cr, "binder_crossing", sel),
                f"{float(cr['binder_share'].sel(sel)):.0%}",
            ]
        rows.append(row)
    return Table(
        f"Crossings of successive sizes' curves ({result.control}; — where the averages do not "
        "cross)",
        header,
        rows,
    )


def _collapse_table(result: Any) -> Table:
    c, ctl, size = result.collapse, result.control, result.size
    rows = [
        [f"{ctl}_c", _param(result, "x_c")],
        ["ν", _param(result, "nu")],
        ["1/ν", _param(result, "inv_nu")],
        ["ζ", f"{c.fixed['zeta']:g} (fixed)" if "zeta" in c.fixed else _param(result, "zeta")],
        ["quality S", f"{c.quality:.3g} over {c.n_points}/{c.n_total} points"],
    ]
    if c.corrections:
        rows += [["b", _param(result, "b")], ["ω", _param(result, "omega")]]
    for name, what in (
        ("chi_peak_height", f"χ_max ∝ {size}^s, s"),
        ("max_slope", f"max slope ∝ {size}^(1/ν), 1/ν"),
    ):
        e = result.exponents[name]
        lo, hi = e["intervals"].get(_LEVEL, (math.nan, math.nan))
        rows.append([what, _ci(e["estimate"], lo, hi)])
    if result.spread_exponent is not None:
        a = result.spread_exponent
        lo, hi = a["intervals"].get(_LEVEL, (math.nan, math.nan))
        rows.append([f"spread of {ctl}*(t) ∝ {size}^-a, a", _ci(a["estimate"], lo, hi)])
    return Table(
        f"Collapse m = F(({ctl} − {ctl}_c) {size}^(1/ν)) and exponents", ["", "estimate"], rows
    )


def _systematics_table(result: Any) -> Table:
    ctl = result.control
    base = result.systematics[0]
    rows = []
    for r in result.systematics:
        same = r.units == base.units
        d_a = r.alpha_c - base.alpha_c if same else math.nan
        rows.append(
            [
                r.label,
                _ci(r.alpha_c, *r.alpha_c_interval) + ("" if same else f" (in {r.units})"),
                _ci(r.nu, *r.nu_interval),
                "—" if r is base or not np.isfinite(d_a) else f"{d_a:+.3g}",
                "—" if r is base or not np.isfinite(r.nu - base.nu) else f"{r.nu - base.nu:+.3g}",
                r.note,
            ]
        )
    return Table(
        f"Systematic errors: the collapse re-run under each choice ({result.systematics_bootstrap}"
        " resamples each)",
        ["choice", f"{ctl}_c", "ν", f"Δ{ctl}_c", "Δν", "note"],
        rows,
    )
