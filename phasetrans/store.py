"""The study dataset: schema, part files, combine, provenance, ``open_study``.

One study is one netCDF4 file. The root group holds the pruning curves and
everything indexed by student; group ``weights`` the effective weights of
every student; group ``teacher`` the teachers' weights.

Root group (open it with ``xarray.open_dataset``):

==================  ==========================================================
``test_mse``        (training, teacher_width, width, seed, retained)
``test_accuracy``   (training, teacher_width, width, seed, retained), classification only
``importance``      (training, teacher_width, width, seed, node)
``eigenvalue``      (training, teacher_width, width, seed, node)
``dimension``       (training, teacher_width, width, seed)
``diverged_epoch``  (training, teacher_width, width, seed), 0 if never
``train_loss``      (training, teacher_width, width, seed, epoch)
==================  ==========================================================

Cells that do not exist (``retained > width``, ``node >= width``, a task not
run) are NaN. :func:`open_study` merges the three groups into one dataset, the
teacher's variables renamed ``teacher_w1``, ``teacher_w2``,
``teacher_threshold``.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

if TYPE_CHECKING:
    from phasetrans.backend.task import BlockResult
    from phasetrans.config import Study

__all__ = [
    "ROOT_VARIABLES",
    "block_dataset",
    "combine_datasets",
    "open_study",
    "provenance_attrs",
    "read_dataset",
    "write_dataset",
]

STUDENT = ("training", "teacher_width", "width", "seed")

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
        "diverged_epoch": (STUDENT, "epoch at which the loss became non-finite (0: never)", "1"),
        "train_loss": ((*STUDENT, "epoch"), "mean training data loss over the epoch", "1"),
    },
    "weights": {
        "w1": ((*STUDENT, "input", "node"), "effective first-layer weights", "1"),
        "w2": ((*STUDENT, "node", "hidden2"), "second-layer weights", "1"),
    },
    "teacher": {
        "w1": (("teacher_width", "input", "teacher_node"), "teacher first-layer weights", "1"),
        "w2": (("teacher_width", "teacher_node", "hidden2"), "teacher second-layer weights", "1"),
        "threshold": (("teacher_width",), "classification threshold on the teacher output", "1"),
    },
}
ROOT_VARIABLES = tuple(_SCHEMA["root"])
_MERGED_NAME = {("teacher", k): f"teacher_{k}" for k in _SCHEMA["teacher"]}

_COORD_ATTRS = {
    "training": ("training method", ""),
    "teacher_width": ("teacher first hidden width h_T", "1"),
    "width": ("student hidden width", "1"),
    "seed": ("student initialisation seed", "1"),
    "retained": ("number of nodes kept after pruning", "1"),
    "node": ("student hidden node", "1"),
    "epoch": ("training epoch", "1"),
    "input": ("input dimension", "1"),
    "hidden2": ("second hidden layer node", "1"),
    "teacher_node": ("teacher hidden node", "1"),
}


def _merged_schema() -> dict[str, tuple[tuple[str, ...], str, str]]:
    out: dict[str, tuple[tuple[str, ...], str, str]] = {}
    for group, variables in _SCHEMA.items():
        for name, entry in variables.items():
            out[_MERGED_NAME.get((group, name), name)] = entry
    return out


def block_dataset(result: BlockResult) -> xr.Dataset:
    """Turn one ensemble's :class:`~phasetrans.backend.task.BlockResult` into a merged dataset.

    Parameters
    ----------
    result : BlockResult
        Numbers of one (training, teacher width, width, seed block).

    Returns
    -------
    xarray.Dataset
        All variables of the merged schema, with length-1 ``training``,
        ``teacher_width`` and ``width`` dimensions.
    """
    spec = result.spec
    width, h_t = spec.width, spec.teacher.width

    def student(a: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        return np.asarray(a, dtype=dtype)[None, None, None]

    data: dict[str, Any] = {
        "test_mse": student(result.test_mse),
        "importance": student(result.importance),
        "eigenvalue": student(result.eigenvalue),
        "dimension": student(result.dimension),
        "diverged_epoch": student(np.where(result.diverged_epoch < 0, 0, result.diverged_epoch)),
        "train_loss": student(result.train_loss.T),
        "w1": student(result.w1, np.float32),
        "w2": student(result.w2, np.float32),
        "teacher_w1": np.asarray(result.teacher_w1, dtype=np.float32)[None],
        "teacher_w2": np.asarray(result.teacher_w2, dtype=np.float32)[None],
        "teacher_threshold": np.array([result.teacher_threshold]),
    }
    if result.test_accuracy is not None:
        data["test_accuracy"] = student(result.test_accuracy)
    schema = _merged_schema()
    coords = {
        "training": [spec.training],
        "teacher_width": [h_t],
        "width": [width],
        "seed": list(spec.seeds),
        "retained": np.arange(width + 1),
        "node": np.arange(width),
        "epoch": result.epochs,
        "input": np.arange(result.w1.shape[1]),
        "hidden2": np.arange(result.w2.shape[2]),
        "teacher_node": np.arange(h_t),
    }
    ds = xr.Dataset({k: (schema[k][0], v) for k, v in data.items()}, coords=coords)
    return _annotate(ds)


def _annotate(ds: xr.Dataset) -> xr.Dataset:
    schema = _merged_schema()
    for name in ds.data_vars:
        _, long_name, units = schema[str(name)]
        ds[name].attrs.update(long_name=long_name, units=units)
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
        come from at most one part (teacher variables may repeat).

    Returns
    -------
    xarray.Dataset
        Every variable over the union coordinates; cells no part supplies are
        NaN. Attributes are those of the first part.
    """
    if not parts:
        raise ValueError("combine_datasets needs at least one part")
    coords: dict[str, np.ndarray] = {}
    for part in parts:
        for dim in part.dims:
            values = part[dim].values
            coords[dim] = values if dim not in coords else np.union1d(coords[dim], values)
    if "training" in coords:  # keep the canonical method order
        order = {"spectral": 0, "direct": 1, "group_lasso": 2}
        coords["training"] = np.array(sorted(coords["training"], key=lambda m: order.get(m, 9)))
    schema = _merged_schema()
    arrays: dict[str, np.ndarray] = {}
    for part in parts:
        for name, var in part.data_vars.items():
            dims = var.dims
            if name not in arrays:
                arrays[name] = np.full([len(coords[d]) for d in dims], np.nan, dtype=var.dtype)
            index = tuple(_positions(coords[d], part[d].values) for d in dims)
            arrays[name][np.ix_(*index)] = var.values
    ds = xr.Dataset(
        {name: (schema[name][0], arr) for name, arr in arrays.items()},
        coords={k: v for k, v in coords.items()},
    )
    ds = ds[[n for n in schema if n in ds.data_vars]]
    ds.attrs.update(parts[0].attrs)
    return _annotate(ds)


