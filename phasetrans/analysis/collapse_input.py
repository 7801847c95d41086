r"""A study as the input of a finite-size-scaling collapse: any size, any control.

:func:`collapse_array` turns a study dataset into the input of
:func:`phasetrans.analysis.scaling.collapse` for any size dimension
(``width``, ``teacher_width``, ``input_dim``, ...) and any control (the
pruning controls :math:`n - h_T`, :math:`n/h_T - 1`, or a coordinate such as
``alpha``, ``n_train``, ``l2_eigenvalues``), keeping the disorder dimensions
``teacher_seed`` and ``seed`` as samples for the two-level bootstrap. The
observables themselves are in :mod:`phasetrans.analysis.observables`; which
slice the command line, the accessor and the report take by default is
defined once, in :mod:`phasetrans.analysis.defaults`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from phasetrans.analysis.observables import (
    CONTROLS,
    OBSERVABLES,
    PRUNING_LONG_NAMES,
    PRUNING_OBSERVABLES,
    SOURCES,
)
from phasetrans.analysis.selection import accepts_selection
from phasetrans.errors import AnalysisInputError
from phasetrans.names import SAMPLE_DIMS

__all__ = [
    "collapse_array",
    "control_dim",
    "controls",
    "coordinate_controls",
    "dims_to_fix",
    "observable_dims",
    "sample_dims",
    "size_dims",
]

#: Dimensions that are neither a size nor a control: samples, training, per-node axes.
_NOT_PARAMETERS = (*SAMPLE_DIMS, "training", "retained", "node", "epoch")
#: Dimensions a size-like control depends on through a rule (n_train = alpha d h_T).
_SIZE_LIKE = ("width", "teacher_width", "input_dim")


def observable_dims(ds: xr.Dataset, observable: str) -> tuple[str, ...]:
    """Dimensions of ``OBSERVABLES[observable](ds)``, read from the dataset without computing it.

    Raises
    ------
    AnalysisInputError
        For an unknown observable or one whose variable the dataset lacks.
    """
    if observable not in OBSERVABLES:
        raise AnalysisInputError(
            f"observable={observable!r}; allowed: {list(OBSERVABLES)}",
            field="observable",
            value=observable,
        )
    name = SOURCES[observable]
    if not isinstance(ds, xr.Dataset) or name not in ds.data_vars:
        kind = ds.attrs.get("teacher_kind", "unknown") if isinstance(ds, xr.Dataset) else "?"
        raise AnalysisInputError(
            f"observable={observable!r} needs the variable {name!r}, which the dataset lacks "
            f"(teacher_kind={kind!r})",
            field="observable",
            value=observable,
        )
    dims = tuple(map(str, ds[name].dims))
    if observable == "generalisation_error":
        dims = tuple(d for d in dims if d != "retained")
    return dims


def control_dim(control: str) -> str:
    """Name of the control's dimension in :func:`collapse_array`'s output.

    ``"control"`` for the pruning controls ``shift`` and ``ratio``; the
    coordinate's own name (``alpha``, ``n_train``, ...) otherwise.
    """
    return "control" if control in CONTROLS else control


def size_dims(ds: xr.Dataset, observable: str) -> list[str]:
    """Dimensions of the observable that can be a collapse's size (two or more values)."""
    return [
        d
        for d in observable_dims(ds, observable)
        if d not in _NOT_PARAMETERS and ds.sizes[d] > 1 and _numeric(ds[d])
    ]


def coordinate_controls(ds: xr.Dataset, observable: str) -> list[str]:
    """Numeric coordinates over the observable's dims that can be a control (two or more values)."""
    dims = observable_dims(ds, observable)
    out = []
    for name, coord in ds.coords.items():
        name = str(name)
        if name in _NOT_PARAMETERS or coord.ndim == 0 or not set(coord.dims) <= set(dims):
            continue
        if _numeric(coord) and np.unique(coord.values).size > 1:
            out.append(name)
    return out


def controls(ds: xr.Dataset, observable: str) -> list[str]:
    """Every control allowed for ``observable``: ``shift``, ``ratio`` (pruning) and coordinates."""
    pruning = list(CONTROLS) if "retained" in observable_dims(ds, observable) else []
    return pruning + coordinate_controls(ds, observable)


def _numeric(da: xr.DataArray) -> bool:
    return np.issubdtype(da.dtype, np.number) and not np.issubdtype(da.dtype, np.bool_)


def _control_source(
    ds: xr.Dataset, dims: tuple[str, ...], size: str, control: str, fixed: set[str]
) -> str:
    """The dimension the control runs along (``retained``, the control itself, or ``alpha``)."""
    if control in CONTROLS:
        return "retained"
    coord = ds[control]
    if control in ds.dims:
        return control
    free = [d for d in coord.dims if d != size and d not in fixed and ds.sizes[d] > 1]
    if len(free) > 1:
        free = [d for d in free if d not in _SIZE_LIKE] or free
    if len(free) != 1:
        raise AnalysisInputError(
            f"control={control!r} is a coordinate over {list(coord.dims)}; it must vary along "
            f"exactly one of them besides the size {size!r}: fix the others with at=",
            field="control",
            value=control,
        )
    return free[0]


