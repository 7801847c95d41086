"""The parts of a pack: its blocks, and the classes of members that share a schedule.

A :class:`PackBlock` is one block of a pack (one cell's teacher, data and
seeds) with what it records; a :class:`PackClass` is the members of one
schedule and learning rate: their batch order, epoch boundaries, loss log and
checkpoints. What the classes of a pack share (the member-major buffers of
parameters, gradients and Adam moments, the stacked data, the running losses,
the divergence state) is a :class:`PackShared`. A step of the pack is
:func:`phasetrans.backend.pack_step.FusedStep`; :mod:`phasetrans.backend.pack`
puts them together.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from phasetrans.backend.device import to_host
from phasetrans.backend.member_step import MemberLayout
from phasetrans.backend.specs import BlockSpec
from phasetrans.backend.teacher import Teacher

__all__ = ["PackBlock", "PackClass", "PackShared"]


@dataclass
class PackBlock:
    """One block inside a pack: its members' rows, data, schedule and records."""

    spec: BlockSpec
    lo: int
    hi: int
    teacher: Teacher
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    generator: torch.Generator
    sizes: list[int]  # batch sizes of one epoch
    total: int  # optimiser steps
    checkpoints: list[int]
    logged_epochs: list[int] = dataclasses.field(default_factory=list)
    logged: list[np.ndarray] = dataclasses.field(default_factory=list)
    moments: list[tuple[int, int, float, np.ndarray]] = dataclasses.field(default_factory=list)
    measured: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    data_offset: int = 0  # its first training row in the pack's data of its input dimension
    #: Online data: ``rows(start, stop)`` of the block's training stream (its rows of the
    #: pack's data then hold the current epoch's batches, refilled at each epoch start).
    online_rows: Callable[[int, int], tuple[torch.Tensor, torch.Tensor]] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """Its students' true input dimension and width."""
        return (self.spec.teacher.input_dim, self.spec.width)

    @property
    def klass(self) -> tuple[Any, ...]:
        """Blocks of equal class (shape, schedule and rate) step and log together."""
        schedule = (len(self.y_train), tuple(self.sizes), self.total, self.spec.settings.lr)
        return (self.shape, *schedule)


@dataclass
class PackShared:
    """What every class of a pack shares.

    Attributes
    ----------
    layout : MemberLayout
        Where a member's tensors lie in its row.
    params, grad, exp_avg, exp_avg_sq, snapshot : torch.Tensor
        ``(members, record)``: parameters, gradients, Adam moments and the
        parameters at the end of each member's previous epoch, one row a member.
    x, y : dict of int to torch.Tensor
        The training data of every block, by input dimension, stacked in pack order.
    l2 : torch.Tensor
        ``(members, 1)`` L2 coefficient on the eigenvalues of each member.
    constants : dict
        Keyword arguments of :func:`~phasetrans.backend.member_step.member_grads`
        common to the pack (penalties other than ``l2_eigenvalues``, the loss).
    epoch_total, since_total : torch.Tensor
        ``(members,)`` summed batch losses (times batch size) since the start of
        the member's epoch and since its last checkpoint.
    alive : torch.Tensor
        ``(members,)`` False for a member frozen after diverging.
    diverged : numpy.ndarray
        ``(members,)`` epoch at which a member diverged, -1 where it never did.
    measure : callable
        The pack's measurement of a block (importance, dimension, weights, sweep).
    """

    layout: MemberLayout
    params: torch.Tensor
    grad: torch.Tensor
    exp_avg: torch.Tensor
    exp_avg_sq: torch.Tensor
    snapshot: torch.Tensor
    x: dict[int, torch.Tensor]
    y: dict[int, torch.Tensor]
    l2: torch.Tensor
    constants: dict[str, Any]
    epoch_total: torch.Tensor
    since_total: torch.Tensor
    alive: torch.Tensor
    diverged: np.ndarray
    measure: Callable[[PackBlock], dict[str, Any]]
    any_dead: bool = False


