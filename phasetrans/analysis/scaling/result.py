"""The result of a finite-size-scaling collapse: report, rich display, dataset, figure.

Like lmfit's ``ModelResult``, a :class:`CollapseResult` prints a short
``repr`` with the estimates, a small HTML table in Jupyter
(``_repr_html_``), a full text ``report()``, an :class:`xarray.Dataset` of
estimates, errors, intervals and bootstrap samples (``to_dataset()``) and its
figure (``plot()``).  Its parameters are
:class:`~phasetrans.analysis.estimate.Estimate` records in ``params``; the
scalar and name-keyed views (``nu``, ``nu_err``, ``stderr``, ``intervals``,
...) are read from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis import plotting
from phasetrans.analysis.attrs import plain
from phasetrans.analysis.estimate import Estimate, format_value, parameters_dataset
from phasetrans.analysis.parameter_text import (
    BOOTSTRAP_SD,
    covariance_error,
    few_resamples,
    html_parameters,
    short_estimate,
)
from phasetrans.analysis.scaling.objective import BOUNDS

__all__ = [
    "AT_BOUND",
    "CORRECTION_PARAMETERS",
    "NO_SIZE_DEPENDENCE",
    "PARAMETERS",
    "CollapseResult",
    "sizes_text",
]

#: Parameters of the scaling form, in the order of the internal vector.
PARAMETERS = ("x_c", "nu", "zeta")
#: Extra parameters of the correction to scaling, x_c(L) = x_c + b L^-omega.
CORRECTION_PARAMETERS = ("b", "omega")
#: What the report says when 1/nu is compatible with 0.
NO_SIZE_DEPENDENCE = "no size dependence: ν and x_c not determined"
#: What the report says when the optimum sits at a bound of the search.
AT_BOUND = "degenerate collapse at an optimiser bound: x_c, ν and ζ not determined"
#: What "±" is in a collapse's tables.
CURVATURE_SE = "± : standard error from the curvature of S (2 S_min H^-1, pyfssa's rule)"


@dataclass(frozen=True, repr=False)
class CollapseResult:
    r"""Outcome of :func:`collapse`.

    Attributes
    ----------
    params : dict of str to Estimate
        ``x_c, nu, inv_nu, zeta`` and, with corrections, ``b, omega``: each
        value with its standard error (bootstrap standard deviation when
        ``bootstrap > 0``, else from the curvature of :math:`S`), curvature
        standard error (pyfssa's rule, :math:`2 S_{min} H^{-1}`), bootstrap
        intervals at 0.68 and 0.95 and replicates (NaN where a resample
        failed), ``fixed`` flag and correlations.  When the curves show no
        size dependence (``size_independent``), ``nu`` is ``inf`` and ``x_c``
        is NaN (a common shift of every size is not determined), unless fixed.
    quality : float
        Houdayer–Hartmann :math:`S` at the estimate (about 1 for a collapse
        consistent with the error bars, about 0 for noise-free data), over the
        points where the observable varies; with no size dependence, at the
        best point with :math:`1/\nu = 0`.
    n_points, n_total : int
        Points that enter :math:`S` (a master-curve estimate, not on a flat
        plateau), and points used.
    error_model : str
        ``"given"``, ``"standard error over '<sample_dim>'"`` or ``"unweighted"``.
    stderr_method : str
        ``"bootstrap"`` or ``"curvature"``.
    n_bootstrap, n_bootstrap_failed : int
        Resamples requested and resamples whose collapse failed.
    corrections : bool
        Whether the :math:`x_c(L) = x_c + b L^{-\omega}` correction was fitted.
    scaled : xarray.Dataset
        Over ``(size_dim, control_dim)``: raw ``observable`` and ``error``,
        ``scaled_x``, ``scaled_y``, ``scaled_error``, the ``master`` curve and
        its ``master_error`` at each point, and the normalised ``residual``
        :math:`(y - Y)/\sqrt{dy^2 + dY^2}`.  It keeps the input's attributes
        (those of the array, and of its size and control coordinates), as
        xarray's ``keep_attrs`` does.
    size_dim, control_dim : str
        The dimensions used.
    sample_dim : str, tuple of str, or None
        The sample dimension(s) used: one (seeds), or ``(teacher, student)``
        for the two-level bootstrap.
    seed : int
        Seed of the bootstrap generator.
    size_independent : bool
        Whether :math:`1/\nu` is compatible with 0 (see
        :func:`~phasetrans.analysis.scaling.collapse`); the report then says
        "no size dependence: ν and x_c not determined".
    n_flat : int
        Points left out of :math:`S` because every size has the same value
        there (a flat plateau).
    at_bound : tuple of str
        Free parameters whose optimum sat at a bound of the search
        (:math:`|1/\nu|` or :math:`|\zeta|` at 50): the collapse is then
        degenerate, and every free estimate is NaN.
    x_window : (float, float)
        The range of the control values fitted (after ``x_window``).
    profile_quality : float
        The profile: the best :math:`S` with :math:`1/\nu = 0` (NaN when
        :math:`\nu` was fixed), from which ``size_independent`` is decided.
    free_quality : float
        :math:`S` at the free optimum.
    profile_points : int
        Points entering :math:`S` at the free optimum (the :math:`N` of the
        profile's test).
    """

    params: dict[str, Estimate]
    quality: float
    n_points: int
    n_total: int
    error_model: str
    stderr_method: str
    n_bootstrap: int
    n_bootstrap_failed: int
    corrections: bool
    scaled: xr.Dataset = field(repr=False)
    size_dim: str = "size"
    control_dim: str = "control"
    sample_dim: str | tuple[str, ...] | None = None
    seed: int = 0
    size_independent: bool = False
    n_flat: int = 0
    at_bound: tuple[str, ...] = ()
    x_window: tuple[float, float] = (float("nan"), float("nan"))
    profile_quality: float = float("nan")
    free_quality: float = float("nan")
    profile_points: int = 0

    # ------------------------------------------------------------------ views of params
    @property
    def x_c(self) -> Estimate:
        """The critical point (an :class:`Estimate`, a float)."""
        return self.params["x_c"]

    @property
    def nu(self) -> Estimate:
        r"""The exponent :math:`\nu`."""
        return self.params["nu"]

    @property
    def zeta(self) -> Estimate:
        r"""The exponent :math:`\zeta`."""
        return self.params["zeta"]

    @property
    def x_c_err(self) -> float:
        """Standard error of ``x_c`` (0 when fixed)."""
        return self.params["x_c"].stderr

    @property
    def nu_err(self) -> float:
        """Standard error of ``nu``."""
        return self.params["nu"].stderr

    @property
    def zeta_err(self) -> float:
        """Standard error of ``zeta``."""
        return self.params["zeta"].stderr

    @property
    def stderr(self) -> dict[str, float]:
        """Standard errors by name (``stderr_method`` says from what)."""
        return {n: e.stderr for n, e in self.params.items()}

    @property
    def curvature_stderr(self) -> dict[str, float]:
        """Curvature standard errors by name."""
        return {n: e.curvature_stderr for n, e in self.params.items()}

    @property
    def intervals(self) -> dict[str, dict[float, tuple[float, float]]]:
        """``{name: {0.68: (lo, hi), 0.95: (lo, hi)}}`` (empty without bootstrap)."""
        return {n: dict(e.intervals) for n, e in self.params.items() if e.intervals}

    @property
    def bootstrap_samples(self) -> dict[str, np.ndarray]:
        """``{name: ndarray (n_bootstrap,)}`` (empty without bootstrap)."""
        return {n: e.samples for n, e in self.params.items() if e.samples is not None}

    @property
    def fixed(self) -> dict[str, float]:
        """The parameters pinned by ``fix`` and their values."""
        names = PARAMETERS + CORRECTION_PARAMETERS
        return {n: e.value for n, e in self.params.items() if e.fixed and n in names}

    @property
    def determined(self) -> bool:
        """Whether the collapse determined its exponents (no bound hit, size dependence seen)."""
        return not (self.at_bound or self.size_independent)

    # ------------------------------------------------------------------ alerts
    def window_alerts(self) -> list[str]:
        """An estimate of ``x_c`` outside the control range fitted: an extrapolation."""
        x_c, (lo, hi) = self.params["x_c"], self.x_window
        if x_c.fixed or not (np.isfinite(x_c) and np.isfinite(lo) and np.isfinite(hi)):
            return []
        if lo <= x_c <= hi:
            return []
        shown = format_value(x_c, covariance_error(x_c))
        return [
            f"collapse over {self.size_dim!r}: x_c = {shown} lies outside the fitted window "
            f"[{lo:g}, {hi:g}] of {self.control_dim!r}: an extrapolation, not an estimate"
        ]

    @property
    def alerts(self) -> list[str]:
        """What a report must list among its alerts: a degenerate optimum, x_c off the window."""
        out = []
        if self.at_bound:
            out.append(
                f"collapse over {self.size_dim!r}: {AT_BOUND} ("
                + ", ".join(f"{n} at the bound {BOUNDS[n]:g}" for n in self.at_bound)
                + ")"
            )
        return out + self.window_alerts()

    # ------------------------------------------------------------------ display
    def _notes(self) -> list[str]:
        notes = [f"ALERT: {a}" for a in self.alerts]
        notes += [f"note: {NO_SIZE_DEPENDENCE}"] if self.size_independent else []
        warning = few_resamples(self.n_bootstrap)
        return notes + ([f"warning: {warning}"] if warning else [])

    def __repr__(self) -> str:
        parts = [short_estimate(n, self.params[n]) for n in ("x_c", "nu", "zeta")]
        note = ""
        if self.at_bound:
            note = f"; DEGENERATE ({', '.join(self.at_bound)} at a bound)"
        elif self.size_independent:
            note = "; no size dependence"
        if self.window_alerts():
            note += "; ALERT x_c outside the window"
        boot = f", bootstrap {self.n_bootstrap}" if self.n_bootstrap else ""
        boot += " (too few)" if few_resamples(self.n_bootstrap) else ""
        return (
            f"<CollapseResult {self.size_dim}=[{sizes_text(self)}] vs {self.control_dim!r}: "
            f"{', '.join(parts)}; S={self.quality:.4g} over {self.n_points}/{self.n_total} "
            f"points{boot}{note}>"
        )

    def _repr_html_(self) -> str:
        caption = (
            f"Collapse over {self.size_dim} ({sizes_text(self)}) and {self.control_dim}: "
            f"S = {self.quality:.4g} over {self.n_points} of {self.n_total} points; "
            f"{self.error_model}; {CURVATURE_SE}"
            + (f"; {BOOTSTRAP_SD}" if self.n_bootstrap else "")
        )
        return html_parameters(caption, self.params, self._notes())

    def to_dataset(self) -> xr.Dataset:
        """Estimates, errors, intervals, bootstrap samples and the scaled data as a Dataset.

        Returns
        -------
        xarray.Dataset
            Over ``parameter`` (``x_c, nu, inv_nu, zeta``, and ``b, omega``
            with corrections): ``estimate``, ``stderr``, ``curvature_stderr``,
            ``fixed``; over ``(parameter, level)``: ``interval_low``,
            ``interval_high`` (bootstrap only); over ``(parameter,
            resample)``: ``bootstrap_samples`` (bootstrap only); plus the
            variables of ``scaled`` over ``(size_dim, control_dim)``.  The
            attrs hold the input's attributes, then the quality, the error
            model, the dimensions, the flags, the fitted window, the profile
            and the alerts; everything can be written with ``to_netcdf``.
        """
        ds = parameters_dataset(self.params)
        ds["curvature_stderr"] = (
            "parameter",
            [e.curvature_stderr for e in self.params.values()],
            {"long_name": "standard error from the curvature of S (2 S_min H^-1)"},
        )
        scaled = self.scaled.reset_coords(drop=True)
        scaled.attrs = {}
        ds = xr.merge([ds, scaled], combine_attrs="drop_conflicts")
        ds.attrs = {
            **self.scaled.attrs,
            "analysis": "finite-size-scaling collapse O = L^zeta F((x - x_c(L)) L^(1/nu))",
            "quality": self.quality,
            "n_points": self.n_points,
            "n_total": self.n_total,
            "n_flat": self.n_flat,
            "error_model": self.error_model,
            "stderr_method": self.stderr_method,
            "size_dim": self.size_dim,
            "control_dim": self.control_dim,
            "sample_dim": ",".join(_as_tuple(self.sample_dim)),
            "seed": self.seed,
            "n_bootstrap": self.n_bootstrap,
            "n_bootstrap_failed": self.n_bootstrap_failed,
            "corrections": int(self.corrections),
            "size_independent": int(self.size_independent),
            "at_bound": ",".join(self.at_bound),
            "x_window": list(self.x_window),
            "profile_quality": self.profile_quality,
            "free_quality": self.free_quality,
            "profile_points": self.profile_points,
            "alerts": "; ".join(self.alerts),
        }
        return plain(ds)

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """The collapse figure (:func:`phasetrans.plots.scaling.plot_collapse`).

        Parameters
        ----------
        ax : three matplotlib Axes, optional
            ``(raw, collapsed, residual)`` panels to draw into; a figure of
            its own by default.
        title : str, optional
            Figure title (default: the estimates).

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plotting.plot(self, ax=ax, title=title)

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Bootstrap percentile interval of parameter ``name`` at ``level`` (0.68 or 0.95).

        Raises
        ------
        KeyError
            If there was no bootstrap or ``name``/``level`` is unknown.
        """
        return self.params[name].intervals[level]

    def report(self) -> str:
        """Plain-text summary: estimates, errors, intervals, quality, error model, alerts.

        See :func:`phasetrans.analysis.scaling.text.collapse_report`.
        """
        from phasetrans.analysis.scaling.text import collapse_report

        return collapse_report(self)

    def outside_interval(self) -> list[str]:
        """Free parameters whose estimate lies outside their own 95 % bootstrap interval."""
        out = []
        for name, e in self.params.items():
            lo, hi = e.interval(0.95)
            if e.fixed or not (np.isfinite(lo) and np.isfinite(e)):
                continue
            if not lo <= e <= hi:
                out.append(name)
        return out


def sizes_text(result: CollapseResult) -> str:
    """The sizes of a collapse, ``"16, 32, 64, 128"``."""
    return ", ".join(f"{v:g}" for v in result.scaled[result.size_dim].values)


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
