"""What a study's part files say: which tasks (or cells) are done, failed, pending or stale."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phasetrans import store
from phasetrans.config import Study
from phasetrans.runner.cells import plan_cells, planned_by_cells
from phasetrans.runner.lock import lock_holder
from phasetrans.runner.plan import Cell, Task, plan_tasks

__all__ = ["StudyStatus", "cell_status", "study_status"]


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


def study_status(study: Study, tasks: list[Task] | None = None) -> StudyStatus:
    """Inspect a study's part files without running anything.

    Parameters
    ----------
    study : Study
        The study.
    tasks : list of Task, optional
        Its planned tasks (default: :func:`~phasetrans.runner.plan.plan_tasks`);
        ignored for a study planned by cells, whose status is per cell.

    Returns
    -------
    StudyStatus
        A part counts as done when it is readable and records its task's hash.
    """
    if planned_by_cells(study):
        return cell_status(study, plan_cells(study))[0]
    status = StudyStatus(running=lock_holder(study))
    folder = store.study_dir(study) / "parts"
    verified = store.load_verified(folder)
    for task in plan_tasks(study) if tasks is None else tasks:
        part = store.part_path(study, task.key)
        if part.exists():
            recorded = store.part_hash(part, verified=verified)
            if recorded == task.task_hash:
                status.done.append(task.key)
                continue
            (status.corrupt if recorded is None else status.stale).append(task.key)
        if store.failed_path(study, task.key).exists():
            status.failed.append(task.key)
        else:
            status.pending.append(task.key)
    if folder.is_dir():
        store.save_verified(folder, verified)
    return status


def cell_status(study: Study, cells: list[Cell]) -> tuple[StudyStatus, dict[str, Path]]:
    """Status of a study planned by cells, from the store's index of cell hash -> part.

    ``done`` and ``pending`` list cell keys; ``stale`` and ``corrupt`` list
    part names (a part is stale when it holds a planned cell under another hash).

    Returns
    -------
    status : StudyStatus
    by_hash : dict
        Cell hash -> the (not stale) part holding it.
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
    failed = store.failed_cells(study)
    for c in cells:
        if c.cell_hash in by_hash:
            status.done.append(c.key)
        else:
            (status.failed if c.cell_hash in failed else status.pending).append(c.key)
    status.stale = stale
    status.corrupt = [p.stem for p in unreadable]
    return status, by_hash
