"""Selections of a study: dimensions selected away are put back, once, for every analysis.

``ds.sel(training="spectral")`` or ``ds.sel(teacher_width=8)`` keeps the
selected value as a scalar coordinate and drops the dimension; a study with a
single teacher width may store ``teacher_width`` as a scalar from the start.
The analyses index students by :data:`REQUIRED_DIMS`, so every entry point that
takes a study is wrapped in :func:`accepts_selection`: it puts those
dimensions back with length 1 (:func:`restore_dims`), runs the analysis, and
squeezes them out of an xarray result again, so the result mirrors its input
and holds the same numbers as the un-selected result selected afterwards
(``f(ds.sel(x=v))`` equals ``f(ds).sel(x=v)``).

Other swept dimensions (``input_dim``, ``alpha``, ``teacher_seed`` ...) need
nothing: no analysis requires them, and a study selected to one value of them
is a study that did not sweep them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import xarray as xr

from phasetrans.names import TIME

__all__ = [
    "INNER_DIMS",
    "REQUIRED_DIMS",
    "STUDENT_ONLY_DIMS",
    "accepts_selection",
    "restore_dims",
    "squeeze_restored",
]

#: Dimensions every study has that index a student (any sweep comes on top).
REQUIRED_DIMS: tuple[str, ...] = ("training", "teacher_width", "width", "seed")
#: Dimensions only a student's variables have (a teacher's have none of them).
STUDENT_ONLY_DIMS: tuple[str, ...] = ("training", "width", "seed", "node", "retained", "epoch")

#: Dimensions inside one student or teacher (after the student dimensions in the store).
INNER_DIMS: tuple[str, ...] = (
    "retained",
    "node",
    "epoch",
    "input",
    "hidden2",
    "teacher_node",
    TIME,
)

_Data = TypeVar("_Data", xr.Dataset, xr.DataArray)
_F = TypeVar("_F", bound=Callable[..., Any])


def restore_dims(ds: _Data, dims: Sequence[str] = REQUIRED_DIMS) -> tuple[_Data, tuple[str, ...]]:
    """``ds`` with each of ``dims`` that was selected away a dimension of length 1 again.

    It goes where it was: ``teacher_width`` on every variable, a student
    dimension (``training``, ``width``, ``seed``) on the variables of the
    students (those over one of :data:`STUDENT_ONLY_DIMS`), not on the teacher's.

    Parameters
    ----------
    ds : xarray.Dataset or xarray.DataArray
        A study, or a selection of one (or a result over its students).
    dims : sequence of str
        The dimensions wanted (default :data:`REQUIRED_DIMS`).

    Returns
    -------
    ds : xarray.Dataset or xarray.DataArray
    restored : tuple of str
        The dimensions put back, to squeeze from a result so that it mirrors
        its input (:func:`squeeze_restored`).
    """
    restored = tuple(
        d for d in dims if d not in ds.dims and d in ds.coords and ds.coords[d].ndim == 0
    )
    if not restored:
        return ds, ()
    if isinstance(ds, xr.DataArray):
        restored = tuple(_added(ds, restored))
        return _expanded(ds, restored).assign_coords(_coords(ds, restored)), restored
    out = ds.drop_vars(list(restored)).assign_coords(_coords(ds, restored))
    for name, var in ds.data_vars.items():
        out[name] = _expanded(var, restored)
    return out, restored


def _coords(ds: xr.Dataset | xr.DataArray, dims: Sequence[str]) -> dict[str, Any]:
    return {d: (d, [ds.coords[d].item()], dict(ds.coords[d].attrs)) for d in dims}


def _added(var: xr.DataArray, restored: Sequence[str]) -> list[str]:
    """The restored dimensions ``var`` gets: ``teacher_width`` always, the rest if a student's."""
    students = bool(set(map(str, var.dims)) & set(STUDENT_ONLY_DIMS))
    return [d for d in restored if d == "teacher_width" or students]


def _expanded(var: xr.DataArray, restored: Sequence[str]) -> xr.DataArray:
    """``var`` with its restored dimensions, in the store's order (see :data:`INNER_DIMS`)."""
    var = var.drop_vars([d for d in restored if d in var.coords])
    add = _added(var, restored)
    if not add:
        return var
    dims = [*add, *map(str, var.dims)]
    inner = [d for d in dims if d in INNER_DIMS]
    sweeps = [d for d in dims if d not in INNER_DIMS and d not in REQUIRED_DIMS]
    order = [d for d in ("training", *sweeps, *REQUIRED_DIMS[1:], *inner) if d in dims]
    return var.expand_dims(add).transpose(*order)


def squeeze_restored(result: Any, restored: Sequence[str]) -> Any:
    """``result`` without the length-1 dimensions ``restored`` put back (kept as scalars).

    Anything but a Dataset or DataArray (a figure, a record, a dict) is returned as is.
    """
    if not isinstance(result, xr.Dataset | xr.DataArray):
        return result
    dims = [d for d in restored if d in result.dims and result.sizes[d] == 1]
    return result.squeeze(dims) if dims else result


def accepts_selection(fn: _F | None = None, *, keep_size: bool = False) -> Any:
    """Wrap an analysis whose first argument is a study so that it accepts a selection of one.

    The wrapped function sees the study with :data:`REQUIRED_DIMS` restored
    (:func:`restore_dims`); its xarray result has them squeezed out again
    (:func:`squeeze_restored`).  A first argument that is not a Dataset or
    DataArray is passed through, so the function's own check reports it.

    Parameters
    ----------
    fn : callable
        The analysis (``@accepts_selection``).
    keep_size : bool
        Keep the dimension named by the function's ``size`` argument in the
        result even if it was restored (``@accepts_selection(keep_size=True)``):
        a collapse input is over its size by contract, also with one size.
    """

    def decorate(func: _F) -> _F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(ds: Any, *args: Any, **kwargs: Any) -> Any:
            if not isinstance(ds, xr.Dataset | xr.DataArray):
                return func(ds, *args, **kwargs)
            full, restored = restore_dims(ds)
            result = func(full, *args, **kwargs)
            if keep_size and restored:
                bound = signature.bind(ds, *args, **kwargs)
                bound.apply_defaults()
                restored = tuple(d for d in restored if d != bound.arguments.get("size"))
            return squeeze_restored(result, restored)

        return wrapper  # type: ignore[return-value]

    return decorate if fn is None else decorate(fn)
