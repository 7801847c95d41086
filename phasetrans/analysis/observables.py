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

:mod:`phasetrans.analysis.collapse_input` turns these into the input of a
finite-size-scaling collapse (``collapse_array``).

Diverged students are excluded here, once, where a per-student variable is
read: :func:`student_variable` returns it with every student whose
``diverged_epoch`` is positive set to NaN, and every observable, the summary,
the figures, the report, the accessor and the topology comparison read their
variables through it.  Averages downstream
(:func:`phasetrans.analysis.describe.describe`) skip NaN samples.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import xarray as xr

from phasetrans.analysis.selection import accepts_selection
from phasetrans.errors import AnalysisInputError, PhasetransWarning

__all__ = [
    "CONTROLS",
    "OBSERVABLES",
    "PRUNING_LONG_NAMES",
    "PRUNING_OBSERVABLES",
    "SOURCES",
    "accuracy_loss",
    "control",
    "delta_mse",
    "dimension_ratio",
    "diverged",
    "exclude_diverged",
    "generalisation_error",
    "normalized_delta_mse",
    "student_variable",
    "teacher_cosine",
    "teacher_recovered",
]

#: Pruning control variables: ``shift`` = n - h_T, ``ratio`` = n / h_T - 1.
CONTROLS = ("shift", "ratio")
#: Long name of each pruning control (the ``long_name`` of :func:`control`).
PRUNING_LONG_NAMES = {"shift": "n - h_T", "ratio": "n / h_T - 1"}


@accepts_selection
def student_variable(ds: xr.Dataset, name: str, *, warn: bool = True) -> xr.DataArray:
    """A per-student variable of a study, diverged students set to NaN: the one way to read it.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.
    name : str
        One of its data variables (``dimension``, ``test_mse``,
        ``teacher_recovered``, ``importance``, ...).
    warn : bool
        Warn naming the excluded students (default); a caller that lists them
        itself (``phasetrans info``) passes False.

    Returns
    -------
    xarray.DataArray
        ``ds[name]`` where :func:`diverged` is False, NaN elsewhere.

    Raises
    ------
    AnalysisInputError
        If ``ds`` is not a Dataset or lacks the variable.
    """
    if not isinstance(ds, xr.Dataset):
        raise AnalysisInputError(
            f"ds is a {type(ds).__name__}; allowed: xarray.Dataset (a study)",
            field="ds",
            value=type(ds).__name__,
        )
    if name not in ds.data_vars:
        kind = ds.attrs.get("teacher_kind", "unknown")
        hint = (
            f" (teacher_kind={kind!r}; accuracy exists for classification studies only)"
            if name == "test_accuracy"
            else ""
        )
        raise AnalysisInputError(
            f"dataset has no variable {name!r}{hint}; it has {sorted(map(str, ds.data_vars))}",
            field="observable",
            value=name,
        )
    if not warn:
        return ds[name].where(~diverged(ds)) if "diverged_epoch" in ds.data_vars else ds[name]
    return exclude_diverged(ds, ds[name])


@accepts_selection
def diverged(ds: xr.Dataset) -> xr.DataArray:
    """True for every student whose training diverged (``diverged_epoch > 0``).

    All False (a scalar) when the study has no ``diverged_epoch``.
    """
    if "diverged_epoch" not in ds.data_vars:
        return xr.DataArray(False)
    return ds["diverged_epoch"] > 0


def _variable(ds: xr.Dataset, name: str) -> xr.DataArray:
    da = student_variable(ds, name)
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
    bad = diverged(ds)
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


@accepts_selection
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
    out.attrs = {"long_name": "|test MSE(retained) - test MSE(all nodes kept)|"}
    return out


@accepts_selection
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
    out.attrs = {"long_name": "delta MSE / its maximum over retained"}
    return out


@accepts_selection
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


@accepts_selection
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
    x.attrs = {"long_name": PRUNING_LONG_NAMES[kind]}
    return x.transpose("teacher_width", "retained")


@accepts_selection
def teacher_recovered(ds: xr.Dataset) -> xr.DataArray:
    """Fraction of the teacher's nodes each student recovers (``teacher_recovered``).

    Diverged students are NaN (see :func:`exclude_diverged`).
    """
    return _with_teacher_width(ds, "teacher_recovered")


@accepts_selection
def teacher_cosine(ds: xr.Dataset) -> xr.DataArray:
    """Mean cosine of each student's matched teacher nodes (``teacher_cosine``)."""
    return _with_teacher_width(ds, "teacher_cosine")


@accepts_selection
def dimension_ratio(ds: xr.Dataset) -> xr.DataArray:
    r"""Effective dimension over the teacher width, :math:`d / h_T`, per student."""
    dim = _with_teacher_width(ds, "dimension")
    out = dim / dim["teacher_width"].astype(float)
    out.name = "dimension_ratio"
    out.attrs = {"long_name": "effective dimension / teacher width h_T"}
    return out


@accepts_selection
def generalisation_error(ds: xr.Dataset) -> xr.DataArray:
    r"""Test MSE of the unpruned student (every node kept, ``retained == width``)."""
    out = _at_full_width(_variable(ds, "test_mse"))
    out.name = "generalisation_error"
    out.attrs = {"long_name": "test MSE with every node kept"}
    return out


def _with_teacher_width(ds: xr.Dataset, name: str) -> xr.DataArray:
    da = student_variable(ds, name)
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
SOURCES = {
    "delta_mse": "test_mse",
    "normalized_delta_mse": "test_mse",
    "accuracy_loss": "test_accuracy",
    "teacher_recovered": "teacher_recovered",
    "teacher_cosine": "teacher_cosine",
    "dimension_ratio": "dimension",
    "generalisation_error": "test_mse",
}
