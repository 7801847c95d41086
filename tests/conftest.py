"""Shared fixtures: tiny study files that run in a few seconds on one core."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

#: A study of 8 tasks (2 methods × 2 widths × 2 seed blocks), ~3 s in-process.
TINY_STUDY: dict[str, Any] = {
    "name": "tiny",
    "teacher": {"widths": [4]},
    "data": {"n_train": 600, "n_test": 500},
    "students": {"widths": [8, 16], "seeds": [0, 1, 2]},
    "training": {"spectral": {"epochs": 30}, "direct": {"epochs": 30}},
    "run": {"seed_block": 2},
}


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _toml(table: dict[str, Any], prefix: str = "") -> str:
    """Minimal TOML writer: nested tables of strings, numbers, booleans and lists."""
    lines = [f"{k} = {json.dumps(v)}" for k, v in table.items() if not isinstance(v, dict)]
    text = "\n".join(lines)
    for key, value in table.items():
        if isinstance(value, dict):
            name = f"{prefix}{key}"
            inner = _toml(value, f"{name}.")
            text += f"\n[{name}]\n{inner}" if inner.strip() else f"\n[{name}]\n"
    return text.strip() + "\n"


def write_study(directory: Path, **overrides: Any) -> Path:
    """Write a tiny study file into ``directory`` and return its path.

    Parameters
    ----------
    directory : pathlib.Path
        Folder of the study file ``<name>.toml``; the dataset goes to
        ``<directory>/data/<name>.nc`` unless ``output`` is given.
    **overrides
        Merged into :data:`TINY_STUDY` table by table, e.g.
        ``training={"spectral": {"epochs": 150}}``; a value ``None`` removes the key
        (``training={"direct": None}`` with ``students={"methods": ["spectral"]}``).
    """
    spec = _merge(TINY_STUDY, overrides)
    spec.setdefault("output", str(Path(directory) / "data" / f"{spec['name']}.nc"))
    path = Path(directory) / f"{spec['name']}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_toml(spec))
    return path


@pytest.fixture(scope="session")
def tiny_study():
    """Factory ``tiny_study(directory, **overrides) -> Path`` (see :func:`write_study`)."""
    return write_study
