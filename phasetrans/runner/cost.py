"""What a study costs: its optimiser steps, and the time left at the rate of its finished parts.

The unit of cost is a *student-step*: one optimiser step of one student. A
task's student-steps follow from its spec alone (:func:`task_steps`); the
seconds per student-step are measured on finished parts, whose ``seconds``
attribute holds the worker time of their task (:func:`measured_rate`). A study
planned by cells (packed or not) is measured on the parts that hold its cells
(:func:`measured_cell_rate`): a packed study is estimated at packed throughput.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import xarray as xr

from phasetrans.backend.specs import BlockSpec, PackSpec, epoch_batch_sizes
from phasetrans.config import Study
from phasetrans.runner.cells import planned_by_cells
from phasetrans.runner.plan import Task, plan_tasks
from phasetrans.store import cell_index, part_path

__all__ = [
    "RATE_PARTS",
    "CostEstimate",
    "block_steps",
    "cost_estimate",
    "measured_cell_rate",
    "measured_rate",
    "task_steps",
]

#: Finished parts read to measure the rate (the first ones, in the order given).
RATE_PARTS = 50


def block_steps(spec: BlockSpec) -> int:
    """Optimiser steps of one student of a block: ``steps``, or epochs × batches per epoch."""
    s = spec.settings
    if s.steps:
        return s.steps
    return s.epochs * len(epoch_batch_sizes(spec.n_train, s.batch_size, s.batches_per_epoch))


def task_steps(spec: BlockSpec | PackSpec) -> int:
    """Student-steps of a task: the optimiser steps of all its students."""
    blocks = spec.blocks if isinstance(spec, PackSpec) else (spec,)
    return sum(block_steps(b) * len(b.seeds) for b in blocks)


def measured_rate(study: Study, tasks: list[Task], done: list[str]) -> float | None:
    """Worker seconds per student-step on up to :data:`RATE_PARTS` finished parts.

    Parameters
    ----------
    study : Study
        The study whose parts are read.
    tasks : list of Task
        Its planned tasks.
    done : list of str
        Keys of the tasks with a valid part.

    Returns
    -------
    float or None
        None when no part records its time.
    """
    by_key = {t.key: t for t in tasks}
    seconds = steps = 0.0
    for key in done[:RATE_PARTS]:
        try:
            with xr.open_dataset(part_path(study, key)) as part:
                block = float(part.attrs["seconds"])
        except (OSError, KeyError, ValueError):
            continue
        seconds += block
        steps += task_steps(by_key[key].spec)
    return seconds / steps if steps else None


def measured_cell_rate(study: Study, cells: list[Task]) -> float | None:
    """Worker seconds per student-step on up to :data:`RATE_PARTS` parts of a cell-planned study.

    A part (a pack, or a block of cells) records the hashes of the cells it
    holds and its task's worker time; its student-steps are those of its
    cells. Parts holding a cell that ``cells`` does not plan (another version
    of the study) are skipped.

    Parameters
    ----------
    study : Study
        The study whose parts are read.
    cells : list of Task
        Its cells, one student each (``plan_tasks(study, seed_block=1)``).

    Returns
    -------
    float or None
        None when no part records its time.
    """
    steps_of = {c.task_hash: task_steps(c.spec) for c in cells}
    _, recorded, _ = cell_index(study)
    seconds = steps = 0.0
    for path, held in list(recorded.items())[:RATE_PARTS]:
        mine = [steps_of[h] for h in held.values() if h in steps_of]
        if not mine or len(mine) != len(held):
            continue
        try:
            with xr.open_dataset(path) as part:
                seconds += float(part.attrs["seconds"])
        except (OSError, KeyError, ValueError):
            continue
        steps += sum(mine)
    return seconds / steps if steps else None


def _rate(study: Study, tasks: list[Task], done: list[str]) -> float | None:
    """The measured rate of ``study``, per cell when it is planned by cells."""
    if planned_by_cells(study):
        one_seed = bool(tasks) and all(len(t.spec.seeds) == 1 for t in tasks)
        return measured_cell_rate(study, tasks if one_seed else plan_tasks(study, seed_block=1))
    return measured_rate(study, tasks, done)


@dataclass(frozen=True)
class CostEstimate:
    """A study's cost, and its time left at a measured rate.

    Attributes
    ----------
    tasks : int
        Planned tasks.
    steps, steps_left : int
        Student-steps in all, and of the tasks without a part.
    rate : float or None
        Worker seconds per student-step (None: nothing measured yet).
    source : str
        Where the rate was measured (``"the parts done"``, or another study's parts).
    cores : int
        Cores of this machine, for the wall-clock estimate.
    """

    tasks: int
    steps: int
    steps_left: int
    rate: float | None
    source: str
    cores: int

    @property
    def worker_hours(self) -> float | None:
        """Worker-hours left at :attr:`rate`."""
        return None if self.rate is None else self.rate * self.steps_left / 3600

    def summary(self) -> str:
        """One line: tasks and student-steps, and the time left when a rate is known."""
        text = (
            f"{self.tasks} tasks, {self.steps:.3g} student-steps (epochs x batches x students) "
            "in all"
        )
        hours = self.worker_hours
        if self.rate is None or hours is None:
            return text + "; no part with a timing yet (run a few tasks, or --timing-from)"
        return (
            text + f"; {self.rate * 1e6:.3g} s per million student-steps on {self.source}, so "
            f"about {hours:.3g} worker-hours left ({hours / max(self.cores, 1):.3g} h on the "
            f"{self.cores} cores here)"
        )


def cost_estimate(
    study: Study,
    tasks: list[Task],
    done: list[str],
    *,
    reference: tuple[Study, list[Task], list[str]] | None = None,
) -> CostEstimate:
    """Student-steps in all and left, and the rate measured on the parts already computed.

    ``reference`` is ``(study, tasks, done)`` of another study whose finished
    parts give the rate when this one has none. A study planned by cells is
    measured on the parts holding its cells (for a packed study: at packed
    throughput; ``tasks`` are then its cells). The estimate assumes that the
    cost of a student-step measured on the finished parts holds for the rest,
    which is rough when the remaining tasks differ in width or batch size.
    """
    finished = set(done)
    rate, source = _rate(study, tasks, done), "the parts done"
    if rate is None and reference is not None:
        rate, source = _rate(*reference), f"the parts of {reference[0].name}"
    return CostEstimate(
        tasks=len(tasks),
        steps=sum(task_steps(t.spec) for t in tasks),
        steps_left=sum(task_steps(t.spec) for t in tasks if t.key not in finished),
        rate=rate,
        source=source,
        cores=os.cpu_count() or 1,
    )