class PackClass:
    """The members of one schedule and rate: their batch order, epochs, losses, checkpoints.

    A class is a contiguous range of rows ``lo:hi`` of the pack's buffers, of
    one true shape (input dimension, width). Its members are stepped by
    :class:`~phasetrans.backend.pack_step.FusedStep` together with every other
    member of that shape whose current batch has the same size.
    """

    def __init__(self, blocks: list[PackBlock], shared: PackShared) -> None:
        self.blocks, self.shared = blocks, shared
        self.lo, self.hi = blocks[0].lo, blocks[-1].hi
        first = blocks[0]
        self.lr = float(first.spec.settings.lr)
        self.sizes, self.total = first.sizes, first.total
        self.per_epoch = len(self.sizes)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).tolist()
        self.checkpoints = set(first.checkpoints)
        self.log_every = first.spec.settings.log_every
        self.shape = first.shape
        device = shared.params.device
        self.offsets = torch.tensor([[b.data_offset] for b in blocks], device=device)
        self.member_block = torch.cat(
            [torch.full((b.hi - b.lo,), i, dtype=torch.int64) for i, b in enumerate(blocks)]
        ).to(device)
        self.order = torch.empty((0, 0), dtype=torch.int64)
        self.epoch_count = self.since_count = self.seen = self.batch = 0

    def begin(self, step: int) -> torch.Tensor:
        """The data rows ``(members, B)`` of the class's batch at ``step`` (0-based).

        At the start of an epoch each block draws its order from its own generator.
        """
        k = step % self.per_epoch
        if k == 0 and self.blocks[0].online_rows is not None:
            self._refill(step)
        elif k == 0:
            n = self.blocks[0].x_train.shape[0]
            orders = torch.stack(
                [torch.randperm(n, generator=b.generator) for b in self.blocks]
            ).to(self.offsets.device)
            self.order = (orders + self.offsets).index_select(0, self.member_block)
        lo, hi = self.starts[k], self.starts[k + 1]
        self.batch = hi - lo
        return self.order[:, lo:hi]

    def _refill(self, step: int) -> None:
        """Online data: each block's rows of the pack's data take the fresh batches of the
        epoch starting at ``step`` (rows ``step·B …`` of its stream), in order."""
        sh, n = self.shared, self.blocks[0].x_train.shape[0]
        d = self.shape[0]
        first = step * self.sizes[0]
        for b in self.blocks:
            assert b.online_rows is not None
            x, y = b.online_rows(first, first + n)
            sh.x[d][b.data_offset : b.data_offset + n] = x
            sh.y[d][b.data_offset : b.data_offset + n] = y
        if self.order.shape != (self.hi - self.lo, n):
            rows = torch.arange(n, device=self.offsets.device).unsqueeze(0)
            self.order = (rows + self.offsets).index_select(0, self.member_block)

    def after(self, done: int) -> bool:
        """Bookkeeping after the update of step ``done`` (1-based).

        Returns whether an epoch of the class ended: then the caller runs
        :meth:`end_epoch`, and resets the snapshot and the running loss of its
        rows (for all classes that ended an epoch at once).
        """
        self.epoch_count += self.batch
        self.seen += self.batch
        self.since_count += self.batch
        if done in self.checkpoints:
            rows = slice(self.lo, self.hi)
            loss = to_host(self.shared.since_total[rows] / max(self.since_count, 1))
            for b in self.blocks:
                mine = loss[b.lo - self.lo : b.hi - self.lo]
                b.moments.append((done, self.seen, done / self.per_epoch, mine))
                b.measured.append(self.shared.measure(b))
            self.shared.since_total[rows] = 0.0
            self.since_count = 0
        return done % self.per_epoch == 0 or done == self.total

    def end_epoch(self, done: int, finite: bool) -> None:
        """Divergence check and loss log at the end of an epoch (before the reset).

        ``finite``: a cheap sum over the rows of the classes ending now was
        finite, so no member diverged (else each member is checked exactly;
        the sum may overflow while every entry is finite: then nothing is found).
        """
        epoch, last = math.ceil(done / self.per_epoch), done == self.total
        sh, rows = self.shared, slice(self.lo, self.hi)
        if not finite:
            finite = torch.isfinite(sh.epoch_total[rows] / self.epoch_count)
            finite &= torch.isfinite(sh.params[rows]).all(1)
            dead = sh.alive[rows] & ~finite
            if bool(dead.any()):
                self._freeze(dead, epoch)
        if epoch % self.log_every == 0 or last:
            loss = to_host(sh.epoch_total[rows] / self.epoch_count)
            for b in self.blocks:
                b.logged_epochs.append(epoch)
                b.logged.append(loss[b.lo - self.lo : b.hi - self.lo])
        self.epoch_count = 0

    @torch.no_grad()
    def _freeze(self, dead: torch.Tensor, epoch: int) -> None:
        """Members ``dead`` go back to their previous epoch's parameters and stop moving."""
        sh, rows = self.shared, slice(self.lo, self.hi)
        sh.params[rows][dead] = sh.snapshot[rows][dead]
        sh.exp_avg[rows][dead] = 0.0
        sh.exp_avg_sq[rows][dead] = 0.0
        sh.alive[rows] &= ~dead
        sh.any_dead = True
        newly = dead.cpu().numpy()
        sh.diverged[self.lo : self.hi][newly] = epoch
