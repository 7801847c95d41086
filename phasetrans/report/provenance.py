"""Where a report came from: the study, the software, the machine, and its staleness stamp.

:func:`provenance_rows` gives the key/value rows of the page's Provenance
table (the study's attributes, the versions of phasetrans and the libraries
it computes with, the git commit of the code when it runs from a checkout,
the host, the dates).  :func:`content_hash` fingerprints a dataset's content,
and :data:`GENERATOR` names the code that writes the page: together they are
the report's stamp (:func:`stamp`), from which a shipped report is judged
stale (:mod:`phasetrans.report.shipped`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from phasetrans.version import __version__

__all__ = [
    "GENERATOR",
    "REPORT_FORMAT",
    "content_hash",
    "git_commit",
    "library_versions",
    "provenance_rows",
    "stamp",
]

#: The version of the report's layout and verdict rules; raise it whenever a report of
#: the same data would read differently, so that the shipped reports are regenerated.
REPORT_FORMAT = 2
#: The report generator's version, stamped on every page.
GENERATOR = f"phasetrans {__version__}, report format {REPORT_FORMAT}"
#: Libraries whose versions the page lists (torch comes from the dataset: the run's).
LIBRARIES = ("numpy", "scipy", "xarray", "dask", "lmfit", "matplotlib")


def _array_digest(values: np.ndarray) -> bytes:
    values = np.asarray(values)
    if values.dtype.kind == "O":
        return hashlib.sha256(repr(values.tolist()).encode()).digest()
    return hashlib.sha256(np.ascontiguousarray(values).tobytes()).digest()


def content_hash(ds: xr.Dataset) -> str:
    """16 hex digits of the SHA-256 of a dataset's content.

    Every variable and coordinate (name, dimensions, dtype, values) and the
    attributes, in a fixed order: the same numbers give the same hash however
    the file was opened, and any changed value, coordinate or attribute
    changes it.
    """
    digest = hashlib.sha256()
    for name in sorted(map(str, ds.variables)):
        var = ds.variables[name]
        digest.update(json.dumps([name, list(map(str, var.dims)), str(var.dtype)]).encode())
        digest.update(_array_digest(var.values))
    attrs = {str(k): str(v) for k, v in ds.attrs.items()}
    digest.update(json.dumps(attrs, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def stamp(ds: xr.Dataset) -> dict[str, str]:
    """``{"dataset_hash": ..., "generator": ...}``: what a report's staleness is judged from."""
    return {"dataset_hash": content_hash(ds), "generator": GENERATOR}


def library_versions() -> list[tuple[str, str]]:
    """``(name, version)`` of every library in :data:`LIBRARIES` that is installed."""
    rows = []
    for name in LIBRARIES:
        try:
            rows.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    return rows


def git_commit() -> str | None:
    """The commit of the phasetrans checkout this code runs from (``+ changes`` when dirty).

    None when the package is not in a git work tree or git is missing.
    """
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise OSError(done.stderr)
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", "phasetrans")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + (" + uncommitted changes to phasetrans/" if dirty else "")


def provenance_rows(
    ds: xr.Dataset, *, host: bool = True, seconds: float | None = None
) -> list[tuple[str, str]]:
    """Key/value rows of the page's Provenance table.

    Parameters
    ----------
    ds : xarray.Dataset
        The study.
    host : bool
        Name the machine the report was made on (left out of shipped reports).
    seconds : float, optional
        How long the report took to compute.
    """
    attrs = ds.attrs
    rows = [
        (label, str(attrs.get(key, "?")))
        for label, key in (
            ("study", "study_name"),
            ("study hash", "study_hash"),
            ("teacher kind", "teacher_kind"),
            ("study run on", "created"),
            ("phasetrans version of the run", "phasetrans_version"),
            ("torch version of the run", "torch_version"),
            ("device of the run", "device"),
            ("tasks", "tasks"),
        )
    ]
    rows.append(("dimensions", ", ".join(f"{k} = {v}" for k, v in ds.sizes.items())))
    if "missing_tasks" in attrs:
        rows.append(("MISSING tasks", str(attrs["missing_tasks"])))
    rows.append(("dataset content hash", content_hash(ds)))
    rows.append(("report generator", GENERATOR))
    rows += [(f"{name} version", version) for name, version in library_versions()]
    rows.append(("git commit", git_commit() or "not from a git checkout"))
    if host:
        rows.append(("host", platform.node() or "?"))
    rows.append(("report made", datetime.now(timezone.utc).isoformat(timespec="seconds")))
    if seconds is not None:
        rows.append(("report computed in", f"{seconds:.0f} s"))
    return rows
