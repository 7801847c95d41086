r"""Where the curves of successive sizes cross, and where each curve reaches given levels.

- :func:`size_crossings`: the first sign change of :math:`O_{N_a}(\alpha) -
  O_{N_b}(\alpha)` for successive sizes (the order parameter itself, or a
  cumulant), how many sign changes there are, and in what share of the
  bootstrap resamples a crossing exists;
- :func:`level_points`: the midpoint :math:`\alpha_{50}` where the disorder
  average reaches 0.5 and the width between the 20 % and 80 % points
  (:math:`\alpha_{80}/\alpha_{20}` on a log control, :math:`\alpha_{80} -
  \alpha_{20}` on a linear one).

Positions are linear interpolations between grid points (in :math:`\ln\alpha`
with ``log=True``), recomputed on every bootstrap replicate of the curves
(the same draws at every size and control), whose percentiles give the
intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import xarray as xr

from phasetrans.analysis.transition.curves import level_crossing, sign_changes
from phasetrans.analysis.transition.resampling import (
    BOOTSTRAP_DIM,
    DisorderDraws,
    curve_statistic,
    merge_parts,
    named_summary,
)

__all__ = ["control_axis", "level_points", "size_crossings"]


def control_axis(da: xr.DataArray, control: str, log: bool) -> tuple[np.ndarray, object]:
    """The control values to interpolate in (``ln`` with ``log``) and the map back."""
    x = np.asarray(da[control].values, dtype=float)
    if log:
        return np.log(x), np.exp
    return x, (lambda v: v)


def size_crossings(
    estimate: xr.DataArray,
    replicates: xr.DataArray | None,
    size: str,
    control: str,
    draws: DisorderDraws,
    *,
    log: bool = False,
    band: tuple[xr.DataArray, xr.DataArray | None, float, float] | None = None,
) -> xr.Dataset:
    """Crossings of the curves of successive sizes.

    Parameters
    ----------
    estimate : xarray.DataArray
        Disorder-averaged curves over ``size`` and ``control`` (ascending).
    replicates : xarray.DataArray or None
        Their bootstrap replicates (dim ``bootstrap``).
    size, control : str
        The dimensions.
    draws : DisorderDraws
        The draws behind ``replicates`` (for the attributes).
    log : bool
        Interpolate in the logarithm of the control.
    band : (reference, reference replicates, low, high), optional
        Search only where one of the two sizes' ``reference`` curve (the
        disorder average of the order parameter, and its replicates) lies in
        ``[low, high]``: the transition region.  Outside it, noise on flat
        tails (both curves near 0 or near 1) makes sign changes that are not
        crossings.

    Returns
    -------
    xarray.Dataset
        Over ``pair`` (coordinates ``size_a``, ``size_b``): ``crossing`` (first
        sign change of curve(a) − curve(b); NaN if none), its error and
        interval, ``n_crossings`` and ``share`` (fraction of resamples that
        cross at all).
    """
    axis, back = control_axis(estimate, control, log)
    sizes = estimate[size].values
    rows = []
    for a, b in pairwise(sizes):
        diff = estimate.sel({size: a}, drop=True) - estimate.sel({size: b}, drop=True)
        rdiff = None
        if replicates is not None:
            rdiff = replicates.sel({size: a}, drop=True) - replicates.sel({size: b}, drop=True)
        if band is not None:
            ref, ref_reps, lo, hi = band
            diff = diff.where(_inside(ref, size, a, b, lo, hi))
            if rdiff is not None and ref_reps is not None:
                rdiff = rdiff.where(_inside(ref_reps, size, a, b, lo, hi))
        first, reps = curve_statistic(
            diff, rdiff, control, lambda x, y: back(sign_changes(x, y)[0]), axis
        )
        count, _ = curve_statistic(diff, None, control, lambda x, y: sign_changes(x, y)[1], axis)
        ds = named_summary("crossing", first, reps, draws)
        ds["n_crossings"] = count
        share = np.nan if reps is None else np.isfinite(reps).mean(BOOTSTRAP_DIM)
        ds["share"] = share if isinstance(share, xr.DataArray) else xr.DataArray(share)
        rows.append(ds.expand_dims(pair=[f"{a:g}-{b:g}"]))
    if not rows:
        return xr.Dataset()
    out = xr.concat(rows, dim="pair")
    out = out.assign_coords(
        size_a=("pair", np.asarray(sizes[:-1])), size_b=("pair", np.asarray(sizes[1:]))
    )
    out["crossing"].attrs = {"long_name": f"first {control} where the curves of two sizes cross"}
    out["share"].attrs = {"long_name": "share of bootstrap resamples in which the curves cross"}
    return out


def _inside(ref: xr.DataArray, size: str, a: object, b: object, lo: float, hi: float):
    """Where the reference curve of size ``a`` or ``b`` lies in ``[lo, hi]``."""
    ra, rb = ref.sel({size: a}, drop=True), ref.sel({size: b}, drop=True)
    return ((ra >= lo) & (ra <= hi)) | ((rb >= lo) & (rb <= hi))


def level_points(
    estimate: xr.DataArray,
    replicates: xr.DataArray | None,
    control: str,
    draws: DisorderDraws,
    *,
    levels: Sequence[float] = (0.2, 0.5, 0.8),
    log: bool = False,
) -> xr.Dataset:
    """Midpoint (the middle level) and width (between the outer levels) of each curve.

    Parameters
    ----------
    estimate, replicates, control, draws, log
        As for :func:`size_crossings`.
    levels : (float, float, float)
        Low, middle and high level of the rising curve.

    Returns
    -------
    xarray.Dataset
        ``midpoint`` and ``width`` with ``*_error`` and ``*_interval`` over the
        other dims; attrs ``levels`` and ``width`` (how the width is measured).
    """
    lo, mid, hi = (float(v) for v in levels)
    axis, back = control_axis(estimate, control, log)

    def at(level: float):
        return lambda x, y: back(level_crossing(x, y, level))

    def width(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        a, b = back(level_crossing(x, y, lo)), back(level_crossing(x, y, hi))
        with np.errstate(invalid="ignore", divide="ignore"):
            return b / a if log else b - a

    m, m_reps = curve_statistic(estimate, replicates, control, at(mid), axis)
    w, w_reps = curve_statistic(estimate, replicates, control, width, axis)
    out = merge_parts(
        [named_summary("midpoint", m, m_reps, draws), named_summary("width", w, w_reps, draws)]
    )
    out["midpoint"].attrs = {"long_name": f"{control} where the average reaches {mid:g}"}
    how = (
        f"{control}({hi:g}) / {control}({lo:g})"
        if log
        else f"{control}({hi:g}) - {control}({lo:g})"
    )
    out["width"].attrs = {"long_name": f"width {how}"}
    out.attrs = {"levels": [lo, mid, hi], "width": how}
    return out
