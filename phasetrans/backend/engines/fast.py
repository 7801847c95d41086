"""The fast training engine: an ensemble split into cache-sized blocks, each stepped fast.

:class:`FastEngine` drives :func:`phasetrans.backend.step.fast_step` (compiled
or not) over the sub-ensembles chosen by :func:`plan_blocks`: on CPU, blocks
whose ``(S_b, B, W)`` activations fit in cache; on CUDA, the whole ensemble.
Splitting is invisible: member ``s`` is still the single student with seed ``s``.
"""

from __future__ import annotations

import contextlib
import math
import warnings

import torch

from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.specs import TrainSettings
from phasetrans.backend.step import (
    CPU_BLOCK_ELEMENTS,
    FlatState,
    StepConfig,
    StepFn,
    fast_step,
    make_state,
    make_step,
    model_tensors,
    split_flat,
    store_state,
)

__all__ = ["FastEngine", "plan_blocks"]


def plan_blocks(
    members: torch.Tensor, width: int, batch: int, device: torch.device
) -> list[torch.Tensor]:
    """Split member indices into cache-sized sub-ensembles of balanced sizes.

    Parameters
    ----------
    members : torch.Tensor
        ``(S,)`` member indices.
    width, batch : int
        Hidden width and batch size (the activations are ``(S_b, batch, width)``).
    device : torch.device
        On CUDA the ensemble stays whole; on CPU a block's activations hold at
        most :data:`CPU_BLOCK_ELEMENTS` elements.

    Returns
    -------
    list of torch.Tensor
        Consecutive index chunks; sizes differ by at most one.
    """
    count = members.numel()
    if count == 0:
        return []
    if device.type != "cpu":
        return [members]
    largest = max(1, CPU_BLOCK_ELEMENTS // max(1, batch * width))
    blocks = math.ceil(count / largest)
    return [chunk for chunk in torch.tensor_split(members, blocks) if chunk.numel()]


class FastEngine:
    """Runs epochs of :func:`fast_step` over cache-sized sub-ensembles.

    Parameters
    ----------
    model : StudentEnsemble
        The ensemble; written back after every epoch (:meth:`end_epoch`).
    x, y : torch.Tensor
        Training inputs and targets on the model's device.
    settings : TrainSettings
        Hyperparameters.
    classification : bool
        Cross-entropy on logits instead of MSE.
    compiled : bool
        Compile the full-batch step (the last, smaller batch runs eagerly).

    Notes
    -----
    Blocks are planned over the members not stopped. Eager, they are re-planned
    whenever a member stops (stopped members leave the computation); compiled,
    the partition is kept (a new shape would mean a new compile) and only
    blocks whose members have all stopped are dropped. Diverged members stay in
    their block with a zero gradient, so their epoch loss is computed as the
    reference does.
    """

    def __init__(
        self,
        model: StudentEnsemble,
        x: torch.Tensor,
        y: torch.Tensor,
        settings: TrainSettings,
        classification: bool,
        *,
        compiled: bool,
    ) -> None:
        self.model, self.x, self.y = model, x, y
        self.settings = settings
        self.compiled = compiled
        self.device = x.device
        layer = model.spectral
        self.base = dict(
            input_dim=layer.phi.shape[1],
            width=model.width,
            hidden2=model.w2.shape[-1],
            train_lambda_in=layer.lambda_in.requires_grad,
            train_lambda_out=layer.lambda_out.requires_grad,
            train_bias=model.bias.requires_grad,
            classification=classification,
            l2_eigenvalues=float(settings.l2_eigenvalues),
            l2_eigenvectors=float(settings.l2_eigenvectors),
            l2_dense=float(settings.l2_dense),
            group_lasso=float(settings.group_lasso),
            lr=float(settings.lr),
            beta1=float(settings.betas[0]),
            beta2=float(settings.betas[1]),
            eps=float(settings.eps),
        )
        full = model_tensors(model)
        self.moments = {
            k: (torch.zeros_like(v.detach()), torch.zeros_like(v.detach())) for k, v in full.items()
        }
        self.training = torch.ones(model.members, dtype=torch.bool, device=self.device)
        self.stopped = torch.zeros(model.members, dtype=torch.bool, device=self.device)
        self.steps_done = 0
        self.step_fn = make_step(compiled)
        batch = min(settings.batch_size, x.shape[0])
        self.partition = plan_blocks(
            torch.arange(model.members, device=self.device), model.width, batch, self.device
        )
        self.blocks: list[FlatState] = []
        self.snapshots: list[torch.Tensor] = []
        self._dirty = False
        self._build()

    def _build(self) -> None:
        """(Re)gather the blocks from the model and the full moments."""
        if not self.compiled:
            keep = (~self.stopped).nonzero().flatten()
            batch = min(self.settings.batch_size, self.x.shape[0])
            self.partition = plan_blocks(keep, self.model.width, batch, self.device)
        else:
            self.partition = [m for m in self.partition if not bool(self.stopped[m].all())]
        self.blocks = []
        for members in self.partition:
            config = StepConfig(members=members.numel(), **self.base)
            step = torch.tensor(float(self.steps_done), dtype=torch.float64, device=self.device)
            state = make_state(self.model, members, config, self.moments, step)
            training = self.training[members]
            if not bool(training.all()):
                state.set_alive(training)
            self.blocks.append(state)
        self.snapshots = [b.params.clone() for b in self.blocks]

    def run_batches(self, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """Train every block on ``batches``; ``(S,)`` sample-weighted sum of the batch losses."""
        size = self.settings.batch_size
        epoch_loss = torch.zeros(self.model.members, dtype=self.x.dtype, device=self.device)
        # a worker trains many block shapes: allow more than dynamo's default 8 graphs
        limit = (
            torch._dynamo.config.patch(recompile_limit=64)
            if self.compiled
            else contextlib.nullcontext()
        )
        with limit:
            for state in self.blocks:
                total = torch.zeros(state.config.members, dtype=self.x.dtype, device=self.device)
                alive = state.alive if self.compiled or not bool(state.alive.all()) else None
                for xb, yb in batches:
                    fn = self.step_fn if xb.shape[0] == size else fast_step
                    loss = self._call(fn, state, alive, xb, yb)
                    total += loss * xb.shape[0]
                epoch_loss.index_copy_(0, state.members, total)
        self.steps_done += len(batches)
        return epoch_loss

    def sync(self) -> None:
        """Write the blocks back to the model (a checkpoint inside an epoch)."""
        for state in self.blocks:
            store_state(state, self.model, self.moments)

    def _call(
        self,
        fn: StepFn,
        state: FlatState,
        alive: torch.Tensor | None,
        xb: torch.Tensor,
        yb: torch.Tensor,
    ) -> torch.Tensor:
        state.step.add_(1.0)
        args = (state.params, state.exp_avg, state.exp_avg_sq, state.frozen, alive, state.step)
        if fn is fast_step:
            return fast_step(state.config, *args, xb, yb)
        try:
            return fn(state.config, *args, xb, yb)
        except Exception as error:  # compiler missing or failing: fall back to eager
            if self.step_fn is fast_step:
                raise
            warnings.warn(
                f"torch.compile of the training step failed ({type(error).__name__}); "
                "running it uncompiled",
                RuntimeWarning,
                stacklevel=2,
            )
            self.step_fn = fast_step
            return fast_step(state.config, *args, xb, yb)

    def params_finite(self) -> torch.Tensor:
        """``(S,)`` False where a member's parameters are not all finite."""
        finite = torch.ones(self.model.members, dtype=torch.bool, device=self.device)
        for state in self.blocks:
            ok = torch.ones(state.config.members, dtype=torch.bool, device=self.device)
            for view in split_flat(state.params, state.config).values():
                ok &= torch.isfinite(view).reshape(state.config.members, -1).all(1)
            finite.index_copy_(0, state.members, ok)
        return finite

    @torch.no_grad()
    def freeze(self, members: torch.Tensor, restore: bool) -> None:
        """Freeze ``members`` (``(S,)`` bool); ``restore``: back to the last epoch's end."""
        self.training &= ~members
        if not restore:
            self.stopped |= members
        for state, snapshot in zip(self.blocks, self.snapshots, strict=True):
            hit = members[state.members]
            if not bool(hit.any()):
                continue
            if restore:
                mask = torch.zeros_like(state.alive)
                for view in split_flat(mask, state.config).values():
                    view.copy_(hit.view(-1, *([1] * (view.dim() - 1))).expand_as(view))
                state.params.copy_(torch.where(mask, snapshot, state.params))
            state.set_alive(self.training[state.members])
        self._dirty = self._dirty or not restore

    def end_epoch(self) -> None:
        """Write the blocks back to the model; re-plan after a stop; take a snapshot."""
        for state in self.blocks:
            store_state(state, self.model, self.moments)
        if self._dirty:
            self._dirty = False
            self._build()
        else:
            for snapshot, state in zip(self.snapshots, self.blocks, strict=True):
                snapshot.copy_(state.params)
