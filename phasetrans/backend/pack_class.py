"""The parts of a pack: its blocks, and the classes of members trained by the same calls.

A :class:`PackBlock` is one block of a pack (one cell's teacher, data and
seeds) with what it records; a :class:`PackClass` is the members of one
schedule and learning rate, stepped together by
:func:`~phasetrans.backend.member_step.member_grads`. What the classes of a
pack share (flat buffers, loss constants, divergence epochs, the measurement)
is a :class:`PackShared`. :mod:`phasetrans.backend.pack` puts them together.
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
from phasetrans.backend.member_step import MemberLayout, member_grads
from phasetrans.backend.specs import BlockSpec
from phasetrans.backend.teacher import Teacher

__all__ = ["PackBlock", "PackClass", "PackShared"]


@dataclass
class PackBlock:
    """One block inside a pack: its members' range, data, schedule and records."""

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
    klass_state: Any = None  # its PackClass

    @property
    def klass(self) -> tuple[Any, ...]:
        """Blocks of equal class (schedule and rate) are trained by the same calls."""
        return (len(self.y_train), tuple(self.sizes), self.total, self.spec.settings.lr)


@dataclass
class PackShared:
    """What every class of a pack shares.

    Attributes
    ----------
    params, grad, exp_avg, exp_avg_sq, snapshot : torch.Tensor
        The pack's flat buffers: parameters, gradients, Adam moments and the
        parameters at the end of the previous epoch. A class owns one segment.
    constants : dict
        Keyword arguments of :func:`~phasetrans.backend.member_step.member_grads`
        common to the pack (penalties other than ``l2_eigenvalues``, the loss).
    diverged : numpy.ndarray
        ``(members,)`` epoch at which a member diverged, -1 where it never did.
    measure : callable
        The pack's measurement of a block (importance, dimension, weights, sweep).
    """

    params: torch.Tensor
    grad: torch.Tensor
    exp_avg: torch.Tensor
    exp_avg_sq: torch.Tensor
    snapshot: torch.Tensor
    constants: dict[str, Any]
    diverged: np.ndarray
    measure: Callable[[PackBlock], dict[str, Any]]


