"""Where a study's part files, failure records and lock live; what a part records.

A part counts only when its data read back: :func:`part_hash` and
:func:`part_cells` read every variable of the file once (checking the
Fletcher32 checksums written with it), so a part whose header is intact but
whose data are damaged is unreadable, not done.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from phasetrans.config import Study

__all__ = [
    "CORRUPT",
    "VERIFIED_MEMO",
    "Verified",
    "cell_index",
    "failed_cells",
    "failed_cells_path",
    "failed_path",
    "load_verified",
    "part_cells",
    "part_hash",
    "part_path",
    "save_verified",
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


#: The parts folder's memo of parts that read back: name -> {"stamp": (size,
#: mtime_ns, inode), "task_hash": ..., "cells": {...}} (what the part records).
VERIFIED_MEMO = ".verified.json"

#: A memo of verified parts (:func:`load_verified`).
Verified = dict[str, dict[str, Any]]


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def load_verified(folder: Path) -> Verified:
    """The memo of the parts in ``folder`` that read back, and what they record.

    A part whose size, modification time or inode changed since is opened and
    read back again: a part is rewritten by rename (a new inode), and a damaged
    one changes at least its modification time.
    """
    try:
        memo = json.loads((folder / VERIFIED_MEMO).read_text())
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


def save_verified(folder: Path, memo: Verified) -> None:
    """Write the memo atomically; a folder that cannot be written keeps none."""
    tmp = folder / f".{VERIFIED_MEMO}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps(memo))
        os.replace(tmp, folder / VERIFIED_MEMO)
    except OSError:
        tmp.unlink(missing_ok=True)


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


def _recorded(path: Path, what: str, verify: bool, verified: Verified | None) -> Any:
    """``what`` (``"task_hash"`` or ``"cells"``) a part records, None if unreadable;
    from the memo when it holds the part unchanged, else from the file (then added)."""
    entry = None
    if verify and verified is not None:
        entry = verified.get(path.name)
        if not isinstance(entry, dict) or entry.get("stamp") != _stamp(path):
            entry = None
        elif what in entry:
            return entry[what]
    nc = _open_part(path, verify and entry is None)
    if nc is None:
        return None
    with nc:
        try:
            value = _read_record(nc, what)
        except _UNREADABLE:
            return None
    if verify and verified is not None:
        verified[path.name] = {**(entry or {"stamp": _stamp(path)}), what: value}
    return value


def _read_record(nc: Any, what: str) -> Any:
    if what == "task_hash":
        return str(nc.getncattr("task_hash"))
    if "cell_hashes" not in nc.ncattrs():
        return {}
    keys = json.loads(str(nc.getncattr("cell_keys")))
    hashes = json.loads(str(nc.getncattr("cell_hashes")))
    return dict(zip(keys, hashes, strict=True))


def part_hash(path: Path, *, verify: bool = True, verified: Verified | None = None) -> str | None:
    """The task hash a part file records, or None if it cannot be read as a part.

    ``verify``: read every variable once, so that damaged data make the part
    unreadable (None); ``verified``: a memo of parts already read back
    (:func:`load_verified`), trusted while the file is unchanged, and updated.
    """
    return _recorded(path, "task_hash", verify, verified)


def part_cells(
    path: Path, *, verify: bool = True, verified: Verified | None = None
) -> dict[str, str] | None:
    """``{cell key: cell hash}`` of a packed part, ``{}`` for a part of one block, None
    if it cannot be read as a part (``verify``: including its data; ``verified``: as
    in :func:`part_hash`)."""
    return _recorded(path, "cells", verify, verified)


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
    folder = study_dir(study) / "parts"
    verified = load_verified(folder)
    for path in sorted(folder.glob("*.nc")):
        recorded = part_cells(path, verified=verified)
        if recorded is None:
            unreadable.append(path)
            continue
        cells[path] = recorded
        for h in recorded.values():
            by_hash.setdefault(h, path)
    if folder.is_dir():
        save_verified(folder, verified)
    return by_hash, cells, unreadable
