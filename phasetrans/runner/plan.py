"""Plan a study as independent tasks: the cartesian product of its sweeps.

One task trains one ensemble: a training method, a cell of the sweeps
(teacher seed, input dimension, ``n_train`` or ``alpha``, ``l2_eigenvalues``),
a teacher width, a student width and a block of student seeds. Tasks are plain
picklable specs; :func:`phasetrans.runner.spec.block_spec` is the one path
from the study spec to the backend spec. Studies planned by cells (one student
each) are grouped into tasks by :mod:`phasetrans.runner.cells`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from phasetrans.backend.specs import BlockSpec, PackSpec
from phasetrans.config import Study
from phasetrans.config.base import as_list
from phasetrans.names import SWEEP_DIMS
from phasetrans.runner.spec import block_spec, task_hash

__all__ = ["Cell", "Task", "plan_tasks", "resolved_device", "sweep_cells", "task_key"]

#: How each sweep dimension shows in a task key.
KEY_TAG = {
    "teacher_seed": "T",
    "input_dim": "d",
    "n_train": "n",
    "alpha": "a",
    "l2_eigenvalues": "l",
}


@dataclass(frozen=True)
class Task:
    """One ensemble, or one pack of ensembles, to train.

    Attributes
    ----------
    key : str
        Part-file name, e.g. ``spectral_t8_w64_s0-3`` (+ ``_T3_a1.5`` … for swept cells).
    spec : BlockSpec or PackSpec
        What the backend runs.
    task_hash : str
        Hash of everything that determines the task's numbers; a part is valid
        when it records this hash, so adding a value to a sweep list reuses
        every part already computed.
    cell : dict
        The task's coordinates along the swept dimensions (``{dim: value}``).
    scalars : dict
        The single-value sweep fields (``teacher_seed``, ``input_dim``,
        ``n_train`` or ``alpha``), stored as scalar coordinates (a single
        ``l2_eigenvalues`` stays in the study file only: it differs by method).
    cells : tuple of Cell
        A task of a study planned by cells: the cells it computes.
    blocks : tuple of dict
        Likewise: the sweep coordinates of each block of its pack, in order.
    """

    key: str
    spec: BlockSpec | PackSpec
    task_hash: str
    cell: dict[str, Any]
    scalars: dict[str, Any]
    cells: tuple[Cell, ...] = ()
    blocks: tuple[dict[str, Any], ...] = ()

    @property
    def block(self) -> BlockSpec:
        """The spec of a task of one block (``TypeError`` for a pack)."""
        if not isinstance(self.spec, BlockSpec):
            raise TypeError(f"task {self.key} is a pack, not one block")
        return self.spec

    @property
    def device(self) -> str:
        """The device the task runs on."""
        return self.spec.device


@dataclass(frozen=True)
class Cell:
    """One student: (training, sweep point, teacher width, width, student seed).

    Attributes
    ----------
    key : str
        e.g. ``spectral_t4_w16_s3_T1_a1.5``: the task key of a one-seed block.
    cell_hash : str
        Hash of everything that determines the student's numbers (as a task
        hash, for the block of this one seed).
    spec : BlockSpec
        The one-seed block.
    cell, scalars : dict
        As for :class:`Task`.
    """

    key: str
    cell_hash: str
    spec: BlockSpec
    cell: dict[str, Any]
    scalars: dict[str, Any]

    @property
    def block_key(self) -> tuple[Any, ...]:
        """Cells of one block (same teacher, data and settings) share this."""
        s = self.spec
        return (s.training, tuple(sorted(self.cell.items())), s.teacher.width, s.width)


def resolved_device(study: Study, device: str | None) -> str:
    """``device``, or the study's ``run.device`` resolved on this machine (``cpu``/``cuda``)."""
    if device is not None:
        return device
    from phasetrans.backend.device import device_kind  # asks torch which devices exist

    return device_kind(study.run.device)


def sweep_cells(study: Study, training: str) -> Iterator[dict[str, Any]]:
    """Every combination of the sweep fields' values for one method (dataset order)."""
    fields = {
        "teacher_seed": study.teacher.seed_values,
        "input_dim": as_list(study.teacher.input_dim),
        "n_train": as_list(study.data.n_train),
        "alpha": as_list(study.data.alpha),
        "l2_eigenvalues": as_list(study.training[training].l2_eigenvalues),
    }
    names = [n for n in SWEEP_DIMS if fields[n] != [None]]
    for values in itertools.product(*(fields[n] for n in names)):
        yield dict(zip(names, values, strict=True))


def plan_tasks(
    study: Study, *, seed_block: int | None = None, device: str | None = None
) -> list[Task]:
    """Split a study into tasks: methods × sweep cells × teacher widths × widths × seed blocks.

    Parameters
    ----------
    study : Study
        The validated study.
    seed_block : int, optional
        Seeds per task (default ``study.run.seed_block``).
    device : str, optional
        The device kind the tasks run on (``"cpu"`` or ``"cuda"``); default:
        ``study.run.device`` resolved on this machine.

    Returns
    -------
    list of Task
        Widest students first, so the longest tasks start early.

    Raises
    ------
    ConfigError
        For ``run.device = "cuda"`` on a machine without CUDA.
    """
    device = resolved_device(study, device)
    block = seed_block or study.run.seed_block
    seeds = study.students.seeds
    blocks = [tuple(seeds[i : i + block]) for i in range(0, len(seeds), block)]
    swept = set(study.sweeps())
    tasks = []
    for width in sorted(study.students.widths, reverse=True):
        for training in study.students.methods:
            for cell in sweep_cells(study, training):
                for h_t in study.teacher.widths:
                    for seeds_ in blocks:
                        spec = block_spec(study, training, cell, h_t, width, seeds_, device)
                        tasks.append(
                            Task(
                                key=task_key(spec, cell, swept),
                                spec=spec,
                                task_hash=task_hash(spec),
                                cell={d: v for d, v in cell.items() if d in swept},
                                scalars={
                                    d: v
                                    for d, v in cell.items()
                                    if d not in swept and d != "l2_eigenvalues"
                                },
                            )
                        )
    return tasks


def task_key(spec: BlockSpec, cell: dict[str, Any], swept: set[str]) -> str:
    """The part-file name of a block: method, widths, seeds and the swept coordinates."""
    seeds = spec.seeds
    seed_part = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
    key = f"{spec.training}_t{spec.teacher.width}_w{spec.width}_s{seed_part}"
    return key + "".join(f"_{KEY_TAG[d]}{cell[d]!r}" for d in SWEEP_DIMS if d in swept)