class PackClass:
    """The members of one schedule and rate: their parameters, batches, losses, checkpoints.

    A class owns one contiguous segment of the pack's flat buffers (a multiple
    of :data:`~phasetrans.backend.member_step.FLAT_ALIGN` long), laid out
    tensor-major by its :class:`~phasetrans.backend.member_step.MemberLayout`.
    """

    def __init__(
        self, blocks: list[PackBlock], shared: PackShared, layout: MemberLayout, segment: slice
    ) -> None:
        self.blocks, self.shared = blocks, shared
        self.lo, self.hi = blocks[0].lo, blocks[-1].hi
        first = blocks[0]
        self.lr = float(first.spec.settings.lr)
        self.sizes, self.total = first.sizes, first.total
        self.per_epoch = len(self.sizes)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).tolist()
        self.checkpoints = set(first.checkpoints)
        self.log_every = first.spec.settings.log_every
        self.layout = layout
        self.flat = shared.params[segment]
        self.flat_grad = shared.grad[segment]
        self.exp_avg = shared.exp_avg[segment]
        self.exp_avg_sq = shared.exp_avg_sq[segment]
        self.snapshot = shared.snapshot[segment]
        self.views = layout.views(self.flat)
        self.g = layout.views(self.flat_grad)
        self.frozen: dict[str, torch.Tensor] = {}
        self.p: dict[str, torch.Tensor] = {}
        n = first.x_train.shape[0]
        self.x = torch.cat([b.x_train for b in blocks])  # (n_blocks · P, d)
        self.y = torch.cat([b.y_train for b in blocks])
        self.offsets = torch.arange(len(blocks), device=self.x.device).mul_(n).view(-1, 1)
        self.member_block = torch.cat(
            [torch.full((b.hi - b.lo,), i, dtype=torch.int64) for i, b in enumerate(blocks)]
        ).to(self.x.device)
        self.order: torch.Tensor | None = None
        self.x_epoch = self.y_epoch = self.x
        members = self.hi - self.lo
        like = shared.params
        l2 = torch.zeros((members, 1), dtype=like.dtype)
        for b in blocks:
            l2[b.lo - self.lo : b.hi - self.lo] = b.spec.settings.l2_eigenvalues
        self.l2 = l2.to(like.device)
        self.epoch_total = torch.zeros(members, dtype=like.dtype, device=like.device)
        self.since_total = torch.zeros_like(self.epoch_total)
        self.epoch_count = self.since_count = self.seen = 0
        self.last_loss = torch.zeros_like(self.epoch_total)
        self.alive = torch.ones(members, dtype=torch.bool, device=like.device)
        self.all_alive = True

    def compute(self, step: int) -> None:
        k = step % self.per_epoch
        if k == 0:  # a new epoch: each block draws its order from its own generator
            n = self.blocks[0].x_train.shape[0]
            orders = torch.stack(
                [torch.randperm(n, generator=b.generator) for b in self.blocks]
            ).to(self.x.device)
            self.order = (orders + self.offsets).index_select(0, self.member_block)
            # every member's whole epoch in its batch order, gathered at once
            flat = self.order.reshape(-1)
            members = self.hi - self.lo
            self.x_epoch = self.x.index_select(0, flat).view(members, n, -1)
            self.y_epoch = self.y.index_select(0, flat).view(members, n)
        lo, hi = self.starts[k], self.starts[k + 1]
        x, y = self.x_epoch[:, lo:hi], self.y_epoch[:, lo:hi]  # (S_c, B, d), (S_c, B)
        batch = hi - lo
        loss = member_grads(self.p, self.g, x, y, l2_eigenvalues=self.l2, **self.shared.constants)
        if not self.all_alive:  # frozen members do not move: no gradient, no moments
            for view in self.g.values():
                view[~self.alive] = 0.0
        self.last_loss = loss * batch
        self.batch = batch

    def after(self, done: int) -> None:
        """Bookkeeping after the update of step ``done`` (1-based)."""
        self.epoch_total += self.last_loss
        self.epoch_count += self.batch
        self.seen += self.batch
        if self.checkpoints:
            self.since_total += self.last_loss
            self.since_count += self.batch
        if done in self.checkpoints:
            loss = to_host(self.since_total / max(self.since_count, 1))
            for b in self.blocks:
                rows = loss[b.lo - self.lo : b.hi - self.lo]
                b.moments.append((done, self.seen, done / self.per_epoch, rows))
                b.measured.append(self.shared.measure(b))
            self.since_total.zero_()
            self.since_count = 0
        if done % self.per_epoch == 0 or done == self.total:
            self.end_epoch(math.ceil(done / self.per_epoch), done == self.total)

    def end_epoch(self, epoch: int, last: bool) -> None:
        # one sum over the loss totals and the whole segment (padding is zero) is finite
        # when every entry is (it may overflow: then the exact check below finds nothing)
        if not math.isfinite(float(self.epoch_total.sum() + self.flat.sum())):
            finite = torch.isfinite(self.epoch_total / self.epoch_count)
            for view in self.views.values():
                finite &= torch.isfinite(view).reshape(len(finite), -1).all(1)
            dead = self.alive & ~finite
            if bool(dead.any()):
                self._freeze(dead, epoch)
        self.snapshot.copy_(self.flat)
        if epoch % self.log_every == 0 or last:
            loss = to_host(self.epoch_total / self.epoch_count)
            for b in self.blocks:
                b.logged_epochs.append(epoch)
                b.logged.append(loss[b.lo - self.lo : b.hi - self.lo])
        self.epoch_total.zero_()
        self.epoch_count = 0

    @torch.no_grad()
    def _freeze(self, dead: torch.Tensor, epoch: int) -> None:
        snap = self.layout.views(self.snapshot)
        moments = (self.layout.views(self.exp_avg), self.layout.views(self.exp_avg_sq))
        for name, view in self.views.items():
            view[dead] = snap[name][dead]
            for m in moments:
                m[name][dead] = 0.0
        self.alive &= ~dead
        self.all_alive = False
        newly = dead.cpu().numpy()
        self.shared.diverged[self.lo : self.hi][newly] = epoch
