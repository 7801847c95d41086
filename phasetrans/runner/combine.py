"""Combine a study's part files into its dataset (``study.output_path``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xarray as xr

from phasetrans import store
from phasetrans.analysis.overlaps import add_overlaps
from phasetrans.config import Study
from phasetrans.errors import StudyError
from phasetrans.runner.cells import plan_cells, planned_by_cells
from phasetrans.runner.disk import check_output
from phasetrans.runner.plan import Cell, Task, plan_tasks
from phasetrans.runner.status import StudyStatus, cell_status, study_status

__all__ = ["combine_cells", "combine_study", "combine_tasks"]


def combine_study(study: Study, *, allow_missing: bool = False) -> Path:
    """Combine a study's part files into its dataset (``study.output_path``).

    Parameters
    ----------
    study : Study
        The study.
    allow_missing : bool
        Write what exists, missing cells NaN, and list the missing tasks in the
        ``missing_tasks`` attribute; otherwise missing parts raise.

    Returns
    -------
    pathlib.Path
        The written dataset.

    Raises
    ------
    ConfigError
        An ``output`` that must not or cannot be written
        (:func:`~phasetrans.runner.disk.check_output`).
    StudyError
        If parts are missing (without ``allow_missing``) or none exist.
    """
    check_output(study)
    if planned_by_cells(study):
        cells = plan_cells(study)
        status, by_hash = cell_status(study, cells)
        return combine_cells(study, cells, status, by_hash, allow_missing=allow_missing)
    tasks = plan_tasks(study)
    return combine_tasks(study, tasks, study_status(study, tasks), allow_missing=allow_missing)


def combine_tasks(
    study: Study, tasks: list[Task], status: StudyStatus, *, allow_missing: bool = False
) -> Path:
    """Combine the parts of a study planned by tasks (``status.done``), and write it."""
    missing = status.failed + status.pending  # stale/corrupt parts are listed there too
    if missing and not allow_missing:
        raise StudyError(
            f"study {study.name!r} has {len(missing)} of {status.total} task(s) without a "
            f"valid part (e.g. {missing[0]}); run it, or combine with --allow-missing",
            field="allow_missing",
        )
    if not status.done:
        raise StudyError(f"study {study.name!r} has no finished parts to combine")
    paths = [store.part_path(study, key) for key in sorted(status.done)]
    ds = _combined(study, paths)
    ds.attrs["tasks"] = len(status.done)
    if missing:
        ds.attrs["missing_tasks"] = ", ".join(sorted(missing))
    return store.write_dataset(ds, study.output_path)


def combine_cells(
    study: Study,
    cells: list[Cell],
    status: StudyStatus,
    by_hash: dict[str, Path],
    *,
    allow_missing: bool = False,
) -> Path:
    """Combine the parts holding the planned cells, keeping only the planned coordinates."""
    missing = status.pending
    if missing and not allow_missing:
        raise StudyError(
            f"study {study.name!r} has {len(missing)} of {len(cells)} cell(s) without a "
            f"valid part (e.g. {missing[0]}); run it, or combine with --allow-missing",
            field="allow_missing",
        )
    paths = sorted({by_hash[c.cell_hash] for c in cells if c.cell_hash in by_hash})
    if not paths:
        raise StudyError(f"study {study.name!r} has no finished parts to combine")
    ds = _combined(study, paths, planned=True)
    ds.attrs["tasks"] = len(paths)
    ds.attrs["cells"] = len(cells) - len(missing)
    if missing:
        ds.attrs["missing_tasks"] = ", ".join(sorted(missing))
    return store.write_dataset(ds, study.output_path)


def _combined(study: Study, paths: list[Path], *, planned: bool = False) -> xr.Dataset:
    """The parts at ``paths`` combined, with their overlaps and the study's provenance.

    ``planned``: keep only the study's planned coordinates (a part of packed
    cells may hold cells of another version of the study).
    """
    parts = [store.read_dataset(p, load=True) for p in paths]
    devices = sorted({p.attrs.get("device", "?") for p in parts})
    versions = sorted({p.attrs.get("torch_version", "?") for p in parts})
    ds = store.combine_datasets(parts)
    if planned:
        coords: dict[str, list[Any]] = {
            "training": [m for m in ds["training"].values if m in study.students.methods],
            **study.sweeps(),
            "teacher_width": sorted(study.teacher.widths),
            "width": sorted(study.students.widths),
            "seed": sorted(study.students.seeds),
        }
        ds = ds.reindex({d: v for d, v in coords.items() if d in ds.dims})
    if "w1" in ds and "teacher_w1" in ds:
        ds = add_overlaps(ds)  # parts written before the overlaps existed get them here
    if study.teacher.width is not None and "teacher_width" in ds.dims:
        ds = ds.squeeze("teacher_width")  # the single form: a scalar coordinate
    ds.attrs = store.provenance_attrs(
        study, device=",".join(devices), torch_version=",".join(versions)
    )
    return ds
