r"""Extrema of curves against the control: the susceptibility peak and the steepest slope.

- :func:`susceptibility_peaks`: the position :math:`\alpha^*(N)` and height
  :math:`\chi_{max}(N)` of each size's susceptibility, from a parabola through
  the highest grid point and its neighbours (in :math:`\ln\alpha` with
  ``log=True``), and the share of resamples whose maximum sits at an end of
  the grid (then the grid maximum itself is used: the peak is not resolved);
- :func:`maximum_slope`: the largest :math:`dm/d\alpha` of the disorder
  average (finite differences between neighbouring grid points, always in the
  control itself) and where it is.  At a continuous transition it grows as
  :math:`N^{1/\nu}`.

Every statistic is recomputed on each bootstrap replicate of the curves.
:func:`size_exponent` fits :math:`y \propto N^{s}` to a statistic and to each
of its replicates.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import LEVELS, bootstrap_std, interval_bounds
from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.transition.crossing import control_axis
from phasetrans.analysis.transition.curves import parabolic_peak, steepest
from phasetrans.analysis.transition.resampling import (
    BOOTSTRAP_DIM,
    DisorderDraws,
    curve_statistic,
    merge_parts,
    named_summary,
)

__all__ = ["maximum_slope", "size_exponent", "susceptibility_peaks"]


def susceptibility_peaks(
    estimate: xr.DataArray,
    replicates: xr.DataArray | None,
    control: str,
    draws: DisorderDraws,
    *,
    log: bool = False,
) -> tuple[xr.Dataset, xr.DataArray | None]:
    """Peak position and height of each susceptibility curve, with intervals.

    Parameters
    ----------
    estimate : xarray.DataArray
        :math:`\\chi` over ``control`` (ascending) and other dims (sizes).
    replicates : xarray.DataArray or None
        Its bootstrap replicates.
    control : str
        The control dimension.
    draws : DisorderDraws
        The draws behind the replicates.
    log : bool
        Fit the parabola in the logarithm of the control.

    Returns
    -------
    peaks : xarray.Dataset
        ``position``, ``height`` with ``*_error``, ``*_interval``; ``interior``
        (the estimate's peak is inside the grid) and ``edge_share`` (share of
        resamples peaking at an end of the grid).
    height_replicates : xarray.DataArray or None
        The replicates of the height (for :func:`size_exponent`).
    """
    axis, back = control_axis(estimate, control, log)
    pos, pos_reps = curve_statistic(
        estimate, replicates, control, lambda x, y: back(parabolic_peak(x, y)[0]), axis
    )
    top, top_reps = curve_statistic(
        estimate, replicates, control, lambda x, y: parabolic_peak(x, y)[1], axis
    )
    inside, inside_reps = curve_statistic(
        estimate, replicates, control, lambda x, y: parabolic_peak(x, y)[2], axis
    )
    out = merge_parts(
        [
            named_summary("position", pos, pos_reps, draws),
            named_summary("height", top, top_reps, draws),
        ]
    )
    out["interior"] = inside.astype(bool)
    if inside_reps is not None:
        out["edge_share"] = 1.0 - inside_reps.astype(float).mean(BOOTSTRAP_DIM)
    out["position"].attrs = {"long_name": f"{control} of the susceptibility peak"}
    out["height"].attrs = {"long_name": "susceptibility at its peak"}
    return out, top_reps


def maximum_slope(
    estimate: xr.DataArray,
    replicates: xr.DataArray | None,
    control: str,
    draws: DisorderDraws,
) -> tuple[xr.Dataset, xr.DataArray | None]:
    """The largest slope :math:`dm/d\\alpha` of each curve and where it is.

    Returns
    -------
    slopes : xarray.Dataset
        ``max_slope`` and ``at`` with ``*_error``, ``*_interval``.
    slope_replicates : xarray.DataArray or None
        The replicates of ``max_slope``.
    """
    axis, _ = control_axis(estimate, control, False)
    s, s_reps = curve_statistic(estimate, replicates, control, lambda x, y: steepest(x, y)[1], axis)
    at, at_reps = curve_statistic(
        estimate, replicates, control, lambda x, y: steepest(x, y)[0], axis
    )
    out = merge_parts(
        [named_summary("max_slope", s, s_reps, draws), named_summary("at", at, at_reps, draws)]
    )
    out["max_slope"].attrs = {"long_name": f"largest d(order)/d{control} (finite differences)"}
    out["at"].attrs = {"long_name": f"{control} of the largest slope (interval midpoint)"}
    return out, s_reps


def size_exponent(values: xr.DataArray, replicates: xr.DataArray | None, size: str) -> Estimate:
    r"""Exponent :math:`s` of :math:`y \propto N^{s}`, by least squares in log–log, with intervals.

    Returns
    -------
    Estimate
        The slope, with the bootstrap standard deviation, percentile
        intervals and replicates of the refits on every replicate (NaN error
        and no intervals without replicates).
    """
    n = np.log(np.asarray(values[size].values, dtype=float))

    def slope(y: np.ndarray) -> float:
        ok = np.isfinite(y) & (y > 0)
        if ok.sum() < 2:
            return np.nan
        return float(np.polyfit(n[ok], np.log(y[ok]), 1)[0])

    est = slope(np.asarray(values.transpose(size).values, dtype=float))
    if replicates is None:
        return Estimate(est)
    reps = replicates.transpose(size, BOOTSTRAP_DIM).values
    slopes = np.array([slope(reps[:, b]) for b in range(reps.shape[1])])
    bounds = interval_bounds(slopes[None, :])[0]
    return Estimate(
        est,
        float(bootstrap_std(slopes)),
        intervals={lv: (float(bounds[k, 0]), float(bounds[k, 1])) for k, lv in enumerate(LEVELS)},
        samples=slopes,
    )
