"""From a study to the backend: the one path from :class:`~phasetrans.config.Study` to specs.

:func:`block_spec` builds the :class:`~phasetrans.backend.specs.BlockSpec` of
one task, every field from the study (whose defaults live in
:mod:`phasetrans.config`); :func:`task_hash` hashes what determines its numbers.
The cell's schedule (batch sizes, budget in steps, checkpoints) is computed
here, from the study alone, so that a task's hash and its numbers agree.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from phasetrans.backend.specs import (
    NEW_FIELD_DEFAULTS,
    BlockSpec,
    TeacherSpec,
    TrainSettings,
    epoch_batch_sizes,
)
from phasetrans.config import (
    ADAM_BETAS,
    ADAM_EPS,
    COMMITTEE_INIT_Q,
    PRUNING_THRESHOLD,
    STOP_TOL,
    Study,
    TeachersSpec,
    TrainingSpec,
    n_train_of,
    stable_hash,
)
from phasetrans.errors import ConfigError

__all__ = [
    "MEMBER_NUMBERS_VERSION",
    "NUMBERS_VERSION",
    "batch_schedule",
    "block_spec",
    "budget_steps",
    "cell_data_seed",
    "cell_n_train",
    "checkpoint_steps",
    "default_block",
    "task_hash",
    "train_settings",
]

#: Bump when a change to the backend changes the numbers of an unchanged spec.
NUMBERS_VERSION = 1
#: Likewise for the numbers of ``step = "member"`` alone (2: fused Adam and the
#: matmul pruning sweep), so that a change to it leaves other cells' parts valid.
MEMBER_NUMBERS_VERSION = 2


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


def cell_n_train(study: Study, cell: dict[str, Any], h_t: int) -> int:
    """Training-set size of a cell: ``n_train``, or :func:`~phasetrans.config.n_train_of`
    its ``alpha``; 0 with online data (no training set)."""
    if study.data.online:
        return 0
    alpha = cell.get("alpha")
    if alpha is None:
        return int(cell["n_train"])
    return int(n_train_of(alpha, cell["input_dim"], h_t))


def batch_schedule(t: TrainingSpec, n_train: int, method: str) -> tuple[int, int, list[int]]:
    """``(batch_size, batches_per_epoch, sizes)`` of one cell: the batch sizes of an epoch.

    ``batch_size = "full"`` is the whole training set; ``batches_per_epoch = k``
    splits it into exactly ``k`` near-equal batches (``⌈P/k⌉`` is stored as the
    cell's batch size). With online data an "epoch" is one batch here.

    Raises
    ------
    ConfigError
        ``batches_per_epoch`` larger than the cell's training set.
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
        sizes = epoch_batch_sizes(n_train, 0, k)
        return sizes[0], k, sizes
    batch = n_train if t.batch_size == "full" else int(t.batch_size)  # type: ignore[arg-type]
    return batch, 0, epoch_batch_sizes(n_train, batch, 0)


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


def train_settings(
    study: Study, training: str, *, input_dim: int, n_train: int, l2_eigenvalues: float
) -> TrainSettings:
    """The training settings of one method in one cell, every field from the study.

    Parameters
    ----------
    study : Study
        The study (``training.<training>``, ``record`` and ``pruning``).
    training : str
        The method.
    input_dim, n_train : int
        The cell's input dimension (for ``lr_scaling``) and training-set size
        (0 with online data).
    l2_eigenvalues : float
        The cell's L2 coefficient on the eigenvalues (a sweep value).

    Returns
    -------
    TrainSettings
        The budget as epochs (``steps = 0``) or as steps (with the epochs that
        hold them); without a stop rule the stop fields hold the study defaults,
        which do not change the numbers.
    """
    t = study.training[training]
    batch, parts, sizes = batch_schedule(t, n_train, training)
    steps = budget_steps(t, sizes)
    epochs = t.budget[1] if t.budget[0] == "epochs" else math.ceil(steps / len(sizes))
    return TrainSettings(
        lr=t.lr / input_dim if t.lr_scaling == "inverse_input_dim" else t.lr,
        batch_size=batch,
        epochs=epochs,
        steps=0 if t.budget[0] == "epochs" else steps,
        batches_per_epoch=parts,
        l2_eigenvalues=l2_eigenvalues,
        l2_eigenvectors=t.l2_eigenvectors,
        l2_dense=t.l2_dense,
        group_lasso=t.group_lasso,
        log_every=t.log_every,
        betas=ADAM_BETAS,
        eps=ADAM_EPS,
        step=t.step,
        compile=True,
        stop_patience=t.stop.patience if t.stop else 0,
        stop_tol=t.stop.tol if t.stop else STOP_TOL,
        stop_threshold=study.pruning.threshold if t.stop else PRUNING_THRESHOLD,
        optimizer=t.optimizer,
        checkpoints=checkpoint_steps(study.record.checkpoints, steps),
    )


def block_spec(
    study: Study,
    training: str,
    cell: dict[str, Any],
    h_t: int,
    width: int,
    seeds: tuple[int, ...],
    device: str,
) -> BlockSpec:
    """The backend spec of one task (the one path from study spec to backend spec).

    Parameters
    ----------
    study : Study
        The study.
    training : str
        The method.
    cell : dict
        The task's value of every sweep field (swept or single), by dimension.
    h_t, width : int
        Teacher and student widths.
    seeds : tuple of int
        Student seeds of the block.
    device : str
        The device kind the task runs on (``"cpu"`` or ``"cuda"``).

    Returns
    -------
    BlockSpec
    """
    d = cell["input_dim"]
    n_train = cell_n_train(study, cell, h_t)
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
    settings = train_settings(
        study, training, input_dim=d, n_train=n_train, l2_eigenvalues=cell["l2_eigenvalues"]
    )
    return BlockSpec(
        training=training,
        teacher=teacher,
        width=width,
        seeds=seeds,
        settings=settings,
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


def default_block(training: str = "spectral", *, device: str = "cpu") -> BlockSpec:
    """The block of a study of the defaults: one student (seed 0) as wide as its teacher.

    Every value comes from :mod:`phasetrans.config` (the paper's setup); tests,
    benchmarks and examples replace the fields they vary
    (``dataclasses.replace``).
    """
    width = TeachersSpec().widths[0]
    study = Study.model_validate(
        {"name": "defaults", "students": {"widths": [width], "seeds": [0], "methods": [training]}}
    )
    cell = {
        "teacher_seed": study.teacher.seed,
        "input_dim": study.teacher.input_dim,
        "n_train": study.data.n_train,
        "l2_eigenvalues": study.training[training].l2_eigenvalues,
    }
    return block_spec(study, training, cell, width, width, (0,), device)


def hash_content(spec: BlockSpec) -> dict[str, Any]:
    """The task-hash content of a block: new fields at their old-behaviour value left out."""
    block = dataclasses.asdict(spec)
    for path, default in NEW_FIELD_DEFAULTS.items():
        *tables, name = path.split(".")
        table = block
        for key in tables:
            table = table[key]
        if table.get(name) == default:
            del table[name]
    return block


def task_hash(spec: BlockSpec) -> str:
    """Hash of everything that determines a block's numbers (its spec and the code's version).

    Fields added later are left out at the value that keeps the old numbers
    (:data:`~phasetrans.backend.specs.NEW_FIELD_DEFAULTS`), so existing parts stay valid.
    """
    content: dict[str, Any] = {"block": hash_content(spec), "numbers": NUMBERS_VERSION}
    if spec.settings.step == "member":
        content["member_numbers"] = MEMBER_NUMBERS_VERSION
    return stable_hash(content)
