"""Which engine trains a run: the strategy ``settings.step`` resolves to, and the engine itself."""

from __future__ import annotations

import math

import torch

from phasetrans.backend.engines.base import Engine
from phasetrans.backend.engines.committee import CommitteeSGDEngine, supports
from phasetrans.backend.engines.fast import FastEngine
from phasetrans.backend.engines.reference import ReferenceEngine
from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.specs import TrainSettings

__all__ = ["choose_step", "engine_name", "make_engine"]

#: ``step="auto"`` compiles when the reference step is expected to take at least
#: this many times the compile cost (see :func:`choose_step`).
AUTO_PAYBACK = 3.0
#: Seconds to compile one block shape with inductor (2-core CPU, measured).
COMPILE_SECONDS = 10.0
#: Reference step time model ``a + b · S · W · B`` (seconds; 2-core CPU, measured).
REF_STEP_OVERHEAD, REF_STEP_PER_ELEMENT = 4e-4, 5e-9


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
    per_step = REF_STEP_OVERHEAD + REF_STEP_PER_ELEMENT * members * width * batch
    reference_seconds = settings.epochs * math.ceil(n_train / batch) * per_step
    return "fast" if reference_seconds >= AUTO_PAYBACK * COMPILE_SECONDS else "reference"


def engine_name(
    model: StudentEnsemble, settings: TrainSettings, classification: bool, n_train: int
) -> str:
    """The engine a run gets: ``"reference"``, ``"fast"`` or ``"committee"``.

    The fast step implements Adam on the two-hidden-layer student; committee
    students and SGD run on the reference engine, or on the committee SGD
    engine where it implements the run exactly (and ``step`` is not
    ``"reference"``). Otherwise :func:`choose_step` decides.
    """
    if settings.step == "member":
        raise ValueError("step 'member' runs through phasetrans.backend.pack.run_pack")
    if model.committee or settings.optimizer != "adam":
        if settings.step != "reference" and supports(model, settings, classification):
            return "committee"
        return "reference"
    return choose_step(settings, model.members, model.width, n_train)


def make_engine(
    model: StudentEnsemble,
    x: torch.Tensor,
    y: torch.Tensor,
    settings: TrainSettings,
    classification: bool,
) -> Engine:
    """The engine (:func:`engine_name`) that trains ``model`` on batches of ``x, y``.

    Parameters
    ----------
    model : StudentEnsemble
        The ensemble; its parameters are updated in place.
    x, y : torch.Tensor
        Training inputs and targets on the model's device (with online data,
        any batch: the dtype and device are used).
    settings : TrainSettings
        Hyperparameters and the step.
    classification : bool
        Binary cross-entropy on logits instead of MSE.

    Returns
    -------
    Engine
    """
    name = engine_name(model, settings, classification, x.shape[0])
    if name == "committee":
        return CommitteeSGDEngine(model, x, y, settings)
    if name == "fast":
        return FastEngine(model, x, y, settings, classification, compiled=settings.compile)
    return ReferenceEngine(model, x, y, settings, classification)