def dims_to_fix(
    ds: xr.Dataset,
    observable: str,
    *,
    size: str,
    control: str,
    fixed: Mapping[str, object] | None = None,
) -> list[str]:
    """Dimensions of the observable that one slice fixes: all but the size, control and samples.

    Parameters
    ----------
    ds : xarray.Dataset
        A study.
    observable, size, control : str
        As for :func:`collapse_array`.
    fixed : mapping, optional
        Values already chosen (they decide which dimension a coordinate
        control such as ``n_train`` runs along).

    Returns
    -------
    list of str
        In dataset order; ``teacher_seed`` is not among them (a sample dim),
        unless it is in ``fixed``.

    Raises
    ------
    AnalysisInputError
        As :func:`collapse_array`, for the observable, size and control.
    """
    dims, source = _layout(ds, observable, size, control, set(fixed or {}))
    out = [d for d in dims if d not in (size, source, *SAMPLE_DIMS)]
    if "teacher_seed" in dims and fixed and "teacher_seed" in fixed:
        out.append("teacher_seed")
    return out


def _layout(
    ds: xr.Dataset, observable: str, size: str, control: str, fixed: set[str]
) -> tuple[tuple[str, ...], str]:
    dims = observable_dims(ds, observable)
    sizes = [d for d in dims if d not in _NOT_PARAMETERS]
    if size not in sizes:
        raise AnalysisInputError(
            f"size={size!r}; allowed: a dimension of {observable} among {sizes}",
            field="size",
            value=size,
        )
    allowed = controls(ds, observable)
    if control not in allowed or control == size:
        hint = (
            f" (shift and ratio need a pruning observable: {list(PRUNING_OBSERVABLES)})"
            if control in CONTROLS
            else ""
        )
        raise AnalysisInputError(
            f"control={control!r}; allowed: one of {[c for c in allowed if c != size]}{hint}",
            field="control",
            value=control,
        )
    source = _control_source(ds, dims, size, control, fixed)
    if source == size:
        raise AnalysisInputError(
            f"control={control!r} runs along the size {size!r}; allowed: another control",
            field="control",
            value=control,
        )
    return dims, source


@accepts_selection(keep_size=True)
def collapse_array(
    ds: xr.Dataset,
    observable: str = "delta_mse",
    *,
    size: str = "width",
    control: str = "shift",
    training: str | None = None,
    teacher_width: int | None = None,
    width: int | None = None,
    at: Mapping[str, object] | None = None,
) -> xr.DataArray:
    r"""A study as the ``(size, control, [teacher_seed], seed)`` array of a collapse.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.
    observable : str
        A name in :data:`OBSERVABLES`: a pruning observable (``delta_mse``,
        ``normalized_delta_mse``, ``accuracy_loss``) or a per-student one
        (``teacher_recovered``, ``teacher_cosine``, ``dimension_ratio``,
        ``generalisation_error``).
    size : str
        The size dimension :math:`L`: any dimension of the observable other than
        the samples, ``training`` and ``retained`` (``width``,
        ``teacher_width``, ``input_dim``, ...).
    control : str
        ``"shift"`` (:math:`x = n - h_T`) or ``"ratio"`` (:math:`x = n/h_T - 1`)
        along ``retained``, for pruning observables; or any numeric coordinate
        over the observable's dimensions (``alpha``, ``n_train``,
        ``l2_eigenvalues``, ...).  A coordinate that is not a dimension
        (``n_train`` of an alpha sweep, over ``(input_dim, alpha,
        teacher_width)``) runs along its one free dimension and may differ per
        size.
    training, teacher_width, width : optional
        Values of those dimensions in the slice (shorthands for ``at``).
    at : mapping, optional
        Values of every other dimension to fix, e.g. ``{"alpha": 2.0}`` or
        ``{"teacher_seed": 0}`` (one teacher: then one sample level).  A
        dimension with a single value needs none;
        :func:`phasetrans.analysis.defaults.slice_defaults` fills the rest as
        the command line does.

    Returns
    -------
    xarray.DataArray
        Dims ``(size, control_dim(control), *samples)`` with the samples
        ``("teacher_seed", "seed")`` where ``teacher_seed`` is a dimension and
        not fixed, else ``("seed",)``: ready for ``collapse(da, size,
        control_dim(control), sample_dim=sample_dims(da))``.  Where the control
        values differ per size the grid is their union, NaN where a size has no
        point.  ``attrs`` record the observable, the control and every fixed
        value.

    Raises
    ------
    AnalysisInputError
        For an unknown observable, size or control (naming what is allowed),
        a control that does not fit the observable, a value of ``at`` not in
        the dataset, or a dimension with several values and none chosen.
    """
    fixed = _merge_fixed(training, teacher_width, width, at)
    dims, source = _layout(ds, observable, size, control, set(fixed))
    allowed = [d for d in dims if d not in (size, source, "seed")]
    for name in fixed:
        if name not in allowed:
            raise AnalysisInputError(
                f"{name} cannot be fixed: it is {_role(name, size, source)}; allowed: {allowed}",
                field=name,
                value=fixed[name],
            )
    chosen = {}
    to_fix = dims_to_fix(ds, observable, size=size, control=control, fixed=fixed)
    for dim in sorted(to_fix, key=lambda d: d not in fixed):  # check the given values first
        chosen[dim] = _pick(ds, dim, fixed.get(dim), dim)
    chosen = {d: chosen[d] for d in to_fix}
    obs = OBSERVABLES[observable](ds).sel(chosen)
    cdim = control_dim(control)
    depends = (control in CONTROLS and size == "teacher_width") or (
        control not in CONTROLS and control != source and size in obs[control].dims
    )
    parts = [obs.sel({size: [s]}) for s in obs[size].values] if depends else [obs]
    pieces = []
    for part in parts:
        x = _control_values(part, control, source)
        if source != cdim:
            part = part.assign_coords({cdim: (source, x)}).swap_dims({source: cdim})
        pieces.append(part.reset_coords(drop=True))
    out = pieces[0] if len(pieces) == 1 else xr.concat(pieces, dim=size, join="outer")
    samples = [d for d in SAMPLE_DIMS if d in out.dims]
    out = out.transpose(size, cdim, *samples)
    if control in CONTROLS:
        out[cdim].attrs = {"long_name": PRUNING_LONG_NAMES[control]}
    else:
        out[cdim].attrs = {
            k: v for k, v in ds[control].attrs.items() if k in ("long_name", "units")
        }
    out.attrs = {
        **obs.attrs,
        "observable": observable,
        "size": size,
        "control": control,
        **{k: _plain(v) for k, v in chosen.items()},
    }
    return out


