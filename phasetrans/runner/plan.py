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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from phasetrans.config import SWEEP_DIMS, Study, TrainingSpec, stable_hash

__all__ = ["Task", "cell_data_seed", "plan_tasks"]

#: Bump when a change to the backend changes the numbers of an unchanged spec.
NUMBERS_VERSION = 1

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
    if alpha is None:
        assert n_train is not None
        return n_train
    return max(1, round(alpha * d * h_t))


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
    names = {f.name for f in dataclasses.fields(TrainSettings)}
    given = {k: v for k, v in t.model_dump().items() if k in names and k != "l2_eigenvalues"}
    given["l2_eigenvalues"] = cell["l2_eigenvalues"]
    if t.stop is not None and "stop_patience" in names:
        given.update(
            stop_patience=t.stop.patience,
            stop_tol=t.stop.tol,
            stop_threshold=study.pruning.threshold,
        )
    teacher = TeacherSpec(
        kind=study.teacher.kind,
        input_dim=cell["input_dim"],
        width=h_t,
        hidden2=study.teacher.hidden2,
        seed=cell["teacher_seed"],
    )
    return BlockSpec(
        training=training,
        teacher=teacher,
        width=width,
        seeds=seeds,
        settings=TrainSettings(**given),
        n_train=_n_train(study, cell.get("alpha"), cell.get("n_train"), cell["input_dim"], h_t),
        n_test=study.data.n_test,
        data_seed=cell_data_seed(study, cell["teacher_seed"]),
        shuffle_seed=study.data.shuffle_seed,
        threshold=study.pruning.threshold,
        train_lambda_in=study.students.train_lambda_in,
        device=device,
        dtype=study.run.dtype,
        threads=study.run.threads,
    )


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
                        content = {"block": dataclasses.asdict(spec), "numbers": NUMBERS_VERSION}
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
