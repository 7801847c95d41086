"""Where the training loop's batches come from, and the moment of a checkpoint.

:class:`FixedBatches` cuts a fixed training set into batches, in a fresh
shuffled order each epoch (batches of ``batch_size``, or exactly
``batches_per_epoch`` near-equal ones); :class:`OnlineBatches` gives a fresh
batch every step from a row stream (:mod:`phasetrans.backend.data`). Both
satisfy :class:`BatchSource`, which is all :func:`~phasetrans.backend.train.train_epochs` needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from phasetrans.backend.specs import TrainSettings

__all__ = ["BatchSource", "Checkpoint", "FixedBatches", "OnlineBatches"]


@dataclass(frozen=True)
class Checkpoint:
    """The moment of a checkpoint, handed to ``on_checkpoint``.

    Attributes
    ----------
    step : int
        Optimiser steps done.
    samples : int
        Examples seen (the sum of the batch sizes).
    epoch : float
        ``step / steps_per_epoch``: fractional inside an epoch.
    loss : numpy.ndarray
        ``(S,)`` mean training data loss over the steps since the previous checkpoint.
    """

    step: int
    samples: int
    epoch: float
    loss: np.ndarray


class BatchSource(Protocol):
    """What the training loop draws its batches from."""

    @property
    def steps_per_epoch(self) -> int:
        """Optimiser steps in one epoch."""
        ...

    def epoch_batches(self, epoch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The ``(x, y)`` batches of 1-based ``epoch``, in order."""
        ...


class FixedBatches:
    """Batches of a fixed training set, in a fresh shuffled order each epoch.

    Parameters
    ----------
    x, y : torch.Tensor
        ``(P, d)`` inputs and ``(P,)`` targets.
    settings : TrainSettings
        ``batches_per_epoch = k > 0``: the order is split into exactly ``k``
        near-equal batches (sizes ``⌈P/k⌉`` and ``⌊P/k⌋``); else batches of
        ``batch_size`` (the last one smaller, as in Keras).
    generator : torch.Generator, optional
        Draws the order, one ``randperm`` per epoch (needed to draw batches).
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        settings: TrainSettings,
        generator: torch.Generator | None = None,
    ) -> None:
        self.x, self.y, self.generator = x, y, generator
        self.size, self.parts = settings.batch_size, settings.batches_per_epoch
        if self.parts > x.shape[0]:
            raise ValueError(f"batches_per_epoch {self.parts} > training examples {x.shape[0]}")

    @property
    def steps_per_epoch(self) -> int:
        """``batches_per_epoch``, or ``⌈P / batch_size⌉``."""
        return self.parts or math.ceil(self.x.shape[0] / self.size)

    def epoch_batches(self, epoch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Draw the epoch's order and cut it into batches."""
        assert self.generator is not None, "FixedBatches needs a generator to draw batches"
        n = self.x.shape[0]
        order = torch.randperm(n, generator=self.generator).to(self.x.device)
        if self.parts:
            chunks = list(torch.tensor_split(order, self.parts))
        else:
            chunks = [order[start : start + self.size] for start in range(0, n, self.size)]
        return [(self.x.index_select(0, i), self.y.index_select(0, i)) for i in chunks]


class OnlineBatches:
    """Online learning: every step a fresh batch from a row stream, none reused.

    Parameters
    ----------
    rows : callable
        ``rows(start, stop)`` returns inputs and targets of rows ``start … stop − 1``
        of a deterministic stream (:func:`phasetrans.backend.data.stream_rows`).
    batch_size : int
        Examples per step; step ``s`` (0-based) takes rows ``s·B … (s+1)·B − 1``.
    steps_per_epoch : int
        Steps grouped into one "epoch" of the loop (the unit of loss logging
        and of the divergence check).
    """

    def __init__(
        self,
        rows: Callable[[int, int], tuple[torch.Tensor, torch.Tensor]],
        batch_size: int,
        steps_per_epoch: int,
    ) -> None:
        self.rows, self.size, self._per_epoch = rows, batch_size, steps_per_epoch

    @property
    def steps_per_epoch(self) -> int:
        """Steps per logging unit."""
        return self._per_epoch

    def epoch_batches(self, epoch: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The fresh batches of the epoch's steps."""
        first = (epoch - 1) * self._per_epoch
        x, y = self.rows(first * self.size, (first + self._per_epoch) * self.size)
        return list(zip(x.split(self.size), y.split(self.size), strict=True))
