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
import tempfile
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from phasetrans.errors import DataError

if TYPE_CHECKING:
    from phasetrans.backend.task import BlockResult
    from phasetrans.config import Study

__all__ = [
    "ROOT_VARIABLES",
    "block_dataset",
    "combine_datasets",
    "failed_path",
    "open_study",
    "part_hash",
    "part_path",
    "provenance_attrs",
    "read_dataset",
    "study_dir",
    "write_dataset",
    "write_in_progress",
]

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
            "fraction of teacher nodes matched at cosine >= 0.9 by the top-dimension nodes",
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
    },
    "teacher": {
        "w1": ((*_TEACHER, "input", "teacher_node"), "teacher first-layer weights", "1"),
        "w2": ((*_TEACHER, "teacher_node", "hidden2"), "teacher second-layer weights", "1"),
        "threshold": (_TEACHER, "classification threshold on the teacher output", "1"),
    },
}
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
}


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
        Further per-student variables of the schema, each of shape ``(S,)``
        (``teacher_recovered``, ``teacher_cosine``).

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
        "w2": student(result.w2, np.float32),
        "teacher_w1": teacher(result.teacher_w1),
        "teacher_w2": teacher(result.teacher_w2),
        "teacher_threshold": teacher(result.teacher_threshold, np.float64),
    }
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
        "hidden2": np.arange(result.w2.shape[2]),
        "teacher_node": np.arange(h_t),
    }
    variables = {}
    for k, v in data.items():
        dims = _expand(
            schema[k][0],
            teacher_sweeps if k.startswith("teacher_w") or k == "teacher_threshold" else sweeps,
        )
        variables[k] = (dims, v)
    ds = xr.Dataset(variables, coords=coords)
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
        for name, var in part.data_vars.items():
            dims = var.dims
            if name not in arrays:
                dims_of[str(name)] = dims
                dtype = var.dtype if var.dtype.kind == "f" else np.float64
                arrays[name] = np.full([len(coords[d]) for d in dims], np.nan, dtype=dtype)
            index = tuple(_positions(coords[d], part[d].values) for d in dims)
            arrays[name][np.ix_(*index)] = var.values
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


# --------------------------------------------------------------------------- files

_writes = 0
_writes_lock = threading.Lock()


def write_in_progress() -> bool:
    """True while :func:`write_dataset` is writing (a Ctrl-C handler may wait for it)."""
    return _writes > 0


def write_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a merged dataset as a study file, atomically.

    The root variables go to the root group, ``w1``/``w2`` to group
    ``weights`` and the teacher's variables to group ``teacher``. The file is
    written under a temporary name in the same folder and renamed, so a crash
    or an interrupt never leaves a half-written file at ``path``. No signal
    handler is installed here: a program that wants Ctrl-C to wait for the
    write checks :func:`write_in_progress` in its own handler (the CLI does).

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
    global _writes
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writes_lock:
        _writes += 1
    try:
        _write_atomically(ds, path)
    finally:
        with _writes_lock:
            _writes -= 1
    return path


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
        used = {d for v in part.data_vars.values() for d in v.dims}
        part = part.drop_vars(
            [c for c in part.coords if c not in part.dims and not set(part[c].dims) <= used]
        )
        if group != "root":
            part.attrs = {}
        out[group] = part
    return out


_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _check_study_file(path: Path) -> None:
    """Raise :class:`DataError` (one line) unless ``path`` looks like a netCDF4 study."""
    if not path.exists():
        raise DataError(f"no such study file: {path}", field="data", value=str(path))
    if path.is_dir():
        raise DataError(
            f"{path} is a folder, not a study file (.nc)", field="data", value=str(path)
        )
    try:
        with open(path, "rb") as f:
            magic = f.read(8)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}", field="data") from None
    if magic != _HDF5_MAGIC:
        what = "an empty file" if not magic else "not a netCDF4 file"
        raise DataError(
            f"{path} is {what}; give a study dataset written by phasetrans (.nc)",
            field="data",
            value=str(path),
        )


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

    Raises
    ------
    DataError
        One line when the file is missing, a folder, empty, truncated, not
        netCDF4, or a netCDF4 file that is not a phasetrans study.
    """
    path = Path(path)
    _check_study_file(path)
    groups = []
    try:
        for group in _SCHEMA:
            ds = xr.open_dataset(path, group=None if group == "root" else group, engine="netcdf4")
            if load:
                ds = ds.load()
                ds.close()
            if group == "teacher":
                ds = ds.rename({k: _MERGED_NAME[("teacher", k)] for k in ds.data_vars})
            groups.append(ds)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "group not found" in text.lower() or isinstance(exc, KeyError):
            text = "it has no 'weights'/'teacher' groups"
        raise DataError(
            f"{path} is not a readable phasetrans study: {text}", field="data", value=str(path)
        ) from None
    if "test_mse" not in groups[0].data_vars or "training" not in groups[0].dims:
        raise DataError(
            f"{path} is not a phasetrans study: its root group has no test_mse over a "
            "'training' dimension",
            field="data",
            value=str(path),
        )
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


# --------------------------------------------------------------------------- parts


def study_dir(study: Study) -> Path:
    """Folder holding a study's parts, lock and failure log (``data/<study>/``)."""
    out = study.output_path
    return out.parent / out.stem


def part_path(study: Study, key: str) -> Path:
    """Part file of one task."""
    return study_dir(study) / "parts" / f"{key}.nc"


def failed_path(study: Study, key: str) -> Path:
    """Failure record (traceback text) of one task."""
    return study_dir(study) / "failed" / f"{key}.txt"


def part_hash(path: Path) -> str | None:
    """The task hash a part file records, or None if it cannot be read as a part."""
    import netCDF4

    try:
        with netCDF4.Dataset(path) as nc:
            if set(nc.groups) != {"weights", "teacher"} or "test_mse" not in nc.variables:
                return None
            return str(nc.getncattr("task_hash"))
    except (OSError, RuntimeError, AttributeError, KeyError):
        return None
