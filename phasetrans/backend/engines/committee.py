"""Plain SGD on committee students with hand-written gradients (no autograd, no optimiser).

Online learning at batch 1 takes hundreds of thousands of steps, each a handful
of tiny tensor operations; autograd and ``torch.optim`` cost several times the
arithmetic there. :class:`CommitteeSGDEngine` computes the same gradients by
hand for ``out = Σ_i v_i g(w_i · x / √d)`` with ``w = φ (λ_in − λ_out)``, and is
held to the reference engine by a test (same numbers up to float summation order).
"""

from __future__ import annotations

import math

import torch

from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.specs import TrainSettings
from phasetrans.backend.teacher import activate

__all__ = ["CommitteeSGDEngine", "supports"]


def supports(model: StudentEnsemble, settings: TrainSettings, classification: bool) -> bool:
    """True when :class:`CommitteeSGDEngine` implements this run exactly.

    Committee students, SGD, no trained input eigenvalues, no group lasso,
    MSE loss.
    """
    return (
        model.committee
        and settings.optimizer == "sgd"
        and not model.spectral.lambda_in.requires_grad
        and not settings.group_lasso
        and not classification
    )


def _derivative(z: torch.Tensor, activation: str) -> torch.Tensor:
    if activation == "erf":  # d/dz erf(z / √2) = √(2/π) exp(−z²/2)
        return math.sqrt(2.0 / math.pi) * torch.exp(-0.5 * z * z)
    return (z > 0).to(z.dtype)


class CommitteeSGDEngine:
    """SGD steps of a committee ensemble, gradients written out.

    Parameters
    ----------
    model : StudentEnsemble
        Committee students; their tensors are updated in place.
    x, y : torch.Tensor
        Any batch: only the dtype and device are used.
    settings : TrainSettings
        ``lr`` and the L2 coefficients (``c · Σ x²``, gradient ``2 c x``).
    """

    def __init__(
        self, model: StudentEnsemble, x: torch.Tensor, y: torch.Tensor, settings: TrainSettings
    ) -> None:
        self.model, self.settings = model, settings
        layer = model.spectral
        self.phi, self.lam = layer.phi, layer.lambda_out
        self.lambda_in = layer.lambda_in
        self.train_lambda = layer.lambda_out.requires_grad
        self.train_readout = model.readout.requires_grad
        self.scale = 1.0 / math.sqrt(layer.phi.shape[-2])
        self.mask = torch.ones(model.members, dtype=x.dtype, device=x.device)
        self.params = [p for p in (self.phi, self.lam, model.readout) if p.requires_grad]
        self.snapshot = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def run_batches(self, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """One SGD step per batch; ``(S,)`` sample-weighted sum of the batch losses."""
        s, model = self.settings, self.model
        lr, mask = s.lr, self.mask
        phi, lam, v = self.phi, self.lam, model.readout
        total = torch.zeros(model.members, dtype=mask.dtype, device=mask.device)
        for xb, yb in batches:
            factor = self.lambda_in.unsqueeze(-1) - lam.unsqueeze(-2)  # (S, 1 or d, W)
            w = phi * factor
            pre = torch.einsum("bj,sji->sbi", xb, w) * self.scale  # (S, B, W)
            h = activate(pre, model.activation)
            out = (h * v.unsqueeze(-2)).sum(-1)  # (S, B)
            err = out - yb
            total += err.square().sum(-1)
            d_out = err * (2.0 / xb.shape[0])  # d mean(err²) / d out
            d_pre = d_out.unsqueeze(-1) * v.unsqueeze(-2) * _derivative(pre, model.activation)
            d_w = torch.einsum("bj,sbi->sji", xb, d_pre) * self.scale  # (S, d, W)
            step = mask.view(-1, 1, 1) * lr
            if self.train_readout:
                d_v = (d_out.unsqueeze(-1) * h).sum(-2) + 2 * s.l2_dense * v
                v.sub_(mask.view(-1, 1) * lr * d_v)
            if self.train_lambda:
                d_lam = -(d_w * phi).sum(-2) + 2 * s.l2_eigenvalues * lam
                lam.sub_(mask.view(-1, 1) * lr * d_lam)
            phi.sub_(step * (d_w * factor + 2 * s.l2_eigenvectors * phi))
        return total

    def params_finite(self) -> torch.Tensor:
        """``(S,)`` False where a member's parameters are not all finite."""
        finite = torch.ones(self.model.members, dtype=torch.bool, device=self.mask.device)
        for p in self.params:
            finite &= torch.isfinite(p.detach()).reshape(self.model.members, -1).all(1)
        return finite

    @torch.no_grad()
    def freeze(self, members: torch.Tensor, restore: bool) -> None:
        """Hold ``members`` fixed from now on (``restore``: back to the last epoch's end)."""
        if restore:
            for p, keep in zip(self.params, self.snapshot, strict=True):
                p[members] = keep[members]
        self.mask[members] = 0.0

    def end_epoch(self) -> None:
        """Take the snapshot that a diverged member is restored to."""
        for p, keep in zip(self.params, self.snapshot, strict=True):
            keep.copy_(p.detach())

    def sync(self) -> None:
        """The model's tensors are updated in place: nothing to write back."""
