"""Packed execution: the students of many cells trained as one ensemble.

A :class:`PackSpec` is a tuple of :class:`~phasetrans.backend.task.BlockSpec`,
one per cell block (one teacher, one data set, some student seeds); blocks of a
pack share the method, the widths and the input dimension, and may differ in
teacher, data, training-set size, budget, checkpoints, learning rate and L2
coefficient on the eigenvalues. :func:`run_pack` trains all their students
with :func:`~phasetrans.backend.member_step.member_grads` and returns one
:class:`~phasetrans.backend.task.BlockResult` per block.

Every member keeps what makes it its cell's student:

- its teacher and its data (the cell's own generator, as :func:`~phasetrans.
  backend.task.run_block` draws them), stacked with the other blocks' data;
- its batch order: one shuffle generator per block, seeded as the unpacked run
  seeds it, drawn at the block's own epoch boundaries;
- its number of steps, epochs, checkpoints and learning rate. A member that has
  finished is no longer updated (Adam runs over the classes still training).

Members with the same schedule (training-set size, batches, budget) and
learning rate form a *class*: a contiguous range of the pack trained by one set
of batched matmuls per step, whose parameters, gradients and Adam moments are
one contiguous, aligned segment of the pack's flat buffers, so that one Adam
call per step updates every class still training. Nothing a member computes
depends on the other members (see :mod:`~phasetrans.backend.member_step`),
so a pack gives, bitwise on CPU with one thread, the numbers of its blocks run
one at a time (``run_block`` with ``step = "member"``).

Divergence is handled as by :func:`~phasetrans.backend.train.train_epochs`: a
member whose epoch loss or parameters are not finite at the end of one of its
epochs goes back to its parameters at the end of its previous epoch and is
frozen. The stop rule, online data, committee students and SGD are not
packed (they run through :func:`~phasetrans.backend.task.run_block`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from phasetrans.backend.member_step import (
    MemberLayout,
    adam_update,
    member_grads,
    member_sweep,
)
from phasetrans.backend.prune import effective_dimension, importance
from phasetrans.backend.spectral import spectral_weight
from phasetrans.backend.task import (
    _DTYPES,
    BlockResult,
    BlockSpec,
    CheckpointRecord,
    _data,
    _host,
)
from phasetrans.backend.teacher import make_teacher
from phasetrans.backend.train import resolve_device

__all__ = [
    "PackSpec",
    "check_packable",
    "on_device",
    "pack_signature",
    "run_pack",
    "run_task",
    "task_epochs",
]

#: BlockSpec fields that may differ between the blocks of one pack.
_PER_BLOCK = {"teacher", "seeds", "n_train", "data_seed", "settings"}
#: TrainSettings fields that may differ between the blocks of one pack.
_PER_BLOCK_SETTINGS = {"lr", "l2_eigenvalues", "epochs", "steps", "checkpoints", "batch_size"}
_PER_BLOCK_SETTINGS |= {"batches_per_epoch"}


@dataclass(frozen=True)
class PackSpec:
    """Blocks trained together (plain and picklable, like :class:`BlockSpec`).

    Attributes
    ----------
    blocks : tuple of BlockSpec
        One per cell block; all of ``step = "member"`` with equal
        :func:`pack_signature`.
    """

    blocks: tuple[BlockSpec, ...]

    @property
    def device(self) -> str:
        """The device of the blocks."""
        return self.blocks[0].device

    @property
    def threads(self) -> int:
        """torch intra-op threads while the pack runs."""
        return self.blocks[0].threads

    @property
    def members(self) -> int:
        """Number of students."""
        return sum(len(b.seeds) for b in self.blocks)


def pack_signature(spec: BlockSpec) -> tuple[Any, ...]:
    """What blocks of one pack must share: everything but the per-cell fields."""
    shared = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}
    for name in _PER_BLOCK:
        shared.pop(name)
    settings = {
        f.name: getattr(spec.settings, f.name)
        for f in dataclasses.fields(spec.settings)
        if f.name not in _PER_BLOCK_SETTINGS
    }
    t = spec.teacher
    teacher = (t.kind, t.input_dim, t.hidden2, t.activation, t.orthogonal)
    return (tuple(sorted(shared.items())), tuple(sorted(settings.items())), teacher)


def check_packable(spec: BlockSpec) -> None:
    """Raise ``ValueError`` unless the member step can train ``spec``."""
    s = spec.settings
    reasons = []
    if spec.committee:
        reasons.append("committee students")
    if spec.online:
        reasons.append("online data")
    if s.optimizer != "adam":
        reasons.append(f"optimizer {s.optimizer!r}")
    if s.stop_patience:
        reasons.append("the stop rule")
    if reasons:
        raise ValueError(
            f"step 'member' does not support {', '.join(reasons)}; use step 'fast' or 'reference'"
        )


def run_pack(pack: PackSpec) -> list[BlockResult]:
    """Train every block of ``pack`` as one ensemble; one result per block, in order.

    Parameters
    ----------
    pack : PackSpec
        The blocks.

    Returns
    -------
    list of BlockResult

    Raises
    ------
    ValueError
        Blocks that cannot share a pack, or settings the member step does not support.
    """
    if not pack.blocks:
        return []
    first = pack_signature(pack.blocks[0])
    for block in pack.blocks:
        check_packable(block)
        if pack_signature(block) != first:
            raise ValueError("blocks of a pack must share method, shapes and settings")
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(pack.threads)
    try:
        return _Pack(pack).run()
    finally:
        torch.set_num_threads(previous_threads)


@dataclass
class _Block:
    """One block inside a pack: its members' range, data, schedule and records."""

    spec: BlockSpec
    lo: int
    hi: int
    teacher: Any
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
    klass_state: Any = None  # its _ClassState

    @property
    def klass(self) -> tuple[Any, ...]:
        """Blocks of equal class (schedule and rate) are trained by the same calls."""
        return (len(self.y_train), tuple(self.sizes), self.total, self.spec.settings.lr)


