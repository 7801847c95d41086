r"""Per-teacher pseudo-critical points :math:`\alpha^*(t)` and their spread against size.

Each teacher :math:`t` (with its own data) has its own transition: the
control value :math:`\alpha^*(t)` at which its student-averaged order
parameter :math:`\langle m\rangle_t(\alpha)` first reaches a level (0.5 by
default).  It is found by **linear interpolation** between the grid points of
the control (in :math:`\ln\alpha` with ``log=True``).  With nested training
sets (``data.nested``: the training set at a smaller :math:`\alpha` is a
subset of the one at a larger) the curve of one teacher is one realisation
and :math:`\alpha^*(t)` is well defined; for older studies, where each
:math:`\alpha` drew its own training set, it is an interpolation between
independent draws.

The spread :math:`\delta\alpha^*(N)` (standard deviation over teachers) is the
self-averaging test: it shrinks with :math:`N` when the transition
self-averages.  Fitted as :math:`\delta\alpha^* \propto N^{-a}`:

- :math:`a \ge 1/\nu`: the spread shrinks at least as fast as the width of
  one teacher's transition; the width of the disorder-averaged curve is
  intrinsic;
- :math:`a < 1/\nu`: the spread shrinks more slowly; at large :math:`N` the
  disorder-averaged curve is as wide as the spread (disorder-dominated
  width), and a collapse of the average measures :math:`\nu_{avg} = 1/a`.

Errors come from the two-level bootstrap (teachers, then students), the same
draws at every size and control.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.transition.curves import level_crossing
from phasetrans.analysis.transition.peaks import size_exponent
from phasetrans.analysis.transition.resampling import BOOTSTRAP_DIM, DisorderDraws, summarise
from phasetrans.errors import AnalysisInputError

__all__ = ["pseudocritical_points", "spread_exponent"]


def _student_means(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    n = finite.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(finite, values, 0.0).sum(axis=-1) / n
    return np.where(n > 0, out, np.nan)


def _spread(stars: np.ndarray) -> np.ndarray:
    """Standard deviation over the last axis (teachers), finite values, ddof=1."""
    finite = np.isfinite(stars)
    n = finite.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, stars, 0.0).sum(axis=-1) / n
        dev = np.where(finite, stars - mean[..., None], 0.0)
        std = np.sqrt((dev**2).sum(axis=-1) / (n - 1))
    return np.where(n > 1, std, np.nan)


def pseudocritical_points(
    order: xr.DataArray,
    control: str,
    *,
    level: float = 0.5,
    log: bool = False,
    teacher_dim: str = "teacher_seed",
    student_dim: str = "seed",
    bootstrap: int = 200,
    seed: int | np.random.Generator = 0,
    draws: DisorderDraws | None = None,
) -> xr.Dataset:
    r"""Each teacher's :math:`\alpha^*(t)` and the spread over teachers, with errors.

    Parameters
    ----------
    order : xarray.DataArray
        A scalar order parameter per student, rising with the control, over
        ``control``, ``teacher_dim``, ``student_dim`` and any other dims
        (sizes).
    control : str
        The control dimension (ascending coordinate).
    level : float
        The level of the student-averaged curve that defines :math:`\alpha^*(t)`.
    log : bool
        Interpolate in :math:`\ln` of the control (positive control only).
    teacher_dim, student_dim, bootstrap, seed, draws
        As for :func:`~phasetrans.analysis.transition.binder.binder_ratio`;
        a teacher dimension is required.

    Returns
    -------
    xarray.Dataset
        ``alpha_star`` over the other dims and ``teacher_dim`` (NaN where a
        teacher's curve does not cross ``level`` inside the grid);
        ``spread``, ``error`` and ``interval`` (its bootstrap) and
        ``mean_alpha_star``, ``n_crossed`` over the other dims; with a bootstrap,
        ``replicate_spread`` (the spread of every resample, dim ``bootstrap``).

    Raises
    ------
    AnalysisInputError
        If ``control`` or ``teacher_dim`` is missing, or ``log`` with a
        non-positive control.
    """
    for arg, dim in (("control", control), ("teacher_dim", teacher_dim)):
        if dim not in order.dims:
            raise AnalysisInputError(
                f"{arg}={dim!r} is not a dimension of the order parameter; allowed: "
                f"{list(map(str, order.dims))}",
                field=arg,
                value=dim,
            )
    order = order.sortby(control).transpose(..., control, teacher_dim, student_dim)
    x = np.asarray(order[control].values, dtype=float)
    if log and not (x > 0).all():
        raise AnalysisInputError(
            f"log=True needs a positive control; {control!r} spans [{x.min():g}, {x.max():g}]",
            field="log",
            value=log,
        )
    axis = np.log(x) if log else x
    back = np.exp if log else (lambda v: v)
    if draws is None:
        draws = DisorderDraws.for_array(order, bootstrap, seed, teacher_dim, student_dim)
    if draws.teacher_dim is None:
        raise AnalysisInputError(
            f"teacher_dim={teacher_dim!r} has length 1; per-teacher points need several teachers",
            field="teacher_dim",
            value=teacher_dim,
        )
    values, other, coords = draws.values(order)  # (..., control, T, S)
    means = np.moveaxis(_student_means(values), -2, -1)  # (..., T, control)
    stars = back(level_crossing(axis, means, level))  # (..., T)
    keep = [d for d in other if d != control]
    kept = {k: v for k, v in coords.items() if control not in v.dims and k != control}
    spread = xr.DataArray(_spread(stars), dims=keep, coords=kept)
    reps = None
    if draws.resamples is not None:
        chunks = []
        for start in range(0, draws.n, 64):
            res = draws.resamples.take_many(values, slice(start, start + 64))
            m = np.moveaxis(_student_means(res), -3, -1)  # (..., B, T, control)
            chunks.append(_spread(back(level_crossing(axis, m, level))))
        reps = xr.DataArray(
            np.concatenate(chunks, axis=-1), dims=[*keep, BOOTSTRAP_DIM], coords=kept
        )
    out = summarise("spread", spread, reps, draws)
    if reps is not None:
        out["replicate_spread"] = reps
    teachers = order[teacher_dim].values
    out["alpha_star"] = xr.DataArray(
        stars, dims=[*keep, teacher_dim], coords={**kept, teacher_dim: teachers}
    )
    crossed = np.isfinite(stars).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(np.isfinite(stars), stars, 0.0).sum(axis=-1) / crossed
    mean = np.where(crossed > 0, mean, np.nan)  # no teacher crosses: NaN, without a warning
    out["mean_alpha_star"] = xr.DataArray(mean, dims=keep, coords=kept)
    out["n_crossed"] = xr.DataArray(np.isfinite(stars).sum(axis=-1), dims=keep, coords=kept)
    out["alpha_star"].attrs = {
        "long_name": f"per-teacher {control} where the student mean reaches {level:g} "
        f"(linear interpolation{' in ln ' + control if log else ''})"
    }
    out["spread"].attrs = {"long_name": "standard deviation of alpha_star over teachers"}
    out.attrs.update(level=level, control=control, log=int(log))
    return out


def spread_exponent(points: xr.Dataset, size: str) -> Estimate:
    r"""Exponent :math:`a` of :math:`\delta\alpha^*(N) \propto N^{-a}`, with intervals.

    Parameters
    ----------
    points : xarray.Dataset
        From :func:`pseudocritical_points`, over ``size`` only.
    size : str
        The size dimension.

    Returns
    -------
    Estimate
        The least-squares slope of :math:`-\ln\delta\alpha^*` against
        :math:`\ln N`, with its error, intervals and replicates from refits on
        every bootstrap replicate of the spread.
    """
    fit = size_exponent(points["spread"], points.get("replicate_spread"), size)
    return fit.replace(
        -fit.value,
        intervals={lv: (-hi, -lo) for lv, (lo, hi) in fit.intervals.items()},
        samples=None if fit.samples is None else -fit.samples,
    )
