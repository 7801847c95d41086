"""The driver: plan, skip what is done, run an executor, write parts, combine.

Each finished task becomes a part file ``<data>/<study>/parts/<task>.nc``
(temporary name, then rename) as soon as it arrives, with the order
parameters of its students. A part is valid when it records its task's hash:
re-running a study skips valid parts, recomputes unreadable ones, and refuses
parts of another hash (a changed setting) unless ``fresh``. Adding a value to
a sweep list adds tasks and reuses every part already computed. The final
dataset is the combine of the parts of the planned tasks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from phasetrans import store
from phasetrans.config import Study
from phasetrans.errors import ConfigError, StudyError
from phasetrans.runner import executors
from phasetrans.runner.lock import lock_holder, study_lock
from phasetrans.runner.plan import (
    Cell,
    Task,
    block_cells,
    pack_cells,
    plan_cells,
    plan_tasks,
    planned_by_cells,
)

__all__ = ["RunReport", "StudyStatus", "combine_study", "run_study", "study_status"]

log = logging.getLogger("phasetrans.runner")


@dataclass
class StudyStatus:
    """Which tasks of a study have a valid part, have failed, or are pending."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    running: dict[str, Any] | None = None

    @property
    def total(self) -> int:
        """Number of planned tasks."""
        return len(self.done) + len(self.failed) + len(self.pending)

    def summary(self) -> str:
        """One line: ``done / failed / pending`` (+ stale and unreadable parts, + running)."""
        text = (
            f"{len(self.done)}/{self.total} done, {len(self.failed)} failed, "
            f"{len(self.pending)} pending"
        )
        if self.stale:
            text += f", {len(self.stale)} parts from another version of the study"
        if self.corrupt:
            text += f", {len(self.corrupt)} unreadable parts (will be recomputed)"
        if self.running:
            r = self.running
            text += f"; running now (pid {r['pid']} on {r['host']} since {r['since']})"
        return text


