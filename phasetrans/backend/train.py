"""Training loop for an ensemble of students: budgets, batches, checkpoints, divergence.

:func:`train_epochs` is a generator that yields one :class:`EpochState` per
epoch; :func:`train` drives it to the end and collects the logged losses.
Progress bars hang on the generator, checkpoints on its ``on_checkpoint`` hook.
The budget is whole epochs or a number of optimiser steps; the batches come
from a :class:`~phasetrans.backend.batches.BatchSource` (a fixed training set
or online data).

The steps themselves are done by an interchangeable engine
(:mod:`phasetrans.backend.engines`: the autograd reference, the fast step, the
committee SGD step), each equal to the reference up to floating-point
summation order; the loop is the same for all.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from phasetrans.backend.batches import BatchSource, Checkpoint, FixedBatches
from phasetrans.backend.engines import make_engine
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.prune import effective_dimension, importance
from phasetrans.backend.specs import TrainSettings

__all__ = ["EpochState", "TrainResult", "train", "train_epochs"]


@dataclass(frozen=True)
class EpochState:
    """What one epoch leaves behind.

    Attributes
    ----------
    epoch : int
        1-based epoch number.
    loss : numpy.ndarray
        ``(S,)`` mean data loss over the epoch's batches (MSE, or binary
        cross-entropy for classification), without the penalty terms. A
        stopped member keeps the value of the epoch at which it stopped.
    alive : numpy.ndarray
        ``(S,)`` False for members frozen after a non-finite loss.
    stopped : numpy.ndarray
        ``(S,)`` True for members frozen by the stop rule.
    step, samples : int
        Optimiser steps done and examples seen since the start.
    """

    epoch: int
    loss: np.ndarray
    alive: np.ndarray
    stopped: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    step: int = 0
    samples: int = 0


@dataclass(frozen=True)
class TrainResult:
    """Logged losses, divergence and stopping epochs of a finished training run.

    Attributes
    ----------
    epochs : numpy.ndarray
        ``(n_logged,)`` logged epochs: multiples of ``log_every`` and the last
        epoch run (earlier than ``settings.epochs`` when every member stopped).
    loss : numpy.ndarray
        ``(n_logged, S)`` training losses; a stopped member keeps its last value.
    diverged_epoch : numpy.ndarray
        ``(S,)`` epoch of the non-finite loss, -1 where the member never diverged.
    stopped_epoch : numpy.ndarray
        ``(S,)`` epoch at which the stop rule froze the member, 0 where it never did.
    steps, samples : int
        Optimiser steps run and examples seen.
    """

    epochs: np.ndarray
    loss: np.ndarray  # (n_logged, S)
    diverged_epoch: np.ndarray  # (S,), -1 where the member never diverged
    stopped_epoch: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    steps: int = 0
    samples: int = 0


class _StopRule:
    """The convergence test of :attr:`TrainSettings.stop_patience` (host side)."""

    def __init__(self, settings: TrainSettings, members: int) -> None:
        self.patience, self.tol = settings.stop_patience, settings.stop_tol
        self.threshold = settings.stop_threshold
        self.dims = np.zeros((0, members), dtype=np.int64)
        self.losses = np.zeros((0, members))

    def update(self, model: StudentEnsemble, loss: np.ndarray) -> np.ndarray:
        """Record one epoch; return ``(S,)`` True where the member has converged."""
        with torch.no_grad():
            layer = model.spectral
            dim = effective_dimension(importance(layer.lambda_out, layer.phi), self.threshold)
        keep = self.patience + 1
        self.dims = np.vstack([self.dims, dim.cpu().numpy()[None]])[-keep:]
        self.losses = np.vstack([self.losses, loss[None]])[-keep:]
        if len(self.dims) < keep:
            return np.zeros(loss.shape, dtype=bool)
        same_dim = (self.dims == self.dims[-1]).all(0)
        before, now = self.losses[0], self.losses[-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            improvement = (before - now) / np.abs(before)
        return same_dim & (improvement < self.tol)


def train_epochs(
    model: StudentEnsemble,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: TrainSettings,
    *,
    generator: torch.Generator,
    classification: bool = False,
    source: BatchSource | None = None,
    on_checkpoint: Callable[[Checkpoint], None] | None = None,
) -> Iterator[EpochState]:
    """Train ``model`` in place, yielding after every epoch.

    Parameters
    ----------
    model : StudentEnsemble
        The ensemble; its parameters are updated in place (and are current at
        every yield).
    x, y : torch.Tensor
        ``(N, d)`` inputs and ``(N,)`` targets, on the model's device.
    settings : TrainSettings
        Hyperparameters, the step (the engine: :func:`~phasetrans.backend.engines.make_engine`)
        and the stop rule.
    generator : torch.Generator
        CPU generator of the batch order. Every member sees the same batches
        (one shuffle per epoch), so a member trains exactly as a single
        student given a generator in the same state.
    classification : bool
        Binary cross-entropy on logits instead of MSE.
    source : BatchSource, optional
        Where the batches come from: by default :class:`FixedBatches` over
        ``x, y`` (``generator`` draws each epoch's order); online learning
        passes :class:`OnlineBatches`. ``x`` then only gives the dtype and device.
    on_checkpoint : callable, optional
        Called with a :class:`Checkpoint` after each step of
        ``settings.checkpoints``, with the model's parameters current.

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

    With ``stop_patience = K > 0`` a member stops at epoch ``e ≥ K + 1`` when
    its effective dimension was the same at epochs ``e − K … e`` and
    ``(L_{e−K} − L_e) / |L_{e−K}| < stop_tol`` for its epoch losses ``L``. It
    is frozen like a diverged member (no restore: its parameters stay
    bit-identical from then on) and its reported loss stays ``L_e``. The run
    ends when no member is left training, or at ``epochs``. With stopping off
    the run always lasts ``epochs`` (or ``steps``: the last epoch is then cut
    short, and its reported loss is the mean over the batches it ran).
    """
    members = model.members
    engine = make_engine(model, x, y, settings, classification)
    source = source or FixedBatches(x, y, settings, generator)
    per_epoch = source.steps_per_epoch
    total_steps = settings.steps or settings.epochs * per_epoch
    checkpoints = sorted({c for c in settings.checkpoints if 0 < c <= total_steps})
    alive = torch.ones(members, dtype=torch.bool, device=x.device)
    stopped = np.zeros(members, dtype=bool)
    held = np.zeros(members)
    rule = _StopRule(settings, members) if settings.stop_patience > 0 else None
    done = seen = 0
    since = _Accumulator(members, x)
    for epoch in range(1, math.ceil(total_steps / per_epoch) + 1):
        batches = source.epoch_batches(epoch)[: total_steps - done]
        this_epoch = _Accumulator(members, x)
        while batches:
            upcoming = next((c for c in checkpoints if c > done), total_steps)
            segment, batches = batches[: upcoming - done], batches[upcoming - done :]
            total, count = engine.run_batches(segment), sum(xb.shape[0] for xb, _ in segment)
            this_epoch.add(total, count)
            since.add(total, count)
            done, seen = done + len(segment), seen + count
            if done in checkpoints and on_checkpoint is not None:
                engine.sync()
                on_checkpoint(Checkpoint(done, seen, done / per_epoch, since.mean()))
                since = _Accumulator(members, x)
        epoch_loss = this_epoch.total / this_epoch.count
        finite = torch.isfinite(epoch_loss) & engine.params_finite()
        newly_dead = alive & ~finite
        if stopped.any():
            newly_dead &= ~torch.from_numpy(stopped).to(x.device)
        if bool(newly_dead.any()):
            engine.freeze(newly_dead, restore=True)
            alive &= ~newly_dead
        engine.end_epoch()
        loss = epoch_loss.cpu().numpy()
        loss[stopped] = held[stopped]
        alive_host = alive.cpu().numpy().copy()
        if rule is not None:
            newly_stopped = rule.update(model, loss) & alive_host & ~stopped
            if newly_stopped.any():
                engine.freeze(torch.from_numpy(newly_stopped).to(x.device), restore=False)
                stopped |= newly_stopped
                held[newly_stopped] = loss[newly_stopped]
        yield EpochState(epoch, loss, alive_host, stopped.copy(), done, seen)
        if rule is not None and not (alive_host & ~stopped).any():
            break


class _Accumulator:
    """Sample-weighted sum of batch losses, per member."""

    def __init__(self, members: int, like: torch.Tensor) -> None:
        self.total = torch.zeros(members, dtype=like.dtype, device=like.device)
        self.count = 0

    def add(self, total: torch.Tensor, count: int) -> None:
        self.total += total
        self.count += count

    def mean(self) -> np.ndarray:
        return (self.total / max(self.count, 1)).cpu().numpy()


def train(
    model: StudentEnsemble,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: TrainSettings,
    *,
    generator: torch.Generator,
    classification: bool = False,
    callback: Callable[[EpochState], None] | None = None,
    source: BatchSource | None = None,
    on_checkpoint: Callable[[Checkpoint], None] | None = None,
) -> TrainResult:
    """Run :func:`train_epochs` to the end and collect the logged losses.

    Parameters
    ----------
    model, x, y, settings, generator, classification, source, on_checkpoint
        As for :func:`train_epochs`.
    callback : callable, optional
        Called with every :class:`EpochState` (progress bars hang here).

    Returns
    -------
    TrainResult
        Losses at epochs ``log_every, 2·log_every, …`` and the last epoch run.
    """
    logged_epochs: list[int] = []
    logged: list[np.ndarray] = []
    diverged = np.full(model.members, -1, dtype=np.int64)
    stopped = np.zeros(model.members, dtype=np.int64)
    state = None
    last = math.ceil(settings.steps / (source or FixedBatches(x, y, settings)).steps_per_epoch)
    for state in train_epochs(
        model,
        x,
        y,
        settings,
        generator=generator,
        classification=classification,
        source=source,
        on_checkpoint=on_checkpoint,
    ):
        diverged[(diverged < 0) & ~state.alive] = state.epoch
        stopped[(stopped == 0) & state.stopped] = state.epoch
        if state.epoch % settings.log_every == 0 or state.epoch == (last or settings.epochs):
            logged_epochs.append(state.epoch)
            logged.append(state.loss)
        if callback is not None:
            callback(state)
    if state is not None and (not logged_epochs or logged_epochs[-1] != state.epoch):
        logged_epochs.append(state.epoch)
        logged.append(state.loss)
    loss = np.stack(logged) if logged else np.empty((0, model.members))
    return TrainResult(
        np.asarray(logged_epochs, dtype=np.int64),
        loss,
        diverged,
        stopped,
        steps=0 if state is None else state.step,
        samples=0 if state is None else state.samples,
    )
