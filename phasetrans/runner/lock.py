"""The study lock: one run of a study at a time, across processes and hosts.

The lock is a JSON file ``<study dir>/lock`` naming the host, pid and start
time of the run holding it. It is created atomically (written under a
temporary name, then hard-linked to ``lock``), so it is never empty or half
written; a lock left by a dead process on this host is taken over. A lock
that cannot be taken over (another host, a reused pid) is cleared with
``phasetrans unlock STUDY`` (:func:`unlock`), which every refusal names.

This module imports neither torch nor dask: ``run`` takes the lock first, so
a second run of a study answers "already running" at once.
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from phasetrans.config import Study
from phasetrans.errors import StudyError
from phasetrans.store import study_dir

__all__ = ["UNLOCK", "lock_holder", "study_lock", "unlock"]

#: How a user clears a lock whose run is gone (named in every refusal).
UNLOCK = "phasetrans unlock STUDY"

#: Seconds during which an unreadable lock is taken as being written (older phasetrans
#: versions wrote the lock in place); an older unreadable lock is taken over.
_WRITING = 10.0


def lock_holder(study: Study) -> dict[str, Any] | None:
    """Who holds the study's lock (``{"host", "pid", "since"}``), or None if nobody alive does."""
    holder = _read_lock(study_dir(study) / "lock")
    return holder if holder is not None and _alive(holder) else None


@contextmanager
def study_lock(study: Study) -> Iterator[Path]:
    """Hold the study's lock file for the duration of a run.

    Raises
    ------
    StudyError
        If a live process holds it (a lock left by a dead process on this host
        is taken over), or the lock path is a folder; one line saying how to
        clear the lock.
    """
    path = study_dir(study) / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    me = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    for _ in range(2):
        if _create(path, me):
            break
        _refuse_or_clear(study, path)
    else:  # pragma: no cover - another process won the race twice
        raise StudyError(f"could not take the lock {path}; {_how_to_clear(path)}")
    try:
        yield path
    finally:
        holder = _read_lock(path)
        if holder is not None and holder.get("pid") == me["pid"]:
            path.unlink(missing_ok=True)


def unlock(study: Study) -> dict[str, Any] | None:
    """Remove the study's lock unless its holder is alive on this host; return the holder.

    Returns
    -------
    dict or None
        The removed lock's content (``{"host", "pid", "since"}``, or ``{}`` for
        an unreadable lock), None when there was no lock.

    Raises
    ------
    StudyError
        When a process of this host holding the lock is alive, or the lock is
        a folder that is not empty.
    """
    path = study_dir(study) / "lock"
    if path.is_dir():
        try:
            path.rmdir()
        except OSError:
            raise StudyError(
                f"the lock {path} is a folder that is not empty; remove it yourself", field="lock"
            ) from None
        return {}
    if not path.exists():
        return None
    holder = _read_lock(path)
    if holder is not None and holder["host"] == socket.gethostname() and _alive(holder):
        raise StudyError(
            f"study {study.name!r} is running: pid {holder['pid']} on this host "
            f"({holder['host']}) holds {path} since {holder['since']}; stop it first",
            field="lock",
        )
    path.unlink(missing_ok=True)
    return holder or {}


def _create(path: Path, me: dict[str, Any]) -> bool:
    """Create the lock atomically with content ``me``; False if a lock exists already."""
    if path.is_dir():
        raise StudyError(
            f"the lock {path} is a folder, not a lock file; {_how_to_clear(path)}", field="lock"
        )
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".lock.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
        os.link(tmp, path)  # atomic, and fails when the lock exists
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        raise StudyError(f"cannot write the lock {path} ({exc.strerror})", field="lock") from None
    finally:
        if tmp is not None:
            os.unlink(tmp)


def _refuse_or_clear(study: Study, path: Path) -> None:
    """Refuse a lock held by a live (or unknown) run; remove a stale one."""
    holder = _read_lock(path)
    if holder is None and path.exists() and _age(path) < _WRITING:
        holder = {"host": "?", "pid": "?", "since": "just now"}
    if holder is not None and (holder["pid"] == "?" or _alive(holder)):
        raise StudyError(
            f"study {study.name!r} is already running: lock {path} held by pid "
            f"{holder['pid']} on host {holder['host']} since {holder['since']}; if that run "
            f"is gone, {_how_to_clear(path)}",
            field="lock",
        )
    path.unlink(missing_ok=True)  # stale: its process is gone


def _how_to_clear(path: Path) -> str:
    return f"clear it with `{UNLOCK}` (or delete {path})"


def _read_lock(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) and {"host", "pid", "since"} <= set(data) else None
    except (OSError, ValueError):
        return None


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


def _alive(holder: dict[str, Any]) -> bool:
    if holder["host"] != socket.gethostname():
        return True  # cannot tell: assume it runs
    try:
        os.kill(int(holder["pid"]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True
    return True
