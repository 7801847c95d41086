r"""The fraction of teacher nodes recovered at any cosine threshold (:func:`recovered_at`)."""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from phasetrans.analysis.overlaps.schema import COSINE_THRESHOLD, TEACHER_NODE
from phasetrans.errors import AnalysisInputError

__all__ = ["recovered_at"]


@overload
def recovered_at(overlap_max: xr.DataArray, tau: Any) -> xr.DataArray: ...
@overload
def recovered_at(overlap_max: ArrayLike, tau: Any) -> NDArray[np.float64]: ...


def recovered_at(overlap_max: Any, tau: Any) -> Any:
    r"""Fraction of teacher nodes with :math:`r_n \ge \tau`: ``teacher_recovered`` at any threshold.

    Parameters
    ----------
    overlap_max : xarray.DataArray or array_like
        :math:`r_n` (``overlap_max`` or ``overlap_max_weighted``): a DataArray
        with a ``teacher_node`` dim, or an array with the teacher nodes last.
    tau : float, array_like or xarray.DataArray
        Threshold(s) in [0, 1]. A 1-D array scans thresholds: a new last axis
        (numpy) or a dim :data:`COSINE_THRESHOLD` (xarray) with ``tau`` as its
        coordinate; a DataArray broadcasts by its own dims.

    Returns
    -------
    xarray.DataArray or numpy.ndarray
        The fraction over the present (non-NaN) teacher nodes; NaN where none
        is present.

    Raises
    ------
    AnalysisInputError
        If ``tau`` is not finite, lies outside [0, 1] or has more than one dim
        (numpy), or the DataArray has no ``teacher_node`` dim.

    Notes
    -----
    Unlike the Hungarian-matched ``teacher_recovered`` of the runner (kept as it
    is), one student node may serve several teacher nodes here.
    """
    values = np.asarray(tau.values if isinstance(tau, xr.DataArray) else tau, dtype=float)
    if not np.isfinite(values).all() or (values < 0).any() or (values > 1).any():
        raise AnalysisInputError(
            f"tau={values.tolist()!r}: thresholds must be finite and in [0, 1]",
            field="tau",
            value=values.tolist(),
        )
    if isinstance(overlap_max, xr.DataArray):
        if TEACHER_NODE not in overlap_max.dims:
            raise AnalysisInputError(
                f"overlap_max has dims {list(map(str, overlap_max.dims))}; "
                f"expected a {TEACHER_NODE!r} dim",
                field="overlap_max",
                value=overlap_max.dims,
            )
        if isinstance(tau, xr.DataArray):
            threshold = tau
        elif values.ndim == 1:
            threshold = xr.DataArray(values, dims=[COSINE_THRESHOLD], coords=[values])
        elif values.ndim == 0:
            threshold = xr.DataArray(values)
        else:
            raise AnalysisInputError(
                f"tau has shape {values.shape}; give a number, a 1-D array or a DataArray",
                field="tau",
                value=values.shape,
            )
        present = overlap_max.notnull()
        count = present.sum(TEACHER_NODE)
        hits = ((overlap_max >= threshold) & present).sum(TEACHER_NODE)
        frac = hits / count.where(count > 0)
        return frac.assign_attrs(long_name="fraction of teacher nodes with r_n >= cosine threshold")
    r = np.asarray(overlap_max, dtype=float)
    if r.ndim < 1 or values.ndim > 1:
        raise AnalysisInputError(
            f"overlap_max {r.shape} and tau {values.shape}: expected teacher nodes on the "
            "last axis and a number or a 1-D array of thresholds",
            field="tau",
            value=values.shape,
        )
    present = ~np.isnan(r)
    count = present.sum(axis=-1)
    hits = ((r[..., None] >= values.reshape(-1)) & present[..., None]).sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(count[..., None] > 0, hits / count[..., None], np.nan)
    return frac[..., 0] if values.ndim == 0 else frac
