r"""The result of :func:`~phasetrans.analysis.transition.transition`: report, display, data, figure.

Like :class:`~phasetrans.analysis.scaling.CollapseResult`, a
:class:`TransitionResult` prints a short ``repr`` (the collapse's
:math:`\alpha_c` and :math:`\nu` and how far the systematic choices move
them), an HTML summary in Jupyter, a full text ``report()``, one
:class:`xarray.Dataset` of every number (``to_dataset()``) and its figure
(``plot()``).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis.scaling import CollapseResult
from phasetrans.analysis.transition.resampling import merge_parts
from phasetrans.analysis.transition.systematics import SystematicRow

__all__ = ["TransitionResult"]

_NAN2 = (math.nan, math.nan)


def _ci(value: float, lo: float, hi: float, digits: int = 3) -> str:
    if not np.isfinite(value):
        return f"{value}"
    text = f"{value:.{digits}g}"
    if np.isfinite(lo) and np.isfinite(hi):
        text += f" [{lo:.{digits}g}, {hi:.{digits}g}]"
    return text


def _cell(ds: xr.Dataset, name: str, **sel: object) -> str:
    """``name`` with its 95 % interval, from a Dataset holding ``name_interval``."""
    value = float(ds[name].sel(**sel))
    key = f"{name}_interval"
    if key in ds:
        lo, hi = ds[key].sel(**sel, level=0.95).values
        return _ci(value, float(lo), float(hi))
    return _ci(value, math.nan, math.nan)


@dataclass(frozen=True, repr=False)
class TransitionResult:
    """Outcome of :func:`~phasetrans.analysis.transition.transition`.

    Attributes
    ----------
    order, control, size : str
        The order parameter and the dimensions analysed.
    training : str or None
        The training analysed.
    curves : xarray.Dataset
        Over ``(size, control)``: ``mean`` (disorder average), ``susceptibility``
        over ``part`` (total, connected, disconnected), ``centred_cumulant`` and,
        where the data allow, ``binder_ratio`` (:math:`U_n`); each with
        ``*_error`` and ``*_interval``.
    per_size : xarray.Dataset
        Over ``size``: ``midpoint``, ``width``, ``chi_peak_position``,
        ``chi_peak_height``, ``chi_peak_interior``, ``chi_peak_edge_share``,
        ``max_slope``, ``max_slope_at``, with errors and intervals.
    crossings : xarray.Dataset
        Over ``pair`` of successive sizes: ``crossing`` of the averages (and
        ``binder_crossing`` of :math:`U_n`), ``n_crossings``, ``share``.
    exponents : dict
        ``chi_peak_height`` (:math:`\\chi_{max} \\propto N^{s}`) and
        ``max_slope`` (:math:`\\propto N^{1/\\nu}`): ``estimate``, ``error``,
        ``intervals``.
    collapse : CollapseResult
        The finite-size-scaling collapse.
    collapse_choice : dict
        ``aic_plain``, ``aic_corrections``, ``corrections`` and ``reason``.
    pseudocritical : xarray.Dataset or None
        Per-teacher :math:`\\alpha^*(t)` and its spread per size.
    spread_exponent : dict or None
        :math:`a` of spread :math:`\\propto N^{-a}`.
    systematics : list of SystematicRow
        The baseline first, then every re-run.
    systematic_notes : list of str
        Rows not computed, and why.
    threshold_note : str or None
        The verdict of the threshold scan.
    notes : list of str
        What was chosen and what the data did not allow.
    """

    order: str
    control: str
    size: str
    training: str | None
    curves: xr.Dataset = field(repr=False)
    per_size: xr.Dataset = field(repr=False)
    crossings: xr.Dataset = field(repr=False)
    exponents: dict[str, dict[str, Any]]
    collapse: CollapseResult
    collapse_choice: dict[str, Any]
    pseudocritical: xr.Dataset | None
    spread_exponent: dict[str, Any] | None
    systematics: list[SystematicRow]
    systematic_notes: list[str]
    threshold_note: str | None
    notes: list[str]
    n_teachers: int
    n_students: int
    bootstrap: int
    systematics_bootstrap: int
    seed: int
    log: bool
    levels: tuple[float, float, float]
    threshold: float | None = None

    # ------------------------------------------------------------------ numbers
    @property
    def sizes(self) -> np.ndarray:
        """The sizes analysed."""
        return np.asarray(self.curves[self.size].values)

    @property
    def alpha_c(self) -> float:
        """:math:`\\alpha_c` of the collapse."""
        return float(self.collapse.x_c)

    @property
    def nu(self) -> float:
        """:math:`\\nu` of the collapse."""
        return float(self.collapse.nu)

    def shifts(self) -> dict[str, float]:
        """Largest |change| of :math:`\\alpha_c` and :math:`\\nu` over the systematic rows."""
        base = self.systematics[0]
        d_a = [abs(r.alpha_c - base.alpha_c) for r in self.systematics[1:] if r.units == base.units]
        d_n = [abs(r.nu - base.nu) for r in self.systematics[1:]]
        finite = lambda v: [x for x in v if np.isfinite(x)]  # noqa: E731
        return {
            "alpha_c": max(finite(d_a), default=math.nan),
            "nu": max(finite(d_n), default=math.nan),
        }

    def self_averaging(self) -> str:
        """The self-averaging verdict: the spread of :math:`\\alpha^*(t)` against the width."""
        if self.spread_exponent is None:
            return "not tested (one teacher)"
        a = self.spread_exponent
        lo, hi = a["intervals"].get(0.95, _NAN2)
        inv = self.collapse.params.get("inv_nu", math.nan)
        ilo, ihi = self.collapse.intervals.get("inv_nu", {}).get(0.95, _NAN2)
        if not np.isfinite(a["estimate"]):
            text = "spread of alpha*(t) ~ N^-a: a not determined (too few teachers cross"
            if self.pseudocritical is not None and "n_crossed" in self.pseudocritical:
                crossed = self.pseudocritical["n_crossed"]
                text += f" {self.levels[1]:g}: " + ", ".join(
                    f"{int(crossed.sel({self.size: n}))} of {self.n_teachers} at {n:g}"
                    for n in self.sizes
                )
            return text + "; the spread needs 2 crossing teachers at 2 sizes or more); no verdict"
        text = f"spread of alpha*(t) ~ N^-a with a = {_ci(a['estimate'], lo, hi)}"
        text += f"; collapse 1/nu = {_ci(inv, ilo, ihi)}: "
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return text + "a has no interval; no verdict"
        if lo <= 0.0:
            return (
                text
                + "the spread does not shrink with N within its interval (no self-averaging seen)"
            )
        if not (np.isfinite(inv) and np.isfinite(ilo)):
            return text + "1/nu has no interval; no verdict"
        if lo > ihi:
            return text + (
                "the spread shrinks faster than the width of the averaged transition "
                "(self-averaging; the width is intrinsic)"
            )
        if hi < ilo:
            return text + (
                "the spread shrinks more slowly than the averaged width: at larger N it will "
                "dominate the width (disorder-dominated)"
            )
        return text + (
            "a and 1/nu agree: the width of the averaged transition is the teacher-to-teacher "
            "spread of alpha*(t) (disorder-dominated width), so nu describes how that spread "
            "shrinks, not one teacher's own sharpening (expected when the spread shrinks more "
            "slowly than each teacher's own width)"
        )

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        c = self.collapse
        x_lo, x_hi = c.intervals.get("x_c", {}).get(0.95, _NAN2)
        n_lo, n_hi = c.intervals.get("nu", {}).get(0.95, _NAN2)
        sizes = ", ".join(f"{v:g}" for v in self.sizes)
        shift = self.shifts()
        flag = "; THRESHOLD ARTEFACT" if (self.threshold_note or "").startswith("THRESHOLD") else ""
        moved = (
            f"systematics move {self.control}_c by <= {shift['alpha_c']:.3g}, nu by <= "
            f"{shift['nu']:.3g}"
            if len(self.systematics) > 1
            else "no systematic-error table"
        )
        plain = "; bootstrap=0: no errors or intervals" if self.bootstrap == 0 else ""
        return (
            f"<TransitionResult {self.order!r} vs {self.control!r}, {self.size}=[{sizes}]"
            f"{f' ({self.training})' if self.training else ''}: "
            f"{self.control}_c={_ci(c.x_c, x_lo, x_hi)}, nu={_ci(c.nu, n_lo, n_hi)}; "
            f"{moved}{flag}{plain}>"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (
                    r.label,
                    _ci(r.alpha_c, *r.alpha_c_interval),
                    _ci(r.nu, *r.nu_interval),
                    r.note,
                )
            )
            + "</tr>"
            for r in self.systematics
        )
        notes = [self.self_averaging()] + ([self.threshold_note] if self.threshold_note else [])
        foot = "".join(f"<p>{html.escape(t)}</p>" for t in notes)
        return (
            f"<div><p><b>{html.escape(repr(self))}</b></p>{self.collapse._repr_html_()}"
            "<table><caption>systematic errors (95 % intervals)</caption><tr><th>choice</th>"
            f"<th>{html.escape(self.control)}_c</th><th>nu</th><th>note</th></tr>{rows}</table>"
            f"{foot}</div>"
        )

    def report(self) -> str:
        """Plain-text report: every number of the analysis, with its 95 % interval."""
        c, size, ctl = self.collapse, self.size, self.control
        sizes = ", ".join(f"{v:g}" for v in self.sizes)
        lines = [
            f"Transition of {self.order!r} against {ctl!r} over {size} = {sizes}"
            + (f" (training {self.training})" if self.training else ""),
            f"  disorder     {self.n_teachers} teachers x {self.n_students} students; "
            + (
                f"two-level bootstrap, {self.bootstrap} resamples (seed {self.seed}); "
                "95 % intervals"
                if self.bootstrap
                else "no bootstrap (bootstrap=0): estimates only, every error and interval NaN"
            ),
            f"  positions    interpolated in {'ln ' if self.log else ''}{ctl}; levels "
            f"{', '.join(f'{v:g}' for v in self.levels)} (midpoint at {self.levels[1]:g})",
        ]
        x_lo, x_hi = c.intervals.get("x_c", {}).get(0.95, _NAN2)
        n_lo, n_hi = c.intervals.get("nu", {}).get(0.95, _NAN2)
        lines.append(
            f"  collapse     {ctl}_c = {_ci(c.x_c, x_lo, x_hi, 4)}, nu = {_ci(c.nu, n_lo, n_hi)}"
            f", zeta = {c.zeta:g}{' (fixed)' if 'zeta' in c.fixed else ''}; S = {c.quality:.3g} "
            f"over {c.n_points}/{c.n_total} points; {c.n_bootstrap} resamples"
        )
        ch = self.collapse_choice
        lines.append(
            f"  corrections  {ch['reason']} (AIC {ch['aic_plain']:.1f} plain, "
            f"{ch['aic_corrections']:.1f} with x_c(N) = x_c + b N^-omega)"
        )
        if ch["corrections"]:
            lines.append(
                f"               without them: {ctl}_c = {ch['plain_x_c']:.4g}, nu = "
                f"{ch['plain_nu']:.3g}; with them, b = {c.params.get('b', math.nan):.3g}, "
                f"omega = {c.params.get('omega', math.nan):.3g} (x_c is an extrapolation)"
            )
        width_kind = "ratio" if self.log else "difference"
        lines.append(
            f"  per size     {'N':>6}  {'midpoint':>24}  {'width (' + width_kind + ')':>24}  "
            f"{'chi peak at':>24}  {'chi_max':>24}  {'max slope':>24}"
        )
        ps = self.per_size
        for n in self.sizes:
            sel = {size: n}
            edge = ""
            if "chi_peak_edge_share" in ps:
                share = float(ps["chi_peak_edge_share"].sel(sel))
                edge = f"  ({share:.0%} of resamples peak at a grid edge)" if share > 0 else ""
            lines.append(
                f"               {n:>6g}  {_cell(ps, 'midpoint', **sel):>24}  "
                f"{_cell(ps, 'width', **sel):>24}  {_cell(ps, 'chi_peak_position', **sel):>24}  "
                f"{_cell(ps, 'chi_peak_height', **sel):>24}  {_cell(ps, 'max_slope', **sel):>24}"
                f"{edge}"
            )
        chi = self.curves["susceptibility"]
        top = self.sizes[-1]
        k = int(np.nanargmax(chi.sel({size: top, "part": "total"}).values))
        at_peak = chi.sel({size: top}).isel({ctl: k})
        share = float(at_peak.sel(part="disconnected") / at_peak.sel(part="total"))
        lines.append(
            f"  chi parts    at the largest {size}'s peak ({ctl} = "
            f"{float(chi[ctl].values[k]):.3g}) the disconnected (between-teacher) part is "
            f"{share:.0%} of chi"
        )
        cum = self.curves["centred_cumulant"]
        best = cum.max(ctl)
        lines.append(
            "  bimodality   max over "
            f"{ctl} of the centred cumulant (Gaussian 0, two equal peaks 2/3): "
            + ", ".join(f"{n:g}: {float(best.sel({size: n})):.2f}" for n in self.sizes)
        )
        for name, what in (
            ("chi_peak_height", "chi_max ~ N^s, s"),
            ("max_slope", "max slope ~ N^(1/nu), 1/nu"),
        ):
            e = self.exponents[name]
            lo, hi = e["intervals"].get(0.95, _NAN2)
            lines.append(f"  exponent     {what} = {_ci(e['estimate'], lo, hi)}")
        cr = self.crossings
        for var, label in (("crossing", "m"), ("binder_crossing", "U_n")):
            if var not in cr:
                continue
            parts = []
            for p in cr["pair"].values:
                value = float(cr[var].sel(pair=p))
                lo, hi = cr[f"{var}_interval"].sel(pair=p, level=0.95).values
                share = float(cr["share" if var == "crossing" else "binder_share"].sel(pair=p))
                shown = f" ({share:.0%} of resamples cross)" if np.isfinite(share) else ""
                parts.append(f"{p}: {_ci(value, lo, hi)}{shown}")
            lines.append(f"  crossings    of {label}: " + "; ".join(parts))
        if self.pseudocritical is not None:
            pc = self.pseudocritical
            named = pc.rename(error="spread_error", interval="spread_interval")
            lines.append(
                f"  alpha*(t)    per teacher, where its student mean reaches {self.levels[1]:g} "
                "(linear interpolation between grid points): mean, spread over teachers"
            )
            for n in self.sizes:
                sel = {size: n}
                spread = _cell(named, "spread", **sel)
                lines.append(
                    f"               {n:>6g}  mean {float(pc['mean_alpha_star'].sel(sel)):.4g}, "
                    f"spread {spread}"
                    f" ({int(pc['n_crossed'].sel(sel))} of {self.n_teachers} teachers cross)"
                )
        lines.append(f"  self-avg     {self.self_averaging()}")
        lines.append(
            f"  systematics  the collapse re-run ({self.systematics_bootstrap} resamples each):"
        )
        base = self.systematics[0]
        lines.append(
            f"               {'choice':<44}{ctl + '_c':>26}{'nu':>24}{'d ' + ctl + '_c':>10}"
            f"{'d nu':>8}"
        )
        for r in self.systematics:
            d_a = r.alpha_c - base.alpha_c if r.units == base.units else math.nan
            lines.append(
                f"               {r.label:<44}{_ci(r.alpha_c, *r.alpha_c_interval):>26}"
                f"{_ci(r.nu, *r.nu_interval):>24}{d_a:>10.3g}{r.nu - base.nu:>8.3g}"
                + (f"  ({r.note})" if r.note else "")
                + (f"  [in {r.units}]" if r.units != base.units else "")
            )
        shift = self.shifts()
        lines.append(
            f"               {ctl}_c moves by at most {shift['alpha_c']:.3g} and nu by at most "
            f"{shift['nu']:.3g} across these choices"
        )
        for note in self.systematic_notes:
            lines.append(f"               note: {note}")
        if self.threshold_note:
            lines.append(f"  threshold    {self.threshold_note}")
        for note in self.notes:
            lines.append(f"  note         {note}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ data
    def to_dataset(self) -> xr.Dataset:
        """Every number of the analysis as one :class:`xarray.Dataset`.

        Returns
        -------
        xarray.Dataset
            The variables of ``curves`` (over size, control), ``per_size``
            (over size), ``crossings`` (over ``pair``), the per-teacher
            ``alpha_star`` and ``spread``; the collapse's ``estimate``,
            ``stderr``, ``interval_low``/``interval_high`` prefixed
            ``collapse_`` (over ``parameter``); the systematic-error table over
            ``choice`` (``systematic_alpha_c``, ``systematic_nu`` and their
            95 % bounds); attrs with the settings, exponents and verdicts.
        """
        parts = [self.curves, self.per_size, self.crossings]
        if self.pseudocritical is not None:
            pc = self.pseudocritical.drop_vars("replicate_spread", errors="ignore")
            parts.append(pc.rename(error="spread_error", interval="spread_interval"))
        col = self.collapse.to_dataset()
        keep = [v for v in ("estimate", "stderr", "interval_low", "interval_high") if v in col]
        parts.append(col[keep].rename({v: f"collapse_{v}" for v in keep}))
        rows = self.systematics
        table = xr.Dataset(
            {
                "systematic_alpha_c": ("choice", [r.alpha_c for r in rows]),
                "systematic_alpha_c_low": ("choice", [r.alpha_c_interval[0] for r in rows]),
                "systematic_alpha_c_high": ("choice", [r.alpha_c_interval[1] for r in rows]),
                "systematic_nu": ("choice", [r.nu for r in rows]),
                "systematic_nu_low": ("choice", [r.nu_interval[0] for r in rows]),
                "systematic_nu_high": ("choice", [r.nu_interval[1] for r in rows]),
            },
            coords={
                "choice": [r.label for r in rows],
                "choice_group": ("choice", [r.group for r in rows]),
                "choice_units": ("choice", [r.units for r in rows]),
                "choice_note": ("choice", [r.note for r in rows]),
            },
        )
        parts.append(table)
        ds = merge_parts(parts, combine_attrs="drop", compat="override")
        attrs: dict[str, Any] = {
            "analysis": "transition",
            "order": self.order,
            "control": self.control,
            "size": self.size,
            "training": self.training or "",
            "n_teachers": self.n_teachers,
            "n_students": self.n_students,
            "bootstrap": self.bootstrap,
            "systematics_bootstrap": self.systematics_bootstrap,
            "seed": self.seed,
            "log_control": int(self.log),
            "levels": list(self.levels),
            "corrections": int(bool(self.collapse_choice["corrections"])),
            "corrections_reason": str(self.collapse_choice["reason"]),
            "self_averaging": self.self_averaging(),
            "threshold_note": self.threshold_note or "",
            "notes": "; ".join(self.notes + self.systematic_notes),
        }
        for name, e in self.exponents.items():
            lo, hi = e["intervals"].get(0.95, _NAN2)
            attrs[f"exponent_{name}"] = [e["estimate"], lo, hi]
        if self.spread_exponent is not None:
            lo, hi = self.spread_exponent["intervals"].get(0.95, _NAN2)
            attrs["exponent_spread"] = [self.spread_exponent["estimate"], lo, hi]
        ds.attrs = attrs
        return ds

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """The transition figure (:func:`phasetrans.plots.transition.plot_transition`).

        Parameters
        ----------
        ax : sequence of four matplotlib Axes, optional
            Axes for the average, the susceptibility, the cumulant and the
            per-teacher spread.
        title : str, optional
            Figure title.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from phasetrans.plots.transition import plot_transition

        return plot_transition(self, ax=ax, title=title)
