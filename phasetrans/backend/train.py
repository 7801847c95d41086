"""Training loop for an ensemble of students: Adam, mini-batches, L2 terms.

:func:`train_epochs` is a generator that yields one :class:`EpochState` per
epoch; :func:`train` drives it to the end and collects the logged losses.
Progress bars and checkpoints hang on the generator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from phasetrans.backend.ensemble import StudentEnsemble

__all__ = ["EpochState", "TrainResult", "TrainSettings", "resolve_device", "train", "train_epochs"]


@dataclass(frozen=True)
class TrainSettings:
    """Hyperparameters of one method (defaults: the paper's spectral setup).

    Attributes
    ----------
    lr : float
        Adam learning rate.
    batch_size : int
        Mini-batch size; the last batch of an epoch may be smaller (Keras).
    epochs : int
        Number of passes over the training set.
    l2_eigenvalues, l2_eigenvectors, l2_dense : float
        Keras-style L2 coefficients ``c · Σ x²`` on the trainable eigenvalues
        (λ_out, and λ_in when trained), on φ, and on the dense layer.
    group_lasso : float
        Coefficient of ``Σ_i ‖W[:, i]‖₂`` on the effective first-layer weights.
    log_every : int
        Log the epoch's training loss every this many epochs (and at the last).
    betas, eps : tuple of float, float
        Adam constants (Keras defaults 0.9, 0.999, 1e-7).
    """

    lr: float = 0.005
    batch_size: int = 300
    epochs: int = 2000
    l2_eigenvalues: float = 5e-4
    l2_eigenvectors: float = 0.01
    l2_dense: float = 0.0
    group_lasso: float = 0.0
    log_every: int = 10
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-7


@dataclass(frozen=True)
class EpochState:
    """What one epoch leaves behind.

    Attributes
    ----------
    epoch : int
        1-based epoch number.
    loss : numpy.ndarray
        ``(S,)`` mean data loss over the epoch's batches (MSE, or binary
        cross-entropy for classification), without the penalty terms.
    alive : numpy.ndarray
        ``(S,)`` False for members frozen after a non-finite loss.
    """

    epoch: int
    loss: np.ndarray
    alive: np.ndarray


@dataclass(frozen=True)
class TrainResult:
    """Logged losses and divergence flags of a finished training run."""

    epochs: np.ndarray
    loss: np.ndarray  # (n_logged, S)
    diverged_epoch: np.ndarray  # (S,), -1 where the member never diverged


def resolve_device(device: str) -> torch.device:
    """Map ``"auto" | "cpu" | "cuda"`` to a torch device (``auto``: CUDA if present)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but torch.cuda.is_available() is False")
    return torch.device(device)


def _penalty(model: StudentEnsemble, settings: TrainSettings) -> torch.Tensor:
    """``(S,)`` penalty of every member."""
    layer = model.spectral
    total = torch.zeros(model.members, dtype=model.w2.dtype, device=model.w2.device)
    if settings.l2_eigenvalues and layer.lambda_out.requires_grad:
        total = total + settings.l2_eigenvalues * layer.lambda_out.square().sum(-1)
    if settings.l2_eigenvalues and layer.lambda_in.requires_grad:
        total = total + settings.l2_eigenvalues * layer.lambda_in.square().sum(-1)
    if settings.l2_eigenvectors and layer.phi.requires_grad:
        total = total + settings.l2_eigenvectors * layer.phi.square().sum((-2, -1))
    if settings.l2_dense:
        total = total + settings.l2_dense * model.w2.square().sum((-2, -1))
    if settings.group_lasso:
        norms = torch.linalg.vector_norm(layer.weight(), dim=-2)
        total = total + settings.group_lasso * norms.sum(-1)
    return total


def _data_loss(out: torch.Tensor, y: torch.Tensor, classification: bool) -> torch.Tensor:
    """``(S,)`` mean loss of each member on one batch."""
    if classification:
        target = y.expand_as(out)
        return torch.nn.functional.binary_cross_entropy_with_logits(
            out, target, reduction="none"
        ).mean(-1)
    return (out - y).square().mean(-1)


