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

from phasetrans.analysis import plotting
from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.scaling import CollapseResult
from phasetrans.analysis.transition import text
from phasetrans.analysis.transition.resampling import merge_parts
from phasetrans.analysis.transition.systematics import SystematicRow

__all__ = ["TransitionResult"]

#: Level of the intervals the repr and the verdicts use.
_LEVEL = text.LEVEL


def _legacy(e: Estimate) -> dict[str, Any]:
    """An exponent as the dict it used to be: ``estimate``, ``error``, ``intervals``."""
    return {"estimate": e.value, "error": e.stderr, "intervals": dict(e.intervals)}


@dataclass(frozen=True, repr=False)
class TransitionResult:
    r"""Outcome of :func:`~phasetrans.analysis.transition.transition`.

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
    params : dict of str to Estimate
        The exponents against size: ``chi_peak_height``
        (:math:`\chi_{max} \propto N^{s}`), ``max_slope``
        (:math:`\propto N^{1/\nu}`) and, with several teachers, ``spread``
        (:math:`a` of the per-teacher spread :math:`\propto N^{-a}`).  The
        collapse's :math:`x_c, \nu, \zeta` are in ``collapse.params``.
    collapse : CollapseResult
        The finite-size-scaling collapse.
    collapse_choice : dict
        ``aic_plain``, ``aic_corrections``, ``corrections`` and ``reason``.
    pseudocritical : xarray.Dataset or None
        Per-teacher :math:`\alpha^*(t)` and its spread per size.
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
    params: dict[str, Estimate]
    collapse: CollapseResult
    collapse_choice: dict[str, Any]
    pseudocritical: xr.Dataset | None
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

    @property
    def exponents(self) -> dict[str, dict[str, Any]]:
        """``chi_peak_height``, ``max_slope`` as dicts of ``estimate``, ``error``, ``intervals``."""
        return {n: _legacy(self.params[n]) for n in ("chi_peak_height", "max_slope")}

    @property
    def spread_exponent(self) -> dict[str, Any] | None:
        """``params["spread"]`` as a dict of ``estimate``, ``error``, ``intervals`` (or None)."""
        return _legacy(self.params["spread"]) if "spread" in self.params else None

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
        if "spread" not in self.params:
            return "not tested (one teacher)"
        a = self.params["spread"]
        lo, hi = a.interval(_LEVEL)
        inv = self.collapse.params["inv_nu"]
        ilo, ihi = inv.interval(_LEVEL)
        if not np.isfinite(a):
            text = "spread of alpha*(t) ~ N^-a: a not determined (too few teachers cross"
            if self.pseudocritical is not None and "n_crossed" in self.pseudocritical:
                crossed = self.pseudocritical["n_crossed"]
                text += f" {self.levels[1]:g}: " + ", ".join(
                    f"{int(crossed.sel({self.size: n}))} of {self.n_teachers} at {n:g}"
                    for n in self.sizes
                )
            return text + "; the spread needs 2 crossing teachers at 2 sizes or more); no verdict"
        text = f"spread of alpha*(t) ~ N^-a with a = {a.format(_LEVEL)}"
        text += f"; collapse 1/nu = {inv.format(_LEVEL)}: "
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
            f"{self.control}_c={c.x_c.format(_LEVEL)}, nu={c.nu.format(_LEVEL)}; "
            f"{moved}{flag}{plain}>"
        )

    def _repr_html_(self) -> str:
        cells = [
            (r.label, text.row_value(r.alpha_c, r.alpha_c_interval),
             text.row_value(r.nu, r.nu_interval), r.note)
            for r in self.systematics
        ]  # fmt: skip
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
            for row in cells
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
        lines = [
            *text.head_lines(self),
            *text.collapse_lines(self),
            *text.per_size_lines(self),
            *text.curve_lines(self),
            *text.pseudocritical_lines(self),
            f"  self-avg     {self.self_averaging()}",
            *text.systematics_lines(self),
        ]
        if self.threshold_note:
            lines.append(f"  threshold    {self.threshold_note}")
        lines += [f"  note         {note}" for note in self.notes]
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
        parts.append(_systematics_table(self.systematics))
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
        for name, e in self.params.items():
            attrs[f"exponent_{name}"] = [e.value, *e.interval(_LEVEL)]
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
        return plotting.plot(self, ax=ax, title=title)


def _systematics_table(rows: list[SystematicRow]) -> xr.Dataset:
    """The systematic-error table over ``choice``."""
    return xr.Dataset(
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
