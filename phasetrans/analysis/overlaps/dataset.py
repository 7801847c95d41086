"""The overlap variables of every student of a study dataset (:func:`add_overlaps`)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from phasetrans.analysis.attrs import plain_attrs
from phasetrans.analysis.overlaps.matrices import study_weights
from phasetrans.analysis.overlaps.schema import (
    INPUT,
    NODE,
    OVERLAP_SCHEMA,
    OVERLAP_VARIABLES,
    PRINCIPAL_ANGLE,
    TEACHER_NODE,
)
from phasetrans.analysis.overlaps.student import batched_overlaps

__all__ = ["add_overlaps"]


def _contribution(ds: xr.Dataset, w1: xr.DataArray) -> xr.DataArray:
    """Each student's node contributions: |readout|·‖w_i‖, else importance, else ‖w_i‖.

    Chosen per student: the first of the three with a finite value for that
    student, so committee and spectral students may share one dataset.
    """
    norm = np.sqrt((w1.astype(float) ** 2).sum(INPUT, skipna=True, min_count=1))
    candidates = []
    if "readout" in ds.data_vars:
        candidates.append(abs(ds["readout"]) * norm)
    if "importance" in ds.data_vars:
        candidates.append(ds["importance"])
    out = norm
    for c in reversed(candidates):
        out = xr.where(c.notnull().any(NODE), c, out)
    return out


def add_overlaps(ds: xr.Dataset, *, overwrite: bool = False) -> xr.Dataset:
    """Add the overlap variables of :data:`OVERLAP_VARIABLES` to a study dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        A merged study (:func:`phasetrans.open_study`): ``w1(..., input, node)``
        of the students and ``teacher_w1(..., input, teacher_node)``, the
        teacher over its own sweep dims (``teacher_seed``, ``input_dim``) and
        ``teacher_width``.
    overwrite : bool
        Recompute variables already present (default: keep them).

    Returns
    -------
    xarray.Dataset
        A copy of ``ds`` with the variables over the student dims (``training``,
        sweeps, ``teacher_width``, ``width``, ``seed``) followed by their own
        dims (:data:`OVERLAP_SCHEMA`), with ``long_name`` and ``units``; the
        teacher broadcast to every student of its cell. Padded nodes, teacher
        nodes and inputs (several widths, teacher widths, input dims) are left
        out of the computation and NaN in the result.

    Raises
    ------
    AnalysisInputError
        Without ``w1`` or ``teacher_w1`` or with their dims missing.

    Notes
    -----
    The node contribution is ``|readout| · ‖w_i‖`` when the dataset has a
    ``readout(..., node)`` (committee students), else ``importance``, else the
    norm ``‖w_i‖``, chosen per student (the first with a finite value), so
    students with and without a readout may share one dataset. ``r_sym`` uses
    the teacher's first-layer ``T`` alone
    (:func:`~phasetrans.analysis.overlaps.symmetric_baseline`). ``Q`` and ``T``
    are not added: :func:`~phasetrans.analysis.overlaps.study_overlap_matrices`
    computes them on demand. Lazy (dask) inputs stay lazy; they must not be
    chunked along ``input``, ``node`` or ``teacher_node``.
    """
    wanted = [n for n in OVERLAP_VARIABLES if overwrite or n not in ds.data_vars]
    if not wanted:
        return ds.copy()
    w1, tw = study_weights(ds)
    contribution = _contribution(ds, w1)

    def kernel(w: NDArray, t: NDArray, c: NDArray) -> tuple[NDArray, ...]:
        return batched_overlaps(w, t, c, None, None)

    core_out = [list(OVERLAP_SCHEMA[n][0]) for n in OVERLAP_VARIABLES]
    results = xr.apply_ufunc(
        kernel,
        w1,
        tw,
        contribution,
        input_core_dims=[[INPUT, NODE], [INPUT, TEACHER_NODE], [NODE]],
        output_core_dims=core_out,
        dask="parallelized",
        output_dtypes=[np.float64] * len(OVERLAP_VARIABLES),
        dask_gufunc_kwargs={"output_sizes": {PRINCIPAL_ANGLE: tw.sizes[TEACHER_NODE]}},
    )
    lead = [d for d in w1.dims if d not in (INPUT, NODE)]
    out = ds.copy()
    for name, da, core in zip(OVERLAP_VARIABLES, results, core_out, strict=True):
        if name not in wanted:
            continue
        da = da.transpose(*lead, ..., *core)
        if PRINCIPAL_ANGLE in da.dims:
            da = da.assign_coords({PRINCIPAL_ANGLE: np.arange(da.sizes[PRINCIPAL_ANGLE])})
        _, long_name, units = OVERLAP_SCHEMA[name]
        da = da.copy(deep=False)
        da.attrs = plain_attrs({"long_name": long_name, "units": units})  # not w1's attrs
        out[name] = da
    return out
