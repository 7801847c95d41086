"""The input of a collapse: the observable on the (size, control) grid and its error model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from phasetrans.analysis.samples import (
    describe_samples,
    fill_zero_errors,
    mean_and_error,
    sample_dims,
    sample_values,
    typical_error,
)
from phasetrans.analysis.validation import require_control, require_sizes
from phasetrans.errors import AnalysisInputError

__all__ = ["CollapseData", "prepare", "unweighted"]


@dataclass(frozen=True)
class CollapseData:
    """The observable on the (size, control) grid, plus the raw samples.

    Attributes
    ----------
    sizes : ndarray, shape (n_sizes,)
    control : ndarray, shape (n_control,)
        Ascending.
    mean, err : ndarray, shape (n_sizes, n_control)
        The observable and its error bar.
    samples : ndarray or None
        ``(n_sizes, n_control, n_samples)`` (one level) or
        ``(n_sizes, n_control, n_teachers, n_students)`` (two levels).
    levels : int
        Sample levels of ``samples`` (0 without samples).
    sample_dims : tuple of str
        The sample dimensions used.
    given_err : ndarray or None
        Errors given by the caller.
    error_model : str
        The error model in words.
    floor : float
        The error given to cells whose samples all agree (0: none).
    """

    sizes: np.ndarray
    control: np.ndarray
    mean: np.ndarray
    err: np.ndarray
    samples: np.ndarray | None
    levels: int
    sample_dims: tuple[str, ...]
    given_err: np.ndarray | None
    error_model: str
    floor: float

    def errors_of(self, mean: np.ndarray, se: np.ndarray) -> np.ndarray:
        """The error bars of resampled ``mean`` and ``se`` under this data's error model."""
        if self.given_err is not None:
            return self.given_err
        if self.floor > 0:
            return fill_zero_errors(se, self.floor)
        return unweighted(mean)


def unweighted(mean: np.ndarray) -> np.ndarray:
    """Equal error bars: the standard deviation of all values (1 if they are constant)."""
    spread = float(np.nanstd(mean))
    return np.full(mean.shape, spread if spread > 0 else 1.0)


def _window(x_window: tuple[float, float]) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in x_window)
    except (TypeError, ValueError):
        raise AnalysisInputError(
            f"x_window={x_window!r} is not a (low, high) pair; allowed: two numbers",
            field="x_window",
            value=x_window,
        ) from None
    if not lo < hi:
        raise AnalysisInputError(
            f"x_window={x_window!r} is empty; allowed: (low, high) with low < high",
            field="x_window",
            value=x_window,
        )
    return lo, hi


def _given_errors(
    error: xr.DataArray | float,
    da: xr.DataArray,
    size_dim: str,
    control_dim: str,
    samples: Sequence[str],
    shape: tuple[int, int],
) -> np.ndarray:
    """The caller's errors on the (size, control) grid, in ``da``'s control order."""
    if not isinstance(error, xr.DataArray):
        given = np.full(shape, float(error))
    else:
        inside = [d for d in samples if d in error.dims]
        if inside:
            raise AnalysisInputError(
                f"error has the sample dimension {inside[0]!r}; allowed: errors of "
                f"the sample mean over ({size_dim!r}, {control_dim!r})",
                field="error",
                value=inside,
            )
        extra = [d for d in error.dims if d not in (size_dim, control_dim)]
        if extra:
            raise AnalysisInputError(
                f"error has dimensions {extra}; allowed: a subset of "
                f"({size_dim!r}, {control_dim!r})",
                field="error",
                value=extra,
            )
        template = da.isel({d: 0 for d in samples if d in da.dims}, drop=True)
        err_da, _ = xr.broadcast(error, template)
        given = np.asarray(err_da.transpose(size_dim, control_dim).values, dtype=float)
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(given) & (given <= 0)
    if bad.any():
        raise AnalysisInputError(
            f"error has {int(bad.sum())} values <= 0; allowed: positive standard errors",
            field="error",
        )
    return given


def prepare(
    da: xr.DataArray,
    size_dim: str,
    control_dim: str,
    sample_dim: str | Sequence[str] | None,
    error: xr.DataArray | float | None,
    x_window: tuple[float, float] | None,
) -> CollapseData:
    """Check the input of :func:`~phasetrans.analysis.scaling.collapse` and apply its error model.

    Raises
    ------
    AnalysisInputError
        For every bad input, naming the argument (see ``collapse``).
    """
    values, used = sample_values(da, {"size_dim": size_dim, "control_dim": control_dim}, sample_dim)
    sizes = require_sizes(da, size_dim)
    control = require_control(da, control_dim)

    order = np.argsort(control)
    control = control[order]
    values = values[:, order]
    keep = np.ones(control.size, dtype=bool)
    if x_window is not None:
        lo, hi = _window(x_window)
        keep = (control >= lo) & (control <= hi)
        control, values = control[keep], values[:, keep]
        if not np.isfinite(values).any():
            raise AnalysisInputError(
                f"x_window={x_window!r} leaves no finite data; the control "
                f"{control_dim!r} spans [{da[control_dim].min().item():g}, "
                f"{da[control_dim].max().item():g}]",
                field="x_window",
                value=x_window,
            )

    given = None
    if error is not None:
        shape = (sizes.size, order.size)
        given = _given_errors(error, da, size_dim, control_dim, sample_dims(sample_dim), shape)
        given = given[:, order][:, keep]

    levels = len(used)
    if levels:
        if values.shape[2] < 2 and given is None:
            raise AnalysisInputError(
                f"sample_dim={used[0]!r} has length {values.shape[2]}; need at least 2 "
                "samples for standard errors (or pass error=)",
                field="sample_dim",
                value=used[0],
            )
        mean, se = mean_and_error(values, levels)
        samples = values
    else:
        mean, se, samples = values, None, None

    if given is not None:
        err, model, floor = given, "given", 0.0
    elif se is not None:
        positive = se[np.isfinite(se) & (se > 0)]
        if positive.size:
            floor = typical_error(se)  # for cells whose samples all agree
            err = fill_zero_errors(se, floor)
            model = describe_samples(used, values.shape)
        else:
            floor = 0.0
            err, model = unweighted(mean), "unweighted (no sample varies; equal error bars)"
    else:
        err, model, floor = unweighted(mean), "unweighted (equal error bars)", 0.0

    has_data = np.isfinite(mean) & np.isfinite(err)
    n_with = int((has_data.sum(axis=1) > 0).sum())
    if n_with < 2:
        windowed = x_window is not None and not keep.all()  # the window removed points
        raise AnalysisInputError(
            f"only {n_with} size(s) along {size_dim!r} have "
            "finite data (and errors)"
            + (f" within x_window={x_window!r}" if windowed else "")
            + "; a collapse needs at least 2",
            field="x_window" if windowed else "size_dim",
            value=x_window if windowed else size_dim,
        )
    return CollapseData(sizes, control, mean, err, samples, levels, used, given, model, floor)
