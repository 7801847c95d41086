"""Packed execution: the students of many cells trained as one ensemble.

A :class:`~phasetrans.backend.specs.PackSpec` is a tuple of
:class:`~phasetrans.backend.specs.BlockSpec`,
one per cell block (one teacher, one data set, some student seeds); blocks of a
pack share the method, the teacher's form and ``hidden2``, and may differ in
teacher, data, training-set size, budget, checkpoints, learning rate, L2
coefficient on the eigenvalues, student width and input dimension.
:func:`run_pack` trains all their students with
:func:`~phasetrans.backend.member_step.member_grads` and returns one
:class:`~phasetrans.backend.results.BlockResult` per block (its blocks and
classes are in :mod:`phasetrans.backend.pack_class`, its step in
:mod:`phasetrans.backend.pack_step`).

Every member keeps what makes it its cell's student:

- its teacher and its data (the cell's own generator, as :func:`~phasetrans.
  backend.task.run_block` draws them), stacked with the other blocks' data of
  its input dimension;
- its batch order: one shuffle generator per block, seeded as the unpacked run
  seeds it, drawn at the block's own epoch boundaries;
- its number of steps, epochs, checkpoints and learning rate. A member that has
  finished is no longer updated (Adam runs over the classes still training).

Each member owns one row of the pack's member-major buffers (parameters,
gradients, Adam moments; :class:`~phasetrans.backend.member_step.MemberLayout`),
sized for the largest width and input dimension of the pack. A smaller member
is initialised at its true shape and padded with zeros; its padding never
enters a product or a sum and never moves (a *padded* pack,
:attr:`~phasetrans.backend.specs.PackSpec.padded`). Members of one shape,
schedule (training-set size, batches, budget) and learning rate form a
*class*, a contiguous range of rows; at each step the members whose current
batch has the same size (and shape) are trained by one set of batched matmuls
(:class:`~phasetrans.backend.pack_step.FusedStep`), and one Adam call per
rate updates every run of consecutive members still training. Nothing a
member computes depends on the other members (see
:mod:`~phasetrans.backend.member_step`), so a pack, padded or not, gives,
bitwise on CPU with one thread, the numbers of its blocks run one at a time
(``run_block`` with ``step = "member"``).

Divergence is handled as by :func:`~phasetrans.backend.train.train_epochs`: a
member whose epoch loss or parameters are not finite at the end of one of its
epochs goes back to its parameters at the end of its previous epoch and is
frozen. Committee students (:func:`~phasetrans.backend.member_step.committee_grads`,
each member's pruning sweep by :func:`~phasetrans.backend.prune.committee_pruning_sweep`)
and plain SGD are packed too, and online data: a block's rows of the stacked
data hold its current epoch's fresh batches (rows ``s·B …`` of its own
stream), refilled at each of its epoch starts. The stop rule is not packed (it
runs through :func:`~phasetrans.backend.task.run_block`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from phasetrans.backend.allocator import keep_freed_memory
from phasetrans.backend.batches import OnlineBatches
from phasetrans.backend.device import DTYPES, resolve_device, to_host
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.member_step import MemberLayout, member_sweep
from phasetrans.backend.pack_class import PackBlock, PackClass, PackShared
from phasetrans.backend.pack_step import FusedStep
from phasetrans.backend.prune import committee_pruning_sweep, effective_dimension, importance
from phasetrans.backend.results import BlockResult, CheckpointRecord
from phasetrans.backend.sets import block_data
from phasetrans.backend.specs import (
    BlockSpec,
    PackSpec,
    check_packable,
    epoch_batch_sizes,
    pack_signature,
)
from phasetrans.backend.spectral import spectral_weight
from phasetrans.backend.teacher import build_teacher

__all__ = ["Pack", "run_pack"]


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
    keep_freed_memory()  # no mmap/munmap of the step's buffers every step
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(pack.threads)
    try:
        return Pack(pack).run()
    finally:
        torch.set_num_threads(previous_threads)


class Pack:
    """A pack being trained: its blocks, classes, buffers and step (:attr:`step`)."""

    def __init__(self, pack: PackSpec) -> None:
        self.start = time.perf_counter()
        self.pack = pack
        spec0 = pack.blocks[0]
        self.device = resolve_device(spec0.device)
        self.dtype = DTYPES[spec0.dtype]
        self.classification = spec0.teacher.kind == "classification"
        self.committee = spec0.committee
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
        groups: list[list[PackBlock]] = []
        for block in self.sorted:
            if groups and groups[-1][0].klass == block.klass:
                groups[-1].append(block)
            else:
                groups.append([block])
        self._init_params(groups)

    def _block(self, spec: BlockSpec) -> PackBlock:
        teacher = build_teacher(spec.teacher)
        x_train, y_train, x_test, y_test, source = block_data(
            spec, teacher, self.dtype, self.device
        )
        per_epoch = source.steps_per_epoch
        s = spec.settings
        online_rows = None
        if isinstance(source, OnlineBatches):
            # room for one epoch's fresh batches, filled at each epoch start (PackClass)
            sizes = [source.size] * per_epoch
            x_train = x_train.new_zeros((sum(sizes), x_train.shape[1]))
            y_train = y_train.new_zeros(sum(sizes))
            online_rows = source.rows
        else:
            sizes = epoch_batch_sizes(x_train.shape[0], s.batch_size, s.batches_per_epoch)
        assert len(sizes) == per_epoch
        total = s.steps or s.epochs * per_epoch
        return PackBlock(
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
            online_rows=online_rows,
        )

    def _init_params(self, groups: list[list[PackBlock]]) -> None:
        """Member-major buffers, one row a member, classes consecutive."""
        spec0 = self.pack.blocks[0]
        t = spec0.teacher
        models = [
            StudentEnsemble(
                b.spec.teacher.input_dim,
                b.spec.width,
                t.hidden2,
                b.spec.seeds,
                method=b.spec.training,
                train_lambda_in=b.spec.train_lambda_in,
                output_bias=self.classification,
                committee=self.committee,
                activation=b.spec.student_activation,
                train_readout=b.spec.train_readout,
                init_q=b.spec.init_q,
                dtype=self.dtype,
            )
            for b in self.sorted
        ]
        m0 = models[0]
        layout = MemberLayout(
            input_dim=max(b.shape[0] for b in self.sorted),
            width=max(b.shape[1] for b in self.sorted),
            hidden2=t.hidden2,
            train_lambda_in=m0.spectral.lambda_in.requires_grad,
            train_lambda_out=m0.spectral.lambda_out.requires_grad,
            train_bias=m0.bias.requires_grad,
            committee=self.committee,
            train_readout=self.committee and m0.readout.requires_grad,
        )
        members = self.pack.members
        kw = {"dtype": self.dtype, "device": self.device}
        params = torch.zeros(members, layout.record(), **kw)
        # each student initialised at its true shape, then padded with zeros
        for block, m in zip(self.sorted, models, strict=True):
            views = layout.views(params[block.lo : block.hi], shape=block.shape)
            views["phi"].copy_(m.spectral.phi.detach())
            views["lambda_in"].copy_(m.spectral.lambda_in.detach())
            views["lambda_out"].copy_(m.spectral.lambda_out.detach())
            views[layout.second].copy_(m.second.detach())
            views["bias"].copy_(m.bias.detach())
        offsets: dict[int, int] = {}
        for block in self.sorted:  # data stacked by input dimension
            block.data_offset = offsets.get(block.shape[0], 0)
            offsets[block.shape[0]] = block.data_offset + block.x_train.shape[0]
        dims = sorted(offsets)
        l2 = torch.zeros((members, 1), dtype=self.dtype)
        for b in self.sorted:
            l2[b.lo : b.hi] = b.spec.settings.l2_eigenvalues
        s = spec0.settings
        self.shared = PackShared(
            layout=layout,
            params=params,
            grad=torch.zeros_like(params),
            exp_avg=torch.zeros_like(params),
            exp_avg_sq=torch.zeros_like(params),
            snapshot=params.clone(),
            x={d: torch.cat([b.x_train for b in self.sorted if b.shape[0] == d]) for d in dims},
            y={d: torch.cat([b.y_train for b in self.sorted if b.shape[0] == d]) for d in dims},
            l2=l2.to(self.device),
            constants=dict(
                l2_eigenvectors=float(s.l2_eigenvectors),
                l2_dense=float(s.l2_dense),
                group_lasso=float(s.group_lasso),
                **(
                    {"activation": spec0.student_activation}
                    if self.committee
                    else {"classification": self.classification}
                ),
            ),
            epoch_total=torch.zeros(members, **kw),
            since_total=torch.zeros(members, **kw),
            alive=torch.ones(members, dtype=torch.bool, device=self.device),
            diverged=np.full(members, -1, dtype=np.int64),
            measure=self.measure,
        )
        self.classes = [PackClass(group, self.shared) for group in groups]
        self.step = FusedStep(self.shared, self.classes, s.betas, s.eps, s.optimizer)

    def _member_params(self, block: PackBlock) -> dict[str, torch.Tensor]:
        rows = self.shared.params[block.lo : block.hi]
        return self.shared.layout.views(rows, shape=block.shape)

    def run(self) -> list[BlockResult]:
        steps = max(c.total for c in self.classes)
        for step in range(steps):
            self.step(step)
        return [self._result(b) for b in self.blocks]

    @torch.no_grad()
    def measure(self, block: PackBlock) -> dict[str, Any]:
        """Importance, dimension, weights and the pruning sweep of a block, one member at a time."""
        out: dict[str, list[np.ndarray]] = {k: [] for k in ("mse", "acc", "imp", "dim", "w1", "w2")}
        p = self._member_params(block)
        second = self.shared.layout.second
        for i in range(block.hi - block.lo):
            phi, lam_out = p["phi"][i : i + 1], p["lambda_out"][i : i + 1]
            imp = importance(lam_out, phi)
            w1 = spectral_weight(phi, p["lambda_in"][i : i + 1], lam_out)
            w2 = p[second][i : i + 1]
            if self.committee:  # as the unpacked recorder: importance times |v|
                imp = imp * w2.abs()
                sweep = committee_pruning_sweep(
                    w1,
                    w2,
                    imp,
                    block.x_test,
                    block.y_test,
                    activation=block.spec.student_activation,
                )
                mse, accuracy = sweep.mse, sweep.accuracy
            else:
                mse, accuracy = member_sweep(
                    w1,
                    w2,
                    imp,
                    block.x_test,
                    block.y_test,
                    bias=p["bias"][i : i + 1],
                    classification=self.classification,
                )
            out["mse"].append(to_host(mse))
            if accuracy is not None:
                out["acc"].append(to_host(accuracy))
            out["imp"].append(to_host(imp))
            out["dim"].append(to_host(effective_dimension(imp, block.spec.threshold)))
            out["w1"].append(to_host(w1))
            out["w2"].append(to_host(w2))
        return {k: np.concatenate(v) if v else None for k, v in out.items()}

    def _result(self, block: PackBlock) -> BlockResult:
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
            eigenvalue=to_host(lam_out),
            dimension=final["dim"],
            train_loss=np.stack(block.logged)
            if block.logged
            else np.empty((0, block.hi - block.lo)),
            epochs=np.asarray(block.logged_epochs, dtype=np.int64),
            diverged_epoch=self.shared.diverged[block.lo : block.hi].copy(),
            stopped_epoch=np.zeros(block.hi - block.lo, dtype=np.int64),
            w1=final["w1"],
            w2=None if self.committee else final["w2"],
            readout=final["w2"] if self.committee else None,
            teacher_w1=to_host(teacher.w1),
            teacher_w2=None if teacher.w2 is None else to_host(teacher.w2),
            teacher_overlap=to_host(teacher.overlap()),
            teacher_threshold=teacher.threshold,
            device=str(self.device),
            seconds=(time.perf_counter() - self.start) * (block.hi - block.lo) / self.pack.members,
            budget_steps=block.total,
            budget_samples=samples,
            budget_epochs=block.total / per_epoch,
            batch_size=block.spec.settings.batch_size,
            checkpoints=record,
            torch_version=torch.__version__,
        )