def sample_dims(da: xr.DataArray) -> str | tuple[str, str]:
    """The ``sample_dim`` of :func:`~phasetrans.analysis.scaling.collapse` for ``da``.

    ``("teacher_seed", "seed")`` (the two-level bootstrap) where ``da`` has a
    ``teacher_seed`` dimension of length > 1, else ``"seed"``.
    """
    if "teacher_seed" in da.dims and da.sizes["teacher_seed"] > 1:
        return ("teacher_seed", "seed")
    return "seed"


def _merge_fixed(training, teacher_width, width, at) -> dict[str, object]:
    fixed = dict(at or {})
    for name, value in (("training", training), ("teacher_width", teacher_width), ("width", width)):
        if value is None:
            continue
        if name in fixed and fixed[name] != value:
            raise AnalysisInputError(
                f"{name}={value!r} and at[{name!r}]={fixed[name]!r} disagree; give it once",
                field=name,
                value=value,
            )
        fixed[name] = value
    return fixed


def _role(name: str, size: str, source: str) -> str:
    if name == size:
        return "the size dimension"
    if name == source:
        return "the control's dimension"
    if name == "seed":
        return "the sample dimension"
    return "not a dimension of the observable"


def _pick(ds: xr.Dataset, dim: str, value: object, argument: str) -> object:
    values = ds[dim].values.tolist()
    if value is None:
        if len(values) == 1:
            return values[0]
        raise AnalysisInputError(
            f"{argument} is not given; allowed: one of {values}", field=argument, value=None
        )
    if value not in values:
        raise AnalysisInputError(
            f"{argument}={value!r} is not in the dataset; allowed: {values}",
            field=argument,
            value=value,
        )
    return value


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _control_values(part: xr.DataArray, control: str, source: str) -> np.ndarray:
    """Control values along ``source`` for one part (one size, or every size alike)."""
    if control in CONTROLS:
        h = float(np.asarray(part["teacher_width"].values).ravel()[0])
        n = part["retained"].values.astype(float)
        return n - h if control == "shift" else n / h - 1.0
    coord = part[control]
    coord = coord.squeeze([d for d in coord.dims if d != source], drop=True)
    x = np.asarray(coord.values, dtype=float)
    if coord.dims != (source,) or not np.isfinite(x).all() or np.unique(x).size != x.size:
        raise AnalysisInputError(
            f"control={control!r} does not give distinct finite values along {source!r} "
            f"({x.tolist()}); allowed: a coordinate that varies along one dimension",
            field="control",
            value=control,
        )
    return x
