"""A study's headline numbers: effective dimension and test error around h_T."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import xarray as xr

from phasetrans.analysis.attrs import plain
from phasetrans.analysis.describe import describe, footnote, format_pm
from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.analysis.observables import diverged, student_variable
from phasetrans.analysis.selection import restore_dims
from phasetrans.analysis.stationarity import converged_fraction, stationarity
from phasetrans.errors import AnalysisInputError
from phasetrans.names import STRUCTURE_DIMS, TIME

__all__ = ["ABSENT", "LONG_NAMES", "format_stationarity", "format_summary", "summarize"]

#: Shown for a count the student does not have (``h_T`` or ``h_T/2`` above its width).
ABSENT = "–"

#: What each mean of :func:`summarize` is (the errors say what they are themselves).
LONG_NAMES = {
    "dimension_mean": "effective dimension, mean over the disorder",
    "recovered_mean": f"fraction of teacher nodes recovered (cosine >= {COSINE_MATCH}), mean",
    "mse_all_mean": "test MSE with every node kept, mean",
    "mse_at_hT_mean": "test MSE with h_T nodes kept, mean",
    "mse_at_half_mean": "test MSE with h_T/2 nodes kept, mean",
    "ratio_hT": "MSE(h_T) / MSE(all), mean",
    "ratio_half": "MSE(h_T/2) / MSE(all), mean",
    "students": "students that ran and did not diverge",
    "acc_all_mean": "test accuracy with every node kept, mean",
    "acc_at_hT_mean": "test accuracy with h_T nodes kept, mean",
    "acc_at_half_mean": "test accuracy with h_T/2 nodes kept, mean",
}


def summarize(ds: xr.Dataset, *, spread: str = "se") -> xr.Dataset:
    """Per cell (training, sweeps, teacher_width, width): mean ± error over the disorder.

    Every mean and error is :func:`phasetrans.analysis.describe.describe` of a
    variable read with :func:`phasetrans.analysis.observables.student_variable`:
    the disorder is the student seeds and, when the study sweeps them, the
    teacher seeds (the mean of the teacher means); diverged students
    (``diverged_epoch > 0``) are left out.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (root group is enough).
    spread : {"se", "sd", "bootstrap"}
        The error, as for ``describe`` (default: the standard error).

    Returns
    -------
    xarray.Dataset
        ``dimension``, ``recovered`` (``teacher_recovered``, when present),
        ``mse_all`` (unpruned), ``mse_at_hT`` (``retained = h_T``),
        ``mse_at_half`` (``retained = h_T // 2``), each with
        ``_mean``/``_spread``, plus ``ratio_hT`` and ``ratio_half`` (pruned
        over unpruned, mean) and ``students`` (students that ran and did not
        diverge); for classification studies also ``acc_all_mean``,
        ``acc_at_hT_mean``, ``acc_at_half_mean``.  ``attrs["spread"]`` says
        what the error is.
    """
    dimension = student_variable(ds, "dimension", warn=False)
    mse = _at_counts(ds, student_variable(ds, "test_mse", warn=False))
    fields = {"dimension": dimension, **_prefixed("mse", mse)}
    if "teacher_recovered" in ds:
        fields["recovered"] = student_variable(ds, "teacher_recovered", warn=False)
    out = xr.Dataset()
    for name, da in fields.items():
        described = describe(da, spread)
        out[f"{name}_mean"] = described["mean"]
        out[f"{name}_spread"] = described["spread"]
        if name == "dimension":
            out["students"] = described["n"]
    out["ratio_hT"] = describe(mse["at_hT"] / mse["all"])["mean"]
    out["ratio_half"] = describe(mse["at_half"] / mse["all"])["mean"]
    if "test_accuracy" in ds:
        accuracy = _at_counts(ds, student_variable(ds, "test_accuracy", warn=False))
        for name, da in _prefixed("acc", accuracy).items():
            out[f"{name}_mean"] = describe(da)["mean"]
    out.attrs = {key: described.attrs[key] for key in ("spread", "spread_kind", "sample_dims")}
    out.attrs["footnote"] = footnote(described)
    for name, long_name in LONG_NAMES.items():
        if name in out:
            out[name].attrs = {"long_name": long_name}
    return plain(out)


def _at_counts(ds: xr.Dataset, metric: xr.DataArray) -> dict[str, xr.DataArray]:
    """``metric`` with every node kept (``all``), at ``retained = h_T`` and at ``h_T // 2``.

    NaN where the count is above the student's width (:data:`ABSENT` in the table).
    """
    top = int(ds.retained.max())
    width, h_t = ds["width"], ds["teacher_width"]
    half = h_t // 2
    # a count above the student's width does not exist: NaN, shown as "–" (never clipped)
    picks = {
        "all": metric.sel(retained=width.clip(max=top)).where(width <= top),
        "at_hT": metric.sel(retained=h_t.clip(max=top)).where((h_t <= width) & (h_t <= top)),
        "at_half": metric.sel(retained=half.clip(max=top)).where((half <= width) & (half <= top)),
    }
    return {k: v.drop_vars("retained", errors="ignore") for k, v in picks.items()}


def _prefixed(prefix: str, fields: dict[str, xr.DataArray]) -> dict[str, xr.DataArray]:
    return {f"{prefix}_{k}": v for k, v in fields.items()}


def format_summary(ds: xr.Dataset) -> str:
    """Readable text: dims, coordinates and the :func:`summarize` table.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset, or a selection of one (``ds.sel(training="direct")``:
        a dimension selected away is one row value).

    Returns
    -------
    str
        The last lines say what each column is and what ± is (the
        ``footnote`` of :func:`summarize`).
    """
    ds, _ = restore_dims(ds, ("training", "teacher_width", "width"))
    table = summarize(ds)
    recovered = "recovered_mean" in table
    over = "teacher and student seeds" if "teacher_seed" in ds["dimension"].dims else "seeds"
    table_lines = _table_lines(table)
    lines = [*_study_lines(ds), "", *table_lines]
    if len(table_lines) == 2:  # the header alone
        lines.append(
            "(no rows: no cell has a student with a finite effective dimension; "
            "`dimension` is NaN everywhere, as when every task is missing or every "
            "student diverged)"
        )
    lines.append("")
    lines.append(
        f"n: students (diverged ones left out); dimension: effective dimension, mean ± error "
        f"over {over}"
        + (
            f"; recovered: fraction of teacher nodes matched at cosine >= {COSINE_MATCH}"
            if recovered
            else ""
        )
        + f"; MSE at retained = all, h_T, h_T/2 (mean over {over}); "
        "x(n) = MSE(n)/MSE(all), mean"
    )
    lines.append(table.attrs["footnote"])
    if any(_absent(cell) for cell, _ in _rows(table, list(table["students"].dims))):
        lines.append(
            f"{ABSENT} : no such count: a student of width W keeps at most W nodes, "
            "and h_T (or h_T/2) is above its width"
        )
    lines += _stationarity_lines(ds)
    return "\n".join(lines)


def _study_lines(ds: xr.Dataset) -> list[str]:
    """The study's name, dims, coordinates, missing tasks and diverged students."""
    name = ds.attrs.get("study_name", "?")
    lines = [
        f"study {name}  (hash {ds.attrs.get('study_hash', '?')}, "
        f"teacher {ds.attrs.get('teacher_kind', '?')}, device {ds.attrs.get('device', '?')})",
        "dims: " + ", ".join(f"{k}={v}" for k, v in ds.sizes.items()),
    ]
    for coord in ds.coords:
        if coord in STRUCTURE_DIMS and coord not in ("training", "teacher_width", "width", "seed"):
            continue  # indices, not parameters
        values = ds[coord].values
        shown = ", ".join(_fmt(v) for v in np.ravel(values)[:12])
        more = f", … ({values.size} values)" if values.size > 12 else ""
        over = "" if ds[coord].dims in ((), (coord,)) else f" (over {', '.join(ds[coord].dims)})"
        lines.append(f"  {coord}{over}: {shown}{more}")
    if "missing_tasks" in ds.attrs:
        lines.append(f"  MISSING tasks (NaN cells): {ds.attrs['missing_tasks']}")
    excluded = _diverged(ds)
    if excluded:
        lines.append(
            f"  {len(excluded)} student(s) diverged (non-finite loss) and are left out: "
            + "; ".join(excluded[:5])
            + (" …" if len(excluded) > 5 else "")
        )
    return lines


def _table_lines(table: xr.Dataset) -> list[str]:
    """The :func:`summarize` table, one row per cell, and the accuracy table if any."""
    cell_dims = [d for d in table["students"].dims]
    sweeps = [d for d in cell_dims if d not in ("training", "teacher_width", "width")]
    recovered = "recovered_mean" in table
    header = (
        f"{'training':<12} "
        + "".join(f"{d:>{_width(d)}} " for d in sweeps)
        + f"{'h_T':>4} {'width':>6} {'n':>4} {'dimension':>16} "
        + (f"{'recovered':>13} " if recovered else "")
        + f"{'MSE(all)':>10} {'MSE(h_T)':>10} {'MSE(h_T/2)':>11} {'x(h_T)':>8} {'x(h_T/2)':>9}"
    )
    lines = [header, "-" * len(header)]
    for cell, row in _rows(table, cell_dims):
        absent = _absent(cell)
        lines.append(
            f"{cell['training']:<12} "
            + "".join(f"{_fmt(cell[d]):>{_width(d)}} " for d in sweeps)
            + f"{cell['teacher_width']:>4} {cell['width']:>6} {int(row.students):>4} "
            f"{format_pm(row.dimension_mean, row.dimension_spread, '.2f'):>16} "
            + (
                f"{format_pm(row.recovered_mean, row.recovered_spread, '.2f'):>13} "
                if recovered
                else ""
            )
            + f"{float(row.mse_all_mean):>10.4g} "
            f"{_count(row.mse_at_hT_mean, 'hT' in absent, '10.4g')} "
            f"{_count(row.mse_at_half_mean, 'half' in absent, '11.4g')} "
            f"{_count(row.ratio_hT, 'hT' in absent, '8.3g')} "
            f"{_count(row.ratio_half, 'half' in absent, '9.3g')}"
        )
    if "acc_all_mean" in table:
        lines.append("")
        lines.append(
            f"{'test accuracy':<12} "
            + "".join(f"{d:>{_width(d)}} " for d in sweeps)
            + f"{'h_T':>4} {'width':>6} {'all':>8} {'h_T':>8} {'h_T/2':>8}"
        )
        for cell, row in _rows(table, cell_dims):
            lines.append(
                f"{cell['training']:<12} "
                + "".join(f"{_fmt(cell[d]):>{_width(d)}} " for d in sweeps)
                + f"{cell['teacher_width']:>4} {cell['width']:>6} "
                f"{float(row.acc_all_mean):>8.3f} "
                f"{_count(row.acc_at_hT_mean, 'hT' in _absent(cell), '8.3f')} "
                f"{_count(row.acc_at_half_mean, 'half' in _absent(cell), '8.3f')}"
            )
    return lines


def format_stationarity(result: xr.Dataset) -> list[str]:
    """A header and one line per order parameter: the fraction of converged cells.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`phasetrans.analysis.stationarity.stationarity` result.
    """
    last = result["step_last"].values
    budget = " to ".join(dict.fromkeys(_fmt(v) for v in (np.nanmin(last), np.nanmax(last))))
    lines = [
        f"stationarity ({result.attrs['clock']} T = {budget}; converged: |change from T/2 "
        f"to T| <= {result.attrs['level']:g} x its bootstrap error; {result.attrs['bootstrap']}):"
    ]
    fraction = converged_fraction(result)
    for name, value in zip(fraction["variable"].values, fraction.values, strict=True):
        done = int(fraction["n_converged"].sel(variable=name))
        cells = int(fraction["n_cells"].sel(variable=name))
        shown = f"{value:.0%}" if np.isfinite(value) else "no finite change"
        lines.append(f"  {name:<20} {done}/{cells} cells converged ({shown})")
    return lines


def _stationarity_lines(ds: xr.Dataset) -> list[str]:
    """:func:`format_stationarity` of a study with checkpoints, after a blank line; else none."""
    if TIME not in ds.dims:
        return []
    try:
        return ["", *format_stationarity(stationarity(ds))]
    except AnalysisInputError as exc:
        return ["", f"stationarity: not available ({exc})"]


def _absent(cell: dict[str, object]) -> set[str]:
    """The counts of the table (``"hT"``, ``"half"``) a student of this cell does not have."""
    h_t, width = int(cell["teacher_width"]), int(cell["width"])
    return {name for name, n in (("hT", h_t), ("half", h_t // 2)) if n > width}


def _count(value: object, absent: bool, spec: str) -> str:
    """A value at a count, right-aligned to ``spec``'s width; :data:`ABSENT` if there is none."""
    width = spec.split(".")[0]
    return f"{ABSENT:>{width}}" if absent else f"{float(value):>{spec}}"


def _width(dim: str) -> int:
    return max(len(dim), 7)


def _fmt(value: object) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return str(value)


def _diverged(ds: xr.Dataset) -> list[str]:
    """``"training=…, teacher_width=…, …"`` of every diverged student."""
    flags = diverged(ds)
    if not bool(flags.any()):
        return []
    out = []
    for index in zip(*np.nonzero(flags.values), strict=True):
        at = {d: ds[d].values[i] for d, i in zip(flags.dims, index, strict=True)}
        out.append(", ".join(f"{d}={_fmt(v)}" for d, v in at.items()))
    return out


def _rows(table: xr.Dataset, dims: list[str]) -> Iterator[tuple[dict[str, object], xr.Dataset]]:
    """``(cell, row)`` of every cell of the table where students ran."""
    import itertools

    for values in itertools.product(*(table[d].values for d in dims)):
        cell = dict(zip(dims, values, strict=True))
        row = table.sel(cell)
        if int(row.students) > 0:
            yield {k: (v.item() if hasattr(v, "item") else v) for k, v in cell.items()}, row
