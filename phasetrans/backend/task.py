"""One unit of work: train an ensemble of seeds of one width and prune it.

A :class:`~phasetrans.backend.specs.BlockSpec` is a plain, picklable
description (no torch objects), so a scheduler can ship it to any worker;
:func:`run_block` returns numpy arrays in a
:class:`~phasetrans.backend.results.BlockResult` that :mod:`phasetrans.store`
turns into xarray.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from phasetrans.backend.allocator import keep_freed_memory
from phasetrans.backend.batches import Checkpoint
from phasetrans.backend.device import DTYPES, resolve_device, to_host
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.memory import check_block_memory
from phasetrans.backend.pack import run_pack
from phasetrans.backend.prune import (
    SweepResult,
    committee_pruning_sweep,
    effective_dimension,
    importance,
    pruning_sweep,
)
from phasetrans.backend.results import BlockResult, CheckpointRecord
from phasetrans.backend.sets import block_data
from phasetrans.backend.specs import BlockSpec, PackSpec
from phasetrans.backend.teacher import build_teacher
from phasetrans.backend.train import EpochState, train

__all__ = ["run_block", "run_task"]


def run_task(spec: BlockSpec | PackSpec) -> BlockResult | list[BlockResult]:
    """Run a task's spec: a pack (a list of results, one per block) or one block."""
    if isinstance(spec, PackSpec):
        check_block_memory(spec, str(resolve_device(spec.device)))
        return run_pack(spec)
    return run_block(spec)


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
    check_block_memory(spec, str(resolve_device(spec.device)))  # before any allocation
    keep_freed_memory()  # no mmap/munmap of the step's buffers every step
    if spec.settings.step == "member":
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
    dtype = DTYPES[spec.dtype]
    t = spec.teacher
    teacher = build_teacher(t)
    classification = t.kind == "classification"
    x_train, y_train, x_test, y_test, source = block_data(spec, teacher, dtype, device)
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
        eigenvalue=to_host(model.spectral.lambda_out),
        dimension=final.dimension,
        train_loss=result.loss,
        epochs=result.epochs,
        diverged_epoch=result.diverged_epoch,
        stopped_epoch=np.asarray(result.stopped_epoch),
        w1=final.w1,
        w2=None if spec.committee else final.second,
        readout=final.second if spec.committee else None,
        teacher_w1=to_host(teacher.w1),
        teacher_w2=None if teacher.w2 is None else to_host(teacher.w2),
        teacher_overlap=to_host(teacher.overlap()),
        teacher_threshold=teacher.threshold,
        device=str(device),
        seconds=time.perf_counter() - start,
        budget_steps=result.steps,
        budget_samples=result.samples,
        budget_epochs=result.steps / source.steps_per_epoch,
        batch_size=spec.settings.batch_size,
        checkpoints=recorder.record(),
        torch_version=torch.__version__,
    )


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
        accuracy = None if sweep.accuracy is None else to_host(sweep.accuracy)
        return _Measurement(
            SweepResult(to_host(sweep.mse), accuracy),
            to_host(imp),
            to_host(dim),
            to_host(w1),
            to_host(second),
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
