"""One unit of work: train an ensemble of seeds of one width and prune it.

:class:`BlockSpec` is a plain, picklable description (no torch objects), so a
scheduler can ship it to any worker; :func:`run_block` returns numpy arrays in
a :class:`BlockResult` that :mod:`phasetrans.store` turns into xarray.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from phasetrans.backend.batches import BatchSource, Checkpoint, FixedBatches, OnlineBatches
from phasetrans.backend.data import TEST, TRAIN, RowStream
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.prune import (
    SweepResult,
    committee_pruning_sweep,
    effective_dimension,
    importance,
    pruning_sweep,
)
from phasetrans.backend.teacher import Teacher, make_teacher
from phasetrans.backend.train import EpochState, TrainSettings, resolve_device, train

__all__ = [
    "BlockResult",
    "BlockSpec",
    "CheckpointRecord",
    "TeacherSpec",
    "make_data",
    "run_block",
]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass(frozen=True)
class TeacherSpec:
    """Which teacher labels the data (see :func:`phasetrans.backend.teacher.make_teacher`)."""

    kind: str = "regression"
    input_dim: int = 10
    width: int = 20
    hidden2: int = 20
    seed: int = 0
    activation: str = "relu"
    orthogonal: bool = False


@dataclass(frozen=True)
class BlockSpec:
    """Everything needed to train and prune one ensemble.

    Attributes
    ----------
    training : str
        ``spectral``, ``direct`` or ``group_lasso``.
    teacher : TeacherSpec
        The teacher.
    width : int
        Student hidden width.
    seeds : tuple of int
        Student seeds, trained together as one ensemble.
    settings : TrainSettings
        Training hyperparameters of the method.
    n_train, n_test : int
        Sizes of the training and test sets.
    data_seed : int
        Seed of the generator drawing the training then the test inputs.
    shuffle_seed : int
        Seed of the generator drawing the batch order.
    threshold : float
        Relative importance threshold of the effective dimension.
    train_lambda_in : bool
        Train the input eigenvalues too.
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``cuda:<i>``.
    dtype : str
        ``float32`` or ``float64``.
    threads : int
        torch intra-op threads while the block runs. It is part of the spec
        because the thread count changes float reductions at the last bit:
        fixing it makes a block's numbers independent of where it runs.
    online : bool
        Online learning: step ``s`` trains on rows ``s·B … (s+1)·B − 1`` of the
        training stream (:mod:`phasetrans.backend.data`); ``n_train`` is unused
        and the budget is ``settings.steps``.
    nested : bool
        Draw the training set as the first ``n_train`` rows of the training
        stream and the test set from the test stream (nested across α);
        otherwise both come from one generator seeded ``data_seed`` (:func:`make_data`).
    student_activation : str
        Hidden activation of committee students.
    train_readout : bool
        Train committee students' readout.
    init_q : float
        Initial ``Q_ii`` of committee students.
    """

    training: str
    teacher: TeacherSpec
    width: int
    seeds: tuple[int, ...]
    settings: TrainSettings = field(default_factory=TrainSettings)
    n_train: int = 10_000
    n_test: int = 10_000
    data_seed: int = 1
    shuffle_seed: int = 2
    threshold: float = 0.05
    train_lambda_in: bool = False
    device: str = "auto"
    dtype: str = "float32"
    threads: int = 1
    online: bool = False
    nested: bool = False
    student_activation: str = "relu"
    train_readout: bool = False
    init_q: float = 0.5

    @property
    def committee(self) -> bool:
        """Students of a soft committee machine."""
        return self.teacher.kind == "committee"


#: BlockSpec fields added after studies had been run, with the value that keeps
#: the old numbers: the planner leaves them out of the task hash at that value.
NEW_FIELD_DEFAULTS = {
    "online": False,
    "nested": False,
    "student_activation": "relu",
    "train_readout": False,
    "init_q": 0.5,
    "teacher.activation": "relu",
    "teacher.orthogonal": False,
    "settings.steps": 0,
    "settings.batches_per_epoch": 0,
    "settings.optimizer": "adam",
    "settings.checkpoints": (),
}


@dataclass(frozen=True)
class CheckpointRecord:
    """Per-student values at every checkpoint (leading axis ``C``, checkpoints in order).

    ``second`` is ``w2`` ``(C, S, W, h2)``, or a committee's readout ``(C, S, W)``.
    ``test_mse`` (and ``test_accuracy``) are with every node kept, computed by
    the same pruning sweep as the final values.
    """

    step: np.ndarray  # (C,)
    samples: np.ndarray  # (C,)
    epoch: np.ndarray  # (C,) float
    train_loss: np.ndarray  # (C, S)
    test_mse: np.ndarray  # (C, S)
    test_accuracy: np.ndarray | None  # (C, S)
    importance: np.ndarray  # (C, S, W)
    dimension: np.ndarray  # (C, S)
    w1: np.ndarray  # (C, S, d, W)
    second: np.ndarray  # (C, S, W[, h2])


@dataclass(frozen=True)
class BlockResult:
    """Numbers produced by :func:`run_block`, all numpy.

    Shapes use ``S`` members, width ``W``, ``d`` inputs, ``h2`` second-layer
    nodes, teacher width ``h_T`` and ``E`` logged epochs.
    """

    spec: BlockSpec
    test_mse: np.ndarray  # (S, W + 1)
    test_accuracy: np.ndarray | None  # (S, W + 1) for classification
    importance: np.ndarray  # (S, W)
    eigenvalue: np.ndarray  # (S, W)
    dimension: np.ndarray  # (S,)
    train_loss: np.ndarray  # (E, S)
    epochs: np.ndarray  # (E,)
    diverged_epoch: np.ndarray  # (S,)
    stopped_epoch: np.ndarray  # (S,), 0: ran every epoch
    w1: np.ndarray  # (S, d, W)
    w2: np.ndarray | None  # (S, W, h2); None for committee students
    teacher_w1: np.ndarray  # (d, h_T)
    teacher_w2: np.ndarray | None  # (h_T, h2); None for a committee teacher
    teacher_threshold: float
    device: str
    seconds: float
    torch_version: str = torch.__version__
    readout: np.ndarray | None = None  # (S, W) committee students
    teacher_overlap: np.ndarray | None = None  # (h_T, h_T) T = B^T B / N
    budget_steps: int = 0
    budget_samples: int = 0
    budget_epochs: float = 0.0
    batch_size: int = 0
    checkpoints: CheckpointRecord | None = None


def make_data(
    teacher: Teacher, n_train: int, n_test: int, seed: int, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training then test set, drawn in that order from a generator seeded ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    x_train, y_train = teacher.sample(n_train, gen, dtype=dtype)
    x_test, y_test = teacher.sample(n_test, gen, dtype=dtype)
    return x_train, y_train, x_test, y_test


def run_block(
    spec: BlockSpec, *, callback: Callable[[EpochState], None] | None = None
) -> BlockResult:
    """Train the ensemble described by ``spec``, prune it at every count, return numbers.

    Parameters
    ----------
    spec : BlockSpec
        What to run.
    callback : callable, optional
        Called with each epoch's :class:`~phasetrans.backend.train.EpochState`.

    Returns
    -------
    BlockResult
    """
    if spec.settings.step == "member":
        from phasetrans.backend.pack import PackSpec, run_pack

        return run_pack(PackSpec((spec,)))[0]
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(spec.threads)
    try:
        return _run_block(spec, callback)
    finally:
        torch.set_num_threads(previous_threads)


def _run_block(spec: BlockSpec, callback: Callable[[EpochState], None] | None) -> BlockResult:
    start = time.perf_counter()
    device = resolve_device(spec.device)
    dtype = _DTYPES[spec.dtype]
    t = spec.teacher
    teacher = make_teacher(
        t.input_dim,
        t.width,
        t.hidden2,
        seed=t.seed,
        kind=t.kind,
        activation=t.activation,
        orthogonal=t.orthogonal,
    )
    classification = t.kind == "classification"
    x_train, y_train, x_test, y_test, source = _data(spec, teacher, dtype, device)
    model = StudentEnsemble(
        t.input_dim,
        spec.width,
        t.hidden2,
        spec.seeds,
        method=spec.training,
        train_lambda_in=spec.train_lambda_in,
        output_bias=classification,
        committee=spec.committee,
        activation=spec.student_activation,
        train_readout=spec.train_readout,
        init_q=spec.init_q,
        dtype=dtype,
    ).to(device)
    recorder = _Recorder(model, spec, x_test, y_test, classification)
    result = train(
        model,
        x_train,
        y_train,
        spec.settings,
        generator=torch.Generator().manual_seed(spec.shuffle_seed),
        classification=classification,
        callback=callback,
        source=source,
        on_checkpoint=recorder if spec.settings.checkpoints else None,
    )
    final = recorder.measure()
    return BlockResult(
        spec=spec,
        test_mse=final.sweep.mse,
        test_accuracy=final.sweep.accuracy,
        importance=final.importance,
        eigenvalue=_host(model.spectral.lambda_out),
        dimension=final.dimension,
        train_loss=result.loss,
        epochs=result.epochs,
        diverged_epoch=result.diverged_epoch,
        stopped_epoch=np.asarray(result.stopped_epoch),
        w1=final.w1,
        w2=None if spec.committee else final.second,
        readout=final.second if spec.committee else None,
        teacher_w1=_host(teacher.w1),
        teacher_w2=None if teacher.w2 is None else _host(teacher.w2),
        teacher_overlap=_host(teacher.overlap()),
        teacher_threshold=teacher.threshold,
        device=str(device),
        seconds=time.perf_counter() - start,
        budget_steps=result.steps,
        budget_samples=result.samples,
        budget_epochs=result.steps / source.steps_per_epoch,
        batch_size=spec.settings.batch_size,
        checkpoints=recorder.record(),
    )


def _host(a: torch.Tensor) -> np.ndarray:
    return a.detach().cpu().numpy()


def _data(
    spec: BlockSpec, teacher: Teacher, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, BatchSource]:
    """Training data (or the online source), test set and the batch source."""
    if not (spec.online or spec.nested):
        x_train, y_train, x_test, y_test = (
            a.to(device)
            for a in make_data(teacher, spec.n_train, spec.n_test, spec.data_seed, dtype)
        )
        source = FixedBatches(
            x_train,
            y_train,
            spec.settings,
            torch.Generator().manual_seed(spec.shuffle_seed),
        )
        return x_train, y_train, x_test, y_test, source
    x_test, y_test = (
        a.to(device) for a in RowStream(teacher, spec.data_seed, TEST, dtype=dtype)(0, spec.n_test)
    )
    train_rows = RowStream(teacher, spec.data_seed, TRAIN, dtype=dtype)
    if spec.online:
        batch = spec.settings.batch_size

        def rows(lo: int, hi: int) -> tuple[torch.Tensor, torch.Tensor]:
            x, y = train_rows(lo, hi)
            return x.to(device), y.to(device)

        per_epoch = max(1, math.ceil(teacher.input_dim / batch))
        source = OnlineBatches(rows, batch, per_epoch)
        x0, y0 = rows(0, batch)  # dtype, device and shape only
        return x0, y0, x_test, y_test, source
    x_train, y_train = (a.to(device) for a in train_rows(0, spec.n_train))
    source = FixedBatches(
        x_train, y_train, spec.settings, torch.Generator().manual_seed(spec.shuffle_seed)
    )
    return x_train, y_train, x_test, y_test, source


@dataclass(frozen=True)
class _Measurement:
    """The students at one moment, as numpy (``sweep`` holds numpy arrays too)."""

    sweep: SweepResult
    importance: np.ndarray
    dimension: np.ndarray
    w1: np.ndarray
    second: np.ndarray


class _Recorder:
    """Measures the students at checkpoints, and at the end, by one code path."""

    def __init__(
        self,
        model: StudentEnsemble,
        spec: BlockSpec,
        x_test: torch.Tensor,
        y_test: torch.Tensor,
        classification: bool,
    ) -> None:
        self.model, self.spec = model, spec
        self.x_test, self.y_test, self.classification = x_test, y_test, classification
        self.moments: list[Checkpoint] = []
        self.values: list[_Measurement] = []

    @torch.no_grad()
    def measure(self) -> _Measurement:
        """Importance, dimension, weights and the pruning sweep."""
        model, spec = self.model, self.spec
        layer = model.spectral
        imp = importance(layer.lambda_out, layer.phi)
        if spec.committee:
            imp = imp * model.readout.abs()
        dim = effective_dimension(imp, spec.threshold)
        w1, second = model.effective_weights()
        if spec.committee:
            sweep = committee_pruning_sweep(
                w1, second, imp, self.x_test, self.y_test, activation=model.activation
            )
        else:
            sweep = pruning_sweep(
                w1,
                second,
                imp,
                self.x_test,
                self.y_test,
                bias=model.bias.detach(),
                classification=self.classification,
            )
        accuracy = None if sweep.accuracy is None else _host(sweep.accuracy)
        return _Measurement(
            SweepResult(_host(sweep.mse), accuracy),
            _host(imp),
            _host(dim),
            _host(w1),
            _host(second),
        )

    def __call__(self, moment: Checkpoint) -> None:
        self.moments.append(moment)
        self.values.append(self.measure())

    def record(self) -> CheckpointRecord | None:
        """Everything measured at checkpoints, stacked over a leading checkpoint axis."""
        if not self.moments:
            return None
        v, m = self.values, self.moments
        accuracy = [x.sweep.accuracy for x in v]
        return CheckpointRecord(
            step=np.array([c.step for c in m], dtype=np.int64),
            samples=np.array([c.samples for c in m], dtype=np.int64),
            epoch=np.array([c.epoch for c in m], dtype=np.float64),
            train_loss=np.stack([c.loss for c in m]),
            test_mse=np.stack([x.sweep.mse[:, -1] for x in v]),
            test_accuracy=None if accuracy[0] is None else np.stack([a[:, -1] for a in accuracy]),
            importance=np.stack([x.importance for x in v]),
            dimension=np.stack([x.dimension for x in v]),
            w1=np.stack([x.w1 for x in v]),
            second=np.stack([x.second for x in v]),
        )
