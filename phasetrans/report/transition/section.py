"""The transition section of a study: the analysis, its notes, claims, tables and figures.

See :mod:`phasetrans.report.transition` for the verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xarray as xr

from phasetrans.analysis.defaults import COLLAPSE_S_MAX
from phasetrans.analysis.overlaps.schema import (
    OVERLAP_MAX,
    OVERLAP_MAX_WEIGHTED,
    SPECIALISATION,
)
from phasetrans.names import TIME, at_checkpoints
from phasetrans.report.adequacy import collapse_alerts
from phasetrans.report.records import Claim, Plot, Section, guard
from phasetrans.report.stationarity import Unconverged, unconverged_cells
from phasetrans.report.transition.claims import (
    collapse_claim,
    self_averaging_claim,
    systematics_claim,
    threshold_claim,
)
from phasetrans.report.transition.tables import (
    collapse_table,
    crossings_table,
    per_size_table,
    systematics_table,
)

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
    section.claims = [collapse_claim(result, unconverged), self_averaging_claim(result)]
    section.claims.append(systematics_claim(result))
    if result.threshold_note:
        section.claims.append(threshold_claim(result))
    for table in (per_size_table, crossings_table, collapse_table, systematics_table):
        done = guard(lambda t=table: t(result))
        if isinstance(done, str):
            section.notes.append(f"{table.__name__.replace('_', ' ')}: {done}")
        else:
            section.tables.append(done)
    section.figures = [
        Plot(
            f"Transition of {result.order}: disorder average, susceptibility, "
            f"{'Binder ratio' if 'binder_ratio' in result.curves else 'centred cumulant'}, "
            f"per-teacher spread of {control}*(t)",
            guard(lambda: result.plot()),
            f"Per {size}: the disorder average of {result.order} against {control} with its "
            "95 % band, the susceptibility χ, the cumulant, and the spread over teachers of "
            f"the per-teacher pseudo-critical point {control}*(t).",
        ),
        Plot(
            f"Collapse of {result.order} across {size}",
            guard(lambda: result.collapse.plot()),
            "Left: the data per size. Right: the scaled curves with the master curve, and "
            "their residuals in units of the combined error, whose mean square is S.",
        ),
    ]
    where = f"{result.order} against {control} across {size} ({_where(result, at)})"
    alerts = collapse_alerts(result.collapse, where)
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
        f"Verdicts: the transition holds when the collapse is determined and adequate, S ≤ "
        f"{COLLAPSE_S_MAX:g} (a larger S makes it fail, cells not stationary make it partly, "
        "a threshold artefact of a thresholded order parameter makes it fail); self-averaging "
        "holds when the 95 % interval of a (spread ∝ N^-a) is above 0; the estimates are "
        "robust when no "
        f"systematic choice moves {ctl}_c or ν by more than the half-width of the baseline's "
        "95 % interval."
    )
    return notes
