r"""Resampling and percentile intervals: the one place where phasetrans bootstraps.

Independent runs come in one or two levels.  With one level (student seeds of
one teacher) a resample draws ``n`` samples with replacement.  With two levels
(teachers, and students of each teacher) a resample first draws teachers with
replacement, then, for each drawn teacher, its students with replacement: the
*two-level* (or cluster) bootstrap, which carries the teacher-to-teacher
variation (the disorder) into every error bar.

Every draw comes from a :class:`numpy.random.Generator` passed in by the
caller; :func:`draw` makes all the draws of a bootstrap at once, so a result
does not depend on how the resamples are later shared out between processes.

Notes
-----
For the grand mean of :math:`T` teachers with :math:`S` students each, with
between-teacher variance :math:`\sigma_b^2` and within-teacher variance
:math:`\sigma_w^2`, the variance of the estimate is
:math:`\sigma_b^2/T + \sigma_w^2/(TS)`.  The two-level bootstrap's variance
has expectation

.. math::

    \frac{T-1}{T}\,\frac{\sigma_b^2 + \sigma_w^2/S}{T}
    + \frac{S-1}{S}\,\frac{\sigma_w^2}{TS},

which is close to it when teachers dominate the spread (the usual case here)
and at most about :math:`\sqrt{2}` times too large in the standard error when
the students' spread dominates (Davison & Hinkley 1997, §3.8).

References
----------
.. [1] B. Efron and R. J. Tibshirani, An Introduction to the Bootstrap
   (Chapman & Hall, 1993).
.. [2] A. C. Davison and D. V. Hinkley, Bootstrap Methods and their
   Application (CUP, 1997), section 3.8.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from phasetrans.errors import AnalysisInputError

__all__ = [
    "LEVELS",
    "Resamples",
    "bootstrap_std",
    "draw",
    "interval_bounds",
    "percentile_interval",
    "percentile_intervals",
    "replicate",
]

#: Confidence levels of the intervals every result reports (16–84 % and 2.5–97.5 %).
LEVELS: tuple[float, ...] = (0.68, 0.95)


@dataclass(frozen=True)
class Resamples:
    """The index draws of a one- or two-level bootstrap.

    Attributes
    ----------
    students : numpy.ndarray of int
        One level: ``(n_resamples, n_samples)``, the samples of each resample.
        Two levels: ``(n_resamples, n_teachers, n_students)``, the students
        drawn within each drawn teacher.
    teachers : numpy.ndarray of int or None
        Two levels: ``(n_resamples, n_teachers)``, the teachers of each
        resample; None for one level.
    """

    students: np.ndarray
    teachers: np.ndarray | None = None

    @property
    def levels(self) -> int:
        """1 or 2."""
        return 1 if self.teachers is None else 2

    def __len__(self) -> int:
        return int(self.students.shape[0])

    def take(self, values: np.ndarray, b: int) -> np.ndarray:
        """Resample ``b`` of ``values``, whose last axis (or last two) are the samples.

        Parameters
        ----------
        values : numpy.ndarray
            ``(..., n_samples)`` for one level, ``(..., n_teachers, n_students)``
            for two.
        b : int
            Index of the resample.

        Returns
        -------
        numpy.ndarray
            Same shape as ``values``.
        """
        if self.teachers is None:
            return values[..., self.students[b]]
        return values[..., self.teachers[b][:, None], self.students[b]]

    def take_many(self, values: np.ndarray, rows: slice) -> np.ndarray:
        """Resamples ``rows`` of ``values`` at once, stacked on a new axis before the samples.

        Returns
        -------
        numpy.ndarray
            ``(..., n_rows, n_samples)`` or ``(..., n_rows, n_teachers, n_students)``.
        """
        if self.teachers is None:
            return values[..., self.students[rows]]
        return values[..., self.teachers[rows][:, :, None], self.students[rows]]

    def subset(self, rows: np.ndarray | slice) -> Resamples:
        """The resamples ``rows`` (to share them out between processes)."""
        teachers = None if self.teachers is None else self.teachers[rows]
        return Resamples(self.students[rows], teachers)

    def split(self, parts: int) -> list[Resamples]:
        """``parts`` consecutive chunks of the resamples (as :func:`numpy.array_split`)."""
        bounds = np.array_split(np.arange(len(self)), parts)
        return [self.subset(slice(int(b[0]), int(b[-1]) + 1)) for b in bounds if b.size]


def draw(rng: np.random.Generator, shape: Sequence[int], n_resamples: int) -> Resamples:
    """Draw the indices of ``n_resamples`` bootstrap resamples.

    Parameters
    ----------
    rng : numpy.random.Generator
        The source of randomness (passed in, never global).
    shape : sequence of int
        ``(n_samples,)`` for one level; ``(n_teachers, n_students)`` for the
        two-level bootstrap.
    n_resamples : int
        Number of resamples, >= 0.

    Returns
    -------
    Resamples
        One level: ``rng.integers(0, n, size=(B, n))``.  Two levels: first the
        teachers, ``rng.integers(0, T, size=(B, T))``, then the students of
        each drawn teacher, ``rng.integers(0, S, size=(B, T, S))``.

    Raises
    ------
    AnalysisInputError
        If ``shape`` has not 1 or 2 positive entries or ``n_resamples < 0``.
    """
    shape = tuple(int(n) for n in shape)
    if len(shape) not in (1, 2) or min(shape, default=0) < 1:
        raise AnalysisInputError(
            f"shape={shape!r}; allowed: (n_samples,) or (n_teachers, n_students), all >= 1",
            field="shape",
            value=shape,
        )
    if not isinstance(n_resamples, int | np.integer) or n_resamples < 0:
        raise AnalysisInputError(
            f"n_resamples={n_resamples!r}; allowed: an integer >= 0",
            field="n_resamples",
            value=n_resamples,
        )
    if len(shape) == 1:
        return Resamples(rng.integers(0, shape[0], size=(n_resamples, shape[0])))
    n_teachers, n_students = shape
    teachers = rng.integers(0, n_teachers, size=(n_resamples, n_teachers))
    students = rng.integers(0, n_students, size=(n_resamples, n_teachers, n_students))
    return Resamples(students, teachers)


def percentile_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """Central percentile interval of the finite ``values`` at ``level``.

    Parameters
    ----------
    values : numpy.ndarray
        Bootstrap replicates of one estimate; NaN (failed resamples) and
        infinities are skipped.
    level : float
        Coverage in (0, 1), e.g. 0.95 for the 2.5–97.5 % percentiles.

    Returns
    -------
    (float, float)
        ``(nan, nan)`` when no replicate is finite.
    """
    values = np.asarray(values, dtype=float)
    ok = values[np.isfinite(values)]
    if ok.size == 0:
        return (math.nan, math.nan)
    lo, hi = np.percentile(ok, [50 - 50 * level, 50 + 50 * level])
    return (float(lo), float(hi))


def percentile_intervals(
    values: np.ndarray, levels: Sequence[float] = LEVELS
) -> dict[float, tuple[float, float]]:
    """``{level: (low, high)}`` for every level (see :func:`percentile_interval`)."""
    return {level: percentile_interval(values, level) for level in levels}


def interval_bounds(
    values: np.ndarray, axis: int = -1, levels: Sequence[float] = LEVELS
) -> np.ndarray:
    """Percentile intervals of many estimates at once, replicates along ``axis``.

    Parameters
    ----------
    values : numpy.ndarray
        Bootstrap replicates; non-finite ones are skipped.
    axis : int
        The axis of the replicates.
    levels : sequence of float
        Coverages, as for :func:`percentile_interval`.

    Returns
    -------
    numpy.ndarray
        ``values`` without ``axis``, plus two trailing axes ``(len(levels), 2)``
        holding (low, high); NaN where no replicate is finite.
    """
    values = np.moveaxis(np.asarray(values, dtype=float), axis, -1)
    values = np.where(np.isfinite(values), values, np.nan)
    q = [p for level in levels for p in (50 - 50 * level, 50 + 50 * level)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells stay NaN
        bounds = np.nanpercentile(values, q, axis=-1)
    return np.moveaxis(bounds, 0, -1).reshape(*values.shape[:-1], len(levels), 2)


def bootstrap_std(values: np.ndarray, axis: int | None = None) -> float | np.ndarray:
    """Standard deviation (ddof=1) of the finite replicates; NaN with fewer than 2.

    Parameters
    ----------
    values : numpy.ndarray
        Bootstrap replicates; non-finite ones are skipped.
    axis : int, optional
        The axis of the replicates (an array comes back); all of them by default
        (a float comes back).
    """
    values = np.asarray(values, dtype=float)
    if axis is None:
        ok = values[np.isfinite(values)]
        return float(ok.std(ddof=1)) if ok.size > 1 else math.nan
    finite = np.isfinite(values)
    n = finite.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, values, 0.0).sum(axis=axis) / n
        dev = np.where(finite, values - np.expand_dims(mean, axis), 0.0)
        std = np.sqrt((dev**2).sum(axis=axis) / (n - 1))
    return np.where(n > 1, std, np.nan)


def replicate(
    n_resamples: int, width: int, estimate: Callable[[int], np.ndarray | None]
) -> tuple[np.ndarray, np.ndarray]:
    """The estimates of every resample, one row each: the loop of every bootstrap refit.

    Parameters
    ----------
    n_resamples : int
        Number of resamples.
    width : int
        Length of one estimate.
    estimate : callable
        ``estimate(b)``: the estimate on resample ``b`` (drawn beforehand, see
        :func:`draw`), or None where it failed.

    Returns
    -------
    rows : numpy.ndarray
        ``(n_resamples, width)``; NaN rows where the estimate failed.
    failed : numpy.ndarray of bool
        ``(n_resamples,)``: which failed.
    """
    rows = np.full((n_resamples, width), np.nan)
    failed = np.zeros(n_resamples, dtype=bool)
    for b in range(n_resamples):
        row = estimate(b)
        if row is None:
            failed[b] = True
        else:
            rows[b] = row
    return rows, failed
