"""The reference training step: autograd and ``torch.optim`` (Adam or SGD).

This step defines the numbers; the fast, committee and per-member steps are held
to it by tests. The objective of member ``s`` is its batch data loss plus its
penalty (:func:`penalty`); members share no parameter, so each is updated as a
single student would be.
"""

from __future__ import annotations

import torch

from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.specs import TrainSettings

__all__ = ["ReferenceEngine", "data_loss", "penalty"]


def penalty(model: StudentEnsemble, settings: TrainSettings) -> torch.Tensor:
    """``(S,)`` penalty of every member."""
    layer = model.spectral
    second = model.second
    total = torch.zeros(model.members, dtype=second.dtype, device=second.device)
    if settings.l2_eigenvalues and layer.lambda_out.requires_grad:
        total = total + settings.l2_eigenvalues * layer.lambda_out.square().sum(-1)
    if settings.l2_eigenvalues and layer.lambda_in.requires_grad:
        total = total + settings.l2_eigenvalues * layer.lambda_in.square().sum(-1)
    if settings.l2_eigenvectors and layer.phi.requires_grad:
        total = total + settings.l2_eigenvectors * layer.phi.square().sum((-2, -1))
    if settings.l2_dense and second.requires_grad:
        total = total + settings.l2_dense * second.square().flatten(1).sum(-1)
    if settings.group_lasso:
        norms = torch.linalg.vector_norm(layer.weight(), dim=-2)
        total = total + settings.group_lasso * norms.sum(-1)
    return total


def data_loss(out: torch.Tensor, y: torch.Tensor, classification: bool) -> torch.Tensor:
    """``(S,)`` mean loss of each member on one batch."""
    if classification:
        target = y.expand_as(out)
        return torch.nn.functional.binary_cross_entropy_with_logits(
            out, target, reduction="none"
        ).mean(-1)
    return (out - y).square().mean(-1)


class ReferenceEngine:
    """Autograd and ``torch.optim.Adam`` on the model's own parameters."""

    def __init__(
        self,
        model: StudentEnsemble,
        x: torch.Tensor,
        y: torch.Tensor,
        settings: TrainSettings,
        classification: bool,
    ) -> None:
        self.model, self.x, self.y = model, x, y
        self.settings, self.classification = settings, classification
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.opt: torch.optim.Optimizer
        if settings.optimizer == "sgd":
            self.opt = torch.optim.SGD(self.params, lr=settings.lr)
        else:
            self.opt = torch.optim.Adam(
                self.params, lr=settings.lr, betas=settings.betas, eps=settings.eps
            )
        self.training = torch.ones(model.members, dtype=torch.bool, device=x.device)
        self.masks = {p: self.training.view(-1, *([1] * (p.dim() - 1))) for p in self.params}
        self.snapshot = [p.detach().clone() for p in self.params]
        self.all_training = True  # host-side copy of training.all(): no sync per step

    def run_batches(self, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """One optimiser step per batch; ``(S,)`` sample-weighted sum of the batch losses."""
        model, settings = self.model, self.settings
        total = torch.zeros(model.members, dtype=self.x.dtype, device=self.x.device)
        for xb, yb in batches:
            loss = data_loss(model(xb), yb, self.classification)
            objective = (loss + penalty(model, settings)).sum()
            self.opt.zero_grad(set_to_none=False)
            objective.backward()
            if not self.all_training:
                for p in self.params:
                    p.grad = torch.where(self.masks[p], p.grad, torch.zeros_like(p.grad))
            self.opt.step()
            total += loss.detach() * xb.shape[0]
        return total

    def sync(self) -> None:
        """The model's parameters are current after every step: nothing to write back."""

    def params_finite(self) -> torch.Tensor:
        finite = torch.ones(self.model.members, dtype=torch.bool, device=self.x.device)
        for p in self.params:
            finite &= torch.isfinite(p.detach()).reshape(self.model.members, -1).all(1)
        return finite

    def freeze(self, members: torch.Tensor, restore: bool) -> None:
        if restore:
            _freeze(self.opt, self.params, self.snapshot, members)
        else:
            _zero_moments(self.opt, self.params, members)
        self.training &= ~members
        self.all_training = False

    def end_epoch(self) -> None:
        for p, keep in zip(self.params, self.snapshot, strict=True):
            keep.copy_(p.detach())


@torch.no_grad()
def _freeze(
    opt: torch.optim.Optimizer,
    params: list[torch.Tensor],
    snapshot: list[torch.Tensor],
    dead: torch.Tensor,
) -> None:
    """Restore ``dead`` members to the snapshot and zero their Adam moments."""
    for p, keep in zip(params, snapshot, strict=True):
        p[dead] = keep[dead]
    _zero_moments(opt, params, dead)


@torch.no_grad()
def _zero_moments(
    opt: torch.optim.Optimizer, params: list[torch.Tensor], members: torch.Tensor
) -> None:
    for p in params:
        state = opt.state.get(p, {})
        for key in ("exp_avg", "exp_avg_sq"):
            if key in state:
                state[key][members] = 0.0
