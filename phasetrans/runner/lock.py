"""The study lock: one run of a study at a time, across processes and hosts.

The lock is a JSON file ``<study dir>/lock`` naming the host, pid and start
time of the run holding it; a lock left by a dead process on this host is
taken over.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from phasetrans.config import Study
from phasetrans.errors import StudyError
from phasetrans.store import study_dir

__all__ = ["lock_holder", "study_lock"]


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
        If a live process holds it; a lock left by a dead process on this
        host is taken over.
    """
    path = study_dir(study) / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    me = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _read_lock(path)
            if holder is None and _age(path) < 10.0:
                # being written by a process that has just created it
                holder = {"host": "?", "pid": "?", "since": "just now"}
            if holder is not None and (holder["pid"] == "?" or _alive(holder)):
                raise StudyError(
                    f"study {study.name!r} is already running: lock {path} held by pid "
                    f"{holder['pid']} on host {holder['host']} since {holder['since']}"
                ) from None
            path.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w") as f:
            json.dump(me, f)
        break
    else:  # pragma: no cover - another process won the race twice
        raise StudyError(f"could not take the lock {path}")
    try:
        yield path
    finally:
        holder = _read_lock(path)
        if holder is not None and holder.get("pid") == me["pid"]:
            path.unlink(missing_ok=True)


def _read_lock(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
        return data if {"host", "pid", "since"} <= set(data) else None
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
    except PermissionError:
        return True
    return True
