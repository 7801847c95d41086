"""Plan a study as independent tasks: the cartesian product of its sweeps.

One task trains one ensemble: a training method, a cell of the sweeps
(teacher seed, input dimension, ``n_train`` or ``alpha``, ``l2_eigenvalues``),
a teacher width, a student width and a block of student seeds. Tasks are plain
picklable specs; :func:`block_spec` is the one path from the study spec to the
backend spec.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from phasetrans.config import COMMITTEE_INIT_Q, SWEEP_DIMS, Study, TrainingSpec, stable_hash
from phasetrans.errors import ConfigError

__all__ = [
    "Cell",
    "Task",
    "block_cells",
    "cell_data_seed",
    "pack_cells",
    "plan_cells",
    "plan_tasks",
    "planned_by_cells",
]

#: Bump when a change to the backend changes the numbers of an unchanged spec.
NUMBERS_VERSION = 1
#: Likewise for the numbers of ``step = "member"`` alone (2: fused Adam and the
#: matmul pruning sweep), so that a change to it leaves other cells' parts valid.
MEMBER_NUMBERS_VERSION = 2

#: How each sweep dimension shows in a task key.
_KEY_TAG = {
    "teacher_seed": "T",
    "input_dim": "d",
    "n_train": "n",
    "alpha": "a",
    "l2_eigenvalues": "l",
}


@dataclass(frozen=True)
class Task:
    """One ensemble to train.

    Attributes
    ----------
    key : str
        Part-file name, e.g. ``spectral_t8_w64_s0-3`` (+ ``_T3_a1.5`` … for swept cells).
    spec : phasetrans.backend.task.BlockSpec
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
    """

    key: str
    spec: Any
    task_hash: str
    cell: dict[str, Any]
    scalars: dict[str, Any]
    cells: tuple[Cell, ...] = ()
    blocks: tuple[dict[str, Any], ...] = ()


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
    spec : phasetrans.backend.task.BlockSpec
        The one-seed block.
    cell, scalars : dict
        As for :class:`Task`.
    """

    key: str
    cell_hash: str
    spec: Any
    cell: dict[str, Any]
    scalars: dict[str, Any]

    @property
    def block_key(self) -> tuple[Any, ...]:
        """Cells of one block (same teacher, data and settings) share this."""
        s = self.spec
        return (s.training, tuple(sorted(self.cell.items())), s.teacher.width, s.width)


def cell_data_seed(study: Study, teacher_seed: int) -> int:
    """Seed of the generator drawing a teacher's training then test data.

    ``data.seed`` in the single-value form ``teacher.seed``; with
    ``teacher.seeds``, ``SeedSequence([data.seed, teacher_seed])``'s first
    32-bit word, so each teacher has its own data and the rule is reproducible
    from the study file alone.
    """
    if study.teacher.seeds is None:
        return study.data.seed
    state = np.random.SeedSequence([study.data.seed, teacher_seed]).generate_state(1)
    return int(state[0])


def _n_train(study: Study, alpha: float | None, n_train: int | None, d: int, h_t: int) -> int:
    if study.data.online:
        return 0
    if alpha is None:
        assert n_train is not None
        return n_train
    return max(1, round(alpha * d * h_t))


def batch_schedule(t: TrainingSpec, n_train: int, method: str) -> tuple[int, int, list[int]]:
    """``(batch_size, batches_per_epoch, sizes)`` of one cell: the batch sizes of an epoch.

    ``batch_size = "full"`` is the whole training set; ``batches_per_epoch = k``
    splits it into exactly ``k`` near-equal batches (``⌈P/k⌉`` is stored as the
    cell's batch size). With online data an "epoch" is one batch here.
    """
    if n_train == 0:  # online: every step one fresh batch
        assert isinstance(t.batch_size, int)
        return t.batch_size, 0, [t.batch_size]
    if t.batches_per_epoch is not None:
        k = t.batches_per_epoch
        if k > n_train:
            raise ConfigError(
                f"training.{method}.batches_per_epoch = {k} is invalid: a cell has only "
                f"{n_train} training examples; allowed: at most n_train",
                field=f"training.{method}.batches_per_epoch",
                value=k,
            )
        sizes = [len(c) for c in np.array_split(np.arange(n_train), k)]
        return sizes[0], k, sizes
    batch = n_train if t.batch_size == "full" else int(t.batch_size)  # type: ignore[arg-type]
    sizes = [min(batch, n_train - start) for start in range(0, n_train, batch)]
    return batch, 0, sizes


