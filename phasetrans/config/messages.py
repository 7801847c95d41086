"""One line for pydantic's first validation error: the field, the value, what is allowed."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from phasetrans.config.study import Study
from phasetrans.config.training import TrainingSpec

__all__ = ["describe_error"]


#: What a sweep field (a value or a list) allows, for error messages.
_SWEEP_ALLOWED = {
    "input_dim": "a positive integer or a non-empty list of them",
    "n_train": "a positive integer or a non-empty list of them",
    "alpha": "a finite positive number or a non-empty list of them",
    "l2_eigenvalues": "a finite number >= 0 or a non-empty list of them",
}


def _is_union_tag(part: str) -> bool:
    """pydantic names the member of a union it tried (``constrained-int``, ``list[...]``)."""
    return not part.isdigit() and ("[" in part or "-" in part) and part != "[key]"


def describe_error(error: dict[str, Any], data: Any) -> str:
    """One line for pydantic's first error: field, value, what is allowed."""
    raw = [str(p) for p in error["loc"]]
    loc = [p for p in raw if not _is_union_tag(p)]
    kind = error["type"]
    parts: list[str] = []
    for p in loc:
        if p.isdigit() and parts:
            parts[-1] += f"[{p}]"
        else:
            parts.append(p)
    field = ".".join(parts) or "<study>"
    names = [p for p in loc if not p.isdigit()]
    if len(loc) != len(raw) and names and names[-1] in _SWEEP_ALLOWED:
        value = _lookup(data, [p for p in loc if not p.isdigit()])
        return f"{field.split('[')[0]} = {value!r} is invalid: must be {_SWEEP_ALLOWED[names[-1]]}"
    if kind == "extra_forbidden":
        owner = _model_at(loc[:-1])
        allowed = ", ".join(owner.model_fields) if owner else "see the documentation"
        return f"unknown key {field!r}; allowed keys here: {allowed}"
    if kind == "missing":
        return f"{field} is required but missing"
    value = error.get("input")
    msg = error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if not loc:
        return msg
    if loc[-1] == "[key]":
        field = field.removesuffix(".[key]")
        return f"{field} is not allowed: {msg[0].lower()}{msg[1:]}"
    if isinstance(value, dict):  # a rule across the fields of one table
        return f"{field}: {msg}"
    return f"{field} = {value!r} is invalid: {msg[0].lower()}{msg[1:]}"


def _lookup(data: Any, path: list[str]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Study
    for i, key in enumerate(loc):
        if model is None:
            return None
        if model is Study and key == "training":
            return TrainingSpec if len(loc) == i + 2 else None
        info = model.model_fields.get(key)
        if info is None:
            return None
        ann = info.annotation
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return model
