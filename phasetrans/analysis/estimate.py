r"""A parameter estimate with its errors: the one record every fitted result holds.

Like lmfit's ``Parameter(value, stderr, correl, vary)``, an :class:`Estimate`
carries its value and everything known about its uncertainty: the standard
error, the curvature standard error, bootstrap percentile intervals by level,
the bootstrap replicates themselves, whether it was held fixed, and its
correlations with the other parameters.  A result holds them as
``params: dict[str, Estimate]``
(:class:`~phasetrans.analysis.scaling.CollapseResult`,
:class:`~phasetrans.analysis.exponents.TransitionFit`,
:class:`~phasetrans.analysis.transition.TransitionResult`).

An :class:`Estimate` *is* its value: it subclasses :class:`float`, as
:class:`numpy.float64` does, so ``res.params["nu"] * 2``, comparisons,
``math.isnan``, numpy and ``f"{e:.3g}"`` work on the value, and code written
when ``params`` held plain floats keeps working.

The one value ± error formatter (:func:`format_estimate`, on
:func:`format_value`) and the lmfit-style dataset (:func:`parameters_dataset`)
live here too; the parameter tables every face prints are
:mod:`phasetrans.analysis.parameter_text`'s.

Errors: one convention
----------------------
- **"±" is a standard error, always the same one**: the curvature (covariance)
  error at the optimum, :attr:`Estimate.standard_error` (``curvature_stderr``;
  0 for a fixed parameter).  Every face (reprs, ``report()``, the HTML report,
  the command line, :meth:`Estimate.format`) prints this after "±".
- **The bootstrap** is shown beside it, labelled: its percentile intervals in
  brackets ``[low, high]`` with their level, and its standard deviation
  (ddof 1) as "bootstrap s.d." (:func:`~phasetrans.analysis.parameter_text.bootstrap_sd`),
  never after "±".
- :attr:`Estimate.stderr` is the result's own error field, kept for code that
  reads it: the bootstrap s.d. where there was a bootstrap, else the curvature
  error.  It is data, not a face: nothing prints it after "±".
- Means over the disorder (students, teachers) are
  :func:`phasetrans.analysis.describe.describe`'s: there "±" is the standard
  error of the teacher means (ddof 1), or of the student mean with one teacher.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import LEVELS

__all__ = [
    "Estimate",
    "format_estimate",
    "format_value",
    "parameters_dataset",
]

_FIELDS = ("stderr", "curvature_stderr", "intervals", "samples", "fixed", "correlations")
_NAN2 = (math.nan, math.nan)


def _restore(value: float, fields: dict[str, Any]) -> Estimate:
    return Estimate(value, **fields)


class Estimate(float):
    """One parameter estimate: its value (it *is* that float) and its errors.

    Parameters
    ----------
    value : float
        The best estimate.
    stderr : float
        The result's error field: the bootstrap standard deviation where there
        was a bootstrap, else the curvature error; 0 for a fixed parameter,
        NaN when unknown.  Not what "±" shows (see the module docstring).
    curvature_stderr : float
        The standard error from the curvature of the goal function at the
        optimum (NaN when not computed): the "±" of every face
        (:attr:`standard_error`).
    intervals : mapping, optional
        ``{level: (low, high)}`` bootstrap percentile intervals (levels
        0.68 and 0.95); empty without a bootstrap.
    samples : array, optional
        The bootstrap replicates (NaN where a resample failed); None without
        a bootstrap.
    fixed : bool
        Whether the parameter was held fixed.
    correlations : mapping, optional
        ``{other parameter: correlation coefficient}``.

    Notes
    -----
    Immutable; :meth:`replace` gives a changed copy.  Equality and hashing
    are those of the value, as for any float.
    """

    __slots__ = _FIELDS

    stderr: float
    curvature_stderr: float
    intervals: dict[float, tuple[float, float]]
    samples: np.ndarray | None
    fixed: bool
    correlations: dict[str, float]

    def __new__(
        cls,
        value: float,
        stderr: float = math.nan,
        *,
        curvature_stderr: float = math.nan,
        intervals: Mapping[float, tuple[float, float]] | None = None,
        samples: np.ndarray | None = None,
        fixed: bool = False,
        correlations: Mapping[str, float] | None = None,
    ) -> Estimate:
        self = super().__new__(cls, value)
        put = object.__setattr__
        put(self, "stderr", float(stderr))
        put(self, "curvature_stderr", float(curvature_stderr))
        put(
            self,
            "intervals",
            {float(lv): (float(lo), float(hi)) for lv, (lo, hi) in (intervals or {}).items()},
        )
        put(self, "samples", None if samples is None else np.asarray(samples, dtype=float))
        put(self, "fixed", bool(fixed))
        put(self, "correlations", {str(k): float(v) for k, v in (correlations or {}).items()})
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Estimate is immutable; use .replace({name}=...)")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (float(self), {k: getattr(self, k) for k in _FIELDS}))

    def __repr__(self) -> str:
        parts = [repr(self.value)]
        if self.fixed:
            parts.append("fixed=True")
        else:
            parts.append(f"stderr={self.stderr!r}")
        if self.intervals:
            parts.append(f"intervals={self.intervals!r}")
        if self.samples is not None:
            parts.append(f"samples=<{self.samples.size} replicates>")
        return f"Estimate({', '.join(parts)})"

    def __str__(self) -> str:
        return float.__repr__(self)  # as the float it is (``f"{e}"`` too)

    @property
    def value(self) -> float:
        """The estimate as a plain float."""
        return float(self)

    @property
    def standard_error(self) -> float:
        """The error shown after "±": the curvature error, 0 for a fixed parameter."""
        return 0.0 if self.fixed else self.curvature_stderr

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """The bootstrap percentile interval at ``level``; (NaN, NaN) without one."""
        return self.intervals.get(level, _NAN2)

    def replace(self, value: float | None = None, **changes: Any) -> Estimate:
        """A copy with ``value`` and any of the other fields changed."""
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise TypeError(f"Estimate has no field(s) {sorted(unknown)}; allowed: {_FIELDS}")
        fields = {k: changes.get(k, getattr(self, k)) for k in _FIELDS}
        return Estimate(self.value if value is None else value, **fields)

    def format(self, level: float | None = None) -> str:
        """``value ± s.e.`` (:attr:`standard_error`), or ``value [low, high]`` at ``level``.

        See :func:`format_estimate`; without a standard error the value alone.
        With an interval, nothing follows "±" and :attr:`stderr` (the bootstrap
        s.d. where there was one) only sets the digits, as the interval's spread.
        """
        interval = self.intervals.get(level) if level is not None else None
        error = self.standard_error if interval is None else self.stderr
        return format_estimate(self.value, error, interval=interval, fixed=self.fixed)


def format_value(value: float, scale: float = math.nan) -> str:
    r"""``value`` to the digit of the second significant digit of ``scale`` (its error).

    Fixed-point for :math:`10^{-4} \le |v| < 10^5` (``1.235`` for an error
    of 0.012), else in exponent notation with as many significant digits
    (``5.7e+10``).  Without a positive finite ``scale``, six significant
    digits; ``nan`` and ``inf`` as such.
    """
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if not (math.isfinite(scale) and scale > 0):
        return f"{value:.6g}"
    last = math.floor(math.log10(scale)) - 1  # the power of ten of the last digit shown
    if value == 0 or 1e-4 <= abs(value) < 1e5:
        return f"{value:.{min(max(0, -last), 12)}f}"
    digits = min(max(1, math.floor(math.log10(abs(value))) - last + 1), 15)
    return f"{value:#.{digits}g}" if digits > 1 else f"{value:.1g}"  # '#' keeps trailing 0s


def format_estimate(
    value: float,
    stderr: float = math.nan,
    *,
    interval: tuple[float, float] | None = None,
    fixed: bool = False,
) -> str:
    """The one way a value and its error are written: ``1.234 ± 0.012`` or ``1.234 [1.21, 1.26]``.

    Parameters
    ----------
    value : float
        The estimate.
    stderr : float
        Its standard error; its first two significant digits fix the decimals.
    interval : (float, float), optional
        An interval to show instead of ``± stderr`` (its width fixes the
        decimals when ``stderr`` is unknown).
    fixed : bool
        A held parameter: ``value (fixed)``.

    Returns
    -------
    str
    """
    if fixed:
        return f"{format_value(value)} (fixed)"
    has_interval = interval is not None and all(math.isfinite(v) for v in interval)
    scale = stderr
    if not (math.isfinite(scale) and scale > 0) and has_interval:
        scale = (interval[1] - interval[0]) / 4  # about one standard deviation at 95 %
    text = format_value(value, scale)
    if not math.isfinite(float(value)):
        return text
    if has_interval:
        return f"{text} [{format_value(interval[0], scale)}, {format_value(interval[1], scale)}]"
    if math.isfinite(stderr) and stderr > 0:
        return f"{text} ± {stderr:.2g}"
    return text


def parameters_dataset(params: Mapping[str, Estimate]) -> xr.Dataset:
    """Estimates, errors, intervals and bootstrap samples over ``parameter`` (lmfit-style).

    Returns
    -------
    xarray.Dataset
        ``estimate``, ``stderr`` and ``fixed`` over ``parameter``;
        ``interval_low`` / ``interval_high`` over ``(parameter, level)`` with
        levels 0.68 and 0.95, and ``bootstrap_samples`` over ``(parameter,
        resample)``, where there was a bootstrap (NaN for parameters without).
    """
    names = list(params)
    ds = xr.Dataset(
        {
            "estimate": ("parameter", [params[n].value for n in names]),
            "stderr": ("parameter", [params[n].stderr for n in names]),
            "fixed": ("parameter", [int(params[n].fixed) for n in names]),
        },
        coords={"parameter": names},
    )
    ds["estimate"].attrs = {"long_name": "best estimate"}
    ds["stderr"].attrs = {
        "long_name": "error: bootstrap s.d. (ddof 1) where bootstrapped, else the curvature "
        "standard error (0 for a fixed parameter)"
    }
    ds["fixed"].attrs = {"long_name": "1 if the parameter was held fixed"}
    if any(e.intervals for e in params.values()):
        bounds = np.full((len(names), len(LEVELS), 2), np.nan)
        for i, n in enumerate(names):
            for j, level in enumerate(LEVELS):
                bounds[i, j] = params[n].interval(level)
        ds = ds.assign_coords(level=list(LEVELS))
        ds["level"].attrs = {"long_name": "probability content of the interval"}
        ds["interval_low"] = (("parameter", "level"), bounds[..., 0])
        ds["interval_high"] = (("parameter", "level"), bounds[..., 1])
        ds["interval_low"].attrs = {"long_name": "bootstrap percentile interval, lower end"}
        ds["interval_high"].attrs = {"long_name": "bootstrap percentile interval, upper end"}
    sizes = [np.size(e.samples) for e in params.values() if e.samples is not None]
    n_resamples = max(sizes, default=0)
    if n_resamples:
        table = np.full((len(names), n_resamples), np.nan)
        for i, n in enumerate(names):
            if params[n].samples is not None:
                table[i] = params[n].samples
        ds["bootstrap_samples"] = (("parameter", "resample"), table)
        ds["bootstrap_samples"].attrs = {"long_name": "bootstrap replicates (NaN: failed)"}
    return ds
