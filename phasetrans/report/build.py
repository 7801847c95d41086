"""A study -> a :class:`~phasetrans.report.html.Report`: claims and figures, each guarded."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import xarray as xr
from matplotlib.figure import Figure

from phasetrans.analysis.defaults import (
    BOOTSTRAP,
    COLLAPSE_S_MAX,
    DIMENSION_TOLERANCE,
    DIRECT_LOSS_MIN,
    MSE_AT_HT_MAX,
    MSE_JUMP_MIN,
    RECOVERED_MIN,
    SEED,
)
from phasetrans.analysis.stationarity import stationarity
from phasetrans.errors import AnalysisInputError
from phasetrans.names import TIME
from phasetrans.report.claims import (
    base_slice,
    collapse_claim,
    collapse_study,
    dimension_claims,
    fit_claim,
    fit_study,
    mse_claims,
    recovery_claim,
    spread_note,
    sweep_dims,
)
from phasetrans.report.html import Report
from phasetrans.report.records import Claim, Section, guard
from phasetrans.report.stationarity import unconverged_cells
from phasetrans.report.transition import transition_section
from phasetrans.summary import format_stationarity

__all__ = ["build_report", "write_report"]


def build_report(ds: xr.Dataset, *, bootstrap: int = BOOTSTRAP, seed: int = SEED) -> Report:
    """Compute the claims and figures of one study.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (``phasetrans.open_study``); loaded into memory here.
    bootstrap : int
        Resamples of the seeds for the collapse and fit intervals.
    seed : int
        Seed of the bootstrap generators.

    Returns
    -------
    Report
        Call ``to_html()`` or use :func:`write_report`.

    Notes
    -----
    Claims and per-width figures use the first teacher width and, for swept
    studies, the first value of every swept dimension (said in the notes);
    the order-parameter figures show the sweep itself.  A study swept in a
    control (``alpha``) and a size (``input_dim``) gets a transition section
    (:func:`phasetrans.report.transition.transition_section`).  Every mean ±
    error is :func:`phasetrans.analysis.describe.describe`'s, and a note says
    what ± is.
    """
    ds = ds.load()
    report = Report(title=f"phasetrans study report: {ds.attrs.get('study_name', 'study')}")
    report.provenance = _provenance(ds)
    report.study_toml = str(ds.attrs.get("study_toml", ""))
    base, at = base_slice(ds)
    disorder, _ = base_slice(ds, keep=("teacher_seed",))
    h_t = int(base["teacher_width"].values[0])
    report.notes = _notes(base, disorder, at, h_t)
    if TIME in ds.dims:
        checked = guard(lambda: _stationarity(ds, h_t, at))
        if isinstance(checked, str):
            report.notes.append(f"Stationarity: {checked}")
        else:
            report.notes.append(checked[0])
            report.alerts.extend(checked[1])

    def add(rows: Any, claim: str) -> None:
        if isinstance(rows, str):
            report.claims.append(Claim(claim, "", "", rows))
        else:
            report.claims.extend(rows if isinstance(rows, list) else [rows])

    add(guard(lambda: dimension_claims(disorder, h_t)), "effective dimension ≈ h_T")
    add(guard(lambda: mse_claims(disorder, h_t)), "test error against pruning")
    collapse_result = guard(lambda: collapse_study(disorder, h_t, bootstrap, seed))
    if isinstance(collapse_result, str):
        add(collapse_result, "curves of all widths collapse onto one")
    else:
        add(guard(lambda: collapse_claim(collapse_result)), "collapse across widths")
    fitted = guard(lambda: fit_study(base, h_t, bootstrap, seed))
    if isinstance(fitted, str):
        add(fitted, "the transition's shape below h_T")
    else:
        add(guard(lambda: fit_claim(*fitted)), "the transition's shape below h_T")
    topology = guard(lambda: _topology(disorder))
    add(
        guard(lambda: recovery_claim(disorder, h_t, topology)),
        "the pruned student recovers the teacher's nodes",
    )
    section = guard(lambda: transition_section(ds, bootstrap=bootstrap, seed=seed))
    if isinstance(section, str):
        report.sections.append(
            Section("Transition", claims=[Claim("a transition across sizes", "", "", section)])
        )
    elif section is not None:
        report.sections.append(section[0])
        report.alerts.extend(section[1])
    report.figures = _figures(base, h_t, collapse_result, fitted, topology)
    report.figures += _order_figures(ds)
    return report


def _provenance(ds: xr.Dataset) -> list[tuple[str, str]]:
    """Key/value rows of where the study came from."""
    attrs = ds.attrs
    rows = [
        (label, str(attrs.get(key, "?")))
        for label, key in (
            ("study", "study_name"),
            ("study hash", "study_hash"),
            ("teacher kind", "teacher_kind"),
            ("created", "created"),
            ("phasetrans version", "phasetrans_version"),
            ("torch version", "torch_version"),
            ("device", "device"),
            ("tasks", "tasks"),
        )
    ]
    rows.append(("dimensions", ", ".join(f"{k} = {v}" for k, v in ds.sizes.items())))
    rows.append(("report made", datetime.now(timezone.utc).isoformat(timespec="seconds")))
    if "missing_tasks" in attrs:
        rows.append(("MISSING tasks", str(attrs["missing_tasks"])))
    return rows


def _notes(base: xr.Dataset, disorder: xr.Dataset, at: dict[str, Any], h_t: int) -> list[str]:
    """Which slice the claims use, what ± is, and the verdict tolerances."""
    where = f"h_T = {h_t}"
    if base.sizes.get("teacher_width", 1) > 1:
        where += f" (first of {base['teacher_width'].values.tolist()})"
    shown = {k: v for k, v in at.items() if k != "teacher_seed"}
    if shown:
        where += ", " + ", ".join(f"{k} = {v}" for k, v in shown.items())
    if "teacher_seed" in disorder.dims:
        notes = [
            f"Claims use {where} and average over the {disorder.sizes['teacher_seed']} teachers "
            f"and their students; per-student figures (paths, matching) use teacher_seed = "
            f"{at['teacher_seed']}."
        ]
    else:
        notes = [f"Claims and per-width figures use {where}; means are over seeds."]
    note = guard(lambda: spread_note(disorder))
    if not note.startswith("not available"):
        notes.append(f"{note}; diverged students are left out.")
    notes.append(
        f"Verdict tolerances: dimension within {DIMENSION_TOLERANCE:.0%} of h_T; "
        f"MSE(h_T)/MSE(all) ≤ {MSE_AT_HT_MAX:g}; MSE(h_T/2)/MSE(all) ≥ {MSE_JUMP_MIN:g}; "
        f"direct MSE(h_T)/MSE(all) ≥ {DIRECT_LOSS_MIN:g}; recovered fraction ≥ "
        f"{RECOVERED_MIN:g}; collapse quality S < {COLLAPSE_S_MAX:g}."
    )
    return notes


def _order_figures(ds: xr.Dataset) -> list[tuple[str, Figure | str]]:
    """The order parameters against every swept dimension but the teachers, and against h_T."""
    figures: list[tuple[str, Figure | str]] = []
    for dim in sweep_dims(ds):
        if ds.sizes[dim] > 1 and dim != "teacher_seed":
            figures.append((f"Order parameters against {dim}", guard(lambda d=dim: _order(ds, d))))
    if "teacher_width" in ds.dims and ds.sizes["teacher_width"] > 1:
        figures.append(("Order parameters against h_T", guard(lambda: _order(ds, "teacher_width"))))
    return figures


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


def _order(ds: xr.Dataset, control: str) -> Figure:
    from phasetrans.plots.order import plot_order_parameters

    others = {d: 0 for d in sweep_dims(ds) if d not in (control, "teacher_seed")}
    return plot_order_parameters(ds.isel(others) if others else ds, control)


def _figures(
    base: xr.Dataset, h_t: int, collapse_result: Any, fitted: Any, topology: Any
) -> list[tuple[str, Figure | str]]:
    from phasetrans.analysis.topology import match_student
    from phasetrans.plots import pruning, scaling
    from phasetrans.plots import topology as topo_plots

    def not_available(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    width = int(base["width"].max())
    seed = base["seed"].values[0].item()
    figures: list[tuple[str, Figure | str]] = [
        (
            "Pruning curves: spectral against direct, per width",
            guard(lambda: pruning.plot_pruning_by_width(base, teacher_width=h_t)),
        ),
        (
            "Pruning curves per training, all widths",
            guard(lambda: pruning.plot_pruning_curves(base, teacher_width=h_t)),
        ),
        (
            "Effective dimension against width",
            guard(lambda: pruning.plot_dimension(base, teacher_width=h_t)),
        ),
        (
            "Transition observable ΔMSE and its collapse across widths (spectral)",
            not_available(collapse_result) or guard(lambda: scaling.plot_collapse(collapse_result)),
        ),
        (
            f"Fits of the transition below h_T (spectral, W = {width})",
            not_available(fitted) or guard(lambda: scaling.plot_fit(fitted[0])),
        ),
        (
            "Sorted path magnitudes of the pruned students against the teacher",
            not_available(topology) or guard(lambda: topo_plots.plot_path_curves(topology)),
        ),
    ]
    for training in [str(t) for t in base["training"].values]:
        figures.append(
            (
                f"Neuron matching: {training}, W = {width}, seed {seed}",
                guard(
                    lambda t=training: topo_plots.plot_similarity_matrix(
                        match_student(base, training=t, teacher_width=h_t, width=width, seed=seed),
                        title=f"{t}, W = {width}, seed {seed}",
                    )
                ),
            )
        )
    figures.append(
        (
            "Training loss",
            guard(lambda: pruning.plot_training_loss(base, teacher_width=h_t)),
        )
    )
    return figures


def write_report(
    ds: xr.Dataset,
    out_dir: str | Path,
    *,
    bootstrap: int = BOOTSTRAP,
    seed: int = SEED,
    embed: bool = True,
    dpi: int = 90,
) -> Path:
    """Build the report of a study and write ``<out_dir>/report.html``.

    Parameters
    ----------
    ds : xarray.Dataset
        The study (``phasetrans.open_study(path)``).
    out_dir : str or pathlib.Path
        Folder of the page (created).
    bootstrap, seed : int
        See :func:`build_report`.
    embed : bool
        Embed the figures in the page (default); else write them to
        ``<out_dir>/figures/``.
    dpi : int
        Resolution of the figures.

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    AnalysisInputError
        If ``ds`` is not a Dataset (open a study file with ``phasetrans.open_study``:
        the report layer does not read files).
    """
    if not isinstance(ds, xr.Dataset):
        raise AnalysisInputError(
            f"ds is a {type(ds).__name__}; allowed: xarray.Dataset "
            "(open the study file with phasetrans.open_study)",
            field="ds",
            value=type(ds).__name__,
        )
    report = build_report(ds, bootstrap=bootstrap, seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = report.to_html(dpi=dpi, image_dir=None if embed else out / "figures")
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
