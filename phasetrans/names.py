"""Dimension names, orders and shared constants of every layer, defined once (pure Python).

The backend, the store, the analysis and the faces import these names instead
of spelling them; a rename happens here and nowhere else.
"""

from __future__ import annotations

__all__ = [
    "BUDGET_COORDS",
    "COSINE_MATCH",
    "METHODS",
    "NODE_B",
    "OPTIMIZERS",
    "PRINCIPAL_ANGLE",
    "SAMPLE_DIMS",
    "STEPS",
    "STRUCTURE_DIMS",
    "SWEEP_DIMS",
    "TEACHER_NODE_B",
    "TEACHER_SWEEPS",
    "TIME",
    "TIME_COORDS",
    "at_checkpoints",
]

#: Training methods, in the order a dataset's ``training`` dimension lists them.
METHODS = ("spectral", "direct", "group_lasso")

#: Training steps (``training.<method>.step``): ``reference`` (autograd, the definition
#: of the numbers), ``fast`` (hand-written gradients), ``member`` (per-member, packable)
#: or ``auto`` (``fast`` where compiling pays for itself, else ``reference``).
STEPS = ("auto", "fast", "reference", "member")
#: Optimisers (``training.<method>.optimizer``).
OPTIMIZERS = ("adam", "sgd")

#: Sweep dimensions in the order they appear in a dataset (after ``training``): each is
#: a study field given as a list (``teacher.seeds``, ``teacher.input_dim``,
#: ``data.n_train`` or ``data.alpha``, ``training.<method>.l2_eigenvalues``).
SWEEP_DIMS = ("teacher_seed", "input_dim", "n_train", "alpha", "l2_eigenvalues")
#: The sweep dimensions that change the teacher (its weights are stored over them).
TEACHER_SWEEPS = ("teacher_seed", "input_dim")

#: The disorder: the dimensions a mean ± error is taken over (teachers, then the
#: students of each teacher). A dataset has ``seed``, and ``teacher_seed`` when the
#: study gives ``teacher.seeds``.
SAMPLE_DIMS = ("teacher_seed", "seed")

#: Cosine similarity at or above which a student node matches a teacher node
#: (``teacher_recovered``). Recorded as the ``threshold`` attribute of the variables
#: computed with it, not in any hash.
COSINE_MATCH = 0.9

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
