"""Studies planned by cells: one student per cell, grouped into packed or blocked tasks.

With ``step = "member"`` in every method a study is planned by cells
(:func:`plan_cells`): each student is a :class:`~phasetrans.runner.plan.Cell` with its own hash, and
the cells not yet computed are grouped into tasks, packs of many cells
(:func:`pack_cells`, ``run.pack = "auto"``) or blocks of seeds of one cell
(:func:`block_cells`). A task's part records the hashes of its cells.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from phasetrans.backend.specs import BlockSpec, PackSpec, pack_signature
from phasetrans.config import Study, stable_hash
from phasetrans.names import SWEEP_DIMS
from phasetrans.runner.plan import Cell, Task, plan_tasks, resolved_device

__all__ = [
    "CPU_PACK_ELEMENTS",
    "CUDA_PACK_ELEMENTS",
    "block_cells",
    "default_max_members",
    "pack_cells",
    "plan_cells",
    "planned_by_cells",
]

#: Default pack size on CPU: the ``(S, B, max(W, h2))`` activations of a pack
#: stay within this many elements (as today's cache-sized sub-ensembles).
CPU_PACK_ELEMENTS = 3 << 19
#: On CUDA (untested: no GPU was available when this was written).
CUDA_PACK_ELEMENTS = 1 << 27


def planned_by_cells(study: Study) -> bool:
    """Whether the study is planned by cells: every method has ``step = "member"``."""
    return all(t.step == "member" for t in study.training.values())


def plan_cells(study: Study, *, device: str | None = None) -> list[Cell]:
    """Every student of a study as a :class:`~phasetrans.runner.plan.Cell`, in a fixed order.

    The order (method, width, input dimension, training-set size, the other
    sweeps, teacher width, seed) puts cells of one schedule next to each other.
    """
    device = resolved_device(study, device)
    cells = [
        Cell(
            key=task.key,
            cell_hash=task.task_hash,
            spec=task.block,
            cell=task.cell,
            scalars=task.scalars,
        )
        for task in plan_tasks(study, seed_block=1, device=device)
    ]

    def order(c: Cell) -> tuple[Any, ...]:
        s = c.spec
        sweep = tuple(repr(c.cell.get(d)) for d in SWEEP_DIMS)
        return (
            s.training,
            s.width,
            s.teacher.input_dim,
            s.n_train,
            sweep,
            s.teacher.width,
            s.seeds,
        )

    return sorted(cells, key=order)


def default_max_members(spec: BlockSpec) -> int:
    """Members per pack from a per-member memory model (activations of one step)."""
    per_member = max(1, min(spec.settings.batch_size, max(spec.n_train, 1))) * max(
        spec.width, spec.teacher.hidden2
    )
    budget = CPU_PACK_ELEMENTS if spec.device == "cpu" else CUDA_PACK_ELEMENTS
    return max(1, budget // per_member)


def pack_cells(
    cells: list[Cell], *, max_members: int | None = None, workers: int = 1
) -> list[Task]:
    """Group cells into packed tasks: a deterministic function of its arguments.

    Cells that can share an ensemble (:func:`~phasetrans.backend.specs.pack_signature`)
    are cut, in the order of :func:`plan_cells`, into consecutive packs of near-equal
    sizes, at most ``max_members`` (default :func:`default_max_members`) and small
    enough that there are at least ``2 · workers`` packs. Inside a pack, cells of
    one block become one ``BlockSpec`` with their seeds.
    """
    if not cells:
        return []
    groups: dict[Any, list[Cell]] = {}
    for c in cells:
        groups.setdefault(pack_signature(c.spec), []).append(c)
    cap = max_members or min(default_max_members(c.spec) for c in cells)
    size = max(1, min(cap, len(cells) // (2 * max(1, workers))))
    tasks = []
    for group in groups.values():
        for chunk in np.array_split(np.arange(len(group)), math.ceil(len(group) / size)):
            tasks.append(pack_task([group[i] for i in chunk]))
    return tasks


def block_cells(cells: list[Cell], seed_block: int) -> list[Task]:
    """``run.pack = "off"``: one task per block of ``seed_block`` seeds of a cell."""
    blocks: dict[Any, list[Cell]] = {}
    for c in cells:
        blocks.setdefault(c.block_key, []).append(c)
    return [
        pack_task(block[i : i + seed_block])
        for block in blocks.values()
        for i in range(0, len(block), seed_block)
    ]


def pack_task(members: list[Cell]) -> Task:
    """One task training ``members``; cells of one block become one ``BlockSpec``."""
    blocks: dict[Any, list[Cell]] = {}
    for c in members:
        blocks.setdefault(c.block_key, []).append(c)
    specs, coords = [], []
    for block in blocks.values():
        seeds = tuple(s for c in block for s in c.spec.seeds)
        specs.append(dataclasses.replace(block[0].spec, seeds=seeds))
        coords.append(block[0].cell)
    digest = stable_hash(sorted(c.cell_hash for c in members))
    first = members[0].spec
    return Task(
        key=f"pack_{first.training}_w{first.width}_d{first.teacher.input_dim}_{digest}",
        spec=PackSpec(tuple(specs)),
        task_hash=digest,
        cell={},
        scalars=members[0].scalars,
        cells=tuple(members),
        blocks=tuple(coords),
    )
