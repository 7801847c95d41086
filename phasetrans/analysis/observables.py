r"""Observables of the pruning transition, computed from a study dataset.

The study dataset (see :mod:`phasetrans.store`) holds ``test_mse`` (and, for
classification teachers, ``test_accuracy``) over ``(training, teacher_width,
width, seed, retained)``, NaN where ``retained > width``.  The functions here
turn it into the observables of the paper,

.. math::

    \Delta\mathrm{MSE}(n) = |\mathrm{MSE}(n) - \mathrm{MSE}(W)|, \qquad
    \frac{\Delta\mathrm{MSE}(n)}{\max_{n'} \Delta\mathrm{MSE}(n')}, \qquad
    \mathrm{acc}(W) - \mathrm{acc}(n),

with :math:`n` the nodes retained and :math:`W` the student width (all nodes
kept), plus the per-student observables of a swept study (``teacher_recovered``,
``teacher_cosine``, ``dimension_ratio`` = dimension / :math:`h_T`,
``generalisation_error`` = test MSE with every node kept).

:func:`collapse_array` turns a study into the input of
:func:`phasetrans.analysis.scaling.collapse` for any size dimension
(``width``, ``teacher_width``, ``input_dim``, ...) and any control (the
pruning controls :math:`n - h_T`, :math:`n/h_T - 1`, or a coordinate such as
``alpha``, ``n_train``, ``l2_eigenvalues``), keeping the disorder dimensions
``teacher_seed`` and ``seed`` as samples for the two-level bootstrap.  Which
slice the command line, the accessor and the report take by default is defined
once, in :mod:`phasetrans.analysis.defaults`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
import xarray as xr

from phasetrans.errors import AnalysisInputError, PhasetransWarning

__all__ = [
    "CONTROLS",
    "OBSERVABLES",
    "PRUNING_OBSERVABLES",
    "SAMPLE_DIMS",
    "accuracy_loss",
    "collapse_array",
    "control",
    "control_dim",
    "controls",
    "coordinate_controls",
    "delta_mse",
    "dimension_ratio",
    "dims_to_fix",
    "exclude_diverged",
    "generalisation_error",
    "normalized_delta_mse",
    "observable_dims",
    "sample_dims",
    "size_dims",
    "teacher_cosine",
    "teacher_recovered",
]

#: Pruning control variables: ``shift`` = n - h_T, ``ratio`` = n / h_T - 1.
CONTROLS = ("shift", "ratio")
#: The disorder: teachers, then the students of each teacher (sample dimensions).
SAMPLE_DIMS = ("teacher_seed", "seed")


def _variable(ds: xr.Dataset, name: str) -> xr.DataArray:
    if not isinstance(ds, xr.Dataset):
        raise AnalysisInputError(f"ds is a {type(ds).__name__}; allowed: xarray.Dataset (a study)")
    if name not in ds.data_vars:
        kind = ds.attrs.get("teacher_kind", "unknown")
        hint = (
            f" (teacher_kind={kind!r}; accuracy exists for classification studies only)"
            if name == "test_accuracy"
            else ""
        )
        raise AnalysisInputError(
            f"dataset has no variable {name!r}{hint}; it has {sorted(map(str, ds.data_vars))}"
        )
    da = exclude_diverged(ds, ds[name])
    for dim in ("width", "retained"):
        if dim not in da.dims:
            raise AnalysisInputError(
                f"{name} has no dimension {dim!r}; allowed dims include 'width' and 'retained', "
                f"got {list(map(str, da.dims))}"
            )
    return da


def exclude_diverged(ds: xr.Dataset, da: xr.DataArray) -> xr.DataArray:
    """``da`` with every student flagged as diverged set to NaN, with a warning naming them.

    Parameters
    ----------
    ds : xarray.Dataset
        The study; its ``diverged_epoch`` (0: never diverged, else the epoch)
        flags the students.  Without that variable ``da`` comes back as is.
    da : xarray.DataArray
        A variable of ``ds`` (or derived from it) over the student dimensions.

    Returns
    -------
    xarray.DataArray

    Warns
    -----
    PhasetransWarning
        Naming every excluded student by its coordinates and divergence epoch.
    """
    if "diverged_epoch" not in ds.data_vars:
        return da
    epoch = ds["diverged_epoch"]
    bad = epoch > 0
    if not bool(bad.any()):
        return da
    names = []
    for index in np.argwhere(bad.values):
        cell = {dim: epoch[dim].values[i] for dim, i in zip(epoch.dims, index, strict=True)}
        where = ", ".join(f"{d}={np.asarray(v).item()!r}" for d, v in cell.items())
        names.append(f"({where}; epoch {int(epoch.values[tuple(index)])})")
    warnings.warn(
        f"excluded {len(names)} diverged student(s) (diverged_epoch > 0) from "
        f"{da.name or 'the observable'}: " + "; ".join(names),
        PhasetransWarning,
        stacklevel=3,
    )
    return da.where(~bad)


def _at_full_width(da: xr.DataArray) -> xr.DataArray:
    """``da`` with every node kept: ``retained == width`` for each student width."""
    widths = da["width"]
    missing = np.setdiff1d(widths.values, da["retained"].values)
    if missing.size:
        raise AnalysisInputError(
            f"retained coordinate lacks the widths {missing.tolist()}; the unpruned value "
            "needs retained == width for every width"
        )
    return da.sel(retained=widths).drop_vars("retained")


def delta_mse(ds: xr.Dataset) -> xr.DataArray:
    r"""Test-error increase from pruning, :math:`|\mathrm{MSE}(n) - \mathrm{MSE}(W)|`.

    Parameters
    ----------
    ds : xarray.Dataset
        A study with ``test_mse(..., width, ..., retained)``.

    Returns
    -------
    xarray.DataArray
        Same dims as ``test_mse``; NaN where ``retained > width``; 0 at
        ``retained == width``.

    Raises
    ------
    AnalysisInputError
        If ``test_mse`` is missing or ``retained`` lacks a student width.

    Notes
    -----
    :math:`\Delta\mathrm{MSE}(n) = |\mathrm{MSE}(n) - \mathrm{MSE}(W)|` for
    each student (training, teacher width, width, seed); the paper plots it
    against :math:`n - h_T`.

    References
    ----------
    .. [1] L. Giambagli et al., NeurIPS 2023 (arXiv:2310.12612), Fig. 2.
    """
    mse = _variable(ds, "test_mse")
    out = np.abs(mse - _at_full_width(mse))
    out.name = "delta_mse"
    out.attrs = {"long_name": "|test MSE(retained) - test MSE(all nodes kept)|", "units": "1"}
    return out


def normalized_delta_mse(ds: xr.Dataset) -> xr.DataArray:
    r""":math:`\Delta\mathrm{MSE}(n) / \max_{n'} \Delta\mathrm{MSE}(n')`, per student.

    Parameters
    ----------
    ds : xarray.Dataset
        A study with ``test_mse``.

    Returns
    -------
    xarray.DataArray
        In [0, 1]; NaN for a student whose :math:`\Delta\mathrm{MSE}` is 0
        everywhere, and where ``retained > width``.

    Raises
    ------
    AnalysisInputError
        As :func:`delta_mse`.

    Notes
    -----
    The maximum is over ``retained`` for each (training, teacher width,
    width, seed); the paper plots this against :math:`n/h_T - 1`.
    """
    d = delta_mse(ds)
    peak = d.max("retained", skipna=True)
    out = d / peak.where(peak > 0)
    out.name = "normalized_delta_mse"
    out.attrs = {"long_name": "delta MSE / its maximum over retained", "units": "1"}
    return out


def accuracy_loss(ds: xr.Dataset) -> xr.DataArray:
    r"""Accuracy lost by pruning, :math:`\mathrm{acc}(W) - \mathrm{acc}(n)`.

    Parameters
    ----------
    ds : xarray.Dataset
        A classification study with ``test_accuracy``.

    Returns
    -------
    xarray.DataArray
        Same dims as ``test_accuracy`` (signed: negative where pruning helps).

    Raises
    ------
    AnalysisInputError
        If the dataset has no ``test_accuracy`` (regression teachers).
    """
    acc = _variable(ds, "test_accuracy")
    out = _at_full_width(acc) - acc
    out.name = "accuracy_loss"
    out.attrs = {"long_name": "test accuracy(all nodes kept) - test accuracy(retained)"}
    return out


def control(ds: xr.Dataset | xr.DataArray, kind: str = "ratio") -> xr.DataArray:
    r"""The pruning control variable over ``(teacher_width, retained)``.

    Parameters
    ----------
    ds : xarray.Dataset or xarray.DataArray
        Anything with ``teacher_width`` and ``retained`` coordinates.
    kind : str
        ``"ratio"``: :math:`x = n/h_T - 1` (default); ``"shift"``:
        :math:`x = n - h_T`.

    Returns
    -------
    xarray.DataArray
        ``x`` named ``control``; assign it with
        ``da.assign_coords(control=control(ds))``.

    Raises
    ------
    AnalysisInputError
        For an unknown ``kind`` or a missing coordinate.
    """
    if kind not in CONTROLS:
        raise AnalysisInputError(
            f"kind={kind!r}; allowed: {list(CONTROLS)}", field="kind", value=kind
        )
    for name in ("teacher_width", "retained"):
        if name not in ds.coords:
            raise AnalysisInputError(
                f"ds has no coordinate {name!r}; needed for the control", field="ds", value=name
            )
    n = ds["retained"].astype(float)
    h = ds["teacher_width"].astype(float)
    x = n - h if kind == "shift" else n / h - 1.0
    x.name = "control"
    x.attrs = {"long_name": _PRUNING_LONG_NAMES[kind]}
    return x.transpose("teacher_width", "retained")


def teacher_recovered(ds: xr.Dataset) -> xr.DataArray:
    """Fraction of the teacher's nodes each student recovers (``teacher_recovered``).

    Diverged students are NaN (see :func:`exclude_diverged`).
    """
    return _student_variable(ds, "teacher_recovered")


def teacher_cosine(ds: xr.Dataset) -> xr.DataArray:
    """Mean cosine of each student's matched teacher nodes (``teacher_cosine``)."""
    return _student_variable(ds, "teacher_cosine")


