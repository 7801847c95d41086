"""The study and task hashes: canonical JSON, and fields added later left out at their default."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["NEW_FIELD_DEFAULTS", "drop_new_defaults", "stable_hash"]

#: Fields added after studies had been run, with the value that keeps the old
#: behaviour: left out of the study and task hashes at that value, so that
#: existing parts stay valid (``table.field`` or ``training.*.field``).
NEW_FIELD_DEFAULTS: dict[str, Any] = {
    "teacher.activation": "relu",
    "teacher.orthogonal": False,
    "teacher.width": None,
    "data.online": False,
    "data.nested": None,
    "students.readout": None,
    "students.activation": None,
    "students.init_q": None,
    "training.*.steps": None,
    "training.*.samples": None,
    "training.*.batches_per_epoch": None,
    "training.*.optimizer": "adam",
    "training.*.lr_scaling": "none",
    "record": {"checkpoints": None},
}
# run.pack and run.max_members are scheduling only: Study.content() leaves them out


def drop_new_defaults(dump: dict[str, Any]) -> dict[str, Any]:
    """``dump`` without the :data:`NEW_FIELD_DEFAULTS` fields that hold their default."""
    out = json.loads(json.dumps(dump))
    for path, default in NEW_FIELD_DEFAULTS.items():
        parts = path.split(".")
        tables = [out]
        for key in parts[:-1]:
            if key == "*":
                tables = [t for table in tables for t in table.values() if isinstance(t, dict)]
            else:
                tables = [table[key] for table in tables if isinstance(table.get(key), dict)]
        for table in tables:
            if parts[-1] in table and table[parts[-1]] == default:
                del table[parts[-1]]
    return out


def stable_hash(content: Any) -> str:
    """16 hex digits of the SHA-256 of ``content`` as canonical JSON."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