class _Pack:
    def __init__(self, pack: PackSpec) -> None:
        self.start = time.perf_counter()
        self.pack = pack
        spec0 = pack.blocks[0]
        self.device = resolve_device(spec0.device)
        self.dtype = _DTYPES[spec0.dtype]
        self.classification = spec0.teacher.kind == "classification"
        blocks = [self._block(b) for b in pack.blocks]
        # members of one schedule and rate form a contiguous class; blocks keep their
        # order inside it
        order = sorted(range(len(blocks)), key=lambda i: (blocks[i].klass, i))
        lo = 0
        for i in order:
            blocks[i].lo, blocks[i].hi = lo, lo + len(blocks[i].spec.seeds)
            lo = blocks[i].hi
        self.blocks = blocks
        self.sorted = [blocks[i] for i in order]
        groups: list[list[_Block]] = []
        for block in self.sorted:
            if groups and groups[-1][0].klass == block.klass:
                groups[-1].append(block)
            else:
                groups.append([block])
        self.diverged = np.full(self.pack.members, -1, dtype=np.int64)
        s = spec0.settings
        self.constants = dict(
            l2_eigenvectors=float(s.l2_eigenvectors),
            l2_dense=float(s.l2_dense),
            group_lasso=float(s.group_lasso),
            classification=self.classification,
        )
        self._init_params(groups)

    def _block(self, spec: BlockSpec) -> _Block:
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
        x_train, y_train, x_test, y_test, source = _data(spec, teacher, self.dtype, self.device)
        per_epoch = source.steps_per_epoch
        n = x_train.shape[0]
        s = spec.settings
        if s.batches_per_epoch:
            sizes = [len(c) for c in np.array_split(np.arange(n), s.batches_per_epoch)]
        else:
            sizes = [min(s.batch_size, n - i) for i in range(0, n, s.batch_size)]
        assert len(sizes) == per_epoch
        total = s.steps or s.epochs * per_epoch
        return _Block(
            spec=spec,
            lo=0,
            hi=0,
            teacher=teacher,
            x_train=x_train,
            y_train=y_train,
            x_test=x_test,
            y_test=y_test,
            generator=torch.Generator().manual_seed(spec.shuffle_seed),
            sizes=sizes,
            total=total,
            checkpoints=sorted({c for c in s.checkpoints if 0 < c <= total}),
        )

    def _init_params(self, groups: list[list[_Block]]) -> None:
        """Class-major flat buffers: each class one contiguous, aligned segment."""
        from phasetrans.backend.ensemble import StudentEnsemble

        spec0 = self.pack.blocks[0]
        t = spec0.teacher
        models = [
            StudentEnsemble(
                t.input_dim,
                b.spec.width,
                t.hidden2,
                b.spec.seeds,
                method=b.spec.training,
                train_lambda_in=b.spec.train_lambda_in,
                output_bias=self.classification,
                dtype=self.dtype,
            )
            for b in self.sorted
        ]
        m0 = models[0]
        trains = dict(
            input_dim=t.input_dim,
            width=spec0.width,
            hidden2=t.hidden2,
            train_lambda_in=m0.spectral.lambda_in.requires_grad,
            train_lambda_out=m0.spectral.lambda_out.requires_grad,
            train_bias=m0.bias.requires_grad,
        )
        full = {
            "phi": torch.cat([m.spectral.phi.detach() for m in models]),
            "lambda_in": torch.cat([m.spectral.lambda_in.detach() for m in models]),
            "lambda_out": torch.cat([m.spectral.lambda_out.detach() for m in models]),
            "w2": torch.cat([m.w2.detach() for m in models]),
            "bias": torch.cat([m.bias.detach() for m in models]),
        }
        layouts = [
            MemberLayout(members=g[-1].hi - g[0].lo, **trains)  # type: ignore[arg-type]
            for g in groups
        ]
        size = sum(layout.size() for layout in layouts)
        kw = {"dtype": self.dtype, "device": self.device}
        self.params = torch.zeros(size, **kw)
        self.grad = torch.zeros(size, **kw)
        self.exp_avg = torch.zeros(size, **kw)
        self.exp_avg_sq = torch.zeros(size, **kw)
        self.snapshot = torch.zeros(size, **kw)
        self.classes: list[_ClassState] = []
        start = 0
        for group, layout in zip(groups, layouts, strict=True):
            segment = slice(start, start + layout.size())
            start = segment.stop
            c = _ClassState(group, self, layout, segment)
            for name, view in c.views.items():
                view.copy_(full[name][c.lo : c.hi])
            c.frozen = {k: v[c.lo : c.hi].to(self.device) for k, v in full.items()}
            c.frozen = {k: v for k, v in c.frozen.items() if k not in c.views}
            c.p = {**c.frozen, **c.views}
            for block in group:
                block.klass_state = c
            self.classes.append(c)
        self.snapshot.copy_(self.params)

    def _member_params(self, block: _Block) -> dict[str, torch.Tensor]:
        c = block.klass_state
        lo, hi = block.lo - c.lo, block.hi - c.lo
        return {k: v[lo:hi] for k, v in c.p.items()}

    def run(self) -> list[BlockResult]:
        s = self.pack.blocks[0].settings
        steps = max(c.total for c in self.classes)
        for step in range(steps):
            active = [c for c in self.classes if step < c.total]
            for c in active:
                c.compute(step)
            by_rate: dict[float, list[_ClassState]] = {}
            for c in active:  # finished classes no longer move: Adam skips them
                by_rate.setdefault(c.lr, []).append(c)
            for lr, group in by_rate.items():
                adam_update(
                    [c.flat for c in group],
                    [c.flat_grad for c in group],
                    [c.exp_avg for c in group],
                    [c.exp_avg_sq for c in group],
                    step + 1,
                    lr,
                    s.betas[0],
                    s.betas[1],
                    s.eps,
                )
            for c in active:
                c.after(step + 1)
        return [self._result(b) for b in self.blocks]

    @torch.no_grad()
    def measure(self, block: _Block) -> dict[str, Any]:
        """Importance, dimension, weights and the pruning sweep of a block, one member at a time."""
        out: dict[str, list[np.ndarray]] = {k: [] for k in ("mse", "acc", "imp", "dim", "w1", "w2")}
        p = self._member_params(block)
        for i in range(block.hi - block.lo):
            phi, lam_out = p["phi"][i : i + 1], p["lambda_out"][i : i + 1]
            imp = importance(lam_out, phi)
            w1 = spectral_weight(phi, p["lambda_in"][i : i + 1], lam_out)
            w2 = p["w2"][i : i + 1]
            mse, accuracy = member_sweep(
                w1,
                w2,
                imp,
                block.x_test,
                block.y_test,
                bias=p["bias"][i : i + 1],
                classification=self.classification,
            )
            out["mse"].append(_host(mse))
            if accuracy is not None:
                out["acc"].append(_host(accuracy))
            out["imp"].append(_host(imp))
            out["dim"].append(_host(effective_dimension(imp, block.spec.threshold)))
            out["w1"].append(_host(w1))
            out["w2"].append(_host(w2))
        return {k: np.concatenate(v) if v else None for k, v in out.items()}

    def _result(self, block: _Block) -> BlockResult:
        final = self.measure(block)
        record = None
        if block.moments:
            m, v = block.moments, block.measured
            record = CheckpointRecord(
                step=np.array([x[0] for x in m], dtype=np.int64),
                samples=np.array([x[1] for x in m], dtype=np.int64),
                epoch=np.array([x[2] for x in m], dtype=np.float64),
                train_loss=np.stack([x[3] for x in m]),
                test_mse=np.stack([x["mse"][:, -1] for x in v]),
                test_accuracy=None
                if v[0]["acc"] is None
                else np.stack([x["acc"][:, -1] for x in v]),
                importance=np.stack([x["imp"] for x in v]),
                dimension=np.stack([x["dim"] for x in v]),
                w1=np.stack([x["w1"] for x in v]),
                second=np.stack([x["w2"] for x in v]),
            )
        teacher = block.teacher
        per_epoch = len(block.sizes)
        samples = (block.total // per_epoch) * sum(block.sizes) + sum(
            block.sizes[: block.total % per_epoch]
        )
        lam_out = self._member_params(block)["lambda_out"]
        return BlockResult(
            spec=block.spec,
            test_mse=final["mse"],
            test_accuracy=final["acc"],
            importance=final["imp"],
            eigenvalue=_host(lam_out),
            dimension=final["dim"],
            train_loss=np.stack(block.logged)
            if block.logged
            else np.empty((0, block.hi - block.lo)),
            epochs=np.asarray(block.logged_epochs, dtype=np.int64),
            diverged_epoch=self.diverged[block.lo : block.hi].copy(),
            stopped_epoch=np.zeros(block.hi - block.lo, dtype=np.int64),
            w1=final["w1"],
            w2=final["w2"],
            teacher_w1=_host(teacher.w1),
            teacher_w2=None if teacher.w2 is None else _host(teacher.w2),
            teacher_overlap=_host(teacher.overlap()),
            teacher_threshold=teacher.threshold,
            device=str(self.device),
            seconds=(time.perf_counter() - self.start) * (block.hi - block.lo) / self.pack.members,
            budget_steps=block.total,
            budget_samples=samples,
            budget_epochs=block.total / per_epoch,
            batch_size=block.spec.settings.batch_size,
            checkpoints=record,
        )