@dataclass
class RunReport:
    """What :func:`run_study` did."""

    computed: list[str]
    skipped: list[str]
    failed: dict[str, str]  # task -> traceback
    output: Path | None
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every task has a part and the dataset was written."""
        return not self.failed and self.output is not None


def study_status(study: Study, tasks: list[Task] | None = None) -> StudyStatus:
    """Inspect a study's part files without running anything.

    Parameters
    ----------
    study : Study
        The study.
    tasks : list of Task, optional
        Its planned tasks (default: :func:`plan_tasks`).

    Returns
    -------
    StudyStatus
        A part counts as done when it is readable and records its task's hash.
    """
    if planned_by_cells(study):
        return _cell_status(study, plan_cells(study))[0]
    status = StudyStatus(running=lock_holder(study))
    for task in plan_tasks(study) if tasks is None else tasks:
        part = store.part_path(study, task.key)
        if part.exists():
            recorded = store.part_hash(part)
            if recorded == task.task_hash:
                status.done.append(task.key)
                continue
            (status.corrupt if recorded is None else status.stale).append(task.key)
        if store.failed_path(study, task.key).exists():
            status.failed.append(task.key)
        else:
            status.pending.append(task.key)
    return status


def _order_parameters(w1: Any, importance: Any, dimension: Any, teacher_w1: Any) -> dict[str, Any]:
    """Every per-student order parameter of one ensemble at one moment (numpy)."""
    from phasetrans.analysis.order_parameters import order_parameters
    from phasetrans.analysis.overlaps import student_overlaps

    recovered, cosine = order_parameters(w1, importance, dimension, teacher_w1)
    # a node's share of the output: its importance (|v_i| ||w_i|| for committee students)
    overlaps = student_overlaps(w1, teacher_w1, contribution=importance)
    return {"teacher_recovered": recovered, "teacher_cosine": cosine, **overlaps}


def _block_dataset(result: Any, cell: dict[str, Any], scalars: dict[str, Any]) -> Any:
    import numpy as np

    extra = _order_parameters(result.w1, result.importance, result.dimension, result.teacher_w1)
    checkpoint_extra = None
    record = result.checkpoints
    if record is not None:
        moments = [
            _order_parameters(
                record.w1[c], record.importance[c], record.dimension[c], result.teacher_w1
            )
            for c in range(len(record.step))
        ]
        checkpoint_extra = {k: np.stack([m[k] for m in moments]) for k in moments[0]}
    return store.block_dataset(
        result,
        cell=cell,
        scalars=scalars,
        extra=extra,
        checkpoint_extra=checkpoint_extra,
    )


def _write_part(study: Study, task: Task, result: Any) -> Path:
    import json

    if task.cells:  # a packed task: one result per block, one part for all its cells
        datasets = [
            _block_dataset(r, cell, task.scalars)
            for r, cell in zip(result, task.blocks, strict=True)
        ]
        ds = store.combine_datasets(datasets)
        first = result[0]
        seconds = sum(float(r.seconds) for r in result)
    else:
        ds = _block_dataset(result, task.cell, task.scalars)
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
    path = store.write_dataset(ds, store.part_path(study, task.key))
    store.failed_path(study, task.key).unlink(missing_ok=True)
    return path


def _cell_status(study: Study, cells: list[Cell]) -> tuple[StudyStatus, dict[str, Path]]:
    """Status of a study planned by cells, from the store's index of cell hash -> part.

    ``done`` and ``pending`` list cell keys; ``stale`` and ``corrupt`` list
    part names (a part is stale when it holds a planned cell under another hash).
    """
    status = StudyStatus(running=lock_holder(study))
    by_hash, recorded, unreadable = store.cell_index(study)
    planned = {c.key: c.cell_hash for c in cells}
    stale = [
        path.stem
        for path, held in recorded.items()
        if not held or any(k in planned and planned[k] != h for k, h in held.items())
    ]
    stale_set = set(stale)
    by_hash = {h: p for h, p in by_hash.items() if p.stem not in stale_set}
    for c in cells:
        (status.done if c.cell_hash in by_hash else status.pending).append(c.key)
    status.stale = stale
    status.corrupt = [p.stem for p in unreadable]
    return status, by_hash


def _run_tasks(
    study: Study,
    tasks: list[Any],
    *,
    scheduler: Any,
    workers: Any,
    progress: bool,
    max_in_flight: Any,
    on_part: Callable[[Any, Path], None],
) -> dict[str, str]:
    """Run ``tasks`` on the executor, write a part as each arrives; return the failures.

    ``on_part(task, path)`` is called after each part is written; closing the
    executor's generator cancels what is queued when interrupted.
    """
    failed: dict[str, str] = {}
    if not tasks:
        return failed
    if scheduler == "sync":
        outcomes = executors.in_process(tasks, retries=study.run.retries, progress=progress)
    else:
        outcomes = executors.on_dask(
            tasks,
            scheduler=scheduler,
            workers=workers,
            device=tasks[0].spec.device,
            retries=study.run.retries,
            progress=progress,
            max_in_flight=max_in_flight,
        )
    try:
        for task, outcome in outcomes:
            if isinstance(outcome, executors.Failure):
                failed[task.key] = outcome.text
                _record_failure(study, task.key, outcome.text)
            else:
                on_part(task, _write_part(study, task, outcome))
    finally:
        outcomes.close()
    return failed


def _record_failure(study: Study, key: str, text: str) -> None:
    path = store.failed_path(study, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    with open(store.study_dir(study) / "failures.log", "a") as failures:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        failures.write(f"--- {stamp} task {key} failed\n{text}\n")


def run_study(
    study: Study,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    fresh: bool = False,
    progress: bool = True,
    max_in_flight: int | None = None,
) -> RunReport:
    """Run every task of a study that has no valid part yet, then combine.

    Parameters
    ----------
    study : Study
        The study.
    scheduler : str, optional
        ``None``/``"local"`` (embedded LocalCluster), ``"sync"`` (in-process)
        or the address of an existing dask scheduler.
    workers : int, optional
        Worker processes of the embedded cluster (default: one per core, or
        one per GPU when the study runs on CUDA).
    threads_per_worker : int
        Must be 1: torch's thread count is process-wide, so two tasks sharing a
        worker process would change it under each other (a task's threads are
        ``run.threads`` in the study file).
    fresh : bool
        Delete parts of another version of the study instead of refusing them.
    progress : bool
        Show a progress bar (over epochs with ``sync``, over tasks otherwise).
    max_in_flight : int, optional
        Most tasks submitted at once; bounds the results the client holds
        (default: twice the number of worker threads).

    Returns
    -------
    RunReport

    Raises
    ------
    ConfigError
        ``threads_per_worker`` other than 1, or ``run.device = "cuda"`` without CUDA.
    StudyError
        Lock held by a live run, parts of another version without ``fresh``, or
        an unreachable scheduler.

    Notes
    -----
    Messages go to the ``phasetrans.runner`` logger.
    """
    if threads_per_worker != 1:
        raise ConfigError(
            f"--threads-per-worker = {threads_per_worker} is not allowed: torch's thread count "
            "is per process, so tasks sharing a worker would change it under each other; use "
            "more workers, or run.threads in the study file for threads per task",
            field="threads_per_worker",
            value=threads_per_worker,
        )
    start = time.perf_counter()
    if planned_by_cells(study):
        return _run_cells(study, scheduler, workers, fresh, progress, max_in_flight, start)
    tasks = plan_tasks(study)  # refuses an unavailable device before taking the lock
    with study_lock(study):
        status = study_status(study, tasks)
        if status.stale and not fresh:
            raise StudyError(
                f"{len(status.stale)} part(s) in {store.study_dir(study) / 'parts'} were "
                f"computed for another version of study {study.name!r} (e.g. {status.stale[0]}); "
                "rerun with --fresh to discard them",
                field="fresh",
            )
        for key in status.stale + status.corrupt:
            store.part_path(study, key).unlink(missing_ok=True)
        if fresh:  # failure records of an older version of the study no longer apply
            for record in (store.study_dir(study) / "failed").glob("*.txt"):
                record.unlink()
        for tmp in (store.study_dir(study) / "parts").glob(".*.tmp"):
            tmp.unlink()  # left by a write that was killed; we hold the lock
        if status.corrupt:
            log.warning("%d unreadable part(s) will be recomputed", len(status.corrupt))
        done = set(status.done)
        todo = [t for t in tasks if t.key not in done]
        skipped = [t.key for t in tasks if t.key in done]
        if skipped:
            log.info(
                "%d of %d task(s) already done; %d to run", len(skipped), len(tasks), len(todo)
            )
        computed: list[str] = []
        failed = _run_tasks(
            study,
            todo,
            scheduler=scheduler,
            workers=workers,
            progress=progress,
            max_in_flight=max_in_flight,
            on_part=lambda task, path: computed.append(task.key),
        )
        output = None
        if not failed:
            # every task has a part now (we hold the lock): no need to reopen them all
            output = _combine(study, tasks, StudyStatus(done=[t.key for t in tasks]))
    return RunReport(computed, skipped, failed, output, time.perf_counter() - start)


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
    StudyError
        If parts are missing (without ``allow_missing``) or none exist.
    """
    if planned_by_cells(study):
        cells = plan_cells(study)
        status, by_hash = _cell_status(study, cells)
        return _combine_cells(study, cells, status, by_hash, allow_missing=allow_missing)
    tasks = plan_tasks(study)
    return _combine(study, tasks, study_status(study, tasks), allow_missing=allow_missing)