def train_epochs(
    model: StudentEnsemble,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: TrainSettings,
    *,
    generator: torch.Generator,
    classification: bool = False,
) -> Iterator[EpochState]:
    """Train ``model`` in place, yielding after every epoch.

    Parameters
    ----------
    model : StudentEnsemble
        The ensemble; its parameters are updated in place.
    x, y : torch.Tensor
        ``(N, d)`` inputs and ``(N,)`` targets, on the model's device.
    settings : TrainSettings
        Hyperparameters.
    generator : torch.Generator
        CPU generator of the batch order. Every member sees the same batches
        (one shuffle per epoch), so a member trains exactly as a single
        student given a generator in the same state.
    classification : bool
        Binary cross-entropy on logits instead of MSE.

    Yields
    ------
    EpochState

    Notes
    -----
    The objective is ``Σ_s (loss_s + penalty_s)``; since members share no
    parameter, each member's gradient is that of its own objective and Adam
    (element-wise) updates it as it would a single student. A member whose
    epoch loss is not finite is restored to its parameters at the end of the
    previous epoch and frozen (its gradient and Adam moments held at zero);
    the others go on unaffected.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=settings.lr, betas=settings.betas, eps=settings.eps)
    n = x.shape[0]
    members = model.members
    alive = torch.ones(members, dtype=torch.bool, device=x.device)
    masks = {p: alive.view(-1, *([1] * (p.dim() - 1))) for p in params}
    snapshot = [p.detach().clone() for p in params]
    all_alive = True  # host-side copy of alive.all(): no device sync per step
    for epoch in range(1, settings.epochs + 1):
        order = torch.randperm(n, generator=generator).to(x.device)
        epoch_loss = torch.zeros(members, dtype=x.dtype, device=x.device)
        for start in range(0, n, settings.batch_size):
            idx = order[start : start + settings.batch_size]
            xb, yb = x.index_select(0, idx), y.index_select(0, idx)
            loss = _data_loss(model(xb), yb, classification)
            objective = (loss + _penalty(model, settings)).sum()
            opt.zero_grad(set_to_none=False)
            objective.backward()
            if not all_alive:
                for p in params:
                    p.grad = torch.where(masks[p], p.grad, torch.zeros_like(p.grad))
            opt.step()
            epoch_loss += loss.detach() * idx.numel()
        epoch_loss /= n
        finite = torch.isfinite(epoch_loss)
        for p in params:
            finite &= torch.isfinite(p.detach()).reshape(members, -1).all(1)
        newly_dead = alive & ~finite
        if bool(newly_dead.any()):
            _freeze(opt, params, snapshot, newly_dead)
            alive &= ~newly_dead
            all_alive = False
        for p, keep in zip(params, snapshot, strict=True):
            keep.copy_(p.detach())
        yield EpochState(epoch, epoch_loss.cpu().numpy(), alive.cpu().numpy().copy())


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
        state = opt.state.get(p, {})
        for key in ("exp_avg", "exp_avg_sq"):
            if key in state:
                state[key][dead] = 0.0


def train(
    model: StudentEnsemble,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: TrainSettings,
    *,
    generator: torch.Generator,
    classification: bool = False,
    callback: Callable[[EpochState], None] | None = None,
) -> TrainResult:
    """Run :func:`train_epochs` to the end and collect the logged losses.

    Parameters
    ----------
    model, x, y, settings, generator, classification
        As for :func:`train_epochs`.
    callback : callable, optional
        Called with every :class:`EpochState` (progress bars hang here).

    Returns
    -------
    TrainResult
        Losses at epochs ``log_every, 2·log_every, …`` and the last epoch.
    """
    logged_epochs: list[int] = []
    logged: list[np.ndarray] = []
    diverged = np.full(model.members, -1, dtype=np.int64)
    for state in train_epochs(
        model, x, y, settings, generator=generator, classification=classification
    ):
        diverged[(diverged < 0) & ~state.alive] = state.epoch
        if state.epoch % settings.log_every == 0 or state.epoch == settings.epochs:
            logged_epochs.append(state.epoch)
            logged.append(state.loss)
        if callback is not None:
            callback(state)
    loss = np.stack(logged) if logged else np.empty((0, model.members))
    return TrainResult(np.asarray(logged_epochs, dtype=np.int64), loss, diverged)
