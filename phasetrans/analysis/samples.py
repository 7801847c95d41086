r"""The error model: means and standard errors over independent samples, shared by the fits.

Samples come in one level (student seeds, ``sample_dim="seed"``) or two
(teachers and their students, ``sample_dim=("teacher_seed", "seed")``).  With
two levels the mean is the mean over teachers of each teacher's mean over its
students, and its standard error is the standard error of those teacher means,
which holds both the teacher-to-teacher and the student-to-student spread:
:math:`\mathrm{Var}(\bar m) = \sigma_b^2/T + \sigma_w^2/(TS)` for :math:`T`
teachers of :math:`S` students.  Resampling lives in
:mod:`phasetrans.analysis.bootstrap`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from phasetrans.analysis.validation import require_dims, require_finite_data
from phasetrans.errors import AnalysisInputError

__all__ = [
    "describe_samples",
    "fill_zero_errors",
    "mean_and_error",
    "sample_dims",
    "sample_values",
    "typical_error",
]

#: Relative spread below which the samples of a cell count as identical.
IDENTICAL = 1e-9


def mean_and_error(values: np.ndarray, levels: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the mean over the sample axes, ignoring NaN.

    Parameters
    ----------
    values : numpy.ndarray
        ``(..., n_samples)`` for one level; ``(..., n_teachers, n_students)``
        for two, where the mean is over the teachers' means and the error
        the standard error of the teachers' means.
    levels : int
        1 or 2: how many trailing axes are sample axes.

    Returns
    -------
    mean, error : numpy.ndarray
        Shape ``(...)``. The error is NaN where fewer than 2 samples are
        finite, and exactly 0 where the samples agree to within
        :data:`IDENTICAL` of their mean (rounding, not a measured spread).
    """
    if levels == 2:
        finite = np.isfinite(values)
        n = finite.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(finite, values, 0.0).sum(axis=-1) / n
        values = np.where(n > 0, values, np.nan)
    elif levels != 1:
        raise AnalysisInputError(
            f"levels={levels!r}; allowed: 1 or 2", field="levels", value=levels
        )
    finite = np.isfinite(values)
    n = finite.sum(axis=-1)
    filled = np.where(finite, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=-1) / n
        dev = np.where(finite, values - mean[..., None], 0.0)
        se = np.sqrt((dev**2).sum(axis=-1) / (n - 1) / n)
    mean = np.where(n > 0, mean, np.nan)
    se = np.where(n > 1, se, np.nan)
    se = np.where(np.isnan(se) | (se > IDENTICAL * np.abs(mean)), se, 0.0)
    return mean, se


def typical_error(se: np.ndarray) -> float:
    """Median of the positive finite errors (0 if there are none)."""
    positive = se[np.isfinite(se) & (se > 0)]
    return float(np.median(positive)) if positive.size else 0.0


def fill_zero_errors(se: np.ndarray, typical: float) -> np.ndarray:
    """Errors with the zero ones replaced by ``typical``; NaN stays NaN.

    Notes
    -----
    A cell whose samples all agree (exact zeros where pruning changes
    nothing, a curve normalised by its own maximum) has no measured error.
    It gets a typical one, the median of the others: the smallest one, tiny
    where a curve is flat near 0, would give it all the weight of a fit.
    """
    return np.where(np.isfinite(se), np.where(se > 0, se, typical), np.nan)


def sample_dims(sample_dim: str | Sequence[str] | None) -> tuple[str, ...]:
    """``sample_dim`` as a tuple: ``()``, ``(student,)`` or ``(teacher, student)``.

    Raises
    ------
    AnalysisInputError
        If it is not None, a name, or a sequence of one or two distinct names.
    """
    if sample_dim is None:
        return ()
    if isinstance(sample_dim, str):
        return (sample_dim,)
    dims = tuple(sample_dim) if isinstance(sample_dim, Sequence) else ()
    if (
        not 1 <= len(dims) <= 2
        or not all(isinstance(d, str) for d in dims)
        or (len(set(dims)) != len(dims))
    ):
        raise AnalysisInputError(
            f"sample_dim={sample_dim!r}; allowed: None, a dimension name, or "
            "(teacher_dim, student_dim) for the two-level bootstrap",
            field="sample_dim",
            value=sample_dim,
        )
    return dims


def sample_values(
    da: xr.DataArray,
    dims: Mapping[str, str],
    sample_dim: str | Sequence[str] | None,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Check ``da`` and return its values as ``(*dims, *samples)``, with the sample dims used.

    Parameters
    ----------
    da : xarray.DataArray
        The observable.
    dims : mapping of str to str
        ``{argument name: dimension}`` of the non-sample axes, in order.
    sample_dim : str, sequence of two str, or None
        The sample dimension(s); see :func:`sample_dims`.  A teacher dimension
        that ``da`` does not have (absent, or a scalar coordinate: one teacher)
        or that has length 1 is dropped: the samples are then one level.

    Returns
    -------
    values : numpy.ndarray
        Floats, axes ``(*dims.values(), *samples)``.
    used : tuple of str
        The sample dimensions of ``values`` (0, 1 or 2 of them).

    Raises
    ------
    AnalysisInputError
        If ``da`` is not a DataArray, lacks a named dimension, has other
        dimensions, or holds no finite value.
    """
    if not isinstance(da, xr.DataArray):
        raise AnalysisInputError(
            f"da is a {type(da).__name__}; allowed: xarray.DataArray "
            "(select one variable of a Dataset)",
            field="da",
            value=type(da).__name__,
        )
    used = sample_dims(sample_dim)
    if len(used) == 2 and (used[0] not in da.dims or da.sizes[used[0]] == 1):
        if used[0] in da.dims:
            da = da.squeeze(used[0], drop=True)
        used = used[1:]
    named = {**dims}
    if len(used) == 1:
        named["sample_dim"] = used[0]
    elif len(used) == 2:
        named["sample_dim[0]"], named["sample_dim[1]"] = used
    require_dims(da, named)
    extra = [d for d in da.dims if d not in (*dims.values(), *used)]
    if extra:
        names = [*dims, "sample_dim"]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        raise AnalysisInputError(
            f"da has dimensions {extra} besides {listed}; select or reduce them first",
            field="da",
            value=extra,
        )
    require_finite_data(da)
    values = np.asarray(da.transpose(*dims.values(), *used).values, dtype=float)
    return values, used


def describe_samples(used: tuple[str, ...], shape: tuple[int, ...]) -> str:
    """The error model in words, e.g. ``"standard error over 'seed' (20 samples)"``."""
    if len(used) == 1:
        return f"standard error over {used[0]!r} ({shape[-1]} samples)"
    return f"two-level standard error over {used!r} ({shape[-2]} teachers x {shape[-1]} students)"
