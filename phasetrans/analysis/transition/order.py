r"""Which order parameter a transition analysis takes from a study, and its variants.

:func:`order_input` turns a study dataset (or a plain DataArray) into an
:class:`OrderInput`: the scalar order parameter :math:`m` per student over
``(size, control, teacher_seed, seed)``, and, where the data hold them, the
per-teacher-node overlaps :math:`r_n` (``overlap_max``, for the threshold
scan and the Binder ratio), the symmetric baseline :math:`r_{sym}`, the order
parameter at the checkpoint nearest half the time budget, and the teacher
facts that convert the control (:math:`h_T`, ``hidden2``, ``teacher_kind``).

- ``order`` with a ``teacher_node`` dimension (``overlap_max``,
  ``overlap_max_weighted``): :math:`m` is the mean over teacher nodes of
  :math:`M_k = (r_k - r_{sym})/(1 - r_{sym})` when :math:`r_{sym}` is known,
  else the mean :math:`r_n`;
- ``specialisation`` (:math:`s = \overline{r^w} - r_{sym}`) is divided by
  :math:`1 - r_{sym}` when :math:`r_{sym}` is known, so that it is the same
  :math:`m` as ``overlap_max_weighted`` (0 symmetric, 1 specialised) and the
  levels of the analysis mean the same fractions for both;
- a thresholded order parameter (``teacher_recovered``, the fraction of
  teacher nodes with :math:`r_n \ge \tau`) is recomputed at other thresholds
  from ``overlap_max`` when the study has it (:func:`recovered_at`);
- the Binder ratio's :math:`M` uses the output-weighted :math:`r^w_n`
  (``overlap_max_weighted``) when stored, as the headline specialisation does
  (a switched-off node then does not count), else ``overlap_max``;
- :math:`r_{sym}` is ``overlap_symmetric`` when stored, else
  ``mean_n overlap_max_weighted - specialisation``
  (:mod:`phasetrans.analysis.overlaps` defines both).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

from phasetrans.analysis.defaults import TRAINING
from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.analysis.observables import exclude_diverged
from phasetrans.analysis.overlaps import thresholds
from phasetrans.analysis.overlaps.schema import (
    OVERLAP_MAX,
    OVERLAP_MAX_WEIGHTED,
    OVERLAP_SYMMETRIC,
    SPECIALISATION,
)
from phasetrans.errors import AnalysisInputError
from phasetrans.names import TIME, at_checkpoints

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "COMPONENT_DIM",
    "OVERLAP",
    "THRESHOLDED",
    "OrderInput",
    "half_budget",
    "order_input",
    "recovered_at",
]

#: The teacher-node dimension of per-node overlaps.
COMPONENT_DIM = "teacher_node"
#: The variable of the per-teacher-node overlaps r_n (threshold scan).
OVERLAP = OVERLAP_MAX
#: The order vector of the Binder ratio, in order of preference.
ORDER_VECTORS = (OVERLAP_MAX_WEIGHTED, OVERLAP_MAX)
#: Order parameters that count teacher nodes above a threshold.
THRESHOLDED = ("teacher_recovered",)
#: The threshold of ``teacher_recovered`` when the data do not record it.
DEFAULT_THRESHOLD = COSINE_MATCH
#: Second hidden layer of the regression teacher when the study file does not say.
DEFAULT_HIDDEN2 = 20


@dataclass(frozen=True)
class OrderInput:
    """The order parameter of one transition analysis and what the data allow beside it.

    Attributes
    ----------
    m : xarray.DataArray
        Scalar order parameter per student, dims ``(size, control, [teacher,] student)``.
    name : str
        What ``m`` is.
    overlap : xarray.DataArray or None
        :math:`r_n` (``overlap_max``) over the same dims and ``teacher_node``:
        the threshold scan.
    r_sym : xarray.DataArray or None
        The symmetric baseline (broadcasts against ``vector``).
    vector : xarray.DataArray or None
        The :math:`r_k` of the Binder ratio's :math:`M` (output-weighted when
        stored).
    threshold : float or None
        The threshold of a thresholded ``m`` (None otherwise).
    half : xarray.DataArray or None
        ``m`` at the checkpoint nearest half the last ``time_step``, over the
        same dims (a per-teacher-node order parameter reduced over
        ``teacher_node`` as ``m`` is).
    teacher_kind : str or None
        The dataset's ``teacher_kind`` attribute.
    teacher_width, hidden2 : float or None
        :math:`h_T` and the teacher's second hidden layer.
    training : str or None
        The training selected.
    attrs : dict
        The dataset's attributes (``study_toml`` among them).
    notes : tuple of str
        What was chosen and why.
    """

    m: xr.DataArray
    name: str
    overlap: xr.DataArray | None = None
    r_sym: xr.DataArray | None = None
    vector: xr.DataArray | None = None
    threshold: float | None = None
    half: xr.DataArray | None = None
    teacher_kind: str | None = None
    teacher_width: float | None = None
    hidden2: float | None = None
    training: str | None = None
    attrs: dict | None = None
    notes: tuple[str, ...] = ()


def recovered_at(overlap: xr.DataArray, threshold: float) -> xr.DataArray:
    r"""``teacher_recovered`` at ``threshold``: the fraction of nodes with :math:`r_n \ge \tau`.

    :func:`phasetrans.analysis.overlaps.recovered_at`, named for the table.
    """
    out = thresholds.recovered_at(overlap, threshold)
    out.name = f"teacher_recovered_{threshold:g}"
    out.attrs = {"long_name": f"fraction of teacher nodes with r_n >= {threshold:g}"}
    return out


def half_budget(ds: xr.Dataset, name: str) -> xr.DataArray | None:
    """``name`` at the checkpoint closest to half the last ``time_step`` of each cell, if stored."""
    var = at_checkpoints(name)
    if var not in ds.data_vars or TIME not in ds[var].dims or "time_step" not in ds.coords:
        return None
    steps = ds["time_step"]
    last = steps.max(TIME)
    index = abs(steps - last / 2).fillna(np.inf).argmin(TIME)
    return exclude_diverged(ds, ds[var].isel({TIME: index}))


def _squeeze(da: xr.DataArray, keep: tuple[str, ...], at: Mapping[str, object]) -> xr.DataArray:
    for dim, value in at.items():
        if dim not in da.dims and dim not in da.coords:
            raise AnalysisInputError(
                f"at[{dim!r}]: not a dimension of the data; allowed: {list(map(str, da.dims))}",
                field="at",
                value=dim,
            )
        if dim in da.dims:
            try:
                da = da.sel({dim: value})
            except KeyError:
                raise AnalysisInputError(
                    f"at[{dim!r}]={value!r} is not a value of {dim!r}; allowed: "
                    f"{da[dim].values.tolist()}",
                    field="at",
                    value=value,
                ) from None
    for dim in [d for d in da.dims if d not in keep]:
        if da.sizes[dim] != 1:
            raise AnalysisInputError(
                f"dimension {dim!r} has {da.sizes[dim]} values; choose one with "
                f"at={{{dim!r}: value}} (values {da[dim].values.tolist()[:8]})",
                field="at",
                value=dim,
            )
        da = da.squeeze(dim, drop=True)
    return da


def _per_student(
    da: xr.DataArray,
    r_sym: xr.DataArray | None,
    keep: tuple[str, ...],
    at: Mapping[str, object],
    name: str | None = None,
) -> xr.DataArray:
    """The scalar order parameter per student of ``da`` (variable ``name``): final or at T/2.

    A per-teacher-node ``da`` (``overlap_max``, ``overlap_max_weighted``) is
    reduced over ``teacher_node``: the mean of :math:`(r_n - r_{sym})/(1 - r_{sym})`
    when ``r_sym`` is known, else the mean :math:`r_n`; ``specialisation`` is
    divided by :math:`1 - r_{sym}` (the same :math:`m`).  The final value and the
    half budget both go through here, so the half-budget row of the
    systematic-error table measures the same quantity as the baseline;
    :math:`r_{sym}` is the teacher's (it does not change with training time),
    the same for both.
    """
    da = _squeeze(da, (*keep, COMPONENT_DIM), at)
    if COMPONENT_DIM not in da.dims:
        if name == SPECIALISATION and r_sym is not None:
            return da / (1.0 - r_sym)
        return da
    if r_sym is None:
        return da.mean(COMPONENT_DIM)
    return ((da - r_sym) / (1.0 - r_sym)).mean(COMPONENT_DIM)


def _scalar(ds: xr.Dataset | xr.DataArray, name: str) -> float | None:
    if name not in ds.coords:
        return None
    values = np.unique(np.asarray(ds[name].values, dtype=float).ravel())
    return float(values[0]) if values.size == 1 else None


def _hidden2(attrs: Mapping[str, object]) -> float | None:
    text = attrs.get("study_toml")
    if not isinstance(text, str):
        return None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    return float(table.get("teacher", {}).get("hidden2", DEFAULT_HIDDEN2))


def _order_dataset(data: xr.Dataset | xr.DataArray, order: str | None) -> tuple[xr.Dataset, str]:
    """The data as a Dataset and the order parameter's name (see :func:`order_input`)."""
    if isinstance(data, xr.Dataset):
        if order is None:
            order = next((v for v in ("teacher_recovered", OVERLAP) if v in data.data_vars), None)
        if order not in data.data_vars:
            raise AnalysisInputError(
                f"order={order!r} is not a variable of the dataset; allowed: "
                f"{sorted(map(str, data.data_vars))}",
                field="order",
                value=order,
            )
        return data, order
    if isinstance(data, xr.DataArray):
        ds = data.to_dataset(name=data.name or "order")
        ds.attrs = dict(data.attrs)
        return ds, str(data.name or "order")
    raise AnalysisInputError(
        f"data is a {type(data).__name__}; allowed: xarray.Dataset or DataArray",
        field="data",
        value=type(data).__name__,
    )