def _positions(full: np.ndarray, values: np.ndarray) -> np.ndarray:
    if full.dtype.kind in "OUS":
        lookup = {v: i for i, v in enumerate(full.tolist())}
        return np.array([lookup[v] for v in values.tolist()], dtype=np.intp)
    return np.searchsorted(full, values)


def provenance_attrs(study: Study, *, device: str) -> dict[str, str]:
    """Global attributes recording where a dataset came from."""
    import torch  # only the provenance needs the version; torch is a dependency

    from phasetrans import __version__

    return {
        "title": f"phasetrans study {study.name}",
        "study_name": study.name,
        "study_hash": study.hash,
        "study_toml": study.source,
        "teacher_kind": study.teacher.kind,
        "phasetrans_version": __version__,
        "torch_version": torch.__version__,
        "device": device,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "Conventions": "CF-1.10",
    }


def write_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a merged dataset as a study file, atomically.

    The root variables go to the root group, ``w1``/``w2`` to group
    ``weights`` and the teacher's variables to group ``teacher``. The file is
    written under a temporary name in the same folder and renamed, so a crash
    never leaves a half-written file at ``path``; a Ctrl-C during the write
    takes effect once the write is done.

    Parameters
    ----------
    ds : xarray.Dataset
        Merged dataset (as from :func:`combine_datasets`).
    path : str or pathlib.Path
        Destination.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _sigint_deferred():
        _write_atomically(ds, path)
    return path


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C until the block ends, then raise KeyboardInterrupt.

    An interrupt inside a netCDF write can leave the backend's file lock
    held and deadlock its own cleanup; deferred, the write finishes (or the
    temporary file is removed) first. Only in the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def _write_atomically(ds: xr.Dataset, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        groups = _split(ds)
        for i, (group, part) in enumerate(groups.items()):
            encoding = {
                v: {"zlib": True, "complevel": 4} for v in part.data_vars if part[v].ndim >= 2
            }
            part.to_netcdf(
                tmp,
                mode="w" if i == 0 else "a",
                group=None if group == "root" else group,
                engine="netcdf4",
                encoding=encoding,
            )
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _split(ds: xr.Dataset) -> dict[str, xr.Dataset]:
    out: dict[str, xr.Dataset] = {}
    for group, variables in _SCHEMA.items():
        names = {_MERGED_NAME.get((group, k), k): k for k in variables}
        present = [n for n in names if n in ds.data_vars]
        part = ds[present].rename({n: names[n] for n in present})
        part = part.drop_vars([c for c in part.coords if c not in part.dims])
        if group != "root":
            part.attrs = {}
        out[group] = part
    return out


def read_dataset(path: str | Path, *, load: bool = False) -> xr.Dataset:
    """Open a study (or part) file as one merged dataset.

    Parameters
    ----------
    path : str or pathlib.Path
        netCDF4 file written by :func:`write_dataset`.
    load : bool
        Read everything into memory and close the file.

    Returns
    -------
    xarray.Dataset
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such study file: {path}")
    groups = []
    for group in _SCHEMA:
        ds = xr.open_dataset(path, group=None if group == "root" else group, engine="netcdf4")
        if load:
            ds = ds.load()
            ds.close()
        if group == "teacher":
            ds = ds.rename({k: _MERGED_NAME[("teacher", k)] for k in ds.data_vars})
        groups.append(ds)
    merged = xr.merge(groups, combine_attrs="override", join="outer", compat="no_conflicts")
    merged.attrs = dict(groups[0].attrs)
    return merged


def open_study(path: str | Path) -> xr.Dataset:
    """Open a study dataset (root group merged with the ``weights`` and ``teacher`` groups).

    Parameters
    ----------
    path : str or pathlib.Path
        A ``data/<study>.nc`` file.

    Returns
    -------
    xarray.Dataset
        Lazily loaded. ``xarray.open_dataset(path)`` gives the root group alone.

    Examples
    --------
    >>> ds = open_study("data/quick.nc")  # doctest: +SKIP
    >>> ds.dimension.mean("seed").sel(training="spectral")  # doctest: +SKIP
    """
    return read_dataset(path)
