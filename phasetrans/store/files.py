"""Study files on disk: atomic writes, checked reads, the merged view of the groups."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import threading
from pathlib import Path

import xarray as xr

from phasetrans.errors import DataError, StudyError
from phasetrans.store.schema import MERGED_NAME, SCHEMA

__all__ = [
    "is_study_file",
    "open_study",
    "raise_if_disk_full",
    "read_dataset",
    "read_root",
    "write_dataset",
    "write_in_progress",
    "write_netcdf",
]

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

    Raises
    ------
    StudyError
        One line when the disk is full: the path, the bytes needed (the
        dataset's uncompressed size, an estimate) and the bytes free. Nothing
        is written at ``path`` then.

    Notes
    -----
    Every numeric variable and coordinate of one or more dimensions carries a
    Fletcher32 checksum (and those of two or more are compressed), so a damaged chunk fails to
    read instead of giving wrong numbers; the values are those given.
    """
    global _writes
    path = Path(path)
    with _writes_lock:
        _writes += 1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_netcdf(ds, path)
    except (OSError, RuntimeError) as exc:
        raise_if_disk_full(exc, path, ds.nbytes)
        raise
    finally:
        with _writes_lock:
            _writes -= 1
    return path


def raise_if_disk_full(exc: BaseException, path: Path, needed: int) -> None:
    """Raise a one-line :class:`StudyError` when ``exc`` comes from a full disk.

    Parameters
    ----------
    exc : BaseException
        What writing ``path`` raised: an ``ENOSPC``/``EDQUOT`` error, or
        netCDF's "HDF error" while fewer than ``needed`` bytes are free.
    path : pathlib.Path
        The file being written.
    needed : int
        Bytes it needs (an estimate).
    """
    free = None
    for folder in (path.parent, *path.parents):
        if folder.exists():
            free = shutil.disk_usage(folder).free
            break
    # netCDF reports a full disk as an "HDF error": then judge by the free space
    short = "HDF error" in str(exc) and free is not None and free < needed
    if getattr(exc, "errno", None) not in (errno.ENOSPC, errno.EDQUOT) and not short:
        return
    available = "?" if free is None else f"{free:,}"
    raise StudyError(
        f"no space left on the device to write {path}: it needs about {needed:,} bytes "
        f"(uncompressed size, an estimate) and {available} bytes are free; free some space "
        "and rerun (finished work is kept)",
        field="output",
        value=str(path),
    ) from None


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write ``ds`` at ``path`` under a temporary name, then rename (the write layer)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        groups = _split(ds)
        for i, (group, part) in enumerate(groups.items()):
            encoding = {
                str(v): _encoding(part[v].ndim)
                for v in [*part.data_vars, *part.coords]
                if part[v].ndim >= 1 and part[v].dtype.kind in "biufc"
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


def _encoding(ndim: int) -> dict[str, object]:
    """Checksums on every numeric variable with dimensions; compression from two dimensions on."""
    return {"fletcher32": True, **({"zlib": True, "complevel": 4} if ndim >= 2 else {})}


def _split(ds: xr.Dataset) -> dict[str, xr.Dataset]:
    out: dict[str, xr.Dataset] = {}
    for group, variables in SCHEMA.items():
        names = {MERGED_NAME.get((group, k), k): k for k in variables}
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


def is_study_file(path: str | Path) -> bool:
    """Whether ``path`` is a file written by phasetrans (a study dataset or a part).

    Only the header is read: the file is netCDF4 and its root group records a
    ``study_hash`` and holds ``test_mse``.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            if f.read(8) != _HDF5_MAGIC:
                return False
    except OSError:
        return False
    import netCDF4

    try:
        with netCDF4.Dataset(path) as nc:
            return "study_hash" in nc.ncattrs() and "test_mse" in nc.variables
    except (OSError, RuntimeError):
        return False


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
        for group in SCHEMA:
            ds = xr.open_dataset(path, group=None if group == "root" else group, engine="netcdf4")
            if load:
                ds = ds.load()
                ds.close()
            if group == "teacher":
                ds = ds.rename({k: MERGED_NAME[("teacher", k)] for k in ds.data_vars})
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


def read_root(path: str | Path) -> xr.Dataset:
    """The root group of a study file, loaded (what the analyses need; no weights).

    Raises
    ------
    DataError
        As :func:`read_dataset`.
    """
    path = Path(path)
    _check_study_file(path)
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except (OSError, RuntimeError, ValueError) as exc:
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            f"{path} is not a readable phasetrans study: {text}", field="data", value=str(path)
        ) from None
    if "test_mse" not in ds.data_vars or "training" not in ds.dims:
        raise DataError(
            f"{path} is not a phasetrans study: its root group has no test_mse over a "
            "'training' dimension",
            field="data",
            value=str(path),
        )
    return ds


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