def dimension_ratio(ds: xr.Dataset) -> xr.DataArray:
    r"""Effective dimension over the teacher width, :math:`d / h_T`, per student."""
    dim = _student_variable(ds, "dimension")
    out = dim / dim["teacher_width"].astype(float)
    out.name = "dimension_ratio"
    out.attrs = {"long_name": "effective dimension / teacher width h_T", "units": "1"}
    return out


def generalisation_error(ds: xr.Dataset) -> xr.DataArray:
    r"""Test MSE of the unpruned student (every node kept, ``retained == width``)."""
    out = _at_full_width(_variable(ds, "test_mse"))
    out.name = "generalisation_error"
    out.attrs = {"long_name": "test MSE with every node kept", "units": "1"}
    return out


def _student_variable(ds: xr.Dataset, name: str) -> xr.DataArray:
    if not isinstance(ds, xr.Dataset):
        raise AnalysisInputError(
            f"ds is a {type(ds).__name__}; allowed: xarray.Dataset (a study)", field="ds"
        )
    if name not in ds.data_vars:
        raise AnalysisInputError(
            f"dataset has no variable {name!r}; it has {sorted(map(str, ds.data_vars))}",
            field="observable",
            value=name,
        )
    da = exclude_diverged(ds, ds[name])
    if "teacher_width" not in da.coords:
        raise AnalysisInputError(
            f"{name} has no coordinate 'teacher_width'", field="observable", value=name
        )
    return da


