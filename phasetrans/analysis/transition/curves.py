r"""Statistics of one curve against the control: crossings, peaks, steepest slope.

Pure numerics on numpy arrays, vectorised over leading axes (sizes,
bootstrap replicates, teachers): the control ``x`` is the last axis, ascending.
Positions are found by linear interpolation between grid points in the
coordinate given (pass :math:`\ln\alpha` for log-linear interpolation);
nothing is fitted.  NaN marks a curve without the feature.
"""

from __future__ import annotations

import numpy as np

__all__ = ["first_crossing", "level_crossing", "parabolic_peak", "sign_changes", "steepest"]


def level_crossing(x: np.ndarray, y: np.ndarray, level: float) -> np.ndarray:
    """First ``x`` at which a rising curve reaches ``level``, by linear interpolation.

    Parameters
    ----------
    x : numpy.ndarray, shape (n,)
        Ascending control values.
    y : numpy.ndarray, shape (..., n)
        Curves.
    level : float
        The level.

    Returns
    -------
    numpy.ndarray, shape (...)
        NaN where the curve never reaches ``level``, already starts at or above
        it, or a neighbour of the crossing is NaN.
    """
    y = np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore"):
        above = y >= level
    j = np.argmax(above, axis=-1)
    reached = np.take_along_axis(above, j[..., None], axis=-1)[..., 0]
    ok = reached & (j > 0)
    jj = np.where(ok, j, 1)
    y1 = np.take_along_axis(y, jj[..., None], axis=-1)[..., 0]
    y0 = np.take_along_axis(y, (jj - 1)[..., None], axis=-1)[..., 0]
    x1, x0 = x[jj], x[jj - 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(y1 > y0, (level - y0) / (y1 - y0), 0.0)
        out = x0 + t * (x1 - x0)
    return np.where(ok & np.isfinite(y0) & np.isfinite(y1), out, np.nan)


def sign_changes(x: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a difference of two curves changes sign: the first place and how many.

    Parameters
    ----------
    x : numpy.ndarray, shape (n,)
        Ascending control values.
    d : numpy.ndarray, shape (..., n)
        Differences (e.g. the curve of one size minus the next).

    Returns
    -------
    first : numpy.ndarray, shape (...)
        Interpolated position of the first sign change (NaN if none).
    count : numpy.ndarray of int, shape (...)
        Number of sign changes between finite neighbours.
    """
    d = np.asarray(d, dtype=float)
    d0, d1 = d[..., :-1], d[..., 1:]
    with np.errstate(invalid="ignore"):
        change = np.isfinite(d0) & np.isfinite(d1) & (d0 * d1 < 0)
    count = change.sum(axis=-1)
    j = np.argmax(change, axis=-1)
    a = np.take_along_axis(d0, j[..., None], axis=-1)[..., 0]
    b = np.take_along_axis(d1, j[..., None], axis=-1)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = a / (a - b)
    first = x[j] + t * (x[j + 1] - x[j])
    return np.where(count > 0, first, np.nan), count


def first_crossing(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """First sign change of ``d`` along the last axis (see :func:`sign_changes`)."""
    return sign_changes(x, d)[0]


def parabolic_peak(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Peak position and height: a parabola through the highest grid point and its neighbours.

    Returns
    -------
    position, height : numpy.ndarray, shape (...)
        The vertex of the parabola; the grid maximum itself where it sits at an
        end of the grid, a neighbour is NaN, or the parabola opens upwards.
    interior : numpy.ndarray of bool, shape (...)
        Whether the parabola was used (the peak is inside the grid).
    """
    y = np.asarray(y, dtype=float)
    finite = np.isfinite(y)
    any_finite = finite.any(axis=-1)
    k = np.argmax(np.where(finite, y, -np.inf), axis=-1)
    n = y.shape[-1]
    kk = np.clip(k, 1, n - 2)
    take = lambda a, i: np.take_along_axis(a, i[..., None], axis=-1)[..., 0]  # noqa: E731
    y0, y1, y2 = take(y, kk - 1), take(y, kk), take(y, kk + 1)
    x0, x1, x2 = x[kk - 1], x[kk], x[kk + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        d1 = (y1 - y0) / (x1 - x0)
        a = ((y2 - y1) / (x2 - x1) - d1) / (x2 - x0)
        vertex = 0.5 * (x0 + x1) - d1 / (2 * a)
        height = y0 + d1 * (vertex - x0) + a * (vertex - x0) * (vertex - x1)
    interior = (k > 0) & (k < n - 1) & np.isfinite(y0) & np.isfinite(y2) & (a < 0)
    pos = np.where(interior, vertex, x[k])
    top = np.where(interior, height, take(y, k))
    return (
        np.where(any_finite, pos, np.nan),
        np.where(any_finite, top, np.nan),
        interior & any_finite,
    )


def steepest(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest finite-difference slope :math:`\\Delta y / \\Delta x` and where it is.

    Returns
    -------
    position, slope : numpy.ndarray, shape (...)
        The midpoint of the steepest grid interval and its slope (NaN if no
        interval has two finite ends).
    """
    y = np.asarray(y, dtype=float)
    slope = np.diff(y, axis=-1) / np.diff(x)
    finite = np.isfinite(slope)
    j = np.argmax(np.where(finite, slope, -np.inf), axis=-1)
    best = np.take_along_axis(slope, j[..., None], axis=-1)[..., 0]
    mid = 0.5 * (x[:-1] + x[1:])[j]
    ok = finite.any(axis=-1)
    return np.where(ok, mid, np.nan), np.where(ok, best, np.nan)
