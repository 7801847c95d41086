"""How the ``ds.pt`` accessor takes its slice: defaults, checked values, dimensions put back.

Every bad argument ends in the package's one-line
:class:`~phasetrans.errors.AnalysisInputError` naming the argument, the value
and what is allowed, never in xarray's ``KeyError``.  A dimension that the
caller selected away (``ds.sel(training="spectral")``) needs nothing here: the
analyses themselves accept selections (:mod:`phasetrans.analysis.selection`).
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from phasetrans.errors import AnalysisInputError

__all__ = [
    "check_value",
    "curve_slice",
    "merge_given",
    "require_seeds",
    "slice_of",
]


def check_value(obj: xr.Dataset | xr.DataArray, dim: str, value: object) -> object:
    """``value`` if it is a value of ``obj[dim]``; else the error naming what is allowed.

    Raises
    ------
    AnalysisInputError
        With ``field`` = ``dim``: the dataset has no such coordinate, or not this value.
    """
    if dim not in obj.coords:
        raise AnalysisInputError(
            f"{dim}={value!r}: the dataset has no {dim!r}; its dimensions are "
            f"{list(map(str, obj.dims))}",
            field=dim,
            value=value,
        )
    allowed = obj[dim].values.ravel().tolist()
    if value not in allowed:
        raise AnalysisInputError(
            f"{dim}={value!r} is not in the dataset; allowed: {allowed}", field=dim, value=value
        )
    return value


def merge_given(given: Mapping[str, object], at: Mapping[str, object] | None) -> dict[str, object]:
    """The named values (``training=``, ``width=`` ...) and ``at``, which must agree."""
    merged = dict(given)
    for name, value in (at or {}).items():
        if merged.get(name) is not None and merged[name] != value:
            raise AnalysisInputError(
                f"{name}={merged[name]!r} and at[{name!r}]={value!r} disagree; give it once",
                field=name,
                value=value,
            )
        merged[name] = value
    return merged


def slice_of(
    ds: xr.Dataset,
    observable: str,
    size: str,
    control: str,
    given: Mapping[str, object],
) -> xr.DataArray:
    """The collapse input of the slice: ``given`` values (None: not given), defaults for the rest.

    See :func:`phasetrans.analysis.defaults.default_slice`; ``ds`` may be a
    selection of a study.
    """
    from phasetrans.analysis.defaults import default_slice

    return default_slice(ds, observable, size=size, control=control, given=given)


def require_seeds(da: xr.DataArray) -> xr.DataArray:
    """``da`` if it keeps the student seeds as a dimension: the error bars come from them."""
    if "seed" not in da.dims:
        raise AnalysisInputError(
            "seed: this selection holds one student per cell, and a collapse or fit takes "
            "its error bars and bootstrap from the seeds; keep several, e.g. "
            "ds.isel(seed=slice(0, 2))",
            field="seed",
            value=None,
        )
    return da


def curve_slice(
    ds: xr.Dataset,
    observable: str,
    size: str,
    control: str,
    given: Mapping[str, object],
) -> tuple[xr.DataArray, str, tuple[float, float] | None]:
    """One size's curve of the slice, its control dimension and the default window.

    The size is the value of ``size`` in ``given`` (checked), else the largest
    (:func:`phasetrans.analysis.defaults.curve_value`).
    """
    from phasetrans.analysis.collapse_input import control_dim
    from phasetrans.analysis.defaults import curve_value, default_window

    given = dict(given)
    value = given.pop(size, None)
    da = require_seeds(slice_of(ds, observable, size, control, given))
    value = curve_value(da, size) if value is None else check_value(da, size, value)
    cdim = control_dim(control)
    curve = da.sel({size: value}, drop=True).dropna(cdim, how="all")
    return curve, cdim, default_window(da)
