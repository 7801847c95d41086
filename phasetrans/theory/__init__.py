"""Theory: the deterministic ODEs of online learning, numpy only.

``integrals``   the Gaussian averages I2, I3, I4 of the erf activation
``committee``   the order-parameter ODEs of online SGD for the erf soft
                committee machine and the generalisation error
``plateau``     the plateau of a learning curve and the escape from it

This layer imports numpy, scipy and :mod:`phasetrans.errors` only, so that a
trainer can be checked against it without sharing code.
"""

from __future__ import annotations

from phasetrans.theory.committee import (
    CommitteeODEResult,
    committee_drift,
    generalisation_error,
    integrate_committee,
)
from phasetrans.theory.plateau import Plateau, plateau_and_escape

__all__ = [
    "CommitteeODEResult",
    "Plateau",
    "committee_drift",
    "generalisation_error",
    "integrate_committee",
    "plateau_and_escape",
]
