"""One ensemble's result as a dataset of the study schema (:func:`block_dataset`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.backend.results import BlockResult
from phasetrans.names import (
    PRINCIPAL_ANGLE,
    SWEEP_DIMS,
    TEACHER_NODE_B,
    TEACHER_SWEEPS,
    TIME,
    at_checkpoints,
)
from phasetrans.store.schema import (
    MERGED_NAME,
    annotate,
    expand_sweeps,
    merged_schema,
    with_n_train,
)

__all__ = ["block_dataset"]


def block_dataset(
    result: BlockResult,
    *,
    cell: Mapping[str, Any] | None = None,
    scalars: Mapping[str, Any] | None = None,
    extra: Mapping[str, np.ndarray] | None = None,
    checkpoint_extra: Mapping[str, np.ndarray] | None = None,
) -> xr.Dataset:
    """Turn one ensemble's :class:`~phasetrans.backend.results.BlockResult` into a merged dataset.

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
    cell = {d: cell[d] for d in SWEEP_DIMS if cell and d in cell}
    sweeps = list(cell)
    teacher_sweeps = [d for d in TEACHER_SWEEPS if d in cell]
    data = _variables(result, len(sweeps), len(teacher_sweeps), extra, checkpoint_extra)
    schema = merged_schema()
    variables = {
        k: (
            expand_sweeps(schema[k][0], teacher_sweeps if k in MERGED_NAME.values() else sweeps),
            v,
        )
        for k, v in data.items()
    }
    ds = xr.Dataset(variables, coords=_coords(result, cell))
    unused = (TEACHER_NODE_B, TIME, "hidden2", PRINCIPAL_ANGLE)
    ds = ds.drop_vars([c for c in unused if c in ds.coords and c not in ds.dims])
    ds = _with_cell_coords(ds, result, sweeps)
    for name, value in (scalars or {}).items():
        ds = ds.assign_coords({name: value})
    return annotate(with_n_train(ds))


def _variables(
    result: BlockResult,
    n_sweeps: int,
    n_teacher_sweeps: int,
    extra: Mapping[str, np.ndarray] | None,
    checkpoint_extra: Mapping[str, np.ndarray] | None,
) -> dict[str, np.ndarray]:
    """Every variable of the block, shaped with its length-1 leading dimensions."""
    lead = (1,) * (n_sweeps + 3)  # training, sweeps, teacher_width, width

    def student(a: Any, dtype: type = np.float64) -> np.ndarray:
        a = np.asarray(a, dtype=dtype)
        return a.reshape(lead + a.shape)

    def teacher(a: Any, dtype: type = np.float32) -> np.ndarray:
        a = np.asarray(a, dtype=dtype)
        return a.reshape((1,) * (n_teacher_sweeps + 1) + a.shape)

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
    if result.spec.settings.stop_patience:
        data["stopped_epoch"] = student(result.stopped_epoch)
    for name, values in (extra or {}).items():
        data[name] = student(values)
    if result.test_accuracy is not None:
        data["test_accuracy"] = student(result.test_accuracy)
    return data


def _coords(result: BlockResult, cell: Mapping[str, Any]) -> dict[str, Any]:
    """The dimension coordinates of the block."""
    spec = result.spec
    width, h_t = spec.width, spec.teacher.width
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
    if result.checkpoints is not None:
        coords[TIME] = np.arange(len(result.checkpoints.step))
    return coords


def _with_cell_coords(ds: xr.Dataset, result: BlockResult, sweeps: list[str]) -> xr.Dataset:
    """``ds`` with the budget actually run and the checkpoint times, over the cell dimensions.

    Budgets and checkpoint times belong to a cell, never to a teacher (the disorder).
    """
    cell_dims = ("training", *(d for d in sweeps if d != "teacher_seed"), "teacher_width")
    cell_shape = (1,) * len(cell_dims)
    budget = {
        "batch_size": result.batch_size,
        "budget_steps": result.budget_steps,
        "budget_samples": result.budget_samples,
        "budget_epochs": result.budget_epochs,
        "budget_time": result.budget_samples / result.spec.teacher.input_dim,
    }
    if result.budget_steps:  # a run of no step (epochs = 0) records no budget
        ds = ds.assign_coords({k: (cell_dims, np.full(cell_shape, v)) for k, v in budget.items()})
    record = result.checkpoints
    if record is not None:
        moments = {"time_step": record.step, "time_samples": record.samples}
        moments["time_epoch"] = record.epoch
        ds = ds.assign_coords(
            {k: ((*cell_dims, TIME), np.reshape(v, (*cell_shape, -1))) for k, v in moments.items()}
        )
    return ds
