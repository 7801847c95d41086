"""Attributes fit for a plot's labels: no markup in ``long_name``, units only where there are units.

xarray labels a plot's axes with ``long_name [units]``.  A long name written
with code markup (``top-`retained` nodes``) or a ``units`` of ``"1"`` for a
count or a ratio puts backticks and a meaningless ``[1]`` on every axis.
:func:`plain_attrs` cleans one mapping; :func:`plain` cleans every variable
and coordinate of an analysis output.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import xarray as xr

__all__ = ["DIMENSIONLESS", "plain", "plain_attrs"]

#: ``units`` values that mean "no unit" and are left out.
DIMENSIONLESS = ("1", "", "dimensionless")

_T = TypeVar("_T", xr.Dataset, xr.DataArray)


def plain_attrs(attrs: Mapping[str, object]) -> dict[str, object]:
    """``attrs`` without backticks in ``long_name`` and without a dimensionless ``units``.

    Parameters
    ----------
    attrs : mapping
        A variable's attributes.

    Returns
    -------
    dict
        A new dict; every other attribute as it was.
    """
    out = dict(attrs)
    if isinstance(out.get("long_name"), str):
        out["long_name"] = str(out["long_name"]).replace("`", "")
    if str(out.get("units", "x")).strip() in DIMENSIONLESS:
        del out["units"]
    return out


def plain(obj: _T) -> _T:
    """A copy of ``obj`` with :func:`plain_attrs` on every variable and coordinate (and itself)."""
    out = obj.copy(deep=False)
    out.attrs = plain_attrs(out.attrs)
    names = list(out.coords) + (list(out.data_vars) if isinstance(out, xr.Dataset) else [])
    for name in names:
        out[name].attrs = plain_attrs(out[name].attrs)
    return out