#: Observable name -> function of the study dataset.  The first three are pruning
#: observables (over ``retained``); the others are one value per student.
OBSERVABLES: dict[str, Callable[[xr.Dataset], xr.DataArray]] = {
    "delta_mse": delta_mse,
    "normalized_delta_mse": normalized_delta_mse,
    "accuracy_loss": accuracy_loss,
    "teacher_recovered": teacher_recovered,
    "teacher_cosine": teacher_cosine,
    "dimension_ratio": dimension_ratio,
    "generalisation_error": generalisation_error,
}
#: The observables over ``retained``, whose control can be ``shift`` or ``ratio``.
PRUNING_OBSERVABLES = ("delta_mse", "normalized_delta_mse", "accuracy_loss")
#: Dataset variable each observable is computed from.
_SOURCES = {
    "delta_mse": "test_mse",
    "normalized_delta_mse": "test_mse",
    "accuracy_loss": "test_accuracy",
    "teacher_recovered": "teacher_recovered",
    "teacher_cosine": "teacher_cosine",
    "dimension_ratio": "dimension",
    "generalisation_error": "test_mse",
}
_PRUNING_LONG_NAMES = {"shift": "n - h_T", "ratio": "n / h_T - 1"}
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
    name = _SOURCES[observable]
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
        out[cdim].attrs = {"long_name": _PRUNING_LONG_NAMES[control]}
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