class _ClassState:
    """The members of one schedule and rate: their parameters, batches, losses, checkpoints.

    A class owns one contiguous segment of the pack's flat buffers (a multiple
    of :data:`~phasetrans.backend.member_step.FLAT_ALIGN` long), laid out
    tensor-major by its :class:`~phasetrans.backend.member_step.MemberLayout`.
    """

    def __init__(
        self, blocks: list[_Block], pack: _Pack, layout: MemberLayout, segment: slice
    ) -> None:
        self.blocks, self.pack = blocks, pack
        self.lo, self.hi = blocks[0].lo, blocks[-1].hi
        first = blocks[0]
        self.lr = float(first.spec.settings.lr)
        self.sizes, self.total = first.sizes, first.total
        self.per_epoch = len(self.sizes)
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).tolist()
        self.checkpoints = set(first.checkpoints)
        self.log_every = first.spec.settings.log_every
        self.layout = layout
        self.flat = pack.params[segment]
        self.flat_grad = pack.grad[segment]
        self.exp_avg = pack.exp_avg[segment]
        self.exp_avg_sq = pack.exp_avg_sq[segment]
        self.snapshot = pack.snapshot[segment]
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
        l2 = torch.zeros((members, 1), dtype=pack.dtype)
        for b in blocks:
            l2[b.lo - self.lo : b.hi - self.lo] = b.spec.settings.l2_eigenvalues
        self.l2 = l2.to(pack.device)
        like = pack.params
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
        loss = member_grads(self.p, self.g, x, y, l2_eigenvalues=self.l2, **self.pack.constants)
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
            loss = _host(self.since_total / max(self.since_count, 1))
            for b in self.blocks:
                rows = loss[b.lo - self.lo : b.hi - self.lo]
                b.moments.append((done, self.seen, done / self.per_epoch, rows))
                b.measured.append(self.pack.measure(b))
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
            loss = _host(self.epoch_total / self.epoch_count)
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
        self.pack.diverged[self.lo : self.hi][newly] = epoch


def run_task(spec: BlockSpec | PackSpec) -> BlockResult | list[BlockResult]:
    """Run a task's spec: a pack (a list of results) or one block (one result)."""
    if isinstance(spec, PackSpec):
        return run_pack(spec)
    from phasetrans.backend import task

    return task.run_block(spec)


def on_device(spec: BlockSpec | PackSpec, device: str) -> BlockSpec | PackSpec:
    """``spec`` (every block of a pack) moved to ``device``."""
    if isinstance(spec, PackSpec):
        return PackSpec(tuple(dataclasses.replace(b, device=device) for b in spec.blocks))
    return spec if spec.device == device else dataclasses.replace(spec, device=device)


def task_epochs(spec: BlockSpec | PackSpec) -> int:
    """Epochs of a task's longest block (the unit of a progress bar)."""
    if isinstance(spec, PackSpec):
        return max(b.settings.epochs for b in spec.blocks)
    return spec.settings.epochs
