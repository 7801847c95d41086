"""Dimension and variable names shared by every layer, defined once (pure Python).

The backend, the store, the analysis and the faces import these names instead
of spelling them; a rename happens here and nowhere else.
"""

from __future__ import annotations

__all__ = [
    "BUDGET_COORDS",
    "NODE_B",
    "PRINCIPAL_ANGLE",
    "SAMPLE_DIMS",
    "STRUCTURE_DIMS",
    "TEACHER_NODE_B",
    "TIME",
    "TIME_COORDS",
    "at_checkpoints",
]

#: Dimension of the checkpoints in time: an integer index 0 … n_checkpoints − 1.
TIME = "time"
#: Coordinates of a checkpoint: optimiser steps, examples seen and epochs (fractional
#: with online data or mid-epoch checkpoints), over the cell dimensions and ``time``.
TIME_COORDS = ("time_step", "time_samples", "time_epoch")
#: The budget actually run per cell (coordinates over the cell dimensions), and the
#: natural time ``budget_samples / input_dim``.
BUDGET_COORDS = ("budget_steps", "budget_samples", "budget_epochs", "budget_time")
#: Second student-node dimension of node × node matrices (Q).
NODE_B = "node_b"
#: Second teacher-node dimension of teacher-node × teacher-node matrices (T).
TEACHER_NODE_B = "teacher_node_b"

#: Dimension of the principal angles between a student's and the teacher's spans.
PRINCIPAL_ANGLE = "principal_angle"

#: The disorder, outermost first: the teachers, then the students of each teacher.
#: Averages and their errors over the disorder run over these (two levels).
SAMPLE_DIMS = ("teacher_seed", "seed")

#: Dimensions every study has (its structure); any other dimension is a swept parameter.
STRUCTURE_DIMS = (
    "training",
    "teacher_width",
    "width",
    "seed",
    "retained",
    "node",
    NODE_B,
    "epoch",
    "input",
    "hidden2",
    "teacher_node",
    TEACHER_NODE_B,
    PRINCIPAL_ANGLE,
    "layer",
    "rank",
    TIME,
)

#: Suffix of a per-student variable recorded at every checkpoint.
_AT_CHECKPOINTS = "_time"


def at_checkpoints(name: str) -> str:
    """Name of the variable holding ``name`` at every checkpoint (dimension :data:`TIME`).

    The final value stays in ``name``; ``at_checkpoints("dimension")`` is
    ``"dimension_time"``, with the dimensions of ``dimension`` plus ``time``.
    """
    return f"{name}{_AT_CHECKPOINTS}"