def _select_training(ds: xr.Dataset, training: str | None) -> tuple[xr.Dataset, str | None]:
    """``ds`` at one training (default: spectral if present, else the first), and which."""
    if "training" in ds.dims:
        values = ds["training"].values.tolist()
        if training is None:
            training = TRAINING if TRAINING in values else values[0]
        if training not in values:
            raise AnalysisInputError(
                f"training={training!r}; allowed: {values}", field="training", value=training
            )
        return ds.sel(training=training), training
    if training is not None and _scalar(ds, "training") is None and "training" not in ds.coords:
        raise AnalysisInputError(
            f"training={training!r} but the data have no training dimension",
            field="training",
            value=training,
        )
    return ds, training


def _node_overlaps(
    ds: xr.Dataset,
    var: xr.DataArray,
    order: str,
    keep: tuple[str, ...],
    at: Mapping[str, object],
) -> tuple[xr.DataArray | None, xr.DataArray | None]:
    """The r_n of the threshold scan and the order vector of the Binder ratio, if any."""
    overlap = None
    if OVERLAP in ds.data_vars and COMPONENT_DIM in ds[OVERLAP].dims:
        overlap = _squeeze(exclude_diverged(ds, ds[OVERLAP]), (*keep, COMPONENT_DIM), at)
    elif COMPONENT_DIM in var.dims:
        overlap = _squeeze(var, (*keep, COMPONENT_DIM), at)
    name = (
        order
        if COMPONENT_DIM in var.dims
        else next(
            (v for v in ORDER_VECTORS if v in ds.data_vars and COMPONENT_DIM in ds[v].dims), None
        )
    )
    vector = None
    if name is not None:
        vector = _squeeze(exclude_diverged(ds, ds[name]), (*keep, COMPONENT_DIM), at)
    return overlap, vector


