"""Training engines: interchangeable strategies behind one protocol (:class:`Engine`).

Each engine lives in its own module, the way emcee keeps its moves:
:mod:`~phasetrans.backend.engines.reference` (autograd, the definition of the
numbers), :mod:`~phasetrans.backend.engines.fast` (hand-written gradients,
flat Adam, compiled), :mod:`~phasetrans.backend.engines.committee`
(hand-written SGD for committee students). :mod:`~phasetrans.backend.engines.choice`
picks the one a run gets.
"""

from __future__ import annotations

from phasetrans.backend.engines.base import Engine
from phasetrans.backend.engines.choice import choose_step, engine_name, make_engine
from phasetrans.backend.engines.committee import CommitteeSGDEngine
from phasetrans.backend.engines.fast import FastEngine
from phasetrans.backend.engines.reference import ReferenceEngine

__all__ = [
    "CommitteeSGDEngine",
    "Engine",
    "FastEngine",
    "ReferenceEngine",
    "choose_step",
    "engine_name",
    "make_engine",
]