def _combine(
    study: Study, tasks: list[Task], status: StudyStatus, *, allow_missing: bool = False
) -> Path:
    missing = status.failed + status.pending  # stale/corrupt parts are listed there too
    if missing and not allow_missing:
        raise StudyError(
            f"study {study.name!r} has {len(missing)} of {status.total} task(s) without a "
            f"valid part (e.g. {missing[0]}); run it, or combine with --allow-missing",
            field="allow_missing",
        )
    if not status.done:
        raise StudyError(f"study {study.name!r} has no finished parts to combine")
    parts = [
        store.read_dataset(store.part_path(study, key), load=True) for key in sorted(status.done)
    ]
    devices = sorted({p.attrs.get("device", "?") for p in parts})
    versions = sorted({p.attrs.get("torch_version", "?") for p in parts})
    ds = store.combine_datasets(parts)
    if "w1" in ds and "teacher_w1" in ds:
        from phasetrans.analysis.overlaps import add_overlaps

        ds = add_overlaps(ds)  # parts written before the overlaps existed get them here
    ds.attrs = store.provenance_attrs(
        study, device=",".join(devices), torch_version=",".join(versions)
    )
    ds.attrs["tasks"] = len(status.done)
    if missing:
        ds.attrs["missing_tasks"] = ", ".join(sorted(missing))
    return store.write_dataset(ds, study.output_path)


