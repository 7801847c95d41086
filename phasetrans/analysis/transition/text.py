"""The text report of a transition analysis, section by section.

:meth:`~phasetrans.analysis.transition.TransitionResult.report` joins these
sections; each writes its numbers with
:func:`~phasetrans.analysis.estimate.format_estimate` and their 95 % intervals.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from phasetrans.analysis.estimate import format_estimate

if TYPE_CHECKING:
    from phasetrans.analysis.transition.result import TransitionResult

__all__ = [
    "LEVEL",
    "cell",
    "collapse_lines",
    "curve_lines",
    "head_lines",
    "per_size_lines",
    "pseudocritical_lines",
    "row_value",
    "systematics_lines",
]

#: Level of the intervals the text shows.
LEVEL = 0.95


def cell(ds: xr.Dataset, name: str, **sel: object) -> str:
    """``name`` with its 95 % interval, from a Dataset holding ``name_error``, ``name_interval``."""
    value = float(ds[name].sel(**sel))
    err = float(ds[f"{name}_error"].sel(**sel)) if f"{name}_error" in ds else math.nan
    interval = None
    if f"{name}_interval" in ds:
        lo, hi = ds[f"{name}_interval"].sel(**sel, level=LEVEL).values
        interval = (float(lo), float(hi))
    return format_estimate(value, err, interval=interval)


def row_value(value: float, interval: tuple[float, float]) -> str:
    """A systematic row's estimate with its 95 % interval."""
    return format_estimate(value, interval=interval)


def head_lines(res: TransitionResult) -> list[str]:
    """The heading: what was analysed, the disorder and the bootstrap, the levels."""
    sizes = ", ".join(f"{v:g}" for v in res.sizes)
    return [
        f"Transition of {res.order!r} against {res.control!r} over {res.size} = {sizes}"
        + (f" (training {res.training})" if res.training else ""),
        f"  disorder     {res.n_teachers} teachers x {res.n_students} students; "
        + (
            f"two-level bootstrap, {res.bootstrap} resamples (seed {res.seed}); 95 % intervals"
            if res.bootstrap
            else "no bootstrap (bootstrap=0): estimates only, every error and interval NaN"
        ),
        f"  positions    interpolated in {'ln ' if res.log else ''}{res.control}; levels "
        f"{', '.join(f'{v:g}' for v in res.levels)} (midpoint at {res.levels[1]:g})",
    ]


def collapse_lines(res: TransitionResult) -> list[str]:
    """The collapse's estimates and the corrections-to-scaling choice."""
    c, ctl, ch = res.collapse, res.control, res.collapse_choice
    lines = [
        f"  collapse     {ctl}_c = {c.x_c.format(LEVEL)}, nu = {c.nu.format(LEVEL)}"
        f", zeta = {c.zeta.format()}; S = {c.quality:.3g} "
        f"over {c.n_points}/{c.n_total} points; {c.n_bootstrap} resamples",
        f"  corrections  {ch['reason']} (AIC {ch['aic_plain']:.1f} plain, "
        f"{ch['aic_corrections']:.1f} with x_c(N) = x_c + b N^-omega)",
    ]
    if ch["corrections"]:
        lines.append(
            f"               without them: {ctl}_c = {ch['plain_x_c']:.4g}, nu = "
            f"{ch['plain_nu']:.3g}; with them, b = {c.params['b'].format(LEVEL)}, "
            f"omega = {c.params['omega'].format(LEVEL)} (x_c is an extrapolation)"
        )
    return lines


def per_size_lines(res: TransitionResult) -> list[str]:
    """One row per size: midpoint, width, chi peak and height, steepest slope."""
    ps, size = res.per_size, res.size
    width_kind = "ratio" if res.log else "difference"
    lines = [
        f"  per size     {'N':>6}  {'midpoint':>24}  {'width (' + width_kind + ')':>24}  "
        f"{'chi peak at':>24}  {'chi_max':>24}  {'max slope':>24}"
    ]
    for n in res.sizes:
        sel = {size: n}
        edge = ""
        if "chi_peak_edge_share" in ps:
            share = float(ps["chi_peak_edge_share"].sel(sel))
            edge = f"  ({share:.0%} of resamples peak at a grid edge)" if share > 0 else ""
        cells = ("midpoint", "width", "chi_peak_position", "chi_peak_height", "max_slope")
        lines.append(
            f"               {n:>6g}  "
            + "  ".join(f"{cell(ps, name, **sel):>24}" for name in cells)
            + edge
        )
    return lines


