r"""The systematic-error table: how far :math:`\alpha_c` and :math:`\nu` move under other choices.

The collapse of the transition is re-run with

- the control as :math:`\alpha`, :math:`\ln\alpha` and
  :math:`\alpha' = P / (\text{teacher parameters})`.  For the regression
  teacher (:math:`N \to h_T \to h_2 \to \Sigma`, no biases) the parameters are
  :math:`N h_T + h_T h_2`, so :math:`\alpha' = \alpha N / (N + h_2)`, a
  different factor at every size (the curves are put on the union of their
  control grids).  For the committee teacher (:math:`K = h_T` hidden units,
  fixed read-out) :math:`\alpha' = \alpha`: that row is dropped, and the
  table says so;
- the smallest size dropped (with three sizes or more);
- the thresholds :data:`THRESHOLDS` where the order parameter is thresholded
  (``teacher_recovered`` at :math:`\tau`, recomputed from ``overlap_max``);
- the first half of the time budget, when the study has checkpoints.

Every row is a plain collapse (no corrections to scaling) with the same fixed
parameters, its own bootstrap (fewer resamples than the main one) and the same
seed.  The ln α row reports :math:`\alpha_c = e^{x_c}`; the α′ row reports
:math:`\alpha'_c` in its own units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from phasetrans.analysis.scaling import CollapseResult, collapse
from phasetrans.analysis.transition.order import OrderInput, recovered_at
from phasetrans.errors import PhasetransError

__all__ = ["THRESHOLDS", "SystematicRow", "systematic_rows", "threshold_verdict"]

#: Thresholds of the threshold scan.
THRESHOLDS = (0.7, 0.8, 0.9, 0.95, 0.99)
_NAN2 = (math.nan, math.nan)


@dataclass(frozen=True)
class SystematicRow:
    """One re-run of the collapse.

    Attributes
    ----------
    label : str
        What changed.
    group : str
        ``baseline``, ``control``, ``sizes``, ``threshold`` or ``time``.
    alpha_c, nu : float
        The estimates (``alpha_c`` in the units of ``units``).
    alpha_c_interval, nu_interval : (float, float)
        95 % bootstrap intervals (NaN without bootstrap).
    units : str
        The control the row's :math:`\\alpha_c` is expressed in.
    threshold : float or None
        The threshold of a threshold row.
    note : str
        Why a row has no numbers, or a flag of its collapse.
    determined : bool
        Whether the collapse determined its exponents (it did not fail, stick
        at an optimiser bound, or find no size dependence): only then is
        ``alpha_c`` an estimate that a scan may compare.
    """

    label: str
    group: str
    alpha_c: float
    nu: float
    alpha_c_interval: tuple[float, float] = _NAN2
    nu_interval: tuple[float, float] = _NAN2
    units: str = "alpha"
    threshold: float | None = None
    note: str = ""
    determined: bool = True


def _row(
    label: str,
    group: str,
    result: CollapseResult,
    *,
    transform=None,
    units: str = "alpha",
    threshold: float | None = None,
) -> SystematicRow:
    back = transform or (lambda v: v)
    ci = result.params["x_c"].interval(0.95)
    nu_ci = result.params["nu"].interval(0.95)
    note = ""
    if result.at_bound:
        note = "degenerate collapse (at an optimiser bound)"
    elif result.size_independent:
        note = "no size dependence (1/nu compatible with 0)"
    return SystematicRow(
        label,
        group,
        float(back(result.x_c)),
        float(result.nu),
        (float(back(ci[0])), float(back(ci[1]))),
        (float(nu_ci[0]), float(nu_ci[1])),
        units,
        threshold,
        note,
        result.determined,
    )


def baseline_row(result: CollapseResult, control: str) -> SystematicRow:
    """The main collapse as the first row of the table."""
    return _row(f"baseline (control {control})", "baseline", result, units=control)


def _regrid(m: xr.DataArray, size: str, control: str, factors: np.ndarray) -> xr.DataArray:
    """``m`` with the control of size ``i`` multiplied by ``factors[i]``, on the union grid."""
    parts = []
    for i in range(m.sizes[size]):
        part = m.isel({size: [i]})
        parts.append(part.assign_coords({control: part[control].values * factors[i]}))
    return xr.concat(parts, dim=size, join="outer").sortby(control)


def systematic_rows(
    inp: OrderInput,
    size: str,
    control: str,
    sample_dim: tuple[str, ...],
    *,
    fix: Mapping[str, float] | None,
    bootstrap: int,
    seed: int,
    thresholds: Sequence[float] = THRESHOLDS,
) -> tuple[list[SystematicRow], list[str]]:
    """Re-run the collapse under each choice the data allow (see the module docstring).

    Returns
    -------
    rows : list of SystematicRow
        Without the baseline.
    notes : list of str
        The choices not made, and why.
    """
    m = inp.m
    rows: list[SystematicRow] = []
    notes: list[str] = []
    kwargs = dict(sample_dim=sample_dim, fix=dict(fix or {}), bootstrap=bootstrap, seed=seed)

    def run(label, group, da, **row_kwargs):
        try:
            result = collapse(da, size, control, **kwargs)
        except PhasetransError as exc:
            rows.append(
                SystematicRow(
                    label, group, math.nan, math.nan, note=f"failed: {exc}", determined=False
                )
            )
            return
        rows.append(_row(label, group, result, **row_kwargs))

    x = np.asarray(m[control].values, dtype=float)
    if (x > 0).all():
        run(
            f"control ln {control}",
            "control",
            m.assign_coords({control: np.log(x)}),
            transform=np.exp,
        )
    else:
        notes.append(f"ln {control} row dropped: {control} is not positive")
    if inp.teacher_kind == "committee":
        notes.append("alpha' row dropped: for the committee teacher alpha' = P/(N K) = alpha")
    elif control != "alpha" or size != "input_dim":
        notes.append(
            "alpha' row dropped: it converts alpha = P/(N h_T) at input dimension N "
            f"(control {control!r}, size {size!r})"
        )
    elif inp.teacher_kind is None:
        notes.append("alpha' row dropped: the data have no teacher_kind attribute")
    else:
        h2 = inp.hidden2
        if h2 is None:
            h2 = 20.0
            notes.append("alpha' uses hidden2 = 20 (no study file in the data attributes)")
        n = np.asarray(m[size].values, dtype=float)
        run(
            "control alpha' = P/(N h_T + h_T h2)",
            "control",
            _regrid(m, size, control, n / (n + h2)),
            units="alpha'",
        )
    if m.sizes[size] >= 3:
        run(
            f"smallest {size} ({m[size].values[0]:g}) dropped",
            "sizes",
            m.isel({size: slice(1, None)}),
        )
    else:
        notes.append(f"smallest-size row dropped: {m.sizes[size]} sizes (need 3)")
    if inp.overlap is not None:
        for tau in thresholds:
            over = recovered_at(inp.overlap, tau).transpose(*m.dims)
            run(f"teacher_recovered at tau = {tau:g}", "threshold", over, threshold=float(tau))
    elif inp.threshold is not None:
        notes.append(
            f"no threshold scan: {inp.name} counts r_n >= {inp.threshold:g} but the data hold "
            "no overlap_max (r_n per teacher node)"
        )
    if inp.half is not None:
        run("first half of the time budget", "time", inp.half.transpose(*m.dims))
    else:
        notes.append("no half-budget row: the data have no checkpoints of the order parameter")
    return rows, notes


def threshold_verdict(
    rows: Sequence[SystematicRow], baseline: SystematicRow, inv_nu: float
) -> str | None:
    r"""Whether :math:`\alpha_c` moves with the threshold beyond its interval, in words.

    The threshold rows move :math:`\alpha_c` when the range of their
    estimates exceeds the width of the baseline's 95 % interval and they rise
    (or fall) monotonically with :math:`\tau`.  Only rows whose collapse
    determined its exponents count (:attr:`SystematicRow.determined`): a
    failed, degenerate or size-independent collapse has no :math:`\alpha_c`
    to move, and the verdict names the thresholds it leaves out.  None without
    threshold rows.
    """
    thresholds = [r for r in rows if r.group == "threshold"]
    scan = [r for r in thresholds if r.determined and np.isfinite(r.alpha_c)]
    left = sorted(r.threshold or 0.0 for r in thresholds if r not in scan)
    out = (
        f"; tau = {', '.join(f'{t:g}' for t in left)} left out: the collapse failed or "
        "did not determine its exponents"
        if left
        else ""
    )
    if len(scan) < 2:
        return f"no threshold scan: fewer than 2 determined collapses{out}" if left else None
    scan.sort(key=lambda r: r.threshold or 0.0)
    values = np.array([r.alpha_c for r in scan])
    span = float(values.max() - values.min())
    lo, hi = baseline.alpha_c_interval
    width = float(hi - lo) if np.isfinite(hi - lo) else 0.0
    steps = np.diff(values)
    monotonic = bool((steps > 0).all() or (steps < 0).all())
    where = (
        f"from {values[0]:.3g} at tau = {scan[0].threshold:g} "
        f"to {values[-1]:.3g} at tau = {scan[-1].threshold:g}"
    )
    if span > width and monotonic:
        text = (
            f"THRESHOLD ARTEFACT: alpha_c moves with the threshold tau, {where} (range "
            f"{span:.3g}, more than the baseline's 95 % interval width {width:.3g}); the "
            f"crossing is set by the threshold, not by the overlaps{out}"
        )
        if np.isfinite(inv_nu) and abs(inv_nu - 0.5) < 0.2:
            text += (
                f"; 1/nu = {inv_nu:.2f} is close to 1/2, what a threshold on a smooth "
                "overlap with N^(-1/2) noise gives"
            )
        return text
    return f"alpha_c does not move with the threshold beyond its interval ({where}){out}"
