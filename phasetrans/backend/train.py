"""Training loop for an ensemble of students: budgets, batches, checkpoints, divergence.

:func:`train_epochs` is a generator that yields one :class:`EpochState` per
epoch; :func:`train` drives it to the end and collects the logged losses.
Progress bars hang on the generator, checkpoints on its ``on_checkpoint`` hook.
The budget is whole epochs or a number of optimiser steps; the batches come
from a :class:`~phasetrans.backend.batches.BatchSource` (a fixed training set
or online data).

Interchangeable steps do the work: the *reference* step
(:mod:`phasetrans.backend.reference`: autograd and ``torch.optim``, the
definition of the numbers), the *fast* step of :mod:`phasetrans.backend.step`
(hand-written gradients, flat Adam, ``torch.compile``, cache-sized
sub-ensembles on CPU) and the committee SGD step of
:mod:`phasetrans.backend.committee_step`, each equal to the reference up to
floating-point summation order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from phasetrans.backend.batches import BatchSource, Checkpoint, FixedBatches
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.prune import effective_dimension, importance
from phasetrans.backend.reference import ReferenceEngine

__all__ = [
    "OPTIMIZERS",
    "STEPS",
    "EpochState",
    "TrainResult",
    "TrainSettings",
    "choose_step",
    "resolve_device",
    "train",
    "train_epochs",
]

#: Values of :attr:`TrainSettings.step`.
STEPS = ("auto", "fast", "reference", "member")
#: Values of :attr:`TrainSettings.optimizer`.
OPTIMIZERS = ("adam", "sgd")

#: ``step="auto"`` compiles when the reference step is expected to take at least
#: this many times the compile cost (see :func:`choose_step`).
_AUTO_PAYBACK = 3.0
#: Seconds to compile one block shape with inductor (2-core CPU, measured).
_COMPILE_SECONDS = 10.0
#: Reference step time model ``a + b · S · W · B`` (seconds; 2-core CPU, measured).
_REF_STEP_OVERHEAD, _REF_STEP_PER_ELEMENT = 4e-4, 5e-9


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
        Number of passes over the training set (the most, when stopping is on).
    l2_eigenvalues, l2_eigenvectors, l2_dense : float
        Keras-style L2 coefficients ``c · Σ x²`` on the trainable eigenvalues
        (λ_out, and λ_in when trained), on φ, and on the dense layer.
    group_lasso : float
        Coefficient of ``Σ_i ‖W[:, i]‖₂`` on the effective first-layer weights.
    log_every : int
        Log the epoch's training loss every this many epochs (and at the last).
    betas, eps : tuple of float, float
        Adam constants (Keras defaults 0.9, 0.999, 1e-7).
    step : {"auto", "fast", "reference", "member"}
        ``reference``: autograd and ``torch.optim.Adam``. ``fast``: the
        hand-written step of :mod:`phasetrans.backend.step` (compiled unless
        ``compile`` is False). ``member``: the per-member step of
        :mod:`phasetrans.backend.member_step`, whose numbers do not depend on
        the other members (run by :func:`phasetrans.backend.pack.run_pack`,
        not by :func:`train_epochs`). ``auto``: ``fast`` where compiling pays for
        itself, ``reference`` where its cost would dominate (:func:`choose_step`).
    compile : bool
        Compile the fast step with ``torch.compile`` (False: run it eagerly,
        e.g. for tests or where no C++ compiler is available).
    stop_patience : int
        Stop a member once its effective dimension has not changed and its
        training loss improved by less than ``stop_tol`` (relative) over the
        last ``stop_patience`` epochs; 0 turns stopping off (the default).
    stop_tol : float
        Relative loss improvement below which a member counts as converged.
    stop_threshold : float
        Relative-importance threshold of the effective dimension used by the
        stop rule (as in :func:`phasetrans.backend.prune.effective_dimension`).
    steps : int
        Optimiser steps to run; 0 (the default): ``epochs`` whole epochs. With
        ``steps``, ``epochs`` must be enough epochs to hold them.
    batches_per_epoch : int
        Split each epoch's order into exactly this many near-equal batches
        (``torch.tensor_split``); 0 (the default): batches of ``batch_size``.
    optimizer : {"adam", "sgd"}
        Adam (``betas``, ``eps``) or plain SGD (no momentum).
    checkpoints : tuple of int
        Steps after which ``on_checkpoint`` is called (:func:`train_epochs`).
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
    step: str = "auto"
    compile: bool = True
    stop_patience: int = 0
    stop_tol: float = 1e-4
    stop_threshold: float = 0.05
    steps: int = 0
    batches_per_epoch: int = 0
    optimizer: str = "adam"
    checkpoints: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.step not in STEPS:
            raise ValueError(f"step {self.step!r} is not one of {STEPS}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer {self.optimizer!r} is not one of {OPTIMIZERS}")
        if self.steps < 0 or self.batches_per_epoch < 0:
            raise ValueError("steps and batches_per_epoch must be >= 0")
        if self.stop_patience < 0:
            raise ValueError(f"stop_patience must be >= 0, got {self.stop_patience}")
        if self.stop_tol < 0:
            raise ValueError(f"stop_tol must be >= 0, got {self.stop_tol}")


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


def resolve_device(device: str) -> torch.device:
    """Map ``"auto" | "cpu" | "cuda"`` to a torch device (``auto``: CUDA if present)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but torch.cuda.is_available() is False")
    return torch.device(device)


