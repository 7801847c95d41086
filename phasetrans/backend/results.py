"""What the backend returns: numpy arrays in plain dataclasses (no torch).

:class:`BlockResult` holds the numbers of one trained and pruned ensemble;
:mod:`phasetrans.store` turns it into xarray, the runner writes it as a part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phasetrans.backend.specs import BlockSpec

__all__ = ["BlockResult", "CheckpointRecord"]


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
    """Numbers of one ensemble (:func:`phasetrans.backend.task.run_block`), all numpy.

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
    torch_version: str  # that computed the numbers
    readout: np.ndarray | None  # (S, W) committee students
    teacher_overlap: np.ndarray | None  # (h_T, h_T) T = B^T B / N
    budget_steps: int
    budget_samples: int
    budget_epochs: float
    batch_size: int
    checkpoints: CheckpointRecord | None
