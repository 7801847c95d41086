"""A study -> a :class:`~phasetrans.report.html.Report`: claims and figures, each guarded."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis.defaults import (
    BOOTSTRAP,
    COLLAPSE_S_MAX,
    DIMENSION_TOLERANCE,
    DIRECT_LOSS_MIN,
    FIT_P_MIN,
    MSE_AT_HT_MAX,
    MSE_JUMP_MIN,
    RECOVERED_MIN,
    SEED,
)
from phasetrans.analysis.observables import diverged
from phasetrans.analysis.stationarity import stationarity
from phasetrans.errors import AnalysisInputError, PhasetransWarning
from phasetrans.names import TIME
from phasetrans.report.adequacy import rules_note
from phasetrans.report.claims import (
    base_slice,
    dimension_claims,
    mse_claims,
    recovery_claim,
    spread_note,
    teacher_width,
)
from phasetrans.report.figures import order_figures, study_figures
from phasetrans.report.html import Report
from phasetrans.report.models import (
    collapse_claim,
    collapse_study,
    fit_claim,
    fit_study,
    model_alerts,
    model_tables,
)
from phasetrans.report.overview import headline_table, summary_paragraph
from phasetrans.report.provenance import provenance_rows, stamp
from phasetrans.report.records import NOT_AVAILABLE, Claim, Plot, Section, guard
from phasetrans.report.stationarity import unconverged_cells
from phasetrans.report.transition import transition_section
from phasetrans.summary import format_stationarity

__all__ = ["REPORT_NAME", "Progress", "build_report", "figures_folder", "write_report"]

#: A callback told each step of the report as it starts (``"collapse across W"``).
Progress = Callable[[str], None]
#: File name of a report written with the default options (and of the shipped reports).
REPORT_NAME = "report.html"


def figures_folder(name: str) -> str:
    """The folder, beside the page ``name``, of its figures when they are not embedded.

    ``figures`` for :data:`REPORT_NAME`, else ``<stem>-figures``, so that each
    page keeps its own figures.
    """
    return "figures" if name == REPORT_NAME else f"{Path(name).stem}-figures"


def _quiet(step: str) -> None:
    """The default progress callback: says nothing."""


def build_report(
    ds: xr.Dataset,
    *,
    bootstrap: int = BOOTSTRAP,
    seed: int = SEED,
    host: bool = True,
    progress: Progress | None = None,
) -> Report:
    """Compute the claims, alerts, tables and figures of one study.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (``phasetrans.open_study``); loaded into memory here.
    bootstrap : int
        Resamples of the seeds for the collapse and fit intervals.
    seed : int
        Seed of the bootstrap generators.
    host : bool
        Name the machine in the provenance (the shipped reports leave it out).
    progress : callable, optional
        Called with the name of each step as it starts.

    Returns
    -------
    Report
        Call ``to_html()`` or use :func:`write_report`.

    Notes
    -----
    Claims use the first teacher width and, for swept studies, the first value
    of every swept dimension but the teachers (said in the notes); the
    averaged figures average over the teachers, the per-student ones take the
    first.  A claim resting on a fit or a collapse holds only when the model
    is adequate (:mod:`phasetrans.report.adequacy`).  Every inadequate or
    degenerate model, unconverged cell, diverged student, estimate outside
    its window and piece that could not be made is an alert; the analyses'
    warnings are noted on the page (and still reach the caller).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PhasetransWarning)
        report = _build(ds, bootstrap, seed, host, progress or _quiet)
    said = dict.fromkeys(
        str(w.message) for w in caught if issubclass(w.category, PhasetransWarning)
    )
    if said:
        report.notes.append("Warnings of the analyses: " + "; ".join(said))
    unique = {(str(w.message), w.category): w for w in caught}
    for w in unique.values():  # the caller still gets each of them once
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return report


def _build(ds: xr.Dataset, bootstrap: int, seed: int, host: bool, say: Progress) -> Report:
    """:func:`build_report` under its warnings catcher."""
    started = time.monotonic()
    say("loading the study")
    ds = ds.load()
    report = Report(title=f"phasetrans study report: {ds.attrs.get('study_name', 'study')}")
    report.study_toml = str(ds.attrs.get("study_toml", ""))
    report.stamp = stamp(ds)
    base, at = base_slice(ds)
    disorder, _ = base_slice(ds, keep=("teacher_seed",))
    h_t = teacher_width(base)
    report.notes = _notes(base, disorder, at, h_t)
    report.alerts += _diverged_alerts(ds)
    if TIME in ds.dims:
        say("stationarity of the claimed cells")
        checked = guard(lambda: _stationarity(ds, h_t, at))
        if isinstance(checked, str):
            report.notes.append(f"Stationarity: {checked}")
        else:
            report.notes.append(checked[0])
            report.alerts.extend(checked[1])
    modelled = _claims(report, disorder, h_t, bootstrap, seed, say)
    say("transition section")
    section = guard(lambda: transition_section(ds, bootstrap=bootstrap, seed=seed))
    if isinstance(section, str):
        claim = Claim("a transition across sizes", "", "", section)
        report.sections.append(Section("Transition", claims=[claim]))
    elif section is not None:
        report.sections.append(section[0])
        report.alerts.extend(section[1])
    say("figures")
    report.figures = _figures(base, disorder, h_t, *modelled) + order_figures(ds)
    report.headline = guard(lambda: headline_table(ds))
    report.alerts += _unavailable_alerts(report)
    claims = report.claims + [c for s in report.sections for c in s.claims]
    footnote = guard(lambda: spread_note(disorder))
    footnote = "" if footnote.startswith(NOT_AVAILABLE) else footnote
    report.summary = summary_paragraph(ds, claims, report.alerts, footnote)
    report.provenance = provenance_rows(ds, host=host, seconds=time.monotonic() - started)
    return report


