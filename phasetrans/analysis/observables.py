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
kept), and into the ``(width, control, seed)`` arrays that
:func:`phasetrans.analysis.scaling.collapse` takes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import xarray as xr

from phasetrans.errors import AnalysisInputError, PhasetransWarning

__all__ = [
    "CONTROLS",
    "OBSERVABLES",
    "accuracy_loss",
    "collapse_array",
    "control",
    "delta_mse",
    "exclude_diverged",
    "normalized_delta_mse",
]

#: Control variables: ``shift`` = n - h_T, ``ratio`` = n / h_T - 1.
CONTROLS = ("shift", "ratio")


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
    r"""The control variable over ``(teacher_width, retained)``.

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
        raise AnalysisInputError(f"kind={kind!r}; allowed: {list(CONTROLS)}")
    for name in ("teacher_width", "retained"):
        if name not in ds.coords:
            raise AnalysisInputError(f"ds has no coordinate {name!r}; needed for the control")
    n = ds["retained"].astype(float)
    h = ds["teacher_width"].astype(float)
    x = n - h if kind == "shift" else n / h - 1.0
    x.name = "control"
    x.attrs = {"long_name": "n - h_T" if kind == "shift" else "n / h_T - 1"}
    return x.transpose("teacher_width", "retained")


#: Observable name -> function of the study dataset.
OBSERVABLES: dict[str, Callable[[xr.Dataset], xr.DataArray]] = {
    "delta_mse": delta_mse,
    "normalized_delta_mse": normalized_delta_mse,
    "accuracy_loss": accuracy_loss,
}


def _pick(ds: xr.Dataset, dim: str, value: object, argument: str) -> object:
    values = ds[dim].values.tolist()
    if value is None:
        if len(values) == 1:
            return values[0]
        raise AnalysisInputError(f"{argument} is not given; allowed: one of {values}")
    if value not in values:
        raise AnalysisInputError(f"{argument}={value!r} is not in the dataset; allowed: {values}")
    return value


def collapse_array(
    ds: xr.Dataset,
    observable: str = "delta_mse",
    *,
    training: str,
    teacher_width: int | None = None,
    width: int | None = None,
    size: str = "width",
    control: str = "shift",
) -> xr.DataArray:
    r"""One slice of a study as the ``(size, "control", "seed")`` array of a collapse.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.
    observable : str
        A name in :data:`OBSERVABLES`.
    training : str
        The training method (``spectral``, ``direct``, ``group_lasso``).
    teacher_width : int, optional
        :math:`h_T` of the slice when ``size="width"`` (needed if the study
        has several).
    width : int, optional
        Student width of the slice when ``size="teacher_width"``.
    size : str
        ``"width"`` (students of one teacher; the paper's collapse) or
        ``"teacher_width"`` (one student width across teachers).
    control : str
        ``"shift"``: :math:`x = n - h_T`; ``"ratio"``: :math:`x = n/h_T - 1`.

    Returns
    -------
    xarray.DataArray
        Dims ``(size, "control", "seed")``, ready for
        ``collapse(da, size, "control", sample_dim="seed")``.  Across teacher
        widths the control values differ per size; the grid is then the union,
        NaN where a size has no point.

    Raises
    ------
    AnalysisInputError
        For an unknown observable, control or size, or a training, teacher width
        or width not in the dataset.
    """
    if observable not in OBSERVABLES:
        raise AnalysisInputError(f"observable={observable!r}; allowed: {list(OBSERVABLES)}")
    if control not in CONTROLS:
        raise AnalysisInputError(f"control={control!r}; allowed: {list(CONTROLS)}")
    if size not in ("width", "teacher_width"):
        raise AnalysisInputError(f"size={size!r}; allowed: ['width', 'teacher_width']")
    obs = OBSERVABLES[observable](ds)
    training = _pick(ds, "training", training, "training")
    obs = obs.sel({"training": training}, drop=True)
    if size == "width":
        h_t = _pick(ds, "teacher_width", teacher_width, "teacher_width")
        obs = obs.sel(teacher_width=h_t, drop=True)
        parts = [obs.expand_dims(teacher_width=[h_t])]
    else:
        w = _pick(ds, "width", width, "width")
        obs = obs.sel(width=w, drop=True)
        parts = [obs.sel(teacher_width=[h]) for h in obs["teacher_width"].values]
    pieces = []
    for part in parts:
        x = _control_values(part, control)
        piece = part.squeeze("teacher_width", drop=True) if size == "width" else part
        piece = piece.assign_coords(control=("retained", x)).swap_dims(retained="control")
        if size == "teacher_width":
            piece = piece.drop_vars("retained")
        pieces.append(piece)
    if size == "width":
        out = pieces[0]
    else:
        out = xr.concat(pieces, dim="teacher_width", join="outer")
    out = out.transpose(size, "control", "seed")
    out["control"].attrs = {"long_name": "n - h_T" if control == "shift" else "n / h_T - 1"}
    fixed = {"teacher_width": int(h_t)} if size == "width" else {"width": int(w)}
    out.attrs = {**obs.attrs, "training": str(training), "control": control, **fixed}
    return out


def _control_values(part: xr.DataArray, kind: str) -> np.ndarray:
    h = float(part["teacher_width"].item())
    n = part["retained"].values.astype(float)
    return n - h if kind == "shift" else n / h - 1.0
