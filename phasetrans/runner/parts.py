"""What the driver writes: a task's part file (its students' order parameters), or its failure.

Each finished task becomes a part file ``<data>/<study>/parts/<task>.nc``,
written atomically, recording its task's hash (and, for a packed task, the
keys and hashes of its cells). The order parameters that need the teacher
(``teacher_recovered``, ``teacher_cosine``, the overlaps) are computed here,
for the final students and at every checkpoint; the matching threshold they
were computed with is recorded in the attributes of ``teacher_recovered``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from phasetrans import store
from phasetrans.analysis.order_parameters import order_parameters
from phasetrans.analysis.overlaps import student_overlaps
from phasetrans.backend.results import BlockResult
from phasetrans.config import Study
from phasetrans.names import COSINE_MATCH, at_checkpoints
from phasetrans.runner.plan import Task

__all__ = [
    "RECOVERED",
    "record_failure",
    "result_dataset",
    "student_order_parameters",
    "write_part",
]

#: The variable whose values depend on the matching threshold.
RECOVERED = "teacher_recovered"


def student_order_parameters(
    w1: np.ndarray,
    importance: np.ndarray,
    dimension: np.ndarray,
    teacher_w1: np.ndarray,
    *,
    threshold: float = COSINE_MATCH,
) -> dict[str, np.ndarray]:
    """Every per-student order parameter of one ensemble at one moment (numpy).

    ``teacher_recovered`` counts the teacher nodes matched at cosine ≥ ``threshold``.
    """
    recovered, cosine = order_parameters(w1, importance, dimension, teacher_w1, threshold=threshold)
    # a node's share of the output: its importance (|v_i| ||w_i|| for committee students)
    overlaps = student_overlaps(w1, teacher_w1, contribution=importance)
    return {RECOVERED: recovered, "teacher_cosine": cosine, **overlaps}


def result_dataset(
    result: BlockResult,
    cell: dict[str, Any],
    scalars: dict[str, Any],
    *,
    threshold: float = COSINE_MATCH,
) -> xr.Dataset:
    """One block's result as a merged dataset, with its order parameters (also at checkpoints).

    The matching ``threshold`` is recorded as the ``threshold`` attribute of
    ``teacher_recovered`` (and of its values at checkpoints), not in any hash.
    """
    extra = student_order_parameters(
        result.w1, result.importance, result.dimension, result.teacher_w1, threshold=threshold
    )
    checkpoint_extra = None
    record = result.checkpoints
    if record is not None:
        moments = [
            student_order_parameters(
                record.w1[c],
                record.importance[c],
                record.dimension[c],
                result.teacher_w1,
                threshold=threshold,
            )
            for c in range(len(record.step))
        ]
        checkpoint_extra = {k: np.stack([m[k] for m in moments]) for k in moments[0]}
    ds = store.block_dataset(
        result, cell=cell, scalars=scalars, extra=extra, checkpoint_extra=checkpoint_extra
    )
    for name in (RECOVERED, at_checkpoints(RECOVERED)):
        if name in ds.data_vars:
            ds[name].attrs["threshold"] = threshold
    return ds


def write_part(study: Study, task: Task, result: BlockResult | list[BlockResult]) -> Path:
    """Write a finished task's part file (atomically) and clear its failure record.

    Parameters
    ----------
    study : Study
        The study.
    task : Task
        The task: one block, or a pack (``task.cells``) whose results come in
        the order of its blocks.
    result : BlockResult or list of BlockResult
        What the backend returned.

    Returns
    -------
    pathlib.Path
        The part file.
    """
    if isinstance(result, list):  # a packed task: one result per block, one part for all
        datasets = [
            result_dataset(r, cell, task.scalars)
            for r, cell in zip(result, task.blocks, strict=True)
        ]
        ds = store.combine_datasets(datasets)
        first = result[0]
        seconds = sum(float(r.seconds) for r in result)
    else:
        ds = result_dataset(result, task.cell, task.scalars)
        first, seconds = result, float(result.seconds)
    ds.attrs.update(
        store.provenance_attrs(study, device=first.device, torch_version=first.torch_version)
    )
    ds.attrs["task"] = task.key
    ds.attrs["task_hash"] = task.task_hash
    ds.attrs["seconds"] = round(seconds, 3)  # worker time of the task
    if task.cells:
        ds.attrs["cell_keys"] = json.dumps([c.key for c in task.cells])
        ds.attrs["cell_hashes"] = json.dumps([c.cell_hash for c in task.cells])
        ds.attrs["members"] = sum(len(c.spec.seeds) for c in task.cells)
        ds.attrs["padded"] = int(getattr(task.spec, "padded", False))
    path = store.write_dataset(ds, store.part_path(study, task.key))
    store.failed_path(study, task.key).unlink(missing_ok=True)
    store.failed_cells_path(study, task.key).unlink(missing_ok=True)
    return path


def record_failure(study: Study, key: str, text: str, cells: Sequence[str] = ()) -> None:
    """Record a task's failure (its traceback) in ``failed/<key>.txt`` and ``failures.log``.

    A packed task also records the hashes of its ``cells`` (``failed/<key>.cells``),
    so that ``status`` counts them as failed, not pending.

    Raises
    ------
    StudyError
        One line when the disk is full.
    """
    path = store.failed_path(study, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if cells:
            path = store.failed_cells_path(study, key)
            path.write_text("\n".join(cells) + "\n")
        path = store.study_dir(study) / "failures.log"
        with open(path, "a") as failures:
            stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
            failures.write(f"--- {stamp} task {key} failed\n{text}\n")
    except OSError as exc:
        store.raise_if_disk_full(exc, path, len(text.encode()))
        raise