def choose_step(settings: TrainSettings, members: int, width: int, n_train: int) -> str:
    """The step ``settings.step`` resolves to: ``"fast"`` or ``"reference"``.

    Parameters
    ----------
    settings : TrainSettings
        ``step`` and the run's length and batch size.
    members, width, n_train : int
        Ensemble size, hidden width and number of training patterns.

    Returns
    -------
    str

    Notes
    -----
    ``auto`` picks the fast step when it runs uncompiled (``compile=False``),
    and otherwise when the reference training is expected to last at least
    ``3 ×`` the compile cost, taken as 10 s per run (inductor on a 2-core CPU
    measured 3–20 s for the first compile of a block shape in a process, well
    under 1 s when its on-disk cache already holds the graph). The reference
    time is estimated as ``epochs · ⌈N/B⌉ · (0.4 ms + 5 ns · S·W·B)``, so the
    line is ≈ 30 s of reference training: at the paper's N = 10 000, B = 300,
    about 1400 epochs at W = 20, S = 8 and 170 epochs at W = 100, S = 32.
    Compiled, the fast step measured 1.4–2.5× the reference step's rate, so
    above the line the compile is paid back within the run; below it the
    saving would be a few seconds at most.
    """
    if settings.step != "auto":
        return settings.step
    if not settings.compile:
        return "fast"
    batch = min(settings.batch_size, n_train)
    per_step = _REF_STEP_OVERHEAD + _REF_STEP_PER_ELEMENT * members * width * batch
    reference_seconds = settings.epochs * math.ceil(n_train / batch) * per_step
    return "fast" if reference_seconds >= _AUTO_PAYBACK * _COMPILE_SECONDS else "reference"


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
        Hyperparameters, the step (:func:`choose_step`) and the stop rule.
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
    if settings.step == "member":
        raise ValueError("step 'member' runs through phasetrans.backend.pack.run_pack")
    members = model.members
    source = source or FixedBatches(x, y, settings, generator)
    from phasetrans.backend import committee_step

    if model.committee or settings.optimizer != "adam":
        # the fast step implements Adam on the two-hidden-layer student; committee SGD
        # has its own hand-written step
        step = "reference"
        if settings.step != "reference" and committee_step.supports(
            model, settings, classification
        ):
            step = "committee"
    else:
        step = choose_step(settings, members, model.width, x.shape[0])
    engine: Any
    if step == "committee":
        engine = committee_step.CommitteeSGDEngine(model, x, y, settings)
    elif step == "fast":
        from phasetrans.backend.engine import FastEngine

        engine = FastEngine(model, x, y, settings, classification, compiled=settings.compile)
    else:
        engine = ReferenceEngine(model, x, y, settings, classification)
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
