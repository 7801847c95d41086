"""The training and test sets of a block, and the source of its batches.

A fixed training set and the test set are drawn from one generator seeded
``data_seed`` (:func:`make_data`); a nested one (and online data) from the
row streams of :mod:`phasetrans.backend.data`, so that a smaller set is a
subset of a larger one.
"""

from __future__ import annotations

import math

import torch

from phasetrans.backend.batches import BatchSource, FixedBatches, OnlineBatches
from phasetrans.backend.data import TEST, TRAIN, RowStream
from phasetrans.backend.specs import BlockSpec
from phasetrans.backend.teacher import Teacher

__all__ = ["block_data", "make_data"]


def make_data(
    teacher: Teacher, n_train: int, n_test: int, seed: int, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Training then test set, drawn in that order from a generator seeded ``seed``."""
    gen = torch.Generator().manual_seed(seed)
    x_train, y_train = teacher.sample(n_train, gen, dtype=dtype)
    x_test, y_test = teacher.sample(n_test, gen, dtype=dtype)
    return x_train, y_train, x_test, y_test


def block_data(
    spec: BlockSpec, teacher: Teacher, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, BatchSource]:
    """Training data (or the online source), test set and the batch source of a block.

    Returns
    -------
    x_train, y_train, x_test, y_test : torch.Tensor
        On ``device``; with online data ``x_train, y_train`` are the first
        batch (its dtype, device and shape only).
    source : BatchSource
        The batches of every epoch (shuffled by a generator seeded
        ``spec.shuffle_seed``, or the online stream).
    """
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
