"""One step of a pack: every member whose current batch has the same size, in one call.

Members of different classes (schedules) are at different positions in their
epochs, so at a given step their batches differ in size. :class:`FusedStep`
groups the members still training by the size of their current batch (and by
their true shape, in a padded pack) and runs
:func:`~phasetrans.backend.member_step.member_grads` once per group: one set
of batched matmuls and element-wise passes over all its members, whichever
class they belong to. A group whose members are consecutive rows works on
views of the pack's buffers; any other group is gathered by one
``index_select`` of rows, and its gradients scattered back by one
``index_copy_``. Then one Adam (or SGD) call per learning rate updates every
run of consecutive members still training. Committee students take their
gradients from :func:`~phasetrans.backend.member_step.committee_grads`.

Nothing a member computes depends on the other members of its group (each
matmul is its own, each element-wise op is element-wise, each reduction runs
along its own axes), so the grouping changes no number: on CPU with one
thread a pack stays bitwise the same as its blocks run one at a time.

In a padded pack (members of different widths or input dimensions; each row
holds the largest shape) a call sees its members' true tensors only, as views
that leave the padding out: padded nodes and inputs never enter a product or a
sum, receive no gradient (their entries stay zero, and so do their Adam
moments), and a padded pack is still bitwise its blocks run alone.
"""

from __future__ import annotations

import itertools
import math

import torch

from phasetrans.backend.member_step import committee_grads, member_grads
from phasetrans.backend.member_update import adam_update, sgd_update
from phasetrans.backend.pack_class import PackClass, PackShared

__all__ = ["CALL_MIN", "FusedStep"]

#: On CPU, classes of one batch size are joined into calls of at least this many
#: members (see :meth:`FusedStep.chunks`).
CALL_MIN = 32


