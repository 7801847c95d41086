r"""Converged or not: per cell and order parameter, the change over the last factor 2 in time.

A study that records checkpoints (``record.checkpoints``) stores every
per-student order parameter ``X`` a second time as
:func:`~phasetrans.names.at_checkpoints` ``(X)``, over the student dimensions
plus :data:`~phasetrans.names.TIME`.  :func:`stationarity` compares, in every
*cell* (every dimension except the disorder, ``teacher_seed`` and ``seed``,
and ``time``), the disorder average at the last checkpoint :math:`T` with the
one at :math:`T/2`, and calls the cell converged when the change is within
its two-level bootstrap error.  :func:`converged_fraction` counts the
converged cells per order parameter.

The comparison is paired: the same teachers and students at both times, so
the teacher-to-teacher spread that both times share cancels in the change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from phasetrans.analysis.disorder import disorder_average
from phasetrans.analysis.samples import IDENTICAL
from phasetrans.analysis.selection import accepts_selection
from phasetrans.errors import AnalysisInputError
from phasetrans.names import TIME, TIME_COORDS, at_checkpoints

__all__ = ["LEVEL", "converged_fraction", "stationarity"]

#: Default level: a cell is converged when its change is within ``LEVEL`` bootstrap errors.
LEVEL = 3.0

#: Suffixes of the result's variables, after the order parameter's name.
_CHANGE, _ERROR, _CONVERGED = "_change", "_change_error", "_converged"


@accepts_selection
def stationarity(
    data: xr.Dataset | xr.DataArray,
    variables: str | Sequence[str] | None = None,
    *,
    level: float = LEVEL,
    tolerance: float = IDENTICAL,
    teacher_dim: str | None = "teacher_seed",
    student_dim: str = "seed",
    bootstrap: int = 200,
    seed: int | np.random.Generator = 0,
) -> xr.Dataset:
    r"""Per cell and order parameter: did the disorder average change between T/2 and T?

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        A study with checkpoints (the variables :func:`~phasetrans.names.at_checkpoints`
        ``(X)`` over the student dimensions and ``time``), or one such
        variable.  The checkpoint's step is read from the first of
        :data:`~phasetrans.names.TIME_COORDS` (``time_step``) that is a
        coordinate, over ``(time,)`` or ``(cell dims..., time)``.
    variables : str or sequence of str, optional
        Order parameters of a Dataset, by name (``"dimension"``) or by their
        checkpoint name (``"dimension_time"``).  By default every variable
        over ``time`` without a dimension beyond those they all share: one
        value per student.  Per-node ones (overlap matrices) are compared
        only when named, each entry then a cell.  Not allowed with a DataArray.
    level : float
        A cell is converged when :math:`|\Delta| \le` ``level`` :math:`\sigma(\Delta)`
        (default 3).
    tolerance : float
        Relative floor of the rule, for changes without a measured error
        (see Notes); default :data:`~phasetrans.analysis.samples.IDENTICAL`.
    teacher_dim, student_dim : str
        The disorder: teachers (None or absent: one level) and students.
    bootstrap : int
        Number of two-level resamples, >= 2.
    seed : int or numpy.random.Generator
        Seed of, or the generator that draws, the resamples.

    Returns
    -------
    xarray.Dataset
        For every order parameter ``X``, over its cell dimensions:

        - ``X_change``: :math:`\Delta = [\langle x(T)\rangle] - [\langle x(T/2)\rangle]`,
          the disorder average of the paired differences;
        - ``X_change_error``: :math:`\sigma(\Delta)`, its two-level bootstrap error;
        - ``X_converged`` (bool): the rule below; False where :math:`\Delta`
          is NaN (no finite student, or one checkpoint only).

        Coordinates ``step_half`` and ``step_last`` (the clock at the two
        checkpoints compared, per cell when budgets differ).  Attributes
        ``variables``, ``level``, ``tolerance``, ``rule``, ``clock``,
        ``half`` and the bootstrap's (``sample_dims``, ``n_teachers``,
        ``n_students``, ``bootstrap``, ``n_bootstrap``, ``seed``).

    Raises
    ------
    AnalysisInputError
        One line with the field: no ``time`` dimension, no step coordinate or
        one that depends on the disorder, an unknown variable, variables with
        different disorder dimensions, ``level`` not positive, ``tolerance``
        negative, ``bootstrap`` < 2, or anything :func:`disorder_average`
        refuses.

    Notes
    -----
    :math:`T` is the last checkpoint (largest step) of each cell, and
    :math:`T/2` the checkpoint whose step is closest to half of it (studies
    always record :math:`T/2` itself).  Per student,
    :math:`d_{ts} = x_{ts}(T) - x_{ts}(T/2)`; :math:`\Delta` is the disorder
    average of :math:`d` (each teacher weighted equally, NaN students and
    students with ``diverged_epoch > 0`` skipped) and :math:`\sigma(\Delta)`
    the standard deviation of its two-level bootstrap
    (:func:`~phasetrans.analysis.disorder.disorder_average`).  All order
    parameters are resampled with the same draws, made once from one
    generator.  A cell is converged when

    .. math::

        |\Delta| \le \max\bigl(\mathrm{level}\,\sigma(\Delta),\;
        \mathrm{tolerance}\cdot\max(|[\langle x(T)\rangle]|, |[\langle x(T/2)\rangle]|)\bigr).

    With noise, the first term decides: about 0.3 % of truly converged cells
    fail at 3σ for Gaussian errors, more with few teachers (the bootstrap
    error of a mean of :math:`n` teachers is :math:`\sqrt{(n-1)/n}` of the
    standard error, and its ratio to the change is Student-t distributed).
    Without noise (or with a single sample), :math:`\sigma(\Delta) = 0` and
    the rule is :math:`|\Delta| \le` ``tolerance`` times the larger of the
    two averages.

    Examples
    --------
    >>> result = stationarity(ds, ["dimension", "teacher_recovered"])  # doctest: +SKIP
    >>> converged_fraction(result).to_series()  # doctest: +SKIP
    """
    level = _positive("level", level, strict=True)
    tolerance = _positive("tolerance", tolerance, strict=False)
    if not isinstance(bootstrap, int | np.integer) or bootstrap < 2:
        raise AnalysisInputError(
            f"bootstrap={bootstrap!r}; allowed: an integer >= 2 (the error is their spread)",
            field="bootstrap",
            value=bootstrap,
        )
    arrays = _checkpoint_arrays(data, variables)
    disorder = [d for d in (teacher_dim, student_dim) if d is not None]
    clock, steps = _clock(next(iter(arrays.values())), disorder)
    half, last = _checkpoints(steps)
    changes, blocks, sample_dims = _paired(arrays, disorder, half, last)

    # every order parameter in one array (entry, *disorder): one draw for all of them
    def stacked(key: str) -> xr.DataArray:
        return xr.DataArray(np.concatenate(blocks[key]), dims=["entry", *sample_dims])

    average = disorder_average(
        stacked("change"), teacher_dim, student_dim, bootstrap=int(bootstrap), seed=seed
    )
    early = disorder_average(stacked("early"), teacher_dim, student_dim, bootstrap=0)["mean"]
    late = disorder_average(stacked("late"), teacher_dim, student_dim, bootstrap=0)["mean"]
    scale = np.fmax(np.abs(early.values), np.abs(late.values))
    out = _verdicts(changes, sample_dims, average, scale, level, tolerance)
    out = out.assign_coords(
        step_half=_drop_time(steps.isel({TIME: half})),
        step_last=_drop_time(steps.isel({TIME: last})),
    )
    out.attrs = {
        "variables": list(arrays),
        "level": level,
        "tolerance": tolerance,
        "rule": (
            f"converged when |change| <= max({level:g} x change_error, "
            f"{tolerance:g} x max(|mean at T/2|, |mean at T|)); the second term matters "
            "only where the error is 0 or negligible (no noise, one sample)"
        ),
        "clock": clock,
        "half": f"the checkpoint whose {clock} is closest to half of the last one's",
        **{k: v for k, v in average.attrs.items()},
    }
    return out


def _paired(
    arrays: dict[str, xr.DataArray], disorder: list[str], half: xr.DataArray, last: xr.DataArray
) -> tuple[dict[str, xr.DataArray], dict[str, list[np.ndarray]], tuple[str, ...]]:
    """Per order parameter the paired change T/2 -> T; the blocks ``change``, ``early``,
    ``late`` (``(entries, *disorder)``, for the one draw); the disorder dims they share."""
    testable = half != last
    changes, blocks = {}, {"change": [], "early": [], "late": []}
    sample_dims = None
    for name, da in arrays.items():
        present = tuple(d for d in disorder if d in da.dims)
        if sample_dims is None:
            sample_dims = present
        elif present != sample_dims:
            raise AnalysisInputError(
                f"variables={name!r} has disorder dimensions {list(present)}, the others "
                f"{list(sample_dims)}; allowed: variables over the same teachers and students",
                field="variables",
                value=name,
            )
        cells = [d for d in da.dims if d not in (*present, TIME)]
        early = _drop_time(da.isel({TIME: half}).where(testable)).transpose(*cells, *present)
        late = _drop_time(da.isel({TIME: last}).where(testable)).transpose(*cells, *present)
        changes[name] = late - early
        for key, values in (("change", late - early), ("early", early), ("late", late)):
            blocks[key].append(values.values.reshape(-1, *values.shape[len(cells) :]))
    return changes, blocks, sample_dims


def _verdicts(
    changes: dict[str, xr.DataArray],
    sample_dims: tuple[str, ...],
    average: xr.Dataset,
    scale: np.ndarray,
    level: float,
    tolerance: float,
) -> xr.Dataset:
    """``X_change``, ``X_change_error`` and ``X_converged`` from the stacked disorder average."""
    out = xr.Dataset()
    start = 0
    for name, change in changes.items():
        template = change.isel(dict.fromkeys(sample_dims, 0), drop=True)
        part = slice(start, start + template.size)
        start += template.size
        mean = average["mean"].values[part].reshape(template.shape)
        error = average["error"].values[part].reshape(template.shape)
        bound = np.fmax(
            level * np.nan_to_num(error, nan=0.0), tolerance * scale[part].reshape(mean.shape)
        )
        with np.errstate(invalid="ignore"):
            converged = np.isfinite(mean) & (np.abs(mean) <= bound)
        long_names = {
            _CHANGE: f"change of the disorder average of {name} from T/2 to T",
            _ERROR: f"two-level bootstrap error of {name}_change",
            _CONVERGED: f"{name} converged: |change| <= {level:g} x error",
        }
        for suffix, values in ((_CHANGE, mean), (_ERROR, error), (_CONVERGED, converged)):
            out[name + suffix] = template.copy(data=values)
            out[name + suffix].attrs = {"long_name": long_names[suffix]}
    return out


def converged_fraction(result: xr.Dataset) -> xr.DataArray:
    """Fraction of the cells that converged, per order parameter.

    Parameters
    ----------
    result : xarray.Dataset
        A :func:`stationarity` result, or a selection of its cells.

    Returns
    -------
    xarray.DataArray
        Over ``variable`` (the order parameters): converged cells over the
        cells with a finite change, NaN where there are none; coordinates
        ``n_converged`` and ``n_cells``.

    Raises
    ------
    AnalysisInputError
        If ``result`` is not a :func:`stationarity` result.
    """
    names = result.attrs.get("variables") if isinstance(result, xr.Dataset) else None
    if names is None or any(n + _CONVERGED not in result for n in np.atleast_1d(names)):
        raise AnalysisInputError(
            "result is not a stationarity() result; allowed: the Dataset it returns",
            field="result",
            value=type(result).__name__,
        )
    names = [str(n) for n in np.atleast_1d(names)]
    cells = [int(np.isfinite(result[n + _CHANGE].values).sum()) for n in names]
    done = [int(result[n + _CONVERGED].values.sum()) for n in names]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.array(done, dtype=float) / np.array(cells, dtype=float)
    return xr.DataArray(
        fraction,
        dims="variable",
        coords={
            "variable": names,
            "n_converged": ("variable", done),
            "n_cells": ("variable", cells),
        },
        name="converged_fraction",
        attrs={"long_name": "fraction of converged cells", "rule": result.attrs.get("rule", "")},
    )


def _positive(field: str, value: object, *, strict: bool) -> float:
    number = float(value) if isinstance(value, int | float | np.number) else np.nan
    if not np.isfinite(number) or number < 0 or (strict and number == 0):
        allowed = "a finite number > 0" if strict else "a finite number >= 0"
        raise AnalysisInputError(f"{field}={value!r}; allowed: {allowed}", field=field, value=value)
    return number


def _checkpoint_arrays(
    data: xr.Dataset | xr.DataArray, variables: str | Sequence[str] | None
) -> dict[str, xr.DataArray]:
    """``{order parameter: its values over time}``, diverged students masked."""
    if isinstance(data, xr.DataArray):
        if variables is not None:
            raise AnalysisInputError(
                f"variables={variables!r} with a DataArray; allowed: None "
                "(pass a Dataset to choose variables)",
                field="variables",
                value=variables,
            )
        _require_time(data, str(data.name))
        return {_base_name(str(data.name or "observable")): data}
    if not isinstance(data, xr.Dataset):
        raise AnalysisInputError(
            f"data is a {type(data).__name__}; allowed: xarray.Dataset or DataArray",
            field="data",
            value=type(data).__name__,
        )
    timed = [str(k) for k, v in data.data_vars.items() if TIME in v.dims]
    if not timed:
        raise AnalysisInputError(
            f"data has no variable over {TIME!r} (dims {list(map(str, data.dims))}); "
            "allowed: a study recorded with checkpoints (record.checkpoints)",
            field=TIME,
            value=list(map(str, data.dims)),
        )
    if variables is None:  # per-node ones (e.g. overlap matrices) only when named
        shared = set.intersection(*(set(data[name].dims) for name in timed))
        chosen = [name for name in timed if set(data[name].dims) == shared]
    else:
        chosen = []
        for name in [variables] if isinstance(variables, str) else list(variables):
            full = name if name in timed else at_checkpoints(str(name))
            if full not in timed:
                raise AnalysisInputError(
                    f"variables names {name!r}, not recorded at checkpoints; "
                    f"allowed: {[_base_name(t) for t in timed]}",
                    field="variables",
                    value=name,
                )
            chosen.append(full)
    arrays = {}
    for full in chosen:
        da = data[full]
        if "diverged_epoch" in data:
            da = da.where(~(data["diverged_epoch"] > 0))
        arrays[_base_name(full)] = da
    return arrays


def _base_name(name: str) -> str:
    suffix = at_checkpoints("")
    return name[: -len(suffix)] if name.endswith(suffix) and name != suffix else name


def _require_time(da: xr.DataArray, name: str) -> None:
    if TIME not in da.dims:
        raise AnalysisInputError(
            f"{name or 'data'} has no {TIME!r} dimension (dims {list(map(str, da.dims))}); "
            "allowed: values at checkpoints",
            field=TIME,
            value=list(map(str, da.dims)),
        )


def _clock(da: xr.DataArray, disorder: list[str]) -> tuple[str, xr.DataArray]:
    """The step coordinate: over ``time`` and cell dimensions, never the disorder."""
    clock = next((c for c in TIME_COORDS if c in da.coords), None)
    if clock is None:
        raise AnalysisInputError(
            f"no checkpoint coordinate among {list(TIME_COORDS)}; allowed: the steps of "
            f"every checkpoint as coordinate {TIME_COORDS[0]!r} over {TIME!r}",
            field=TIME_COORDS[0],
            value=sorted(map(str, da.coords)),
        )
    steps = da[clock]
    if TIME not in steps.dims or set(steps.dims) & set(disorder):
        raise AnalysisInputError(
            f"{clock} has dims {list(map(str, steps.dims))}; allowed: {TIME!r} and cell "
            f"dimensions, not the disorder {disorder}",
            field=clock,
            value=list(map(str, steps.dims)),
        )
    return clock, steps.reset_coords(drop=True)


def _checkpoints(steps: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Per cell: the index of the checkpoint closest to half the last one's step, and the last."""
    cells = [d for d in steps.dims if d != TIME]
    values = np.asarray(steps.transpose(*cells, TIME).values, dtype=float)
    finite = np.isfinite(values)
    last = np.argmax(np.where(finite, values, -np.inf), axis=-1)
    top = np.take_along_axis(values, last[..., None], axis=-1)
    half = np.argmin(np.where(finite, np.abs(values - top / 2), np.inf), axis=-1)
    coords = {k: v for k, v in steps.coords.items() if TIME not in v.dims}
    return (
        xr.DataArray(half, dims=cells, coords=coords),
        xr.DataArray(last, dims=cells, coords=coords),
    )


def _drop_time(da: xr.DataArray) -> xr.DataArray:
    return da.drop_vars([c for c in da.coords if c == TIME or c in TIME_COORDS])
