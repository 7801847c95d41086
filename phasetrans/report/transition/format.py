"""Formatting of the transition section's numbers: a value with its 95 % interval."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["LEVEL", "format_cell", "format_param", "format_value"]

#: The level of every interval the section shows.
LEVEL = 0.95


def format_value(value: float, lo: float = math.nan, hi: float = math.nan, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, with ``[lo, hi]`` when both are finite."""
    if not np.isfinite(value):
        return "—" if np.isnan(value) else f"{value}"
    text = f"{value:.{digits}g}"
    if np.isfinite(lo) and np.isfinite(hi):
        text += f" [{lo:.{digits}g}, {hi:.{digits}g}]"
    return text


def format_cell(ds: xr.Dataset, name: str, sel: Mapping[str, Any]) -> str:
    """``name`` at ``sel`` with its 95 % interval (``<name>_interval``), when stored."""
    value = float(ds[name].sel(sel))
    key = f"{name}_interval"
    if key not in ds:
        return format_value(value)
    bounds = ds[key].sel(sel).sel(level=LEVEL)
    return format_value(value, float(bounds.sel(bound="lower")), float(bounds.sel(bound="upper")))


def format_param(result: Any, name: str) -> str:
    """The collapse parameter ``name`` of a transition result with its 95 % interval."""
    c = result.collapse
    value = float(c.params.get(name, math.nan))
    lo, hi = c.intervals.get(name, {}).get(LEVEL, (math.nan, math.nan))
    return format_value(value, lo, hi)
