"""Means and standard errors over independent samples (seeds), shared by the fits."""

from __future__ import annotations

import numpy as np

__all__ = ["fill_zero_errors", "mean_and_error", "typical_error"]

#: Relative spread below which the samples of a cell count as identical.
IDENTICAL = 1e-9


def mean_and_error(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the mean over the last axis, ignoring NaN.

    Parameters
    ----------
    values : numpy.ndarray
        ``(..., n_samples)``.

    Returns
    -------
    mean, error : numpy.ndarray
        Shape ``(...)``. The error is NaN where fewer than 2 samples are
        finite, and exactly 0 where the samples agree to within
        :data:`IDENTICAL` of their mean (rounding, not a measured spread).
    """
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
