r"""Mean ± error over the disorder: the one computation every face shows.

``phasetrans info``, the figures, the report, the ``ds.pt`` accessor and the
topology table all show a per-student quantity as a mean and an error over the
independent runs.  :func:`describe` computes both, once, and says in its
attributes what the error is, so a face prints the same number ± the same
error with the same footnote (:func:`footnote`).

The disorder has two levels: teachers (``teacher_seed``) and the students of
each teacher (``seed``).  With several teachers the mean is the mean of the
teacher means, each teacher mean the mean over that teacher's students, and

- ``spread="se"`` (default) is the standard error of the teacher means,
  :math:`s_T/\sqrt{T}` with :math:`s_T` their standard deviation (ddof 1),
  which holds both the teacher-to-teacher and the student-to-student
  variation (:mod:`phasetrans.analysis.samples`);
- ``spread="sd"`` is the standard deviation (ddof 1) of the students, pooled
  over the teachers: the spread of one run, not of the mean;
- ``spread="bootstrap"`` is the standard deviation (ddof 1) of the mean over
  two-level bootstrap resamples (teachers, then the students of each drawn
  teacher; :mod:`phasetrans.analysis.bootstrap`), with its seed and count in
  the attributes.

With one teacher (no ``teacher_seed`` dimension, a scalar one, or length 1)
the same three are the standard error of the student mean, the students'
standard deviation and the one-level bootstrap.

NaN samples are skipped.  Diverged students must already be NaN: read the
variable with :func:`phasetrans.analysis.observables.student_variable` (every
face does), which excludes them once, where the study is read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import bootstrap_std, draw
from phasetrans.analysis.defaults import BOOTSTRAP, SEED
from phasetrans.analysis.samples import mean_and_error, sample_dims
from phasetrans.errors import AnalysisInputError
from phasetrans.names import SAMPLE_DIMS

__all__ = [
    "REPLICATE",
    "SPREADS",
    "describe",
    "footnote",
    "format_pm",
    "mean_text",
    "short_spread",
]

#: The errors :func:`describe` computes.
SPREADS = ("se", "sd", "bootstrap")
#: Dimension of the bootstrap replicates (``keep_replicates=True``).
REPLICATE = "replicate"
#: Largest number of array elements one chunk of resamples may hold.
CHUNK_ELEMENTS = 1 << 24


def describe(
    da: xr.DataArray,
    spread: str = "se",
    *,
    over: str | Sequence[str] | None = None,
    keep_replicates: bool = False,
    n_resamples: int = BOOTSTRAP,
    seed: int | np.random.Generator = SEED,
) -> xr.Dataset:
    r"""Mean, error and count of ``da`` over the disorder, the error named in the attributes.

    Parameters
    ----------
    da : xarray.DataArray
        A per-student quantity over the sample dimensions and any others
        (training, sizes, controls, ``retained``, ...), which stay.
        Diverged students must already be NaN (see the module docstring).
    spread : {"se", "sd", "bootstrap"}
        The error (see the module docstring); ``"se"`` by default.
    over : str or sequence of two str, optional
        The sample dimensions: one name, or ``(teacher_dim, student_dim)``.
        By default :data:`phasetrans.names.SAMPLE_DIMS` (``teacher_seed``,
        ``seed``), those ``da`` has.  A teacher dimension of length 1 (or
        absent) leaves one level; with neither (one run), the mean is the
        value and the error NaN.
    keep_replicates : bool
        Also return the bootstrap replicates of the mean (variable
        ``replicates``, dimension :data:`REPLICATE`), drawn once for every
        cell: the same resample at every control value, so a peak, a
        crossing or a width can be computed per replicate.
    n_resamples : int
        Bootstrap resamples (``spread="bootstrap"`` or ``keep_replicates``).
    seed : int or numpy.random.Generator
        Seed of the resamples, or the generator to draw them from.

    Returns
    -------
    xarray.Dataset
        Over the dimensions of ``da`` other than the samples: ``mean``,
        ``spread`` and ``n`` (the finite samples), plus ``replicates`` when
        asked.  ``attrs["spread"]`` says what the error is (e.g. "standard
        error of the teacher means (ddof 1)"); ``attrs`` also hold
        ``spread_kind``, ``sample_dims``, ``n_teachers`` and, when resamples
        were drawn, ``n_resamples`` and ``seed``.

    Raises
    ------
    AnalysisInputError
        If ``da`` is not a DataArray, ``spread`` is unknown, a sample
        dimension is missing (none present), or ``n_resamples`` is not a
        positive integer where resamples are drawn.

    Notes
    -----
    The error is NaN where fewer than two samples (teachers, with two levels)
    are finite, and exactly 0 where they agree to rounding.  With :math:`T`
    teachers of :math:`S` students, ``se`` estimates
    :math:`\sqrt{\sigma_b^2/T + \sigma_w^2/(TS)}` without bias in the
    variance; the bootstrap's expectation is given in
    :mod:`phasetrans.analysis.bootstrap`.

    Examples
    --------
    >>> from phasetrans.analysis.observables import student_variable
    >>> d = describe(student_variable(ds, "dimension"))  # doctest: +SKIP
    >>> format_pm(d["mean"].sel(width=64), d["spread"].sel(width=64))  # doctest: +SKIP
    '8.02 ± 0.031'
    """
    used, values, other, coords = _samples(da, spread, over)
    levels = len(used)
    if levels:
        mean, se = mean_and_error(values, levels)
    else:  # one run: no sample dimension at all
        mean, se = values, np.full(values.shape, np.nan)
        values = values[..., None]
    n = np.isfinite(values).reshape(*values.shape[: len(other)], -1).sum(axis=-1)
    draws = spread == "bootstrap" or keep_replicates
    levels = max(levels, 1)
    if draws:
        _check_resamples(n_resamples)
        replicates = _replicates(values, levels, n_resamples, seed)
    if spread == "se":
        error = se
    elif spread == "sd":
        error = _pooled_sd(values.reshape(*values.shape[: len(other)], -1))
    else:
        error = np.asarray(bootstrap_std(replicates, axis=-1))
    out = xr.Dataset(
        {
            "mean": (other, mean, dict(da.attrs)),
            "spread": (other, error, {"long_name": _describe_spread(spread, levels)}),
            "n": (other, n, {"long_name": "finite samples (students)"}),
        },
        coords=coords,
    )
    if keep_replicates:
        out["replicates"] = ((*other, REPLICATE), replicates)
        out["replicates"].attrs = {"long_name": "bootstrap replicates of the mean"}
    teachers = values.shape[len(other)] if levels == 2 else 1
    out.attrs = {
        "variable": str(da.name) if da.name is not None else "",
        "spread": _describe_spread(spread, levels),
        "spread_kind": spread,
        "sample_dims": list(used),
        "n_teachers": int(teachers),
    }
    if draws:
        out.attrs["n_resamples"] = int(n_resamples)
        out.attrs["seed"] = int(seed) if isinstance(seed, int | np.integer) else "generator"
    return out


def _samples(
    da: xr.DataArray, spread: str, over: str | Sequence[str] | None
) -> tuple[tuple[str, ...], np.ndarray, list[str], dict[str, xr.DataArray]]:
    """The sample dims used, the values ``(*other, *samples)``, the other dims and coords."""
    if not isinstance(da, xr.DataArray):
        raise AnalysisInputError(
            f"da is a {type(da).__name__}; allowed: xarray.DataArray (one variable of a study)",
            field="da",
            value=type(da).__name__,
        )
    if spread not in SPREADS:
        raise AnalysisInputError(
            f"spread={spread!r}; allowed: {', '.join(SPREADS)}", field="spread", value=spread
        )
    wanted = SAMPLE_DIMS if over is None else sample_dims(over)
    missing = []
    if over is not None:
        missing = [d for d in wanted if d not in da.dims and d not in da.coords]
        missing += [d for d in wanted[-1:] if d not in da.dims]
    elif wanted[0] in da.dims and wanted[-1] not in da.dims:
        missing = [wanted[-1]]
    if missing:
        raise AnalysisInputError(
            f"da has no sample dimension {missing[0]!r}; its dimensions are "
            f"{list(map(str, da.dims))}",
            field="over",
            value=missing[0],
        )
    used = tuple(d for d in wanted if d in da.dims)
    if len(used) == 2 and da.sizes[used[0]] == 1:
        da = da.squeeze(used[0], drop=True)
        used = used[1:]
    other = [str(d) for d in da.dims if d not in used]
    coords = {
        name: coord
        for name, coord in da.coords.items()
        if name not in used and not set(coord.dims) & set(used)
    }
    values = np.asarray(da.transpose(*other, *used).values, dtype=float)
    return used, values, other, coords


def _check_resamples(n_resamples: int) -> None:
    if (
        isinstance(n_resamples, bool)
        or not isinstance(n_resamples, int | np.integer)
        or n_resamples < 1
    ):
        raise AnalysisInputError(
            f"n_resamples={n_resamples!r}; allowed: an integer >= 1",
            field="n_resamples",
            value=n_resamples,
        )


def _replicates(
    values: np.ndarray, levels: int, n_resamples: int, seed: int | np.random.Generator
) -> np.ndarray:
    """The mean of every resample, ``(*other, n_resamples)``: one draw for every cell."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    samples = values.shape[values.ndim - levels :]
    draws = draw(rng, samples, n_resamples)
    step = max(1, CHUNK_ELEMENTS // max(values.size, 1))
    parts = [
        mean_and_error(draws.take_many(values, slice(start, start + step)), levels)[0]
        for start in range(0, n_resamples, step)
    ]
    return np.concatenate(parts, axis=-1)


def _pooled_sd(values: np.ndarray) -> np.ndarray:
    """Standard deviation (ddof 1) of the finite values along the last axis; NaN below 2."""
    finite = np.isfinite(values)
    n = finite.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, values, 0.0).sum(axis=-1) / n
        dev = np.where(finite, values - mean[..., None], 0.0)
        sd = np.sqrt((dev**2).sum(axis=-1) / (n - 1))
    return np.where(n > 1, sd, np.nan)


def _describe_spread(spread: str, levels: int) -> str:
    if spread == "se":
        return (
            "standard error of the teacher means (ddof 1)"
            if levels == 2
            else "standard error of the student mean (ddof 1)"
        )
    if spread == "sd":
        return (
            "s.d. of the students, pooled over teachers (ddof 1)"
            if levels == 2
            else "s.d. of the students (ddof 1)"
        )
    kind = "two-level (teachers, then students)" if levels == 2 else "one-level (students)"
    return f"bootstrap s.d. of the mean (ddof 1), {kind}"


def footnote(described: xr.Dataset) -> str:
    """The line that says what ± is, e.g. ``"± : standard error of the teacher means (ddof 1)"``.

    With resamples it names their count and seed:
    ``"± : bootstrap s.d. of the mean (ddof 1), ... (100 resamples, seed 0)"``.
    """
    text = f"± : {described.attrs['spread']}"
    if described.attrs.get("spread_kind") == "bootstrap":
        text += f" ({described.attrs['n_resamples']} resamples, seed {described.attrs['seed']})"
    return text


def short_spread(described: xr.Dataset) -> str:
    """The error in a few words, for an axis label: ``"s.e. of the teacher means"``."""
    two = len(described.attrs["sample_dims"]) == 2
    kind = described.attrs["spread_kind"]
    if kind == "se":
        return "s.e. of the teacher means" if two else "s.e. of the mean"
    if kind == "sd":
        return "s.d. of the students"
    return "bootstrap s.d. of the mean"


def mean_text(described: xr.Dataset) -> str:
    """What the mean is over: ``"mean of the teacher means"`` or ``"mean over seeds"``."""
    if len(described.attrs["sample_dims"]) == 2:
        return f"mean of the {described.attrs['n_teachers']} teacher means"
    return "mean over seeds"


def format_pm(mean: object, error: object, fmt: str = ".3g", error_fmt: str | None = None) -> str:
    """``"mean ± error"``, or the mean alone when the error is not finite.

    Parameters
    ----------
    mean, error : float or 0-d array
        One cell of :func:`describe`'s ``mean`` and ``spread``.
    fmt : str
        Format of the mean (and of the error unless ``error_fmt`` is given).
    error_fmt : str, optional
        Format of the error.
    """
    m, e = float(np.asarray(mean)), float(np.asarray(error))
    if not np.isfinite(e):
        return f"{m:{fmt}}"
    return f"{m:{fmt}} ± {e:{error_fmt or fmt}}"