def curve_lines(res: TransitionResult) -> list[str]:
    """The susceptibility's parts, the bimodality, the exponents and the crossings."""
    size, ctl = res.size, res.control
    chi = res.curves["susceptibility"]
    k = int(np.nanargmax(chi.sel({size: res.sizes[-1], "part": "total"}).values))
    at_peak = chi.sel({size: res.sizes[-1]}).isel({ctl: k})
    share = float(at_peak.sel(part="disconnected") / at_peak.sel(part="total"))
    best = res.curves["centred_cumulant"].max(ctl)
    lines = [
        f"  chi parts    at the largest {size}'s peak ({ctl} = "
        f"{float(chi[ctl].values[k]):.3g}) the disconnected (between-teacher) part is "
        f"{share:.0%} of chi",
        "  bimodality   max over "
        f"{ctl} of the centred cumulant (Gaussian 0, two equal peaks 2/3): "
        + ", ".join(f"{n:g}: {float(best.sel({size: n})):.2f}" for n in res.sizes),
    ]
    for name, what in (
        ("chi_peak_height", "chi_max ~ N^s, s"),
        ("max_slope", "max slope ~ N^(1/nu), 1/nu"),
    ):
        lines.append(f"  exponent     {what} = {res.params[name].format(LEVEL)}")
    cr = res.crossings
    for var, label in (("crossing", "m"), ("binder_crossing", "U_n")):
        if var not in cr:
            continue
        parts = []
        for p in cr["pair"].values:
            share = float(cr["share" if var == "crossing" else "binder_share"].sel(pair=p))
            shown = f" ({share:.0%} of resamples cross)" if np.isfinite(share) else ""
            parts.append(f"{p}: {cell(cr, var, pair=p)}{shown}")
        lines.append(f"  crossings    of {label}: " + "; ".join(parts))
    return lines


def pseudocritical_lines(res: TransitionResult) -> list[str]:
    """The per-teacher pseudo-critical points: mean and spread per size (none with one teacher)."""
    pc = res.pseudocritical
    if pc is None:
        return []
    named = pc.rename(error="spread_error", interval="spread_interval")
    lines = [
        f"  alpha*(t)    per teacher, where its student mean reaches {res.levels[1]:g} "
        "(linear interpolation between grid points): mean, spread over teachers"
    ]
    for n in res.sizes:
        sel = {res.size: n}
        lines.append(
            f"               {n:>6g}  mean {float(pc['mean_alpha_star'].sel(sel)):.4g}, "
            f"spread {cell(named, 'spread', **sel)}"
            f" ({int(pc['n_crossed'].sel(sel))} of {res.n_teachers} teachers cross)"
        )
    return lines


def systematics_lines(res: TransitionResult) -> list[str]:
    """The systematic-error table: every re-run of the collapse and how far it moves."""
    ctl, base = res.control, res.systematics[0]
    lines = [
        f"  systematics  the collapse re-run ({res.systematics_bootstrap} resamples each):",
        f"               {'choice':<44}{ctl + '_c':>26}{'nu':>24}{'d ' + ctl + '_c':>10}"
        f"{'d nu':>8}",
    ]
    for r in res.systematics:
        d_a = r.alpha_c - base.alpha_c if r.units == base.units else math.nan
        lines.append(
            f"               {r.label:<44}{row_value(r.alpha_c, r.alpha_c_interval):>26}"
            f"{row_value(r.nu, r.nu_interval):>24}{d_a:>10.3g}{r.nu - base.nu:>8.3g}"
            + (f"  ({r.note})" if r.note else "")
            + (f"  [in {r.units}]" if r.units != base.units else "")
        )
    shift = res.shifts()
    lines.append(
        f"               {ctl}_c moves by at most {shift['alpha_c']:.3g} and nu by at most "
        f"{shift['nu']:.3g} across these choices"
    )
    return lines + [f"               note: {note}" for note in res.systematic_notes]
