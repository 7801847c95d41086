"""The result of a finite-size-scaling collapse and its printable report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from phasetrans.analysis.bootstrap import LEVELS

__all__ = ["CORRECTION_PARAMETERS", "NO_SIZE_DEPENDENCE", "PARAMETERS", "CollapseResult"]

#: Parameters of the scaling form, in the order of the internal vector.
PARAMETERS = ("x_c", "nu", "zeta")
#: Extra parameters of the correction to scaling, x_c(L) = x_c + b L^-omega.
CORRECTION_PARAMETERS = ("b", "omega")
#: What the report says when 1/nu is compatible with 0.
NO_SIZE_DEPENDENCE = "no size dependence: ν and x_c not determined"


@dataclass(frozen=True)
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


def _fmt(value: float, err: float) -> str:
    """``value`` with the decimals that show two significant digits of ``err``."""
    if not math.isfinite(value):
        return str(value)
    if not (math.isfinite(err) and err > 0):
        return f"{value:.6g}"
    decimals = max(0, 1 - math.floor(math.log10(err)))
    return f"{value:.{min(decimals, 12)}f}"
