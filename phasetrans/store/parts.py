"""Where a study's part files, failure records and lock live; what a part records.

A part counts only when its data read back: :func:`part_hash` and
:func:`part_cells` read every variable of the file once (checking the
Fletcher32 checksums written with it), so a part whose header is intact but
whose data are damaged is unreadable, not done.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasetrans.config import Study

__all__ = [
    "CORRUPT",
    "cell_index",
    "failed_cells",
    "failed_cells_path",
    "failed_path",
    "part_cells",
    "part_hash",
    "part_path",
    "study_dir",
]

#: Folder (under ``parts/``) where parts that fail to read back are moved aside.
CORRUPT = "corrupt"

#: What netCDF4 raises for a file or a chunk it cannot read.
_UNREADABLE = (OSError, RuntimeError, AttributeError, KeyError, ValueError, IndexError)


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


def failed_cells_path(study: Study, key: str) -> Path:
    """Hashes of the cells of a failed pack, one per line, beside its failure record."""
    return study_dir(study) / "failed" / f"{key}.cells"


def failed_cells(study: Study) -> set[str]:
    """Hashes of every cell whose pack has a failure record."""
    return {
        line
        for path in (study_dir(study) / "failed").glob("*.cells")
        for line in path.read_text().split()
    }


def _read_back(nc: Any) -> None:
    """Read every variable of every group once (raises on a damaged chunk or checksum)."""
    for variable in nc.variables.values():
        variable.set_auto_mask(False)
        variable[...]
    for group in nc.groups.values():
        _read_back(group)


def _open_part(path: Path, verify: bool) -> Any:
    """The open part (netCDF4.Dataset), or None if it is not a part or (``verify``) fails
    to read back."""
    import netCDF4

    try:
        nc = netCDF4.Dataset(path)
    except _UNREADABLE:
        return None
    try:
        if set(nc.groups) != {"weights", "teacher"} or "test_mse" not in nc.variables:
            nc.close()
            return None
        if verify:
            _read_back(nc)
    except _UNREADABLE:
        nc.close()
        return None
    return nc


def part_hash(path: Path, *, verify: bool = True) -> str | None:
    """The task hash a part file records, or None if it cannot be read as a part.

    ``verify``: read every variable once, so that damaged data make the part
    unreadable (None).
    """
    nc = _open_part(path, verify)
    if nc is None:
        return None
    with nc:
        try:
            return str(nc.getncattr("task_hash"))
        except _UNREADABLE:
            return None


def part_cells(path: Path, *, verify: bool = True) -> dict[str, str] | None:
    """``{cell key: cell hash}`` of a packed part, ``{}`` for a part of one block, None
    if it cannot be read as a part (``verify``: including its data)."""
    nc = _open_part(path, verify)
    if nc is None:
        return None
    with nc:
        try:
            if "cell_hashes" not in nc.ncattrs():
                return {}
            keys = json.loads(str(nc.getncattr("cell_keys")))
            hashes = json.loads(str(nc.getncattr("cell_hashes")))
            return dict(zip(keys, hashes, strict=True))
        except _UNREADABLE:
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
        Parts that cannot be read, or whose data do not read back.
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