class FusedStep:
    """The step of a pack, fused over the classes whose batches share a size.

    Parameters
    ----------
    shared : PackShared
        The pack's buffers.
    classes : list of PackClass
        Its classes, in row order.
    betas : tuple of float
        Adam's coefficients.
    eps : float
        Adam's epsilon.
    optimizer : {"adam", "sgd"}
        Adam, or plain SGD (``betas`` and ``eps`` unused).
    """

    def __init__(
        self,
        shared: PackShared,
        classes: list[PackClass],
        betas: tuple[float, float],
        eps: float,
        optimizer: str = "adam",
    ) -> None:
        self.shared, self.classes = shared, classes
        self.betas, self.eps, self.optimizer = betas, eps, optimizer
        self.grads = committee_grads if shared.layout.committee else member_grads
        self.trainable = shared.layout.trainable()
        self.record = shared.layout.record()
        self.track_since = any(c.checkpoints for c in classes)
        #: Rows of each group met so far (keyed by its classes' first rows).
        self.groups: dict[tuple[int, ...], slice | torch.Tensor] = {}
        self._segments: dict[tuple[int, ...], dict[float, list[tuple[int, int]]]] = {}

    def __call__(self, step: int, *, bookkeeping: bool = True) -> None:
        """Step ``step`` (0-based) of every class still training.

        ``bookkeeping=False`` skips the per-class epoch and checkpoint work
        after the update (for benchmarks of the bare step).
        """
        active = [c for c in self.classes if step < c.total]
        groups: dict[tuple[int, int, int], list[tuple[PackClass, torch.Tensor]]] = {}
        for c in active:
            rows = c.begin(step)
            groups.setdefault((c.batch, *c.shape), []).append((c, rows))
        for (batch, *_), group in groups.items():
            for chunk in self.chunks(group):
                self.compute([c for c, _ in chunk], [r for _, r in chunk], batch)
        self.update(active, step + 1)
        if bookkeeping:
            ending = [c for c in active if c.after(step + 1)]
            if ending:
                self.end_epochs(ending, step + 1)

    def end_epochs(self, ending: list[PackClass], done: int) -> None:
        """The classes ``ending`` an epoch at step ``done``: check, log, then reset.

        The snapshot (the parameters a diverging member goes back to) and the
        running losses are reset over runs of consecutive rows, not per class.
        """
        sh = self.shared
        runs = _runs(ending)
        # one sum over the running losses and parameters of those rows (padding is zero)
        total = sum(float(sh.epoch_total[lo:hi].sum() + sh.params[lo:hi].sum()) for lo, hi in runs)
        for c in ending:
            c.end_epoch(done, math.isfinite(total))
        for lo, hi in runs:
            sh.snapshot[lo:hi] = sh.params[lo:hi]
            sh.epoch_total[lo:hi] = 0.0

    def chunks(
        self, group: list[tuple[PackClass, torch.Tensor]]
    ) -> list[list[tuple[PackClass, torch.Tensor]]]:
        """``group`` (classes of one batch size, in row order) cut into calls.

        On CPU, classes are joined until a call holds at least :data:`CALL_MIN`
        members (small classes share a call; a class of that many runs alone,
        on views): past a few dozen members a call's activations leave the
        cache and a larger call is no faster. On other devices one call.
        """
        if self.shared.params.device.type != "cpu":
            return [group]
        out: list[list[tuple[PackClass, torch.Tensor]]] = []
        size = CALL_MIN
        for item in group:
            if size >= CALL_MIN:
                out.append([])
                size = 0
            out[-1].append(item)
            size += item[0].hi - item[0].lo
        return out

    def rows(self, group: list[PackClass]) -> slice | torch.Tensor:
        """The pack rows of ``group``: a slice where they are consecutive, else an index."""
        key = tuple(c.lo for c in group)
        if key not in self.groups:
            if all(a.hi == b.lo for a, b in itertools.pairwise(group)):
                self.groups[key] = slice(group[0].lo, group[-1].hi)
            else:
                index = torch.cat([torch.arange(c.lo, c.hi) for c in group])
                self.groups[key] = index.to(self.shared.params.device)
        return self.groups[key]

    def compute(self, group: list[PackClass], data: list[torch.Tensor], batch: int) -> None:
        """Gradients (into the pack's buffer) and running losses of ``group``'s members.

        ``data``: each class's ``(members, batch)`` rows of the stacked data.
        """
        sh = self.shared
        where = self.rows(group)
        shape = group[0].shape
        flat = (torch.cat(data) if len(data) > 1 else data[0]).reshape(-1)
        x = sh.x[shape[0]].index_select(0, flat).view(-1, batch, shape[0])
        y = sh.y[shape[0]].index_select(0, flat).view(-1, batch)
        if isinstance(where, slice):
            params, grads, l2 = sh.params[where], sh.grad[where], sh.l2[where]
        else:
            params = sh.params.index_select(0, where)
            grads = torch.zeros_like(params)
            l2 = sh.l2.index_select(0, where)
        p = sh.layout.views(params, shape=shape)
        g = sh.layout.views(grads, self.trainable, shape=shape)
        loss = self.grads(p, g, x, y, l2_eigenvalues=l2, **sh.constants)
        scaled = loss * batch
        totals = [sh.epoch_total, sh.since_total] if self.track_since else [sh.epoch_total]
        if isinstance(where, slice):
            for total in totals:
                total[where].add_(scaled)
        else:
            sh.grad.index_copy_(0, where, grads)
            for total in totals:
                total.index_add_(0, where, scaled)

    def update(self, active: list[PackClass], done: int) -> None:
        """One Adam (1-based count ``done``) or SGD update of the members of ``active``.

        Frozen members get no gradient (their moments were zeroed), so they do
        not move; finished classes are left out.
        """
        sh = self.shared
        if sh.any_dead:
            sh.grad.masked_fill_(~sh.alive.unsqueeze(1), 0.0)
        key = tuple(c.lo for c in active)
        if key not in self._segments:
            rates = sorted({c.lr for c in active})
            self._segments[key] = {lr: _runs([c for c in active if c.lr == lr]) for lr in rates}
        r = self.record
        sgd = self.optimizer == "sgd"
        flats = [sh.params, sh.grad] if sgd else [sh.params, sh.grad, sh.exp_avg, sh.exp_avg_sq]
        for lr, runs in self._segments[key].items():
            lists = [[t.view(-1)[lo * r : hi * r] for lo, hi in runs] for t in flats]
            if sgd:
                sgd_update(*lists, lr)
            else:
                adam_update(*lists, done, lr, self.betas[0], self.betas[1], self.eps)


def _runs(classes: list[PackClass]) -> list[tuple[int, int]]:
    """The row ranges of ``classes`` (in row order), consecutive ones merged."""
    runs: list[tuple[int, int]] = []
    for c in classes:
        if runs and runs[-1][1] == c.lo:
            runs[-1] = (runs[-1][0], c.hi)
        else:
            runs.append((c.lo, c.hi))
    return runs
