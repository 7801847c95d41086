"""The dataset schema: variables, dimensions and attributes, by group; annotation.

Every variable of a study dataset is declared here once, with its dimensions
(``...`` standing for the sweep dimensions), long name and units;
:func:`annotate` gives a dataset those attributes.
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from phasetrans.analysis.overlaps import OVERLAP_SCHEMA
from phasetrans.config import n_train_of
from phasetrans.config.data import alpha_realised
from phasetrans.names import (
    BUDGET_COORDS,
    COSINE_MATCH,
    PRINCIPAL_ANGLE,
    TEACHER_NODE_B,
    TIME,
    TIME_COORDS,
    at_checkpoints,
)

__all__ = [
    "CELL_COORDS",
    "CHECKPOINTED",
    "COORD_ATTRS",
    "MERGED_NAME",
    "ROOT_VARIABLES",
    "SCHEMA",
    "STUDENT",
    "TEACHER",
    "annotate",
    "expand_sweeps",
    "merged_schema",
    "with_n_train",
]

#: Placeholder for the student dimensions; ``...`` expands to the sweep dimensions.
STUDENT = ("training", "...", "teacher_width", "width", "seed")
#: Placeholder for the teacher dimensions (``...``: the teacher sweeps).
TEACHER = ("...", "teacher_width")

#: name -> (dims, long_name, units) of every variable, by group.
SCHEMA: dict[str, dict[str, tuple[tuple[str, ...], str, str]]] = {
    "root": {
        "test_mse": (
            (*STUDENT, "retained"),
            "test mean squared error with the top-`retained` nodes kept",
            "1",
        ),
        "test_accuracy": (
            (*STUDENT, "retained"),
            "test accuracy with the top-`retained` nodes kept",
            "1",
        ),
        "importance": ((*STUDENT, "node"), "node importance |lambda_out| ||phi|| sqrt(width)", "1"),
        "eigenvalue": (
            (*STUDENT, "node"),
            "output eigenvalue lambda_out of the spectral layer",
            "1",
        ),
        "dimension": (STUDENT, "effective dimension (nodes with importance/max > threshold)", "1"),
        "teacher_recovered": (
            STUDENT,
            f"fraction of teacher nodes matched at cosine >= {COSINE_MATCH} by the "
            "top-dimension nodes",
            "1",
        ),
        "teacher_cosine": (STUDENT, "mean cosine of the matched teacher-student node pairs", "1"),
        "diverged_epoch": (STUDENT, "epoch at which the loss became non-finite (0: never)", "1"),
        "stopped_epoch": (STUDENT, "epoch at which training stopped as converged (0: never)", "1"),
        "train_loss": ((*STUDENT, "epoch"), "mean training data loss over the epoch", "1"),
    },
    "weights": {
        "w1": ((*STUDENT, "input", "node"), "effective first-layer weights", "1"),
        "w2": ((*STUDENT, "node", "hidden2"), "second-layer weights", "1"),
        "readout": ((*STUDENT, "node"), "readout weights v of committee students", "1"),
    },
    "teacher": {
        "w1": ((*TEACHER, "input", "teacher_node"), "teacher first-layer weights", "1"),
        "w2": ((*TEACHER, "teacher_node", "hidden2"), "teacher second-layer weights", "1"),
        "threshold": (TEACHER, "classification threshold on the teacher output", "1"),
        "overlap": (
            (*TEACHER, "teacher_node", TEACHER_NODE_B),
            "teacher-teacher overlaps T = B_n . B_m / N",
            "1",
        ),
    },
}
for _name, (_dims, _long, _units) in OVERLAP_SCHEMA.items():
    SCHEMA["root"][_name] = ((*STUDENT, *_dims), _long, _units)

#: Per-student variables also recorded at every checkpoint (``at_checkpoints(name)``),
#: with the long name they get there (the test error is with every node kept).
CHECKPOINTED = {
    "train_loss": "mean training data loss since the previous checkpoint",
    "test_mse": "test mean squared error with every node kept",
    "test_accuracy": "test accuracy with every node kept",
    "dimension": SCHEMA["root"]["dimension"][1],
    "teacher_recovered": SCHEMA["root"]["teacher_recovered"][1],
    "teacher_cosine": SCHEMA["root"]["teacher_cosine"][1],
    **{name: entry[1] for name, entry in OVERLAP_SCHEMA.items()},
}
for _name, _long in CHECKPOINTED.items():
    _extra = OVERLAP_SCHEMA[_name][0] if _name in OVERLAP_SCHEMA else ()
    SCHEMA["root"][at_checkpoints(_name)] = (
        (*STUDENT, *_extra, TIME),
        _long + " (at checkpoints)",
        "1",
    )
#: Variables of the root group.
ROOT_VARIABLES = tuple(SCHEMA["root"])
#: ``(group, name) -> name`` in the merged dataset, where it differs (the teacher's).
MERGED_NAME = {("teacher", k): f"teacher_{k}" for k in SCHEMA["teacher"]}

#: ``name -> (long_name, units)`` of every coordinate.
COORD_ATTRS = {
    "training": ("training method", ""),
    "teacher_seed": ("teacher seed (teacher weights and data)", "1"),
    "input_dim": ("input dimension d", "1"),
    "n_train": ("training-set size", "1"),
    "alpha": ("samples per teacher first-layer parameter n_train/(d h_T)", "1"),
    "alpha_realised": ("alpha of the cell's training set, n_train/(d h_T) after rounding", "1"),
    "l2_eigenvalues": ("L2 coefficient on the eigenvalues", "1"),
    "teacher_width": ("teacher first hidden width h_T", "1"),
    "width": ("student hidden width", "1"),
    "seed": ("student initialisation seed", "1"),
    "retained": ("number of nodes kept after pruning", "1"),
    "node": ("student hidden node", "1"),
    "epoch": ("training epoch", "1"),
    "input": ("input component", "1"),
    "hidden2": ("second hidden layer node", "1"),
    "teacher_node": ("teacher hidden node", "1"),
    TEACHER_NODE_B: ("teacher hidden node (second index)", "1"),
    PRINCIPAL_ANGLE: (
        "principal angle between student and teacher spans (largest cosine first)",
        "1",
    ),
    "batch_size": ("examples per optimiser step of the cell (the largest batch)", "1"),
    "budget_steps": ("optimiser steps run", "1"),
    "budget_samples": ("training examples seen", "1"),
    "budget_epochs": ("epochs run (steps / steps per epoch)", "1"),
    "budget_time": ("natural time t = examples seen / input_dim", "1"),
    TIME: ("checkpoint index", "1"),
    "time_step": ("optimiser steps at the checkpoint", "1"),
    "time_samples": ("training examples seen at the checkpoint", "1"),
    "time_epoch": ("epochs at the checkpoint (steps / steps per epoch)", "1"),
}
#: Coordinates over the cell dimensions (training, sweeps, teacher_width[, time]).
CELL_COORDS = ("batch_size", *BUDGET_COORDS, *TIME_COORDS)


def merged_schema() -> dict[str, tuple[tuple[str, ...], str, str]]:
    """``name -> (dims, long_name, units)`` of every variable of the merged dataset."""
    out: dict[str, tuple[tuple[str, ...], str, str]] = {}
    for group, variables in SCHEMA.items():
        for name, entry in variables.items():
            out[MERGED_NAME.get((group, name), name)] = entry
    return out


def expand_sweeps(dims: tuple[str, ...], sweeps: Sequence[str]) -> tuple[str, ...]:
    """Replace the ``...`` placeholder of a schema entry by the sweep dimensions."""
    out: list[str] = []
    for d in dims:
        out.extend(sweeps if d == "..." else [d])
    return tuple(out)


def with_n_train(ds: xr.Dataset) -> xr.Dataset:
    """With ``alpha``: add ``n_train`` (:func:`~phasetrans.config.n_train_of`) as a coordinate.

    And ``alpha_realised`` (:func:`~phasetrans.config.data.alpha_realised`), the
    alpha each cell trained at, beside the nominal one.
    """
    if "alpha" not in ds.coords or "input_dim" not in ds.coords:
        return ds
    n = n_train_of(ds["alpha"], ds["input_dim"], ds["teacher_width"])
    dims = [d for d in ds.dims if d in ("input_dim", "alpha", "teacher_width")]
    realised = alpha_realised(ds["alpha"], ds["input_dim"], ds["teacher_width"])
    ds = ds.assign_coords(alpha_realised=realised.transpose(*dims).drop_vars(list(n.coords)))
    return ds.assign_coords(n_train=n.transpose(*dims).drop_vars(list(n.coords)))


def annotate(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the long name and units of every variable and coordinate, in place.

    ``teacher_recovered`` keeps the matching ``threshold`` it was computed with
    (recorded by the runner when it writes a part); where none is recorded (a
    part written before it was), the threshold is :data:`~phasetrans.names.COSINE_MATCH`,
    the only one parts were ever computed with.
    """
    schema = merged_schema()
    for name in ds.data_vars:
        _, long_name, units = schema[str(name)]
        ds[name].attrs.update(long_name=long_name, units=units)
        if name in ("teacher_recovered", at_checkpoints("teacher_recovered")):
            ds[name].attrs.setdefault("threshold", COSINE_MATCH)  # recorded, not hashed
    for name, (long_name, units) in COORD_ATTRS.items():
        if name in ds.coords:
            ds[name].attrs.update(long_name=long_name, **({"units": units} if units else {}))
    return ds
