"""The dataset schema: variables, dimensions and attributes, by group; annotation.

Every variable of a study dataset is declared here once, with its dimensions
(``...`` standing for the sweep dimensions), long name and units;
:func:`annotate` gives a dataset those attributes.  Long names are plain text
(xarray prints them on plot axes); a dimensionless quantity has units ``""``
and gets no ``units`` attribute.
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from phasetrans.analysis.attrs import DIMENSIONLESS
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
            "test mean squared error with the most important retained nodes kept",
            "",
        ),
        "test_accuracy": (
            (*STUDENT, "retained"),
            "test accuracy with the most important retained nodes kept",
            "",
        ),
        "importance": ((*STUDENT, "node"), "node importance |lambda_out| ||phi|| sqrt(width)", ""),
        "eigenvalue": (
            (*STUDENT, "node"),
            "output eigenvalue lambda_out of the spectral layer",
            "",
        ),
        "dimension": (STUDENT, "effective dimension (nodes with importance/max > threshold)", ""),
        "teacher_recovered": (
            STUDENT,
            f"fraction of teacher nodes matched at cosine >= {COSINE_MATCH} by the "
            "top-dimension nodes",
            "",
        ),
        "teacher_cosine": (STUDENT, "mean cosine of the matched teacher-student node pairs", ""),
        "diverged_epoch": (STUDENT, "epoch at which the loss became non-finite (0: never)", ""),
        "stopped_epoch": (STUDENT, "epoch at which training stopped as converged (0: never)", ""),
        "train_loss": ((*STUDENT, "epoch"), "mean training data loss over the epoch", ""),
    },
    "weights": {
        "w1": ((*STUDENT, "input", "node"), "effective first-layer weights", ""),
        "w2": ((*STUDENT, "node", "hidden2"), "second-layer weights", ""),
        "readout": ((*STUDENT, "node"), "readout weights v of committee students", ""),
    },
    "teacher": {
        "w1": ((*TEACHER, "input", "teacher_node"), "teacher first-layer weights", ""),
        "w2": ((*TEACHER, "teacher_node", "hidden2"), "teacher second-layer weights", ""),
        "threshold": (TEACHER, "classification threshold on the teacher output", ""),
        "overlap": (
            (*TEACHER, "teacher_node", TEACHER_NODE_B),
            "teacher-teacher overlaps T = B_n . B_m / N",
            "",
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
        "",
    )
#: Variables of the root group.
ROOT_VARIABLES = tuple(SCHEMA["root"])
#: ``(group, name) -> name`` in the merged dataset, where it differs (the teacher's).
MERGED_NAME = {("teacher", k): f"teacher_{k}" for k in SCHEMA["teacher"]}

#: ``name -> (long_name, units)`` of every coordinate.
COORD_ATTRS = {
    "training": ("training method", ""),
    "teacher_seed": ("teacher seed (teacher weights and data)", ""),
    "input_dim": ("input dimension d", ""),
    "n_train": ("training-set size", ""),
    "alpha": ("samples per teacher first-layer parameter n_train/(d h_T)", ""),
    "alpha_realised": ("alpha of the cell's training set, n_train/(d h_T) after rounding", ""),
    "l2_eigenvalues": ("L2 coefficient on the eigenvalues", ""),
    "teacher_width": ("teacher first hidden width h_T", ""),
    "width": ("student hidden width", ""),
    "seed": ("student initialisation seed", ""),
    "retained": ("number of nodes kept after pruning", ""),
    "node": ("student hidden node", ""),
    "epoch": ("training epoch", ""),
    "input": ("input component", ""),
    "hidden2": ("second hidden layer node", ""),
    "teacher_node": ("teacher hidden node", ""),
    TEACHER_NODE_B: ("teacher hidden node (second index)", ""),
    PRINCIPAL_ANGLE: (
        "principal angle between student and teacher spans (largest cosine first)",
        "",
    ),
    "batch_size": ("examples per optimiser step of the cell (the largest batch)", ""),
    "budget_steps": ("optimiser steps run", ""),
    "budget_samples": ("training examples seen", ""),
    "budget_epochs": ("epochs run (steps / steps per epoch)", ""),
    "budget_time": ("natural time t = examples seen / input_dim", ""),
    TIME: ("checkpoint index", ""),
    "time_step": ("optimiser steps at the checkpoint", ""),
    "time_samples": ("training examples seen at the checkpoint", ""),
    "time_epoch": ("epochs at the checkpoint (steps / steps per epoch)", ""),
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
        _label(ds[name], long_name, units)
        if name in ("teacher_recovered", at_checkpoints("teacher_recovered")):
            ds[name].attrs.setdefault("threshold", COSINE_MATCH)  # recorded, not hashed
    for name, (long_name, units) in COORD_ATTRS.items():
        if name in ds.coords:
            _label(ds[name], long_name, units)
    return ds


def _label(da: xr.DataArray, long_name: str, units: str) -> None:
    """Set ``long_name``, and ``units`` only where there are units (xarray shows ``[]`` else)."""
    da.attrs["long_name"] = long_name
    if units in DIMENSIONLESS:
        da.attrs.pop("units", None)
    else:
        da.attrs["units"] = units