def _symmetric_baseline(
    ds: xr.Dataset, keep: tuple[str, ...], at: Mapping[str, object]
) -> xr.DataArray | None:
    """r_sym: ``overlap_symmetric``, else mean_n ``overlap_max_weighted`` - ``specialisation``."""
    if OVERLAP_SYMMETRIC in ds.data_vars:
        return _squeeze(ds[OVERLAP_SYMMETRIC], keep, at)
    if SPECIALISATION in ds.data_vars and OVERLAP_MAX_WEIGHTED in ds.data_vars:
        weighted = ds[OVERLAP_MAX_WEIGHTED].mean(COMPONENT_DIM)
        return _squeeze(weighted - ds[SPECIALISATION], keep, at)
    return None


def order_input(
    data: xr.Dataset | xr.DataArray,
    order: str | None,
    *,
    control: str,
    size: str,
    training: str | None = None,
    at: Mapping[str, object] | None = None,
    teacher_dim: str = "teacher_seed",
    student_dim: str = "seed",
) -> OrderInput:
    """The order parameter (and its variants) of one analysis; see the module docstring.

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        A swept study, or the order parameter itself.
    order : str or None
        A variable of the study (default: ``teacher_recovered``, else
        ``overlap_max``); ignored for a DataArray.
    control, size : str
        The control and size dimensions.
    training : str, optional
        The training, when the data have a ``training`` dimension (default:
        spectral if present, else the first).
    at : mapping, optional
        Values of the other dimensions of length > 1.
    teacher_dim, student_dim : str
        The disorder dimensions.

    Raises
    ------
    AnalysisInputError
        For an unknown variable, a missing dimension, or an unselected
        dimension of length > 1.
    """
    at = dict(at or {})
    ds, order = _order_dataset(data, order)
    for arg, dim in (("control", control), ("size", size), ("student_dim", student_dim)):
        if dim not in ds[order].dims:
            raise AnalysisInputError(
                f"{arg}={dim!r} is not a dimension of {order!r}; allowed: "
                f"{list(map(str, ds[order].dims))}",
                field=arg,
                value=dim,
            )
    ds, training = _select_training(ds, training)
    keep = (size, control, teacher_dim, student_dim)
    notes: list[str] = []
    teacher_width = _scalar(ds, "teacher_width")
    var = exclude_diverged(ds, ds[order]) if isinstance(data, xr.Dataset) else ds[order]
    overlap, vector = _node_overlaps(ds, var, order, keep, at)
    r_sym = _symmetric_baseline(ds, keep, at)
    threshold = None
    m = _per_student(var, r_sym, keep, at, order)
    if COMPONENT_DIM in var.dims:
        if r_sym is not None:
            notes.append(f"m = mean over teacher nodes of (r_n - r_sym)/(1 - r_sym), from {order}")
        else:
            notes.append(f"m = mean of {order} over teacher nodes (no r_sym in the data)")
    elif order == SPECIALISATION and r_sym is not None:
        notes.append("m = specialisation/(1 - r_sym): 0 symmetric, 1 specialised")
    elif order in THRESHOLDED:
        threshold = float(ds[order].attrs.get("threshold", DEFAULT_THRESHOLD))
    m.name = order
    half = half_budget(ds, order) if isinstance(data, xr.Dataset) else None
    if half is not None:
        half = _per_student(half, r_sym, keep, at, order)
    return OrderInput(
        m=m.transpose(size, control, ...),
        name=order,
        overlap=overlap,
        r_sym=r_sym,
        vector=vector,
        threshold=threshold,
        half=half,
        teacher_kind=ds.attrs.get("teacher_kind"),
        teacher_width=teacher_width,
        hidden2=_hidden2(ds.attrs),
        training=training,
        attrs=dict(ds.attrs),
        notes=tuple(notes),
    )
