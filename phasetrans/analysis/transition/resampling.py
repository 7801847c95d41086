r"""The two-level bootstrap draws of one transition analysis, shared by all its statistics.

A statistic of a whole curve (a peak position, a crossing, a midpoint) needs
the *same* resample at every value of the control and every size, so that its
interval carries the correlations along the curve.  :class:`DisorderDraws`
draws the resamples once (:func:`phasetrans.analysis.bootstrap.draw`, from one
generator passed in) and applies them to any array with the same teachers and
students: the order parameter, its moments, another training of the same
teachers (a paired comparison).

The disorder mean and variance are those of :mod:`phasetrans.analysis.disorder`
(mean over students, then over teachers, each teacher weighted equally; NaN
skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import LEVELS, Resamples, draw
from phasetrans.analysis.disorder import CHUNK_ELEMENTS, summary_dataset
from phasetrans.analysis.samples import sample_values
from phasetrans.errors import AnalysisInputError

__all__ = [
    "BOOTSTRAP_DIM",
    "DisorderDraws",
    "Statistic",
    "curve_statistic",
    "merge_parts",
    "named_summary",
    "summarise",
]

#: Dimension of the bootstrap replicates.
BOOTSTRAP_DIM = "bootstrap"

#: A statistic of the samples: ``f(values (..., [T,] S), levels) -> (...)``.
Statistic = Callable[[np.ndarray, int], np.ndarray]


@dataclass(frozen=True)
class DisorderDraws:
    """Resamples of teachers and their students, drawn once.

    Attributes
    ----------
    resamples : Resamples or None
        The index draws (None without bootstrap).
    teacher_dim : str or None
        The teacher dimension (None: one level, students only).
    student_dim : str
        The student dimension.
    shape : tuple of int
        ``(n_teachers, n_students)`` or ``(n_students,)``.
    seed : int or str
        What drew them (for the record).
    """

    resamples: Resamples | None
    teacher_dim: str | None
    student_dim: str
    shape: tuple[int, ...]
    seed: int | str

    @classmethod
    def for_array(
        cls,
        da: xr.DataArray,
        bootstrap: int,
        seed: int | np.random.Generator,
        teacher_dim: str | None = "teacher_seed",
        student_dim: str = "seed",
    ) -> DisorderDraws:
        """Draw ``bootstrap`` resamples for the teachers and students of ``da``.

        Raises
        ------
        AnalysisInputError
            If ``bootstrap`` is negative or ``da`` lacks ``student_dim``.
        """
        if not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
            raise AnalysisInputError(
                f"bootstrap={bootstrap!r}; allowed: an integer >= 0",
                field="bootstrap",
                value=bootstrap,
            )
        if student_dim not in da.dims:
            raise AnalysisInputError(
                f"student_dim={student_dim!r} is not a dimension of the order parameter; "
                f"allowed: {list(map(str, da.dims))}",
                field="student_dim",
                value=student_dim,
            )
        two = teacher_dim is not None and teacher_dim in da.dims and da.sizes[teacher_dim] > 1
        shape = (da.sizes[teacher_dim], da.sizes[student_dim]) if two else (da.sizes[student_dim],)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        res = draw(rng, shape, int(bootstrap)) if bootstrap else None
        record = int(seed) if isinstance(seed, int | np.integer) else str(seed)
        return cls(res, teacher_dim if two else None, student_dim, shape, record)

    @property
    def n(self) -> int:
        """Number of resamples."""
        return 0 if self.resamples is None else len(self.resamples)

    @property
    def sample_dims(self) -> tuple[str, ...]:
        """The sample dimensions, teachers first."""
        return (
            (self.student_dim,)
            if self.teacher_dim is None
            else (self.teacher_dim, self.student_dim)
        )

    def values(self, da: xr.DataArray) -> tuple[np.ndarray, list[str], dict]:
        """``da``'s values with the sample axes last, its other dims and their coordinates."""
        wanted = self.sample_dims
        other = [str(d) for d in da.dims if d not in wanted]
        values, used = sample_values(da, {d: d for d in other}, wanted)
        if values.shape[len(other) :] != self.shape:
            raise AnalysisInputError(
                f"samples of shape {values.shape[len(other) :]} along {used}; these draws are "
                f"for {self.shape} (the same teachers and students are needed)",
                field="da",
                value=values.shape[len(other) :],
            )
        coords = {
            name: coord
            for name, coord in da.coords.items()
            if name not in wanted and not set(coord.dims) & set(wanted)
        }
        return values, other, coords

    def apply(
        self,
        da: xr.DataArray,
        statistic: Statistic,
        extra: tuple[str, Sequence[object]] | None = None,
    ) -> tuple[xr.DataArray, xr.DataArray | None]:
        """The statistic of ``da`` and its replicates (last dim :data:`BOOTSTRAP_DIM`).

        Parameters
        ----------
        da : xarray.DataArray
            Over the sample dimensions and any others.
        statistic : callable
            ``f(values, levels)`` reducing the trailing sample axes.
        extra : (str, sequence), optional
            A trailing output axis of the statistic: its dimension name and
            coordinate (e.g. the parts of a susceptibility).

        Returns
        -------
        estimate, replicates : xarray.DataArray
            Over the other dimensions of ``da``; ``replicates`` is None
            without bootstrap.
        """
        values, other, coords = self.values(da)
        levels = len(self.shape)
        dims = other if extra is None else [*other, extra[0]]
        if extra is not None:
            coords = {**coords, extra[0]: list(extra[1])}
        estimate = xr.DataArray(statistic(values, levels), dims=dims, coords=coords)
        if self.resamples is None:
            return estimate, None
        step = max(1, CHUNK_ELEMENTS // max(values.size, 1))
        parts = [
            statistic(self.resamples.take_many(values, slice(start, start + step)), levels)
            for start in range(0, self.n, step)
        ]
        stacked = np.concatenate(parts, axis=len(other))
        if extra is not None:
            stacked = np.moveaxis(stacked, len(other), -1)
        replicates = xr.DataArray(stacked, dims=[*dims, BOOTSTRAP_DIM], coords=coords)
        return estimate, replicates

    def attrs(self) -> dict[str, object]:
        """What the draws were, for a result's attributes."""
        kind = "two-level (teachers, then students)" if self.teacher_dim else "one-level (students)"
        return {
            "sample_dims": list(self.sample_dims),
            "bootstrap": f"{kind}, {self.n} resamples" if self.n else "none",
            "n_bootstrap": self.n,
            "seed": self.seed,
        }


def summarise(
    name: str, estimate: xr.DataArray, replicates: xr.DataArray | None, draws: DisorderDraws
) -> xr.Dataset:
    """``name``, ``error`` and ``interval(level, bound)`` as one Dataset (see ``disorder``).

    Without replicates (no bootstrap) ``error`` and ``interval`` are NaN, so
    every statistic of a transition analysis has the same variables.
    """
    if replicates is not None:
        replicates = replicates.transpose(*estimate.dims, BOOTSTRAP_DIM)
        return summary_dataset(name, estimate, replicates, draws.attrs())
    out = summary_dataset(name, estimate, None, draws.attrs())
    nan = xr.full_like(estimate, np.nan, dtype=float)
    out["error"] = nan
    out["interval"] = nan.expand_dims(level=list(LEVELS), bound=["lower", "upper"]).transpose(
        *estimate.dims, "level", "bound"
    )
    out["error"].attrs = {"long_name": f"bootstrap standard deviation of {name} (no bootstrap)"}
    out["interval"].attrs = {"long_name": f"bootstrap percentile interval of {name} (no bootstrap)"}
    return out


def curve_statistic(
    estimate: xr.DataArray,
    replicates: xr.DataArray | None,
    control: str,
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    axis: np.ndarray,
) -> tuple[xr.DataArray, xr.DataArray | None]:
    """A statistic of whole curves (``fn(axis, y (..., n_control)) -> (...)``), and its replicates.

    Parameters
    ----------
    estimate : xarray.DataArray
        Curves over ``control`` and other dims.
    replicates : xarray.DataArray or None
        The same with a trailing :data:`BOOTSTRAP_DIM`.
    control : str
        The control dimension (sorted ascending by the caller).
    fn : callable
        Reduces the last axis (the control, given as ``axis``).
    axis : numpy.ndarray
        The control values ``fn`` works in (e.g. their logarithm).

    Returns
    -------
    estimate, replicates : xarray.DataArray
        Without ``control``; ``replicates`` keeps :data:`BOOTSTRAP_DIM` last.
    """
    est = estimate.transpose(..., control)
    dims = [d for d in est.dims if d != control]
    coords = {k: v for k, v in est.coords.items() if control not in v.dims and k != control}
    out = xr.DataArray(fn(axis, est.values), dims=dims, coords=coords)
    if replicates is None:
        return out, None
    rep = replicates.transpose(*dims, BOOTSTRAP_DIM, control)
    reps = xr.DataArray(fn(axis, rep.values), dims=[*dims, BOOTSTRAP_DIM], coords=coords)
    return out, reps


def named_summary(
    name: str, estimate: xr.DataArray, replicates: xr.DataArray | None, draws: DisorderDraws
) -> xr.Dataset:
    """As :func:`summarise`, the error and interval named ``<name>_error``, ``<name>_interval``.

    Several statistics then merge into one Dataset.
    """
    out = summarise(name, estimate, replicates, draws)
    renames = {k: f"{name}_{k}" for k in ("error", "interval") if k in out}
    out = out.rename(renames)
    out.attrs = {}
    return out


def merge_parts(
    parts: Sequence[xr.Dataset], combine_attrs: str = "drop", compat: str = "no_conflicts"
) -> xr.Dataset:
    """:func:`xarray.merge` with the options spelled out (outer join, attrs dropped)."""
    return xr.merge(parts, compat=compat, join="outer", combine_attrs=combine_attrs)
