r"""Averages over the disorder (teachers and students) with two-level bootstrap errors.

In the statistical physics of learning an observable is averaged over the
*disorder* — the teacher and its data (``teacher_seed``) — and over the
student's initialisation (``seed``).  The functions here take any
:class:`xarray.DataArray` with those dimensions and return an
:class:`xarray.Dataset` over the remaining ones:

- :func:`disorder_average`: :math:`[\langle m \rangle]`, the mean over teachers
  of each teacher's mean over students;
- :func:`susceptibility`: :math:`\chi = N\,\mathrm{Var}(m)` over teachers and
  students, with :math:`N` a size the caller names (e.g. ``input_dim``);
- :func:`binder_cumulant`: :math:`U = 1 - [\langle m^4\rangle] / (3 [\langle m^2\rangle]^2)`.

Each carries ``error`` (the standard deviation of the two-level bootstrap,
:mod:`phasetrans.analysis.bootstrap`) and ``interval`` (68 % and 95 %
percentile intervals).  Without a teacher dimension (one teacher: absent,
scalar coordinate or length 1) the bootstrap has one level, over students.
NaN samples (e.g. diverged students) are skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import LEVELS, bootstrap_std, draw, interval_bounds
from phasetrans.analysis.samples import sample_values
from phasetrans.errors import AnalysisInputError

__all__ = [
    "CHUNK_ELEMENTS",
    "binder_cumulant",
    "disorder_average",
    "disorder_mean",
    "disorder_variance",
    "summary_dataset",
    "susceptibility",
]

#: Largest number of array elements a chunk of resamples may hold.
CHUNK_ELEMENTS = 1 << 24


def disorder_mean(values: np.ndarray, levels: int) -> np.ndarray:
    """Mean over the sample axes: over students, then over teachers; NaN skipped.

    Parameters
    ----------
    values : numpy.ndarray
        ``(..., [n_teachers,] n_students)``: the sample axes last.
    levels : int
        1 (students) or 2 (teachers, then students).

    Returns
    -------
    numpy.ndarray
        ``values`` without its ``levels`` trailing axes; each teacher weighs
        the same, whatever its number of finite students; NaN where none is
        finite.
    """
    for _ in range(levels):
        finite = np.isfinite(values)
        n = finite.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(finite, values, 0.0).sum(axis=-1) / n
        values = np.where(n > 0, values, np.nan)
    return values


def disorder_variance(values: np.ndarray, levels: int) -> np.ndarray:
    """:math:`[\\langle (m - [\\langle m\\rangle])^2 \\rangle]` (population variance).

    Same arguments and shapes as :func:`disorder_mean`.
    """
    centre = disorder_mean(values, levels)
    return disorder_mean((values - centre.reshape(*centre.shape, *(1,) * levels)) ** 2, levels)


def _cumulant(values: np.ndarray, levels: int) -> np.ndarray:
    m2 = disorder_mean(values**2, levels)
    m4 = disorder_mean(values**4, levels)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - m4 / (3.0 * m2**2)


def _statistic(
    da: xr.DataArray,
    statistic: Callable[[np.ndarray, int], np.ndarray],
    teacher_dim: str | None,
    student_dim: str,
    bootstrap: int,
    seed: int | np.random.Generator,
) -> tuple[xr.DataArray, xr.DataArray | None, tuple[str, ...], dict[str, int]]:
    """The statistic over the disorder, and its bootstrap replicates (dim ``bootstrap``)."""
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 0:
        raise AnalysisInputError(
            f"bootstrap={bootstrap!r}; allowed: an integer >= 0", field="bootstrap", value=bootstrap
        )
    if not isinstance(da, xr.DataArray):
        raise AnalysisInputError(
            f"da is a {type(da).__name__}; allowed: xarray.DataArray", field="da", value=da
        )
    if student_dim not in da.dims:
        raise AnalysisInputError(
            f"student_dim={student_dim!r} is not a dimension of da; "
            f"allowed: {list(map(str, da.dims))}",
            field="student_dim",
            value=student_dim,
        )
    wanted = (student_dim,) if teacher_dim is None else (teacher_dim, student_dim)
    other = [d for d in da.dims if d not in wanted]
    values, used = sample_values(da, {d: d for d in other}, wanted)
    levels = len(used)
    counts = {
        "n_" + ("teachers" if levels == 2 and i == 0 else "students"): n
        for i, n in enumerate(values.shape[len(other) :])
    }
    if levels == 1:
        counts["n_teachers"] = 1
    coords = {
        name: coord
        for name, coord in da.coords.items()
        if name not in wanted and not set(coord.dims) & set(wanted)
    }
    estimate = xr.DataArray(statistic(values, levels), dims=other, coords=coords)
    if not bootstrap:
        return estimate, None, used, counts
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    draws = draw(rng, values.shape[len(other) :], bootstrap)
    per_resample = max(values.size, 1)
    step = max(1, CHUNK_ELEMENTS // per_resample)
    parts = [
        statistic(draws.take_many(values, slice(start, start + step)), levels)
        for start in range(0, bootstrap, step)
    ]
    replicates = xr.DataArray(
        np.concatenate(parts, axis=-1), dims=[*other, "bootstrap"], coords=coords
    )
    return estimate, replicates, used, counts


def summary_dataset(
    name: str,
    estimate: xr.DataArray,
    replicates: xr.DataArray | None,
    attrs: dict[str, object],
) -> xr.Dataset:
    """``name``, ``error`` and ``interval`` (over ``level``, ``bound``) as one Dataset.

    Parameters
    ----------
    name : str
        Name of the statistic's variable.
    estimate : xarray.DataArray
        The statistic.
    replicates : xarray.DataArray or None
        Its bootstrap replicates along a ``bootstrap`` dimension; None: the
        Dataset holds ``name`` alone.
    attrs : dict
        The Dataset's attributes.

    Returns
    -------
    xarray.Dataset
        ``error`` is the bootstrap standard deviation, ``interval`` the
        percentile intervals at :data:`~phasetrans.analysis.bootstrap.LEVELS`.
    """
    data = {name: estimate}
    if replicates is not None:
        axis = replicates.get_axis_num("bootstrap")
        error = bootstrap_std(replicates.values, axis=axis)
        bounds = interval_bounds(replicates.values, axis=axis)
        data["error"] = xr.DataArray(error, dims=estimate.dims, coords=estimate.coords)
        data["interval"] = xr.DataArray(
            bounds,
            dims=[*estimate.dims, "level", "bound"],
            coords={**estimate.coords, "level": list(LEVELS), "bound": ["lower", "upper"]},
        )
        data["error"].attrs = {"long_name": f"bootstrap standard deviation of {name}"}
        data["interval"].attrs = {"long_name": f"bootstrap percentile interval of {name}"}
    return xr.Dataset(data, attrs=attrs)


def _attrs(
    used: tuple[str, ...], counts: dict[str, int], bootstrap: int, seed: object
) -> dict[str, object]:
    kind = "two-level (teachers, then students)" if len(used) == 2 else "one-level (students)"
    return {
        "sample_dims": list(used),
        **counts,
        "bootstrap": f"{kind}, {bootstrap} resamples" if bootstrap else "none",
        "n_bootstrap": int(bootstrap),
        "seed": seed if isinstance(seed, int | np.integer) else str(seed),
    }


def disorder_average(
    da: xr.DataArray,
    teacher_dim: str | None = "teacher_seed",
    student_dim: str = "seed",
    *,
    bootstrap: int = 200,
    seed: int | np.random.Generator = 0,
) -> xr.Dataset:
    r"""Disorder average of an observable with its two-level bootstrap error.

    Parameters
    ----------
    da : xarray.DataArray
        The observable, with ``student_dim`` (and ``teacher_dim``) among its
        dimensions; NaN samples are skipped.
    teacher_dim : str or None
        The teacher (disorder) dimension.  If ``da`` does not have it (absent,
        or a scalar coordinate), or it has length 1, or it is None, the
        average and the bootstrap are over students only.
    student_dim : str
        The student-seed dimension.
    bootstrap : int
        Number of resamples (0: no ``error`` or ``interval``).
    seed : int or numpy.random.Generator
        Seed of, or the generator that draws, the resamples.

    Returns
    -------
    xarray.Dataset
        Over the other dimensions of ``da``: ``mean``, ``error`` (bootstrap
        standard deviation) and ``interval(..., level, bound)`` (percentile
        intervals at 0.68 and 0.95); attrs ``sample_dims``, ``n_teachers``,
        ``n_students``, ``bootstrap``, ``n_bootstrap`` and ``seed``.

    Raises
    ------
    AnalysisInputError
        If ``da`` lacks ``student_dim``, holds no finite value, or
        ``bootstrap`` is negative.

    Notes
    -----
    :math:`[\langle m\rangle] = \frac{1}{T}\sum_t \frac{1}{S_t}\sum_s m_{ts}`,
    each teacher weighted equally whatever the number of its finite students.
    A resample draws :math:`T` teachers with replacement and, within each,
    :math:`S` students with replacement (see
    :mod:`phasetrans.analysis.bootstrap` for its variance).

    Examples
    --------
    >>> avg = disorder_average(ds["teacher_recovered"], bootstrap=500, seed=1)  # doctest: +SKIP
    >>> avg["mean"].sel(training="spectral").plot()  # doctest: +SKIP
    """
    estimate, replicates, used, counts = _statistic(
        da, disorder_mean, teacher_dim, student_dim, bootstrap, seed
    )
    out = summary_dataset("mean", estimate, replicates, _attrs(used, counts, bootstrap, seed))
    out["mean"].attrs = {"long_name": f"disorder average of {da.name or 'observable'}"}
    return out


def susceptibility(
    da: xr.DataArray,
    size: str,
    teacher_dim: str | None = "teacher_seed",
    student_dim: str = "seed",
    *,
    bootstrap: int = 200,
    seed: int | np.random.Generator = 0,
) -> xr.Dataset:
    r"""Susceptibility :math:`\chi = N\,\mathrm{Var}(m)` over the disorder, with its error.

    Parameters
    ----------
    da : xarray.DataArray
        The order parameter :math:`m` (e.g. ``teacher_recovered``).
    size : str
        Name of the coordinate (or dimension) of ``da`` that holds the size
        :math:`N`, e.g. ``"input_dim"``; it must not depend on the sample
        dimensions.
    teacher_dim, student_dim, bootstrap, seed
        As for :func:`disorder_average`.

    Returns
    -------
    xarray.Dataset
        ``susceptibility``, ``error`` and ``interval`` over the other
        dimensions of ``da``.

    Raises
    ------
    AnalysisInputError
        If ``size`` is not a coordinate of ``da``, is not numeric or depends
        on a sample dimension, or for any error of :func:`disorder_average`.

    Notes
    -----
    .. math:: \chi = N \left[\langle (m - [\langle m\rangle])^2\rangle\right],

    the variance over all teachers and students (population variance: with
    equal numbers of students per teacher, the plain variance of the pooled
    samples), scaled by :math:`N`.  It peaks near a transition, and its peak
    position and height scale with :math:`N`.
    """
    if size not in da.coords:
        raise AnalysisInputError(
            f"size={size!r} is not a coordinate of da; allowed: {sorted(map(str, da.coords))}",
            field="size",
            value=size,
        )
    n = da[size]
    if set(n.dims) & {teacher_dim, student_dim}:
        raise AnalysisInputError(
            f"size={size!r} depends on the sample dimensions {list(n.dims)}; "
            "allowed: a size fixed over teachers and students",
            field="size",
            value=size,
        )
    if not np.issubdtype(n.dtype, np.number):
        raise AnalysisInputError(
            f"size={size!r} coordinate is not numeric; allowed: positive numbers",
            field="size",
            value=size,
        )
    estimate, replicates, used, counts = _statistic(
        da, disorder_variance, teacher_dim, student_dim, bootstrap, seed
    )
    n = n.astype(float).drop_vars([c for c in n.coords if c not in estimate.coords])
    estimate = estimate * n
    if replicates is not None:
        replicates = (replicates * n).transpose(*estimate.dims, "bootstrap")
    out = summary_dataset(
        "susceptibility", estimate, replicates, _attrs(used, counts, bootstrap, seed)
    )
    out.attrs["size"] = size
    out["susceptibility"].attrs = {
        "long_name": f"{size} x disorder variance of {da.name or 'observable'}"
    }
    return out


def binder_cumulant(
    da: xr.DataArray,
    teacher_dim: str | None = "teacher_seed",
    student_dim: str = "seed",
    *,
    bootstrap: int = 200,
    seed: int | np.random.Generator = 0,
) -> xr.Dataset:
    r"""Binder cumulant :math:`U = 1 - [\langle m^4\rangle] / (3 [\langle m^2\rangle]^2)`.

    Parameters
    ----------
    da : xarray.DataArray
        The order parameter :math:`m`.
    teacher_dim, student_dim, bootstrap, seed
        As for :func:`disorder_average`.

    Returns
    -------
    xarray.Dataset
        ``cumulant``, ``error`` and ``interval`` over the other dimensions.

    Raises
    ------
    AnalysisInputError
        As :func:`disorder_average`.

    Notes
    -----
    Convention: the scalar Binder cumulant of raw (not centred) moments,
    averaged as in :func:`disorder_average`, with **ordered value 2/3**:
    :math:`U = 0` for Gaussian :math:`m` of zero mean and :math:`U = 2/3` when
    :math:`|m|` is the same in every sample; curves of :math:`U` against the
    control for different sizes cross near the transition.  It suits an order
    parameter centred at zero in the disordered phase; for a bounded one
    (a fraction in [0, 1]) it tends to :math:`-\infty` there and the curves
    merge instead of crossing.  The n-component ratio :math:`U_n` (ordered
    value 1) of a symmetry-breaking order parameter, and the centred-moment
    cumulant, are in :mod:`phasetrans.analysis.transition.binder`
    (:math:`U_1 = \tfrac32 U`).

    References
    ----------
    .. [1] K. Binder, Z. Phys. B 43, 119 (1981).
    """
    estimate, replicates, used, counts = _statistic(
        da, _cumulant, teacher_dim, student_dim, bootstrap, seed
    )
    out = summary_dataset("cumulant", estimate, replicates, _attrs(used, counts, bootstrap, seed))
    out["cumulant"].attrs = {"long_name": f"Binder cumulant of {da.name or 'observable'}"}
    return out
