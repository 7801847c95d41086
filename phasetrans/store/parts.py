"""Where a study's part files, failure records and lock live; what a part records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasetrans.config import Study

__all__ = ["cell_index", "failed_path", "part_cells", "part_hash", "part_path", "study_dir"]


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


def part_cells(path: Path) -> dict[str, str] | None:
    """``{cell key: cell hash}`` of a packed part, ``{}`` for a part of one block, None
    if it cannot be read as a part."""
    import json

    import netCDF4

    try:
        with netCDF4.Dataset(path) as nc:
            if set(nc.groups) != {"weights", "teacher"} or "test_mse" not in nc.variables:
                return None
            if "cell_hashes" not in nc.ncattrs():
                return {}
            keys = json.loads(str(nc.getncattr("cell_keys")))
            hashes = json.loads(str(nc.getncattr("cell_hashes")))
            return dict(zip(keys, hashes, strict=True))
    except (OSError, RuntimeError, AttributeError, KeyError, ValueError):
        return None


def cell_index(study: Study) -> tuple[dict[str, Path], dict[Path, dict[str, str]], list[Path]]:
    """The store's index of a study planned by cells.

    Returns
    -------
    by_hash : dict
        Cell hash -> the part holding it.
    cells : dict
        Part -> its ``{cell key: cell hash}``.
    unreadable : list of Path
        Parts that cannot be read.
    """
    by_hash: dict[str, Path] = {}
    cells: dict[Path, dict[str, str]] = {}
    unreadable: list[Path] = []
    for path in sorted((study_dir(study) / "parts").glob("*.nc")):
        recorded = part_cells(path)
        if recorded is None:
            unreadable.append(path)
            continue
        cells[path] = recorded
        for h in recorded.values():
            by_hash.setdefault(h, path)
    return by_hash, cells, unreadable
