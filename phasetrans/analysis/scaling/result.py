"""The result of a finite-size-scaling collapse: report, rich display, dataset, figure.

Like lmfit's ``ModelResult``, a :class:`CollapseResult` prints a short
``repr`` with the estimates, a small HTML table in Jupyter
(``_repr_html_``), a full text ``report()``, an :class:`xarray.Dataset` of
estimates, errors, intervals and bootstrap samples (``to_dataset()``) and its
figure (``plot()``).  :func:`parameters_dataset` and :func:`html_table` are
shared with the transition fits.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import LEVELS

__all__ = [
    "CORRECTION_PARAMETERS",
    "NO_SIZE_DEPENDENCE",
    "PARAMETERS",
    "CollapseResult",
    "html_table",
    "parameters_dataset",
]

#: Parameters of the scaling form, in the order of the internal vector.
PARAMETERS = ("x_c", "nu", "zeta")
#: Extra parameters of the correction to scaling, x_c(L) = x_c + b L^-omega.
CORRECTION_PARAMETERS = ("b", "omega")
#: What the report says when 1/nu is compatible with 0.
NO_SIZE_DEPENDENCE = "no size dependence: ν and x_c not determined"
#: What the report says when the optimum sits at a bound of the search.
AT_BOUND = "degenerate collapse at an optimiser bound: x_c, ν and ζ not determined"


@dataclass(frozen=True, repr=False)
class CollapseResult:
    """Outcome of :func:`collapse`.

    Attributes
    ----------
    x_c, nu, zeta : float
        The estimates.  When the curves show no size dependence
        (``size_independent``), ``nu`` is ``inf`` and ``x_c`` is NaN (a
        common shift of every size is not determined), unless fixed.
    x_c_err, nu_err, zeta_err : float
        Their standard errors (``stderr_method`` says from what); 0 for a
        fixed parameter.
    quality : float
        Houdayer–Hartmann :math:`S` at the estimate (about 1 for a collapse
        consistent with the error bars, about 0 for noise-free data), over the
        points where the observable varies.
    n_points, n_total : int
        Points that enter :math:`S` (a master-curve estimate, not on a flat
        plateau), and points used.
    error_model : str
        ``"given"``, ``"standard error over '<sample_dim>'"`` or ``"unweighted"``.
    params : dict
        Every estimate by name, including ``inv_nu`` and, with corrections,
        ``b`` and ``omega``.
    stderr : dict
        Standard errors by name: bootstrap standard deviations when
        ``bootstrap > 0``, else from the curvature of :math:`S`.
    stderr_method : str
        ``"bootstrap"`` or ``"curvature"``.
    curvature_stderr : dict
        Curvature standard errors (pyfssa's rule, :math:`2 S_{min} H^{-1}`).
    intervals : dict
        ``{name: {0.68: (lo, hi), 0.95: (lo, hi)}}`` bootstrap percentile
        intervals (empty without bootstrap).
    bootstrap_samples : dict
        ``{name: ndarray (n_bootstrap,)}`` the resampled estimates (NaN where a
        resample failed).
    n_bootstrap, n_bootstrap_failed : int
        Resamples requested and resamples whose collapse failed.
    fixed : dict
        Pinned parameters and their values.
    corrections : bool
        Whether the :math:`x_c(L) = x_c + b L^{-\\omega}` correction was fitted.
    scaled : xarray.Dataset
        Over ``(size_dim, control_dim)``: raw ``observable`` and ``error``,
        ``scaled_x``, ``scaled_y``, ``scaled_error``, the ``master`` curve and
        its ``master_error`` at each point, and the normalised ``residual``
        :math:`(y - Y)/\\sqrt{dy^2 + dY^2}`.
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
        (:math:`|1/\\nu|` or :math:`|\\zeta|` at 50): the collapse is then
        degenerate, and every free estimate is NaN.
    """

    x_c: float
    nu: float
    zeta: float
    x_c_err: float
    nu_err: float
    zeta_err: float
    quality: float
    n_points: int
    n_total: int
    error_model: str
    params: dict[str, float]
    stderr: dict[str, float]
    stderr_method: str
    curvature_stderr: dict[str, float]
    intervals: dict[str, dict[float, tuple[float, float]]]
    bootstrap_samples: dict[str, np.ndarray]
    n_bootstrap: int
    n_bootstrap_failed: int
    fixed: dict[str, float]
    corrections: bool
    scaled: xr.Dataset = field(repr=False)
    size_dim: str = "size"
    control_dim: str = "control"
    sample_dim: str | tuple[str, ...] | None = None
    seed: int = 0
    size_independent: bool = False
    n_flat: int = 0
    at_bound: tuple[str, ...] = ()

    @property
    def determined(self) -> bool:
        """Whether the collapse determined its exponents (no bound hit, size dependence seen)."""
        return not (self.at_bound or self.size_independent)

    def _names(self) -> list[str]:
        return ["x_c", "nu", "inv_nu", "zeta"] + (
            list(CORRECTION_PARAMETERS) if self.corrections else []
        )

    def _is_fixed(self, name: str) -> bool:
        return name in self.fixed or (name == "inv_nu" and "nu" in self.fixed)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{v:g}" for v in self.scaled[self.size_dim].values)
        parts = []
        for name in ("x_c", "nu", "zeta"):
            value, err = self.params[name], self.stderr.get(name, math.nan)
            shown = _fmt(value, err)
            parts.append(
                f"{name}={shown} (fixed)" if self._is_fixed(name) else f"{name}={shown}±{err:.2g}"
            )
        note = ""
        if self.at_bound:
            note = f"; DEGENERATE ({', '.join(self.at_bound)} at a bound)"
        elif self.size_independent:
            note = "; no size dependence"
        boot = f", bootstrap {self.n_bootstrap}" if self.n_bootstrap else ""
        return (
            f"<CollapseResult {self.size_dim}=[{sizes}] vs {self.control_dim!r}: "
            f"{', '.join(parts)}; S={self.quality:.4g} over {self.n_points}/{self.n_total} "
            f"points{boot}{note}>"
        )

    def _repr_html_(self) -> str:
        sizes = ", ".join(f"{v:g}" for v in self.scaled[self.size_dim].values)
        caption = (
            f"Collapse over {self.size_dim} ({sizes}) and {self.control_dim}: "
            f"S = {self.quality:.4g} over {self.n_points} of {self.n_total} points; "
            f"{self.error_model}; std.err from {self.stderr_method}"
        )
        notes = [AT_BOUND] if self.at_bound else []
        if self.size_independent:
            notes.append(NO_SIZE_DEPENDENCE)
        return html_table(
            caption, self._names(), self.params, self.stderr, self.intervals,
            [n for n in self._names() if self._is_fixed(n)], notes,
        )  # fmt: skip

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
            attrs hold the quality, the error model, the dimensions and the
            flags; everything can be written with ``to_netcdf``.
        """
        names = self._names()
        ds = parameters_dataset(
            names,
            self.params,
            self.stderr,
            self.intervals,
            self.bootstrap_samples,
            [n for n in names if self._is_fixed(n)],
        )
        ds["curvature_stderr"] = (
            "parameter",
            [self.curvature_stderr.get(n, math.nan) for n in names],
            {"long_name": "standard error from the curvature of S (2 S_min H^-1)"},
        )
        scaled = self.scaled.reset_coords(drop=True)
        scaled.attrs = {}
        ds = xr.merge([ds, scaled], combine_attrs="drop_conflicts")
        ds.attrs = {
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
        }
        return ds

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """The collapse figure (:func:`phasetrans.plots.scaling.plot_collapse`).

        Parameters
        ----------
        ax : None
            The figure has three panels on a figure of its own; passing axes
            is refused.
        title : str, optional
            Figure title (default: the estimates).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from phasetrans.plots.scaling import plot_collapse

        if ax is not None:
            from phasetrans.errors import AnalysisInputError

            raise AnalysisInputError(
                "ax: the collapse figure draws three panels on a figure of its own; "
                "allowed: ax=None",
                field="ax",
                value=type(ax).__name__,
            )
        return plot_collapse(self, title=title)

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Bootstrap percentile interval of parameter ``name`` at ``level`` (0.68 or 0.95).

        Raises
        ------
        KeyError
            If there was no bootstrap or ``name``/``level`` is unknown.
        """
        return self.intervals[name][level]

    def report(self) -> str:
        """Plain-text summary: estimates, errors, intervals, quality and error model."""
        sizes = self.scaled[self.size_dim].values
        lines = [
            f"Finite-size-scaling collapse over {self.size_dim!r} "
            f"(sizes {', '.join(f'{v:g}' for v in sizes)}) and {self.control_dim!r}",
            "  form         O = L^zeta * F((x - x_c(L)) * L^(1/nu))"
            + ("  with x_c(L) = x_c + b * L^-omega" if self.corrections else ""),
            f"  error model  {self.error_model}",
            f"  quality      S = {self.quality:.4g} over {self.n_points} of "
            f"{self.n_total} points (S ~ 1: consistent with the error bars)"
            + (f"; {self.n_flat} flat-plateau points left out" if self.n_flat else ""),
        ]
        names = ["x_c", "nu", "inv_nu", "zeta"]
        if self.corrections:
            names += list(CORRECTION_PARAMETERS)
        header = f"  {'parameter':<10}{'estimate':>14}{'std.err':>12}"
        if self.intervals:
            header += f"{'68% interval':>30}{'95% interval':>30}"
        lines += [header]
        for name in names:
            value = self.params[name]
            err = self.stderr.get(name, math.nan)
            fixed = name in self.fixed or (name == "inv_nu" and "nu" in self.fixed)
            row = f"  {name:<10}{_fmt(value, err):>14}"
            row += f"{'fixed':>12}" if fixed else f"{err:>12.2g}"
            if self.intervals and not fixed:
                for level in LEVELS:
                    lo, hi = self.intervals[name][level]
                    row += f"{f'[{_fmt(lo, err)}, {_fmt(hi, err)}]':>30}"
            lines.append(row)
        lines.append(f"  std.err from {self.stderr_method}")
        if self.n_bootstrap:
            kind = (
                "two-level resamples (teachers, then students) of"
                if isinstance(self.sample_dim, tuple)
                else "resamples of"
            )
            lines.append(
                f"  bootstrap    {self.n_bootstrap} {kind} {self.sample_dim!r} "
                f"(seed {self.seed}), {self.n_bootstrap_failed} failed"
            )
        if self.at_bound:
            lines.append(
                f"  note         {AT_BOUND} ({', '.join(self.at_bound)} at the bound 50 of "
                "the search: huge L^-zeta error bars make any residual tiny)"
            )
        if self.size_independent:
            lines.append(
                f"  note         {NO_SIZE_DEPENDENCE} (1/nu is compatible with 0: the "
                "curves do not depend on size)"
            )
        for name in self.outside_interval():
            lines.append(
                f"  note         the estimate of {name} lies outside its 95% interval "
                "(skewed or multimodal bootstrap distribution): trust the interval"
            )
        return "\n".join(lines)

    def outside_interval(self) -> list[str]:
        """Free parameters whose estimate lies outside their own 95 % bootstrap interval."""
        out = []
        for name, by_level in self.intervals.items():
            lo, hi = by_level.get(0.95, (math.nan, math.nan))
            value = self.params.get(name, math.nan)
            if name in self.fixed or not (np.isfinite(lo) and np.isfinite(value)):
                continue
            if not lo <= value <= hi:
                out.append(name)
        return out


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def parameters_dataset(
    names: Sequence[str],
    params: Mapping[str, float],
    stderr: Mapping[str, float],
    intervals: Mapping[str, Mapping[float, tuple[float, float]]],
    samples: Mapping[str, np.ndarray],
    fixed: Sequence[str],
) -> xr.Dataset:
    """Estimates, errors, intervals and bootstrap samples over ``parameter`` (lmfit-style).

    Returns
    -------
    xarray.Dataset
        ``estimate``, ``stderr`` and ``fixed`` over ``parameter``;
        ``interval_low`` / ``interval_high`` over ``(parameter, level)`` with
        levels 0.68 and 0.95, and ``bootstrap_samples`` over ``(parameter,
        resample)``, where there was a bootstrap (NaN for parameters without).
    """
    names = list(names)
    ds = xr.Dataset(
        {
            "estimate": ("parameter", [float(params.get(n, math.nan)) for n in names]),
            "stderr": ("parameter", [float(stderr.get(n, math.nan)) for n in names]),
            "fixed": ("parameter", [int(n in fixed) for n in names]),
        },
        coords={"parameter": names},
    )
    ds["estimate"].attrs = {"long_name": "best estimate"}
    ds["stderr"].attrs = {"long_name": "standard error (0 for a fixed parameter)"}
    ds["fixed"].attrs = {"long_name": "1 if the parameter was held fixed"}
    if intervals:
        bounds = np.full((len(names), len(LEVELS), 2), np.nan)
        for i, n in enumerate(names):
            for j, level in enumerate(LEVELS):
                if n in intervals and level in intervals[n]:
                    bounds[i, j] = intervals[n][level]
        ds = ds.assign_coords(level=list(LEVELS))
        ds["level"].attrs = {"long_name": "probability content of the interval"}
        ds["interval_low"] = (("parameter", "level"), bounds[..., 0])
        ds["interval_high"] = (("parameter", "level"), bounds[..., 1])
        ds["interval_low"].attrs = {"long_name": "bootstrap percentile interval, lower end"}
        ds["interval_high"].attrs = {"long_name": "bootstrap percentile interval, upper end"}
    n_resamples = max((np.size(v) for v in samples.values()), default=0)
    if n_resamples:
        table = np.full((len(names), n_resamples), np.nan)
        for i, n in enumerate(names):
            if n in samples:
                table[i] = samples[n]
        ds["bootstrap_samples"] = (("parameter", "resample"), table)
        ds["bootstrap_samples"].attrs = {"long_name": "bootstrap replicates (NaN: failed)"}
    return ds


def html_table(
    caption: str,
    names: Sequence[str],
    params: Mapping[str, float],
    stderr: Mapping[str, float],
    intervals: Mapping[str, Mapping[float, tuple[float, float]]],
    fixed: Sequence[str],
    notes: Sequence[str] = (),
) -> str:
    """A small HTML table of estimates, errors and intervals, for ``_repr_html_``."""
    head = ["parameter", "estimate", "std.err"]
    if intervals:
        head += [f"{level:.0%} interval" for level in LEVELS]
    rows = []
    for n in names:
        value, err = params.get(n, math.nan), stderr.get(n, math.nan)
        cells = [n, _fmt(value, err), "fixed" if n in fixed else f"{err:.2g}"]
        if intervals:
            for level in LEVELS:
                lo, hi = intervals.get(n, {}).get(level, (math.nan, math.nan))
                cells.append("" if n in fixed else f"[{_fmt(lo, err)}, {_fmt(hi, err)}]")
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    header = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
    foot = "".join(f"<p><b>note:</b> {html.escape(t)}</p>" for t in notes)
    return (
        f"<div><table><caption>{html.escape(caption)}</caption>{header}{''.join(rows)}"
        f"</table>{foot}</div>"
    )


def _fmt(value: float, err: float) -> str:
    """``value`` with the decimals that show two significant digits of ``err``."""
    if not math.isfinite(value):
        return str(value)
    if not (math.isfinite(err) and err > 0):
        return f"{value:.6g}"
    decimals = max(0, 1 - math.floor(math.log10(err)))
    return f"{value:.{min(decimals, 12)}f}"
