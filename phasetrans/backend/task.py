"""One unit of work: train an ensemble of seeds of one width and prune it.

:class:`BlockSpec` is a plain, picklable description (no torch objects), so a
scheduler can ship it to any worker; :func:`run_block` returns numpy arrays in
a :class:`BlockResult` that :mod:`phasetrans.store` turns into xarray.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.prune import effective_dimension, importance, pruning_sweep
from phasetrans.backend.teacher import Teacher, make_teacher
from phasetrans.backend.train import EpochState, TrainSettings, resolve_device, train

__all__ = ["BlockResult", "BlockSpec", "TeacherSpec", "make_data", "run_block"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass(frozen=True)
class TeacherSpec:
    """Which teacher labels the data (see :func:`phasetrans.backend.teacher.make_teacher`)."""

    kind: str = "regression"
    input_dim: int = 10
    width: int = 20
    hidden2: int = 20
    seed: int = 0


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
    w2: np.ndarray  # (S, W, h2)
    teacher_w1: np.ndarray  # (d, h_T)
    teacher_w2: np.ndarray  # (h_T, h2)
    teacher_threshold: float
    device: str
    seconds: float
    torch_version: str = torch.__version__


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
    teacher = make_teacher(t.input_dim, t.width, t.hidden2, seed=t.seed, kind=t.kind)
    classification = t.kind == "classification"
    x_train, y_train, x_test, y_test = (
        a.to(device) for a in make_data(teacher, spec.n_train, spec.n_test, spec.data_seed, dtype)
    )
    model = StudentEnsemble(
        t.input_dim,
        spec.width,
        t.hidden2,
        spec.seeds,
        method=spec.training,
        train_lambda_in=spec.train_lambda_in,
        output_bias=classification,
        dtype=dtype,
    ).to(device)
    result = train(
        model,
        x_train,
        y_train,
        spec.settings,
        generator=torch.Generator().manual_seed(spec.shuffle_seed),
        classification=classification,
        callback=callback,
    )
    with torch.no_grad():
        layer = model.spectral
        imp = importance(layer.lambda_out, layer.phi)
        dim = effective_dimension(imp, spec.threshold)
        w1, w2 = model.effective_weights()
        sweep = pruning_sweep(
            w1, w2, imp, x_test, y_test, bias=model.bias.detach(), classification=classification
        )

    def host(a: torch.Tensor) -> np.ndarray:
        return a.detach().cpu().numpy()

    return BlockResult(
        spec=spec,
        test_mse=host(sweep.mse),
        test_accuracy=None if sweep.accuracy is None else host(sweep.accuracy),
        importance=host(imp),
        eigenvalue=host(layer.lambda_out),
        dimension=host(dim),
        train_loss=result.loss,
        epochs=result.epochs,
        diverged_epoch=result.diverged_epoch,
        stopped_epoch=np.asarray(
            getattr(result, "stopped_epoch", np.zeros(len(spec.seeds), dtype=int))
        ),
        w1=host(w1),
        w2=host(w2),
        teacher_w1=host(teacher.w1),
        teacher_w2=host(teacher.w2),
        teacher_threshold=teacher.threshold,
        device=str(device),
        seconds=time.perf_counter() - start,
    )