def _prepare(study: Study, status: StudyStatus, fresh: bool) -> None:
    """Refuse (or with ``fresh`` delete) stale parts; delete unreadable ones and leftovers."""
    if status.stale and not fresh:
        raise StudyError(
            f"{len(status.stale)} part(s) in {store.study_dir(study) / 'parts'} were "
            f"computed for another version of study {study.name!r} (e.g. {status.stale[0]}); "
            "rerun with --fresh to discard them",
            field="fresh",
        )
    for key in status.stale + status.corrupt:
        store.part_path(study, key).unlink(missing_ok=True)
    if fresh:  # failure records of an older version of the study no longer apply
        for record in (store.study_dir(study) / "failed").glob("*.txt"):
            record.unlink()
    for tmp in (store.study_dir(study) / "parts").glob(".*.tmp"):
        tmp.unlink()  # left by a write that was killed; we hold the lock
    if status.corrupt:
        log.warning("%d unreadable part(s) will be recomputed", len(status.corrupt))


def _run_cells(
    study: Study,
    scheduler: str | None,
    workers: int | None,
    fresh: bool,
    progress: bool,
    max_in_flight: int | None,
    start: float,
) -> RunReport:
    """:func:`run_study` for a study planned by cells: pack the cells not yet computed."""
    import os

    cells = plan_cells(study)  # refuses an unavailable device before taking the lock
    with study_lock(study):
        status, by_hash = _cell_status(study, cells)
        _prepare(study, status, fresh)
        todo = [c for c in cells if c.cell_hash not in by_hash]
        skipped = [c.key for c in cells if c.cell_hash in by_hash]
        if study.run.pack == "auto":
            count = 1 if scheduler == "sync" else (workers or os.cpu_count() or 1)
            tasks = pack_cells(todo, max_members=study.run.max_members, workers=count)
        else:
            tasks = block_cells(todo, study.run.seed_block)
        if skipped:
            log.info(
                "%d of %d cell(s) already done; %d to run in %d task(s)",
                len(skipped),
                len(cells),
                len(todo),
                len(tasks),
            )
        computed: list[str] = []

        def on_part(task: Any, path: Path) -> None:
            by_hash.update({c.cell_hash: path for c in task.cells})
            computed.extend(c.key for c in task.cells)

        failed = _run_tasks(
            study,
            tasks,
            scheduler=scheduler,
            workers=workers,
            progress=progress,
            max_in_flight=max_in_flight,
            on_part=on_part,
        )
        output = None
        if not failed:
            done = StudyStatus(done=[c.key for c in cells])
            output = _combine_cells(study, cells, done, by_hash)
    return RunReport(computed, skipped, failed, output, time.perf_counter() - start)


def _combine_cells(
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
    parts = [store.read_dataset(p, load=True) for p in paths]
    devices = sorted({p.attrs.get("device", "?") for p in parts})
    versions = sorted({p.attrs.get("torch_version", "?") for p in parts})
    ds = store.combine_datasets(parts)
    planned: dict[str, list[Any]] = {
        "training": [m for m in ds["training"].values if m in study.students.methods],
        **study.sweeps(),
        "teacher_width": sorted(study.teacher.widths),
        "width": sorted(study.students.widths),
        "seed": sorted(study.students.seeds),
    }
    ds = ds.reindex({d: v for d, v in planned.items() if d in ds.dims})
    if "w1" in ds and "teacher_w1" in ds:
        from phasetrans.analysis.overlaps import add_overlaps

        ds = add_overlaps(ds)
    ds.attrs = store.provenance_attrs(
        study, device=",".join(devices), torch_version=",".join(versions)
    )
    ds.attrs["tasks"] = len(paths)
    ds.attrs["cells"] = len(cells) - len(missing)
    if missing:
        ds.attrs["missing_tasks"] = ", ".join(sorted(missing))
    return store.write_dataset(ds, study.output_path)
