"""The transition section's tables: per size, crossings, collapse, systematic errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from phasetrans.report.records import Table
from phasetrans.report.transition.format import LEVEL, format_cell, format_param, format_value

__all__ = ["collapse_table", "crossings_table", "per_size_table", "systematics_table"]


def per_size_table(result: Any) -> Table:
    """Per size: midpoint, width, susceptibility peak, slope and the per-teacher points."""
    size, ctl = result.size, result.control
    ps, pc = result.per_size, result.pseudocritical
    header = [
        size,
        "midpoint",
        f"width ({'ratio' if result.log else 'difference'})",
        "χ peak at",
        "χ_max",
        f"max slope dm/d{ctl}",
    ]
    if pc is not None:
        header += [f"mean {ctl}*(t)", f"spread of {ctl}*(t)", "teachers crossing"]
    spread = None if pc is None else pc.rename(error="spread_error", interval="spread_interval")
    rows = []
    for n in result.sizes:
        sel = {size: n}
        peak = format_cell(ps, "chi_peak_position", sel)
        if "chi_peak_edge_share" in ps and float(ps["chi_peak_edge_share"].sel(sel)) > 0:
            peak += f" ({float(ps['chi_peak_edge_share'].sel(sel)):.0%} at a grid edge)"
        row = [
            f"{n:g}",
            format_cell(ps, "midpoint", sel),
            format_cell(ps, "width", sel),
            peak,
            format_cell(ps, "chi_peak_height", sel),
            format_cell(ps, "max_slope", sel),
        ]
        if spread is not None:
            row += [
                format_value(float(pc["mean_alpha_star"].sel(sel))),
                format_cell(spread, "spread", sel),
                f"{int(pc['n_crossed'].sel(sel))} of {result.n_teachers}",
            ]
        rows.append(row)
    return Table(
        f"Per {size}: midpoints, widths, susceptibility peaks and the per-teacher {ctl}*(t)",
        header,
        rows,
    )


def crossings_table(result: Any) -> Table:
    """Crossings of successive sizes' curves (and of U_n when computed)."""
    cr = result.crossings
    binder = "binder_crossing" in cr
    header = ["sizes", f"crossing of {result.order}", "resamples that cross"]
    if binder:
        header += ["crossing of U_n", "resamples that cross"]
    rows = []
    for pair in cr["pair"].values:
        sel = {"pair": pair}
        row = [str(pair), format_cell(cr, "crossing", sel), f"{float(cr['share'].sel(sel)):.0%}"]
        if binder:
            row += [
                format_cell(cr, "binder_crossing", sel),
                f"{float(cr['binder_share'].sel(sel)):.0%}",
            ]
        rows.append(row)
    return Table(
        f"Crossings of successive sizes' curves ({result.control}; — where the averages do not "
        "cross)",
        header,
        rows,
    )


def collapse_table(result: Any) -> Table:
    """The collapse's parameters and the exponents of the peaks, slopes and spread."""
    c, ctl, size = result.collapse, result.control, result.size
    zeta = f"{c.fixed['zeta']:g} (fixed)" if "zeta" in c.fixed else format_param(result, "zeta")
    rows = [
        [f"{ctl}_c", format_param(result, "x_c")],
        ["ν", format_param(result, "nu")],
        ["1/ν", format_param(result, "inv_nu")],
        ["ζ", zeta],
        ["quality S", f"{c.quality:.3g} over {c.n_points}/{c.n_total} points"],
    ]
    if c.corrections:
        rows += [["b", format_param(result, "b")], ["ω", format_param(result, "omega")]]
    for name, what in (
        ("chi_peak_height", f"χ_max ∝ {size}^s, s"),
        ("max_slope", f"max slope ∝ {size}^(1/ν), 1/ν"),
    ):
        e = result.exponents[name]
        lo, hi = e["intervals"].get(LEVEL, (math.nan, math.nan))
        rows.append([what, format_value(e["estimate"], lo, hi)])
    if result.spread_exponent is not None:
        a = result.spread_exponent
        lo, hi = a["intervals"].get(LEVEL, (math.nan, math.nan))
        rows.append([f"spread of {ctl}*(t) ∝ {size}^-a, a", format_value(a["estimate"], lo, hi)])
    return Table(
        f"Collapse m = F(({ctl} − {ctl}_c) {size}^(1/ν)) and exponents", ["", "estimate"], rows
    )


def systematics_table(result: Any) -> Table:
    """Every row of the systematic-error table against the baseline."""
    ctl = result.control
    base = result.systematics[0]
    rows = []
    for r in result.systematics:
        same = r.units == base.units
        d_a = r.alpha_c - base.alpha_c if same else math.nan
        rows.append(
            [
                r.label,
                format_value(r.alpha_c, *r.alpha_c_interval) + ("" if same else f" (in {r.units})"),
                format_value(r.nu, *r.nu_interval),
                "—" if r is base or not np.isfinite(d_a) else f"{d_a:+.3g}",
                "—" if r is base or not np.isfinite(r.nu - base.nu) else f"{r.nu - base.nu:+.3g}",
                r.note,
            ]
        )
    return Table(
        f"Systematic errors: the collapse re-run under each choice ({result.systematics_bootstrap}"
        " resamples each)",
        ["choice", f"{ctl}_c", "ν", f"Δ{ctl}_c", "Δν", "note"],
        rows,
    )
