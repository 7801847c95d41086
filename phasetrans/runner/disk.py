"""Where a run writes, checked before any work: the dataset, the study's folder, the data dir.

:func:`check_output` runs before the lock is taken and before torch is
imported, so that an output that cannot (or must not) be written is refused in
one line instead of after the whole computation. It never writes into a file
that exists: an existing ``output`` is replaced only when it is a phasetrans
study dataset.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from phasetrans.config import Study
from phasetrans.errors import ConfigError
from phasetrans.store import is_study_file, study_dir

__all__ = ["check_data_dir", "check_output"]

#: The suffix of a study dataset.
SUFFIX = ".nc"


def check_output(study: Study) -> Path:
    """Refuse an ``output`` that must not or cannot be written; create the study's folder.

    Parameters
    ----------
    study : Study
        The study; its dataset goes to ``study.output_path`` and its parts,
        lock and failure records to :func:`~phasetrans.store.study_dir`.

    Returns
    -------
    pathlib.Path
        The study's folder, created and writable.

    Raises
    ------
    ConfigError
        One line naming ``output``: no ``.nc`` suffix, a folder, an existing
        file that is not a phasetrans study, a study folder that is a file, or
        a data folder that cannot be created or written.
    """
    out = study.output_path
    value = str(study.output or out)
    allowed = f"give a file name ending in {SUFFIX} in a writable folder"
    if out.suffix != SUFFIX:
        # without the suffix the dataset and the study's folder (its parts) are one path
        raise ConfigError(
            f"output = {value!r} has no {SUFFIX} suffix; {allowed}", field="output", value=value
        )
    if out.is_dir():
        raise ConfigError(f"output = {value!r} is a folder; {allowed}", field="output", value=value)
    if out.exists() and not is_study_file(out):
        raise ConfigError(
            f"output = {value!r} exists and is not a phasetrans study dataset; it is never "
            f"overwritten: move it away or {allowed}",
            field="output",
            value=value,
        )
    folder = study_dir(study)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(
            f"output = {value!r}: the study's working folder {folder} is a file; move it away "
            f"or {allowed}",
            field="output",
            value=value,
        )
    check_data_dir(folder, field="output", value=value)
    return folder


def check_data_dir(folder: Path, *, field: str, value: str) -> None:
    """Create ``folder`` (and its parents) and check that a file can be written in it.

    Raises
    ------
    ConfigError
        One line naming ``field`` and ``value`` when ``folder`` or one of its
        parents is a file, or the folder cannot be created or written.
    """
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(
                    f"{field} = {value!r}: {parent} is a file, not a folder",
                    field=field,
                    value=value,
                )
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(
            f"{field} = {value!r}: cannot write in {folder} ({exc.strerror}); give a writable "
            "folder",
            field=field,
            value=value,
        ) from None
