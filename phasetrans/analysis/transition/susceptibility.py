r"""The susceptibility split into its connected and disconnected parts, and its peaks.

With teachers :math:`t` (the disorder) and students :math:`s` (thermal-like
noise of initialisation and training), the variance of an order parameter
over both splits exactly (the law of total variance, with the disorder
average :math:`[\cdot]` over teachers and :math:`\langle\cdot\rangle` over
each teacher's students):

.. math::

    \chi = N\,[\langle (m - [\langle m\rangle])^2\rangle]
         = \underbrace{N\,[\langle m^2\rangle - \langle m\rangle^2]}_{\chi_{conn}}
         + \underbrace{N\,([\langle m\rangle^2] - [\langle m\rangle]^2)}_{\chi_{dis}}.

The connected part is the spread of students of one teacher (within
teacher); the disconnected part the spread of the teachers' own averages
(between teachers).  Where :math:`\chi_{dis}` dominates, the width of the
averaged transition is that of the teacher-to-teacher variation of the
pseudo-critical point (see :mod:`~phasetrans.analysis.transition.pseudocritical`).
:math:`\chi` is the :func:`phasetrans.analysis.disorder.susceptibility` of the
package; :math:`N` is the size coordinate named by the caller.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from phasetrans.analysis.disorder import disorder_mean, disorder_variance
from phasetrans.analysis.transition.resampling import DisorderDraws, summarise
from phasetrans.errors import AnalysisInputError

__all__ = ["PARTS", "susceptibility_parts"]

#: The parts, in the order of the output variable ``part``.
PARTS = ("total", "connected", "disconnected")


def _parts(values: np.ndarray, levels: int) -> np.ndarray:
    total = disorder_variance(values, levels)
    if levels == 1:  # one teacher: every spread is within it
        return np.stack([total, total, np.zeros_like(total)], axis=-1)
    within = disorder_mean(values, 1)  # each teacher's student mean, (..., T)
    finite = np.isfinite(values)
    n = finite.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sq = np.where(finite, values**2, 0.0).sum(axis=-1) / n
    connected = disorder_mean(np.where(n > 0, sq - within**2, np.nan), 1)
    disconnected = disorder_variance(within, 1)
    return np.stack([total, connected, disconnected], axis=-1)


def _check_size(da: xr.DataArray, size: str, draws: DisorderDraws) -> xr.DataArray:
    if size not in da.coords:
        raise AnalysisInputError(
            f"size={size!r} is not a coordinate of the order parameter; allowed: "
            f"{sorted(map(str, da.coords))}",
            field="size",
            value=size,
        )
    n = da[size]
    if set(n.dims) & set(draws.sample_dims) or not np.issubdtype(n.dtype, np.number):
        raise AnalysisInputError(
            f"size={size!r} must be numeric and fixed over teachers and students",
            field="size",
            value=size,
        )
    return n.astype(float)


def susceptibility_parts(
    order: xr.DataArray,
    size: str,
    *,
    teacher_dim: str | None = "teacher_seed",
    student_dim: str = "seed",
    bootstrap: int = 200,
    seed: int | np.random.Generator = 0,
    draws: DisorderDraws | None = None,
) -> xr.Dataset:
    r"""Connected (within-teacher) and disconnected (between-teacher) susceptibility.

    Parameters
    ----------
    order : xarray.DataArray
        A scalar order parameter per student.
    size : str
        The coordinate holding :math:`N` (e.g. ``"input_dim"``).
    teacher_dim, student_dim, bootstrap, seed, draws
        As for :func:`~phasetrans.analysis.transition.binder.binder_ratio`.

    Returns
    -------
    xarray.Dataset
        ``susceptibility``, ``error``, ``interval`` over the other dims and
        ``part`` (:data:`PARTS`: ``total = connected + disconnected``).

    Raises
    ------
    AnalysisInputError
        If ``size`` is not a numeric coordinate fixed over the samples.

    Notes
    -----
    :math:`\chi_{conn} = N[\langle m^2\rangle - \langle m\rangle^2]`,
    :math:`\chi_{dis} = N([\langle m\rangle^2] - [\langle m\rangle]^2)` (population
    variances; see the module docstring).  With one teacher the
    disconnected part is 0.
    """
    if draws is None:
        draws = DisorderDraws.for_array(order, bootstrap, seed, teacher_dim, student_dim)
    n = _check_size(order, size, draws)
    estimate, replicates = draws.apply(order, _parts, extra=("part", PARTS))
    n = n.drop_vars([c for c in n.coords if c not in estimate.coords])
    estimate = estimate * n
    if replicates is not None:
        replicates = replicates * n
    out = summarise("susceptibility", estimate, replicates, draws)
    out.attrs["size"] = size
    out["susceptibility"].attrs = {
        "long_name": f"{size} x variance of {order.name or 'the order parameter'}: total, "
        "within teacher (connected), between teachers (disconnected)"
    }
    return out