def budget_steps(t: TrainingSpec, sizes: list[int]) -> int:
    """Optimiser steps of a cell's budget, given its per-epoch batch sizes.

    ``epochs``: epochs × batches per epoch; ``steps``: as given; ``samples``:
    the fewest steps whose batches hold at least that many examples.
    """
    kind, value = t.budget
    if kind == "epochs":
        return value * len(sizes)
    if kind == "steps":
        return value
    per_epoch = sum(sizes)
    whole, rest = divmod(value, per_epoch)
    partial = int(np.searchsorted(np.cumsum(sizes), rest)) + 1 if rest else 0
    return whole * len(sizes) + partial


def checkpoint_steps(spec: int | list[int] | None, total: int) -> tuple[int, ...]:
    """The checkpoint steps of a run of ``total`` steps (see ``[record]``).

    ``n``: ``n`` log-spaced steps from 1 to ``total`` (rounded, distinct);
    a list: its steps up to ``total``. Both always hold ``total // 4``,
    ``total // 2`` and ``total`` (those ≥ 1).
    """
    if spec is None:
        return ()
    if isinstance(spec, int):
        steps = set(np.unique(np.round(np.geomspace(1, total, spec)).astype(int)).tolist())
    else:
        steps = {s for s in spec if s <= total}
    steps |= {total // 4, total // 2, total}
    return tuple(sorted(s for s in steps if s >= 1))


def block_spec(
    study: Study,
    training: str,
    cell: dict[str, Any],
    h_t: int,
    width: int,
    seeds: tuple[int, ...],
    device: str,
) -> Any:
    """The backend spec of one task (the one path from study spec to backend spec)."""
    from phasetrans.backend.task import BlockSpec, TeacherSpec
    from phasetrans.backend.train import TrainSettings

    t: TrainingSpec = study.training[training]
    d = cell["input_dim"]
    n_train = _n_train(study, cell.get("alpha"), cell.get("n_train"), d, h_t)
    names = {f.name for f in dataclasses.fields(TrainSettings)}
    skip = {"l2_eigenvalues", "batch_size", "epochs", "steps", "batches_per_epoch"}
    given = {k: v for k, v in t.model_dump().items() if k in names and k not in skip}
    given["l2_eigenvalues"] = cell["l2_eigenvalues"]
    batch, parts, sizes = batch_schedule(t, n_train, training)
    steps = budget_steps(t, sizes)
    given["batch_size"] = batch
    if t.budget[0] == "epochs":
        given["epochs"] = t.budget[1]
    else:
        given.update(steps=steps, epochs=math.ceil(steps / len(sizes)))
    if parts:
        given["batches_per_epoch"] = parts
    if t.lr_scaling == "inverse_input_dim":
        given["lr"] = t.lr / d
    given["checkpoints"] = checkpoint_steps(study.record.checkpoints, steps)
    if t.stop is not None and "stop_patience" in names:
        given.update(
            stop_patience=t.stop.patience,
            stop_tol=t.stop.tol,
            stop_threshold=study.pruning.threshold,
        )
    committee = study.teacher.committee
    teacher = TeacherSpec(
        kind=study.teacher.kind,
        input_dim=d,
        width=h_t,
        hidden2=0 if committee else study.teacher.hidden2,
        seed=cell["teacher_seed"],
        activation=study.teacher.activation,
        orthogonal=study.teacher.orthogonal,
    )
    nested = study.data.nested if study.data.nested is not None else committee
    return BlockSpec(
        training=training,
        teacher=teacher,
        width=width,
        seeds=seeds,
        settings=TrainSettings(**given),
        n_train=n_train,
        online=study.data.online,
        nested=bool(nested) and not study.data.online,
        student_activation=study.student_activation if committee else "relu",
        train_readout=study.students.readout == "trained",
        init_q=(study.students.init_q or COMMITTEE_INIT_Q) if committee else COMMITTEE_INIT_Q,
        n_test=study.data.n_test,
        data_seed=cell_data_seed(study, cell["teacher_seed"]),
        shuffle_seed=study.data.shuffle_seed,
        threshold=study.pruning.threshold,
        train_lambda_in=study.students.train_lambda_in,
        device=device,
        dtype=study.run.dtype,
        threads=study.run.threads,
    )


def _hash_block(spec: Any) -> dict[str, Any]:
    """The task-hash content of a block: new fields at their old-behaviour value left out."""
    from phasetrans.backend.task import NEW_FIELD_DEFAULTS

    block = dataclasses.asdict(spec)
    for path, default in NEW_FIELD_DEFAULTS.items():
        *tables, name = path.split(".")
        table = block
        for key in tables:
            table = table[key]
        if table.get(name) == default:
            del table[name]
    return block


def _cells(study: Study, training: str) -> Iterator[dict[str, Any]]:
    """Every combination of the sweep fields' values for one method (dataset order)."""
    fields = {
        "teacher_seed": study.teacher.seed_values,
        "input_dim": _as_list(study.teacher.input_dim),
        "n_train": _as_list(study.data.n_train),
        "alpha": _as_list(study.data.alpha),
        "l2_eigenvalues": _as_list(study.training[training].l2_eigenvalues),
    }
    names = [n for n in SWEEP_DIMS if fields[n] != [None]]
    for values in itertools.product(*(fields[n] for n in names)):
        yield dict(zip(names, values, strict=True))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def planned_by_cells(study: Study) -> bool:
    """Whether the study is planned by cells: every method has ``step = "member"``."""
    return all(t.step == "member" for t in study.training.values())


def plan_cells(study: Study, *, device: str | None = None) -> list[Cell]:
    """Every student of a study as a :class:`Cell`, in a fixed order.

    The order (method, width, input dimension, training-set size, the other
    sweeps, teacher width, seed) puts cells of one schedule next to each other.
    """
    if device is None:
        from phasetrans.backend.device import device_kind

        device = device_kind(study.run.device)
    cells = [
        Cell(
            key=task.key,
            cell_hash=task.task_hash,
            spec=task.spec,
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


#: Default pack size on CPU: the ``(S, B, max(W, h2))`` activations of a pack
#: stay within this many elements (as today's cache-sized sub-ensembles).
CPU_PACK_ELEMENTS = 3 << 19
#: On CUDA (untested: no GPU was available when this was written).
CUDA_PACK_ELEMENTS = 1 << 27


def default_max_members(spec: Any) -> int:
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

    Cells that can share an ensemble (:func:`~phasetrans.backend.pack.pack_signature`)
    are cut, in the order of :func:`plan_cells`, into consecutive packs of near-equal
    sizes, at most ``max_members`` (default :func:`default_max_members`) and small
    enough that there are at least ``2 · workers`` packs. Inside a pack, cells of
    one block become one ``BlockSpec`` with their seeds.
    """
    from phasetrans.backend.pack import pack_signature

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
            tasks.append(_pack_task([group[i] for i in chunk]))
    return tasks


def block_cells(cells: list[Cell], seed_block: int) -> list[Task]:
    """``run.pack = "off"``: one task per block of ``seed_block`` seeds of a cell, as today."""
    blocks: dict[Any, list[Cell]] = {}
    for c in cells:
        blocks.setdefault(c.block_key, []).append(c)
    return [
        _pack_task(block[i : i + seed_block])
        for block in blocks.values()
        for i in range(0, len(block), seed_block)
    ]


def _pack_task(members: list[Cell]) -> Task:
    """One task training ``members``; cells of one block become one ``BlockSpec``."""
    from phasetrans.backend.pack import PackSpec

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
    if device is None:
        from phasetrans.backend.device import device_kind

        device = device_kind(study.run.device)
    block = seed_block or study.run.seed_block
    seeds = study.students.seeds
    blocks = [tuple(seeds[i : i + block]) for i in range(0, len(seeds), block)]
    swept = set(study.sweeps())
    tasks = []
    for width in sorted(study.students.widths, reverse=True):
        for training in study.students.methods:
            for cell in _cells(study, training):
                for h_t in study.teacher.widths:
                    for seeds_ in blocks:
                        spec = block_spec(study, training, cell, h_t, width, seeds_, device)
                        seed_part = (
                            f"{seeds_[0]}" if len(seeds_) == 1 else f"{seeds_[0]}-{seeds_[-1]}"
                        )
                        key = f"{training}_t{h_t}_w{width}_s{seed_part}" + "".join(
                            f"_{_KEY_TAG[d]}{cell[d]!r}" for d in SWEEP_DIMS if d in swept
                        )
                        content = {"block": _hash_block(spec), "numbers": NUMBERS_VERSION}
                        if spec.settings.step == "member":
                            content["member_numbers"] = MEMBER_NUMBERS_VERSION
                        tasks.append(
                            Task(
                                key=key,
                                spec=spec,
                                task_hash=stable_hash(content),
                                cell={d: v for d, v in cell.items() if d in swept},
                                scalars={
                                    d: v
                                    for d, v in cell.items()
                                    if d not in swept and d != "l2_eigenvalues"
                                },
                            )
                        )
    return tasks