def _claims(
    report: Report, disorder: xr.Dataset, h_t: int, bootstrap: int, seed: int, say: Progress
) -> tuple[Any, Any, Any]:
    """Fill the claims, their alerts and parameter tables; the collapse, fit and topology."""

    def add(rows: Any, claim: str, kind: str = "") -> None:
        if isinstance(rows, str):
            report.claims.append(Claim(claim, "", "", rows, kind))
        else:
            report.claims.extend(rows if isinstance(rows, list) else [rows])

    say("claims: effective dimension and test error")
    add(guard(lambda: dimension_claims(disorder, h_t)), "effective dimension ≈ h_T")
    add(guard(lambda: mse_claims(disorder, h_t)), "test error against pruning")
    found = []
    for study, claim, what in (
        (collapse_study, collapse_claim, "the curves collapse"),
        (fit_study, fit_claim, "the transition's shape below h_T"),
    ):
        say(f"{what} ({bootstrap} bootstrap resamples)")
        modelled = guard(lambda s=study: s(disorder, h_t, bootstrap, seed))
        found.append(modelled)
        if isinstance(modelled, str):
            add(modelled, what, "collapse" if study is collapse_study else "fit")
            continue
        add(guard(lambda c=claim, m=modelled: c(m)), what)
        report.alerts += model_alerts(modelled)
        report.tables += model_tables(modelled)
    say("topology of the pruned students")
    topology = guard(lambda: _topology(disorder))
    add(
        guard(lambda: recovery_claim(disorder, h_t, topology)),
        "the pruned student recovers the teacher's nodes",
    )
    return found[0], found[1], topology


def _figures(
    base: xr.Dataset, disorder: xr.Dataset, h_t: int, collapse: Any, fitted: Any, topology: Any
) -> list[Plot]:
    """The study's figures (:func:`~phasetrans.report.figures.study_figures`)."""
    return study_figures(base, disorder, h_t, collapse, fitted, topology)


def _diverged_alerts(ds: xr.Dataset) -> list[str]:
    """One alert naming the students whose training diverged (left out of every number)."""
    flags = diverged(ds)
    if not bool(flags.any()):
        return []
    names = []
    for index in zip(*np.nonzero(flags.values), strict=True):
        at = {d: ds[d].values[i] for d, i in zip(flags.dims, index, strict=True)}
        names.append(", ".join(f"{d} = {v}" for d, v in at.items()))
    shown = "; ".join(names[:6]) + (f"; and {len(names) - 6} more" if len(names) > 6 else "")
    return [
        f"{len(names)} student(s) diverged during training and are left out of every number "
        f"and figure: {shown}."
    ]


def _unavailable_alerts(report: Report) -> list[str]:
    """An alert for every claim, table or figure the report could not make, saying why."""
    alerts = []
    for claim in report.claims + [c for s in report.sections for c in s.claims]:
        if claim.verdict.startswith(NOT_AVAILABLE):
            alerts.append(f"The claim '{claim.claim}' could not be checked: {_why(claim.verdict)}")
    for plot in report.figures + [p for s in report.sections for p in s.figures]:
        if isinstance(plot.figure, str):
            alerts.append(f"The figure '{plot.title}' could not be drawn: {_why(plot.figure)}")
    if isinstance(report.headline, str):
        alerts.append(f"The headline table could not be made: {_why(report.headline)}")
    return alerts


def _why(text: str) -> str:
    reason = text[len(NOT_AVAILABLE) :] if text.startswith(NOT_AVAILABLE) else text
    return reason.rstrip(".") + "."


