"""Where a study's part files, failure records and lock live; what a part records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasetrans.config import Study

__all__ = ["failed_path", "part_hash", "part_path", "study_dir"]


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
