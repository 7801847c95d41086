"""Checks on the xarray inputs of the analysis functions.

Every check raises :class:`AnalysisInputError` with a one-line message that
names the argument, the offending value and what is allowed, in the spirit of
``pyfssa.scaledata``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import xarray as xr

from phasetrans.errors import AnalysisInputError

__all__ = [
    "AnalysisInputError",
    "require_control",
    "require_dims",
    "require_finite_data",
    "require_known_names",
    "require_sizes",
]


def require_dims(da: xr.DataArray, dims: Mapping[str, str | None], name: str = "da") -> None:
    """Check that ``da`` has every dimension named in ``dims``.

    Parameters
    ----------
    da : xarray.DataArray
        The array to check.
    dims : mapping of str to str or None
        ``{argument name: dimension name}``; entries whose dimension is None
        are skipped.
    name : str
        How the array is called in the message.

    Raises
    ------
    AnalysisInputError
        If a named dimension is not a dimension of ``da``, or two arguments
        name the same dimension.
    """
    named = {arg: dim for arg, dim in dims.items() if dim is not None}
    for arg, dim in named.items():
        if dim not in da.dims:
            raise AnalysisInputError(
                f"{arg}={dim!r} is not a dimension of {name}; allowed: {list(map(str, da.dims))}"
            )
    if len(set(named.values())) != len(named):
        raise AnalysisInputError(f"dimension arguments must differ, got {named}")


def require_sizes(da: xr.DataArray, size_dim: str) -> np.ndarray:
    """Return the sizes along ``size_dim`` as floats, checking they are usable.

    Raises
    ------
    AnalysisInputError
        If there is only one size, a size is not a finite positive number, or
        sizes repeat.
    """
    if da.sizes[size_dim] < 2:
        raise AnalysisInputError(
            f"size_dim={size_dim!r} has length {da.sizes[size_dim]}; "
            "a collapse needs at least 2 sizes"
        )
    if size_dim not in da.coords:
        raise AnalysisInputError(
            f"size_dim={size_dim!r} has no coordinate; give the system sizes as its coordinate"
        )
    values = da[size_dim].values
    try:
        sizes = values.astype(float)
    except (TypeError, ValueError):
        raise AnalysisInputError(
            f"size_dim={size_dim!r} coordinate {values.tolist()} is not numeric; "
            "allowed: positive numbers"
        ) from None
    bad = ~np.isfinite(sizes) | (sizes <= 0)
    if bad.any():
        raise AnalysisInputError(
            f"size_dim={size_dim!r} has sizes {values[bad].tolist()}; "
            "allowed: finite positive numbers"
        )
    if np.unique(sizes).size != sizes.size:
        raise AnalysisInputError(
            f"size_dim={size_dim!r} has repeated sizes {values.tolist()}; allowed: distinct sizes"
        )
    return sizes


def require_control(da: xr.DataArray, control_dim: str) -> np.ndarray:
    """Return the control coordinate as floats, checking it is numeric and distinct.

    Raises
    ------
    AnalysisInputError
        If the coordinate is missing, not numeric, not finite or has repeats.
    """
    if control_dim not in da.coords:
        raise AnalysisInputError(
            f"control_dim={control_dim!r} has no coordinate; give the control values"
        )
    values = da[control_dim].values
    try:
        control = values.astype(float)
    except (TypeError, ValueError):
        raise AnalysisInputError(
            f"control_dim={control_dim!r} coordinate is not numeric; allowed: real numbers"
        ) from None
    if not np.isfinite(control).all():
        raise AnalysisInputError(
            f"control_dim={control_dim!r} coordinate has non-finite values; allowed: finite"
        )
    if np.unique(control).size != control.size:
        raise AnalysisInputError(
            f"control_dim={control_dim!r} coordinate has repeated values; allowed: distinct"
        )
    return control


def require_finite_data(da: xr.DataArray, name: str = "da") -> None:
    """Raise :class:`AnalysisInputError` when ``da`` holds no finite value."""
    if da.size == 0 or not np.isfinite(np.asarray(da.values, dtype=float)).any():
        raise AnalysisInputError(
            f"{name} {getattr(da, 'name', None) or ''} holds no finite value "
            f"(shape {dict(da.sizes)}); need data that are not all NaN"
        )


def require_known_names(
    given: Iterable[str], allowed: Iterable[str], argument: str, hint: str = ""
) -> None:
    """Raise :class:`AnalysisInputError` when ``given`` has a name outside ``allowed``."""
    allowed = list(allowed)
    for key in given:
        if key not in allowed:
            raise AnalysisInputError(
                f"{argument} names unknown parameter {key!r}; allowed: {allowed}{hint}"
            )
