"""The driver: plan, skip what is done, run an executor, write parts, combine.

Each finished task becomes a part file ``<data>/<study>/parts/<task>.nc``
(:mod:`phasetrans.runner.parts`) as soon as it arrives. A part is valid when
it reads back (its data too) and records its task's hash: re-running a study
skips valid parts, moves unreadable ones to ``parts/corrupt/`` and recomputes
them (as the same pack of cells), and refuses parts of another hash (a changed setting) unless
``fresh``. Adding a value to a sweep list adds tasks and reuses every part
already computed. The final dataset is the combine of the parts of the planned
tasks (:mod:`phasetrans.runner.combine`).

Test hook
---------
The environment variable :data:`SIGNAL_AFTER_PARTS`, set to ``"k:NAME"``
(e.g. ``"2:SIGKILL"`` or ``"3:SIGINT"``), makes the driver send the signal
``NAME`` to its own process group right after it has written its ``k``-th part
of the run. Tests use it to interrupt a run at an exact point (a kill, a
Ctrl-C) instead of racing it with a timer.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from phasetrans import store
from phasetrans.config import Study
from phasetrans.errors import ConfigError, StudyError
from phasetrans.runner import executors
from phasetrans.runner.cells import (
    block_cells,
    pack_cells,
    pack_task,
    plan_cells,
    planned_by_cells,
)
from phasetrans.runner.combine import combine_cells, combine_tasks
from phasetrans.runner.disk import check_output
from phasetrans.runner.lock import study_lock
from phasetrans.runner.parts import record_failure, write_part
from phasetrans.runner.plan import Cell, Task, plan_tasks
from phasetrans.runner.status import StudyStatus, cell_status, study_status

__all__ = ["SIGNAL_AFTER_PARTS", "RunReport", "run_study"]

log = logging.getLogger("phasetrans.runner")

#: Test hook: ``"k:NAME"`` signals the driver's process group after its k-th part.
SIGNAL_AFTER_PARTS = "PHASETRANS_SIGNAL_AFTER_PARTS"


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


def run_study(
    study: Study,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    fresh: bool = False,
    progress: bool = True,
    max_in_flight: int | None = None,
    worker_wait: float = executors.WORKER_WAIT,
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
    worker_wait : float
        Seconds after which an existing scheduler without workers is reported
        (the run keeps waiting for them).

    Returns
    -------
    RunReport

    Raises
    ------
    ConfigError
        An ``output`` that must not or cannot be written
        (:func:`~phasetrans.runner.disk.check_output`, checked first), a malformed
        ``scheduler``, ``threads_per_worker`` other than 1, or ``run.device = "cuda"``
        without CUDA.
    StudyError
        Lock held by a live run (checked before planning), parts of another
        version without ``fresh``, an unreachable scheduler, or a full disk.

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
    executors.check_scheduler(scheduler)
    check_output(study)  # before the lock, before planning, before torch
    run = _Run(study, scheduler, workers, progress, max_in_flight, worker_wait)
    with study_lock(study):
        executors.probe_scheduler(scheduler)  # within CONNECT_TIMEOUT, before planning
        if planned_by_cells(study):
            return _run_cells(run, fresh, start)
        tasks = plan_tasks(study)
        status = study_status(study, tasks)
        _prepare(study, status, fresh)
        done = set(status.done)
        todo = [t for t in tasks if t.key not in done]
        skipped = [t.key for t in tasks if t.key in done]
        if skipped:
            log.info(
                "%d of %d task(s) already done; %d to run", len(skipped), len(tasks), len(todo)
            )
        computed: list[str] = []
        failed = run.tasks(todo, on_part=lambda task, path: computed.append(task.key))
        output = None
        if not failed:
            # every task has a part now (we hold the lock): no need to reopen them all
            output = combine_tasks(study, tasks, StudyStatus(done=[t.key for t in tasks]))
    return RunReport(computed, skipped, failed, output, time.perf_counter() - start)


def _run_cells(run: _Run, fresh: bool, start: float) -> RunReport:
    """:func:`run_study` for a study planned by cells (lock held): pack the cells to compute.

    The cells of a part that failed to read back are recomputed as the same pack.
    """
    study = run.study
    cells = plan_cells(study)
    status, by_hash = cell_status(study, cells)
    moved = _prepare(study, status, fresh)
    todo = [c for c in cells if c.cell_hash not in by_hash]
    skipped = [c.key for c in cells if c.cell_hash in by_hash]
    tasks = repacked(todo, moved)
    again = {c.key for t in tasks for c in t.cells}
    rest = [c for c in todo if c.key not in again]
    if study.run.pack == "auto":
        count = 1 if run.scheduler == "sync" else (run.workers or os.cpu_count() or 1)
        tasks += pack_cells(rest, max_members=study.run.max_members, workers=count)
    else:
        tasks += block_cells(rest, study.run.seed_block)
    if skipped:
        log.info(
            "%d of %d cell(s) already done; %d to run in %d task(s)",
            len(skipped),
            len(cells),
            len(todo),
            len(tasks),
        )
    computed: list[str] = []

    def on_part(task: Task, path: Path) -> None:
        by_hash.update({c.cell_hash: path for c in task.cells})
        computed.extend(c.key for c in task.cells)

    failed = run.tasks(tasks, on_part=on_part)
    output = None
    if not failed:
        done = StudyStatus(done=[c.key for c in cells])
        output = combine_cells(study, cells, done, by_hash)
    return RunReport(computed, skipped, failed, output, time.perf_counter() - start)


def repacked(todo: list[Cell], moved: list[Path]) -> list[Task]:
    """The packs of the parts ``moved`` aside, rebuilt from the cells of ``todo`` they held.

    A moved part whose header still names its cells is recomputed as the
    same pack (same members in the same order), so the dataset is the one an
    uninterrupted run gives.
    """
    tasks = []
    for path in moved:
        held = store.part_cells(path, verify=False) or {}
        members = [c for c in todo if held.get(c.key) == c.cell_hash]
        taken = {c.key for t in tasks for c in t.cells}
        if members and not taken & {c.key for c in members}:
            tasks.append(pack_task(members))
    return tasks


def _prepare(study: Study, status: StudyStatus, fresh: bool) -> list[Path]:
    """Refuse (or with ``fresh`` delete) stale parts, delete leftovers; move unreadable
    parts aside (``parts/corrupt/``) and return where they went."""
    if status.stale and not fresh:
        raise StudyError(
            f"{len(status.stale)} part(s) in {store.study_dir(study) / 'parts'} were "
            f"computed for another version of study {study.name!r} (e.g. {status.stale[0]}); "
            "rerun with --fresh to discard them",
            field="fresh",
        )
    for key in status.stale:
        store.part_path(study, key).unlink(missing_ok=True)
    moved = [move_aside(store.part_path(study, key)) for key in status.corrupt]
    if fresh:  # failure records of an older version of the study no longer apply
        for record in (store.study_dir(study) / "failed").glob("*.*"):
            record.unlink()
    for tmp in (store.study_dir(study) / "parts").glob(".*.tmp"):
        tmp.unlink()  # left by a write that was killed; we hold the lock
    if moved:
        log.warning(
            "%d unreadable part(s) (damaged or truncated data) moved to %s, recomputed: %s",
            len(moved),
            moved[0].parent,
            ", ".join(status.corrupt),
        )
    return moved


def move_aside(part: Path) -> Path:
    """Move a part that fails to read back into ``parts/corrupt/`` (never over another)."""
    folder = part.parent / store.CORRUPT
    folder.mkdir(exist_ok=True)
    target = folder / part.name
    n = 0
    while target.exists():
        n += 1
        target = folder / f"{part.stem}.{n}{part.suffix}"
    part.rename(target)
    return target


@dataclass(frozen=True)
class _Run:
    """Where and how the tasks of one :func:`run_study` call run."""

    study: Study
    scheduler: str | None
    workers: int | None
    progress: bool
    max_in_flight: int | None
    worker_wait: float

    def tasks(self, tasks: list[Task], *, on_part: Callable[[Task, Path], None]) -> dict[str, str]:
        """Run ``tasks`` on the executor, write a part as each arrives; return the failures.

        ``on_part(task, path)`` is called after each part is written; closing the
        executor's generator cancels what is queued when interrupted.
        """
        failed: dict[str, str] = {}
        if not tasks:
            return failed
        hook = _signal_after_parts()
        study = self.study
        if self.scheduler == "sync":
            outcomes = executors.in_process(
                tasks, retries=study.run.retries, progress=self.progress
            )
        else:
            outcomes = executors.on_dask(
                tasks,
                scheduler=self.scheduler,
                workers=self.workers,
                device=tasks[0].device,
                retries=study.run.retries,
                progress=self.progress,
                max_in_flight=self.max_in_flight,
                worker_wait=self.worker_wait,
            )
        written = 0
        try:
            for task, outcome in outcomes:
                if isinstance(outcome, executors.Failure):
                    failed[task.key] = outcome.text
                    cells = [c.cell_hash for c in task.cells]
                    record_failure(study, task.key, outcome.text, cells)
                    continue
                on_part(task, write_part(study, task, outcome))
                written += 1
                if hook is not None and written == hook[0]:
                    os.killpg(os.getpgrp(), hook[1])
        finally:
            outcomes.close()
        return failed


def _signal_after_parts() -> tuple[int, signal.Signals] | None:
    """The test hook :data:`SIGNAL_AFTER_PARTS` as ``(k, signal)``, or None when unset."""
    value = os.environ.get(SIGNAL_AFTER_PARTS)
    if not value:
        return None
    count, _, name = value.partition(":")
    try:
        return int(count), signal.Signals[name]
    except (ValueError, KeyError):
        raise ConfigError(
            f"{SIGNAL_AFTER_PARTS} = {value!r} is invalid: give 'k:NAME', e.g. '2:SIGKILL'",
            field=SIGNAL_AFTER_PARTS,
            value=value,
        ) from None