def _notes(base: xr.Dataset, disorder: xr.Dataset, at: dict[str, Any], h_t: int) -> list[str]:
    """Which slice the claims use, what ± is, and the verdict rules."""
    where = f"h_T = {h_t}"
    if base.sizes.get("teacher_width", 1) > 1:
        where += f" (first of {base['teacher_width'].values.tolist()})"
    shown = {k: v for k, v in at.items() if k != "teacher_seed"}
    if shown:
        where += ", " + ", ".join(f"{k} = {v}" for k, v in shown.items())
    if "teacher_seed" in disorder.dims:
        notes = [
            f"Claims, fits, collapses and averaged figures use {where} and average over the "
            f"{disorder.sizes['teacher_seed']} teachers and their students; per-student "
            f"figures (neuron matching) use teacher_seed = {at['teacher_seed']}."
        ]
    else:
        notes = [f"Claims and figures use {where}; means are over seeds."]
    note = guard(lambda: spread_note(disorder))
    if not note.startswith(NOT_AVAILABLE):
        notes.append(f"{note}; diverged students are left out.")
    notes.append(
        f"Verdict tolerances: dimension within {DIMENSION_TOLERANCE:.0%} of h_T; "
        f"MSE(h_T)/MSE(all) ≤ {MSE_AT_HT_MAX:g}; MSE(h_T/2)/MSE(all) ≥ {MSE_JUMP_MIN:g}; "
        f"direct MSE(h_T)/MSE(all) ≥ {DIRECT_LOSS_MIN:g}; recovered fraction ≥ "
        f"{RECOVERED_MIN:g}; a fit holds when its χ² p-value ≥ {FIT_P_MIN:g}, a collapse "
        f"when S ≤ {COLLAPSE_S_MAX:g}."
    )
    notes.append(rules_note())
    return notes


def _stationarity(ds: xr.Dataset, h_t: int, at: dict[str, Any]) -> tuple[str, list[str]]:
    """The converged fraction per order parameter (a note), and an alert when cells that
    the transition claims rest on did not converge.

    The collapse and fit claims use spectral students at the first value of every
    sweep, at ``h_T`` (every ``h_T`` when the collapse runs across teacher widths).
    """
    result = stationarity(ds)
    lines = format_stationarity(result)
    note = lines[0] + " " + "; ".join(" ".join(line.split()) for line in lines[1:])
    where: dict[str, Any] = {}
    if "training" in result.dims and "spectral" in result["training"].values:
        where["training"] = "spectral"
    across_teachers = ds.sizes.get("width", 1) < 2 and ds.sizes.get("teacher_width", 1) > 1
    if "teacher_width" in result.dims and not across_teachers:
        where["teacher_width"] = h_t
    where.update({k: v for k, v in at.items() if k in result.dims})
    parts = [entry.text() for entry in unconverged_cells(result.sel(where))]
    if not parts:
        return note, []
    slice_text = ", ".join(f"{k} = {v}" for k, v in where.items()) or "every cell"
    return note, [
        f"The claimed transition ({slice_text}) rests on unconverged cells, whose order "
        f"parameters changed from T/2 to T by more than {result.attrs['level']:g} x their "
        "bootstrap error: " + "; ".join(parts) + "."
    ]


def _topology(base: xr.Dataset) -> xr.Dataset:
    from phasetrans.analysis.topology import compare_topology

    return compare_topology(base, retained="dimension")


def write_report(
    ds: xr.Dataset,
    out_dir: str | Path,
    *,
    bootstrap: int = BOOTSTRAP,
    seed: int = SEED,
    embed: bool = True,
    dpi: int = 150,
    host: bool = True,
    progress: Progress | None = None,
    name: str = REPORT_NAME,
) -> Path:
    """Build the report of a study and write ``<out_dir>/<name>`` (``report.html``).

    Parameters
    ----------
    ds : xarray.Dataset
        The study (``phasetrans.open_study(path)``).
    out_dir : str or pathlib.Path
        Folder of the page (created).
    bootstrap, seed, host, progress
        See :func:`build_report`.
    embed : bool
        Embed the figures in the page (default); else write them to
        ``<out_dir>/figures/`` (:func:`figures_folder`).
    dpi : int
        Resolution of the figures (at least 150 for a readable page).
    name : str
        File name of the page, ending in ``.html`` (``phasetrans report``
        names it after its options, so reports with other options never
        overwrite each other).

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    AnalysisInputError
        If ``ds`` is not a Dataset (open a study file with ``phasetrans.open_study``:
        the report layer does not read files), or ``name`` is not a file name
        ending in ``.html``.
    """
    if Path(name).name != name or not name.endswith(".html") or name == ".html":
        raise AnalysisInputError(
            f"name={name!r}; allowed: a file name ending in .html, without a folder "
            "(the folder is out_dir)",
            field="name",
            value=name,
        )
    if not isinstance(ds, xr.Dataset):
        raise AnalysisInputError(
            f"ds is a {type(ds).__name__}; allowed: xarray.Dataset "
            "(open the study file with phasetrans.open_study)",
            field="ds",
            value=type(ds).__name__,
        )
    report = build_report(ds, bootstrap=bootstrap, seed=seed, host=host, progress=progress)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (progress or _quiet)(f"drawing {report.n_figures()} figures at {dpi} dpi")
    page = report.to_html(dpi=dpi, image_dir=None if embed else out / figures_folder(name))
    path = out / name
    path.write_text(page, encoding="utf-8")
    return path
