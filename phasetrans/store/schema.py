"""The dataset schema: variables, dimensions and attributes; block datasets and combine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.analysis.overlaps import OVERLAP_SCHEMA, PRINCIPAL_ANGLE
from phasetrans.errors import DataError
from phasetrans.names import BUDGET_COORDS, TEACHER_NODE_B, TIME, TIME_COORDS, at_checkpoints

if TYPE_CHECKING:
    from phasetrans.backend.task import BlockResult
    from phasetrans.config import Study

__all__ = ["ROOT_VARIABLES", "STUDENT", "block_dataset", "combine_datasets", "provenance_attrs"]

#: Placeholder for the student dimensions; ``...`` expands to the sweep dimensions.
STUDENT = ("training", "...", "teacher_width", "width", "seed")
_TEACHER = ("...", "teacher_width")
_SWEEP_ORDER = ("teacher_seed", "input_dim", "n_train", "alpha", "l2_eigenvalues")
_TEACHER_SWEEPS = ("teacher_seed", "input_dim")

#: name -> (dims, long_name, units) of every variable, by group.
_SCHEMA: dict[str, dict[str, tuple[tuple[str, ...], str, str]]] = {
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
        "w1": ((*_TEACHER, "input", "teacher_node"), "teacher first-layer weights", "1"),
        "w2": ((*_TEACHER, "teacher_node", "hidden2"), "teacher second-layer weights", "1"),
        "threshold": (_TEACHER, "classification threshold on the teacher output", "1"),
        "overlap": (
            (*_TEACHER, "teacher_node", TEACHER_NODE_B),
            "teacher-teacher overlaps T = B_n . B_m / N",
            "1",
        ),
    },
}
for _name, (_dims, _long, _units) in OVERLAP_SCHEMA.items():
    _SCHEMA["root"][_name] = ((*STUDENT, *_dims), _long, _units)

#: Per-student variables also recorded at every checkpoint (``at_checkpoints(name)``),
#: with the long name they get there (the test error is with every node kept).
CHECKPOINTED = {
    "train_loss": "mean training data loss since the previous checkpoint",
    "test_mse": "test mean squared error with every node kept",
    "test_accuracy": "test accuracy with every node kept",
    "dimension": _SCHEMA["root"]["dimension"][1],
    "teacher_recovered": _SCHEMA["root"]["teacher_recovered"][1],
    "teacher_cosine": _SCHEMA["root"]["teacher_cosine"][1],
    **{name: entry[1] for name, entry in OVERLAP_SCHEMA.items()},
}
for _name, _long in CHECKPOINTED.items():
    _extra = OVERLAP_SCHEMA[_name][0] if _name in OVERLAP_SCHEMA else ()
    _SCHEMA["root"][at_checkpoints(_name)] = (
        (*STUDENT, *_extra, TIME),
        _long + " (at checkpoints)",
        "1",
    )
ROOT_VARIABLES = tuple(_SCHEMA["root"])
_MERGED_NAME = {("teacher", k): f"teacher_{k}" for k in _SCHEMA["teacher"]}

_COORD_ATTRS = {
    "training": ("training method", ""),
    "teacher_seed": ("teacher seed (teacher weights and data)", "1"),
    "input_dim": ("input dimension d", "1"),
    "n_train": ("training-set size", "1"),
    "alpha": ("samples per teacher first-layer parameter n_train/(d h_T)", "1"),
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


def _merged_schema() -> dict[str, tuple[tuple[str, ...], str, str]]:
    out: dict[str, tuple[tuple[str, ...], str, str]] = {}
    for group, variables in _SCHEMA.items():
        for name, entry in variables.items():
            out[_MERGED_NAME.get((group, name), name)] = entry
    return out


def _expand(dims: tuple[str, ...], sweeps: Sequence[str]) -> tuple[str, ...]:
    """Replace the ``...`` placeholder of a schema entry by the sweep dimensions."""
    out: list[str] = []
    for d in dims:
        out.extend(sweeps if d == "..." else [d])
    return tuple(out)


def block_dataset(
    result: BlockResult,
    *,
    cell: Mapping[str, Any] | None = None,
    scalars: Mapping[str, Any] | None = None,
    extra: Mapping[str, np.ndarray] | None = None,
    checkpoint_extra: Mapping[str, np.ndarray] | None = None,
) -> xr.Dataset:
    """Turn one ensemble's :class:`~phasetrans.backend.task.BlockResult` into a merged dataset.

    Parameters
    ----------
    result : BlockResult
        Numbers of one (training, sweep cell, teacher width, width, seed block).
    cell : mapping, optional
        The task's values along the swept dimensions (each becomes a length-1
        dimension).
    scalars : mapping, optional
        Single-value sweep fields, stored as scalar coordinates.
    extra : mapping, optional
        Further per-student variables of the schema, each of shape ``(S, ...)``
        (``teacher_recovered``, ``teacher_cosine``, the overlaps).
    checkpoint_extra : mapping, optional
        Further per-student variables at every checkpoint, ``(C, S, ...)``
        (stored as ``at_checkpoints(name)``).

    Returns
    -------
    xarray.Dataset
        All variables of the merged schema, with length-1 ``training``, sweep,
        ``teacher_width`` and ``width`` dimensions.
    """
    spec = result.spec
    width, h_t = spec.width, spec.teacher.width
    cell = {d: cell[d] for d in _SWEEP_ORDER if cell and d in cell}
    sweeps = list(cell)
    teacher_sweeps = [d for d in _TEACHER_SWEEPS if d in cell]
    lead = (1,) * (len(sweeps) + 3)  # training, sweeps, teacher_width, width

    def student(a: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        a = np.asarray(a, dtype=dtype)
        return a.reshape(lead + a.shape)

    def teacher(a: Any, dtype: type = np.float32) -> np.ndarray:
        a = np.asarray(a, dtype=dtype)
        return a.reshape((1,) * (len(teacher_sweeps) + 1) + a.shape)

    data: dict[str, Any] = {
        "test_mse": student(result.test_mse),
        "importance": student(result.importance),
        "eigenvalue": student(result.eigenvalue),
        "dimension": student(result.dimension),
        "diverged_epoch": student(np.where(result.diverged_epoch < 0, 0, result.diverged_epoch)),
        "train_loss": student(result.train_loss.T),
        "w1": student(result.w1, np.float32),
        "teacher_w1": teacher(result.teacher_w1),
        "teacher_threshold": teacher(result.teacher_threshold, np.float64),
    }
    if result.w2 is not None:
        data["w2"] = student(result.w2, np.float32)
    if result.readout is not None:
        data["readout"] = student(result.readout, np.float32)
    if result.teacher_w2 is not None:
        data["teacher_w2"] = teacher(result.teacher_w2)
    if result.teacher_overlap is not None:
        data["teacher_overlap"] = teacher(result.teacher_overlap, np.float64)
    record = result.checkpoints
    if record is not None:
        checkpointed = {"train_loss": record.train_loss, "test_mse": record.test_mse}
        checkpointed["dimension"] = record.dimension
        if record.test_accuracy is not None:
            checkpointed["test_accuracy"] = record.test_accuracy
        checkpointed.update(checkpoint_extra or {})
        for name, values in checkpointed.items():
            values = np.asarray(values, dtype=np.float64)  # (C, S, ...)
            data[at_checkpoints(name)] = student(np.moveaxis(values, 0, -1))
    if getattr(spec.settings, "stop_patience", 0):
        data["stopped_epoch"] = student(result.stopped_epoch)
    for name, values in (extra or {}).items():
        data[name] = student(values)
    if result.test_accuracy is not None:
        data["test_accuracy"] = student(result.test_accuracy)
    schema = _merged_schema()
    coords: dict[str, Any] = {
        "training": [spec.training],
        **{d: [v] for d, v in cell.items()},
        "teacher_width": [h_t],
        "width": [width],
        "seed": list(spec.seeds),
        "retained": np.arange(width + 1),
        "node": np.arange(width),
        "epoch": result.epochs,
        "input": np.arange(result.w1.shape[1]),
        "hidden2": np.arange(0 if result.w2 is None else result.w2.shape[2]),
        "teacher_node": np.arange(h_t),
        TEACHER_NODE_B: np.arange(h_t),
        PRINCIPAL_ANGLE: np.arange(h_t),
    }
    if record is not None:
        coords[TIME] = np.arange(len(record.step))
    variables = {}
    for k, v in data.items():
        dims = _expand(
            schema[k][0],
            teacher_sweeps if k in _MERGED_NAME.values() else sweeps,
        )
        variables[k] = (dims, v)
    ds = xr.Dataset(variables, coords=coords)
    unused = (TEACHER_NODE_B, TIME, "hidden2", PRINCIPAL_ANGLE)
    ds = ds.drop_vars([c for c in unused if c in ds.coords and c not in ds.dims])
    # budgets and checkpoint times belong to a cell, never to a teacher (the disorder)
    cell_dims = ("training", *(d for d in sweeps if d != "teacher_seed"), "teacher_width")
    cell_shape = (1,) * len(cell_dims)
    budget = {
        "batch_size": result.batch_size,
        "budget_steps": result.budget_steps,
        "budget_samples": result.budget_samples,
        "budget_epochs": result.budget_epochs,
        "budget_time": result.budget_samples / spec.teacher.input_dim,
    }
    if result.budget_steps:  # a result of the backend (not a hand-made one in a test)
        ds = ds.assign_coords({k: (cell_dims, np.full(cell_shape, v)) for k, v in budget.items()})
    if record is not None:
        moments = {"time_step": record.step, "time_samples": record.samples}
        moments["time_epoch"] = record.epoch
        ds = ds.assign_coords(
            {k: ((*cell_dims, TIME), np.reshape(v, (*cell_shape, -1))) for k, v in moments.items()}
        )
    for name, value in (scalars or {}).items():
        ds = ds.assign_coords({name: value})
    return _annotate(_with_n_train(ds))


def _with_n_train(ds: xr.Dataset) -> xr.Dataset:
    """With ``alpha``: add ``n_train = round(alpha · input_dim · h_T)`` as a coordinate."""
    if "alpha" not in ds.coords or "input_dim" not in ds.coords:
        return ds
    n = np.maximum(1, np.round(ds["alpha"] * ds["input_dim"] * ds["teacher_width"])).astype(int)
    dims = [d for d in ds.dims if d in ("input_dim", "alpha", "teacher_width")]
    return ds.assign_coords(n_train=n.transpose(*dims).drop_vars(list(n.coords)))


def _annotate(ds: xr.Dataset) -> xr.Dataset:
    schema = _merged_schema()
    for name in ds.data_vars:
        _, long_name, units = schema[str(name)]
        ds[name].attrs.update(long_name=long_name, units=units)
        if name in ("teacher_recovered", at_checkpoints("teacher_recovered")):
            ds[name].attrs["threshold"] = COSINE_MATCH  # recorded, not hashed
    for name, (long_name, units) in _COORD_ATTRS.items():
        if name in ds.coords:
            ds[name].attrs.update(long_name=long_name, **({"units": units} if units else {}))
    return ds


def combine_datasets(parts: Sequence[xr.Dataset]) -> xr.Dataset:
    """Combine merged block datasets into one over the union of their coordinates.

    Parameters
    ----------
    parts : sequence of xarray.Dataset
        Datasets from :func:`block_dataset` (or part files); each cell must
        come from at most one part (teacher variables may repeat). A part's NaN
        never overwrites another part's value (a packed part is NaN at the
        cells of its dense coordinates that it does not hold).

    Returns
    -------
    xarray.Dataset
        Every variable over the union coordinates; cells no part supplies are
        NaN. Scalar coordinates and attributes are those of the first part.

    Raises
    ------
    DataError
        Without parts, or when parts disagree on a scalar coordinate.
    """
    if not parts:
        raise DataError("combine_datasets needs at least one part")
    coords: dict[str, np.ndarray] = {}
    for part in parts:
        for dim in part.dims:
            values = part[dim].values
            coords[dim] = values if dim not in coords else np.union1d(coords[dim], values)
    if "training" in coords:  # keep the canonical order of the methods
        order = {"spectral": 0, "direct": 1, "group_lasso": 2}
        coords["training"] = np.array(sorted(coords["training"], key=lambda m: order.get(m, 9)))
    arrays: dict[str, np.ndarray] = {}
    dims_of: dict[str, tuple[str, ...]] = {}
    for part in parts:
        carried = {**part.data_vars, **{c: part[c] for c in CELL_COORDS if c in part.coords}}
        for name, var in carried.items():
            dims = var.dims
            if name not in arrays:
                dims_of[str(name)] = dims
                dtype = var.dtype if var.dtype.kind == "f" else np.float64
                arrays[name] = np.full([len(coords[d]) for d in dims], np.nan, dtype=dtype)
            index = np.ix_(*(_positions(coords[d], part[d].values) for d in dims))
            values = np.asarray(var.values)
            if values.dtype.kind == "f":  # a packed part is NaN where it holds no cell
                target = arrays[name][index]
                given = ~np.isnan(values)
                target[given] = values[given]
                arrays[name][index] = target
            else:
                arrays[name][index] = values
    scalars = {str(k): parts[0][k].values.item() for k in parts[0].coords if parts[0][k].ndim == 0}
    for part in parts[1:]:
        for k, v in scalars.items():
            if k in part.coords and part[k].ndim == 0 and part[k].values.item() != v:
                raise DataError(
                    f"parts disagree on the scalar coordinate {k}: {v!r} and "
                    f"{part[k].values.item()!r}",
                    field=k,
                    value=part[k].values.item(),
                )
    ds = xr.Dataset(
        {name: (dims_of[name], arr) for name, arr in arrays.items()},
        coords={k: v for k, v in coords.items()},
    )
    ds = ds.set_coords([c for c in CELL_COORDS if c in ds.data_vars])
    schema = _merged_schema()
    ds = ds[[n for n in schema if n in ds.data_vars]].assign_coords(scalars)
    ds.attrs.update(parts[0].attrs)
    return _annotate(_with_n_train(ds))


def _positions(full: np.ndarray, values: np.ndarray) -> np.ndarray:
    if full.dtype.kind in "OUS":
        lookup = {v: i for i, v in enumerate(full.tolist())}
        return np.array([lookup[v] for v in values.tolist()], dtype=np.intp)
    return np.searchsorted(full, values)


def provenance_attrs(study: Study, *, device: str, torch_version: str) -> dict[str, str]:
    """Global attributes recording where a dataset came from.

    Parameters
    ----------
    study : Study
        The study.
    device : str
        The device(s) the numbers came from.
    torch_version : str
        The torch version that computed them (carried by the block results).
    """
    from phasetrans import __version__

    return {
        "title": f"phasetrans study {study.name}",
        "study_name": study.name,
        "study_hash": study.hash,
        "study_toml": study.source,
        "teacher_kind": study.teacher.kind,
        "phasetrans_version": __version__,
        "torch_version": torch_version,
        "device": device,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "Conventions": "CF-1.10",
    }
