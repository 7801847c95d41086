r"""One call: :func:`transition`, the whole transition analysis of a swept study.

It composes the observables of this subpackage on one order parameter, with
one set of two-level bootstrap draws (teachers, then students) shared by every
statistic:

1. the disorder average :math:`m(\alpha)` per size, its crossings between
   successive sizes, midpoints and widths, and the steepest slope;
2. the susceptibility (total, connected, disconnected) and its peak per size;
3. the centred cumulant (bimodality), and the Binder ratio :math:`U_n` of the
   symmetry-breaking order parameter where the data hold :math:`r_n` and
   :math:`r_{sym}`, with its crossings;
4. the per-teacher pseudo-critical points :math:`\alpha^*(t)` and their spread
   against size (the self-averaging test);
5. the finite-size-scaling collapse (:func:`phasetrans.analysis.scaling.collapse`,
   with corrections to scaling when the data allow: see
   :mod:`~phasetrans.analysis.transition.corrections`);
6. the systematic-error table (:mod:`~phasetrans.analysis.transition.systematics`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import xarray as xr

from phasetrans.analysis import defaults
from phasetrans.analysis.disorder import disorder_mean, disorder_variance
from phasetrans.analysis.estimate import Estimate
from phasetrans.analysis.selection import accepts_selection
from phasetrans.analysis.transition.binder import (
    binder_ratio,
    centred_cumulant,
    symmetry_breaking_order,
)
from phasetrans.analysis.transition.corrections import collapse_transition
from phasetrans.analysis.transition.crossing import level_points, size_crossings
from phasetrans.analysis.transition.order import COMPONENT_DIM, OrderInput, order_input
from phasetrans.analysis.transition.peaks import maximum_slope, size_exponent, susceptibility_peaks
from phasetrans.analysis.transition.pseudocritical import pseudocritical_points, spread_exponent
from phasetrans.analysis.transition.resampling import (
    DisorderDraws,
    merge_parts,
    named_summary,
)
from phasetrans.analysis.transition.result import TransitionResult
from phasetrans.analysis.transition.susceptibility import susceptibility_parts
from phasetrans.analysis.transition.systematics import (
    THRESHOLDS,
    baseline_row,
    systematic_rows,
    threshold_verdict,
)
from phasetrans.errors import AnalysisInputError

__all__ = ["BOOTSTRAP", "LEVELS", "curve_observables", "transition"]

#: Levels of the rising order parameter: width from the first to the last, midpoint.
LEVELS = (0.2, 0.5, 0.8)
#: Two-level resamples of the curve statistics (``defaults.TRANSITION_BOOTSTRAP``).
BOOTSTRAP = defaults.TRANSITION_BOOTSTRAP


def _prefixed(ds: xr.Dataset, prefix: str) -> xr.Dataset:
    """``ds`` with every data variable renamed ``<prefix><name>``."""
    return ds.rename({k: f"{prefix}{k}" for k in ds.data_vars})


def curve_observables(
    inp: OrderInput,
    size: str,
    control: str,
    draws: DisorderDraws,
    *,
    log: bool,
    levels: Sequence[float] = LEVELS,
) -> dict[str, object]:
    """Every curve statistic of one order parameter with the given draws.

    Returns
    -------
    dict
        ``curves`` (over size and control), ``per_size`` (over size),
        ``crossings`` (over pairs of sizes), ``exponents`` (of the size:
        :class:`~phasetrans.analysis.estimate.Estimate` by name) and the
        replicates ``mean_replicates`` (for paired comparisons).
    """
    m = inp.m
    mean, mean_reps = draws.apply(m, disorder_mean)
    band = (mean, mean_reps, levels[0], levels[-1])
    curves = [named_summary("mean", mean, mean_reps, draws)]
    chi = susceptibility_parts(m, size, draws=draws)
    curves.append(chi.rename(error="susceptibility_error", interval="susceptibility_interval"))
    cc = centred_cumulant(m, draws=draws)
    curves.append(cc.rename(error="centred_cumulant_error", interval="centred_cumulant_interval"))
    binder_crossings = None
    if inp.vector is not None and inp.r_sym is not None:
        order = symmetry_breaking_order(inp.vector.transpose(*m.dims, COMPONENT_DIM), inp.r_sym)
        u = binder_ratio(order, COMPONENT_DIM, draws=draws)
        curves.append(u.rename(error="binder_ratio_error", interval="binder_ratio_interval"))
        u_est, u_reps = draws.apply(
            (order**2).sum(COMPONENT_DIM, skipna=False),
            lambda v, lv: _u_n(v, lv, int(order.sizes[COMPONENT_DIM])),
        )
        binder_crossings = _prefixed(
            size_crossings(u_est, u_reps, size, control, draws, log=log, band=band), "binder_"
        )
    # the replicates of the total chi (the same numbers as chi's "total" part), for the peaks
    chi_est, chi_reps = draws.apply(m, _variance_times(m, size))
    peaks, height_reps = susceptibility_peaks(chi_est, chi_reps, control, draws, log=log)
    slopes, slope_reps = maximum_slope(mean, mean_reps, control, draws)
    points = level_points(mean, mean_reps, control, draws, levels=levels, log=log)
    per_size = merge_parts(
        [
            points,
            _prefixed(peaks, "chi_peak_"),
            slopes.rename(
                at="max_slope_at",
                at_error="max_slope_at_error",
                at_interval="max_slope_at_interval",
            ),
        ],
        combine_attrs="drop",
    )
    exponents = {
        "chi_peak_height": size_exponent(peaks["height"], height_reps, size),
        "max_slope": size_exponent(slopes["max_slope"], slope_reps, size),
    }
    crossings = size_crossings(mean, mean_reps, size, control, draws, log=log, band=band)
    if binder_crossings is not None:
        crossings = merge_parts([crossings, binder_crossings], combine_attrs="drop")
    return {
        "curves": merge_parts(curves, combine_attrs="drop"),
        "per_size": per_size,
        "crossings": crossings,
        "exponents": exponents,
        "mean": mean,
        "mean_replicates": mean_reps,
    }


def _u_n(values: np.ndarray, levels: int, n: int) -> np.ndarray:
    m2 = disorder_mean(values, levels)
    m4 = disorder_mean(values**2, levels)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (n + 2) / 2 - (n / 2) * m4 / m2**2


def _variance_times(m: xr.DataArray, size: str):
    """The statistic N Var(m) with N broadcast along the size axis (the first of ``m``)."""
    n = np.asarray(m[size].values, dtype=float)

    def statistic(values: np.ndarray, levels: int) -> np.ndarray:
        var = disorder_variance(values, levels)
        return var * n.reshape(-1, *(1,) * (var.ndim - 1))

    return statistic


@accepts_selection
def transition(
    data: xr.Dataset | xr.DataArray,
    order: str | None = None,
    *,
    control: str = "alpha",
    size: str = "input_dim",
    training: str | None = None,
    at: Mapping[str, object] | None = None,
    teacher_dim: str = "teacher_seed",
    student_dim: str = "seed",
    levels: Sequence[float] = LEVELS,
    log: bool | None = None,
    fix: Mapping[str, float] | None = None,
    corrections: bool | None = None,
    bootstrap: int = BOOTSTRAP,
    collapse_bootstrap: int | None = None,
    systematics_bootstrap: int | None = None,
    thresholds: Sequence[float] = THRESHOLDS,
    systematics: bool = True,
    seed: int = 0,
) -> TransitionResult:
    r"""The transition analysis of one order parameter: one call, one result.

    Parameters
    ----------
    data : xarray.Dataset or xarray.DataArray
        A swept study (dims ``size``, ``control``, ``teacher_seed``, ``seed``,
        maybe ``training`` and others of length 1), or the order parameter
        per student itself.
    order : str, optional
        The order parameter: a variable of the study (default
        ``teacher_recovered``, else ``overlap_max``); see
        :func:`~phasetrans.analysis.transition.order.order_input`.
    control, size : str
        The control (e.g. ``alpha``) and size (e.g. ``input_dim``) dimensions.
    training : str, optional
        The training analysed (default: spectral if present, else the first).
    at : mapping, optional
        Values of other dimensions with several values.
    teacher_dim, student_dim : str
        The disorder: teachers, and the students of each.
    levels : (float, float, float)
        Low, middle, high level of the rising order parameter: the midpoint
        is where the disorder average reaches the middle one, the width runs
        from the low to the high one, and the per-teacher
        :math:`\alpha^*(t)` is where each teacher's student average reaches
        the middle one.
    log : bool, optional
        Interpolate positions in :math:`\ln` of the control, and give widths
        as ratios (default: when the control is positive).
    fix : mapping, optional
        Parameters pinned in every collapse (default ``{"zeta": 0}``: a
        bounded order parameter does not scale with size).
    corrections : bool, optional
        Corrections to scaling: None uses them when there are at least 4 sizes
        and they improve the AIC by more than 2.
    bootstrap : int
        Two-level resamples of every curve statistic.  ``0`` is a quick look:
        every estimate without errors (each ``*_error`` and ``*_interval`` is
        NaN, and the collapse and the table rows get no resamples unless
        asked), no self-averaging verdict, and the repr and ``report()`` say
        so.  Negative values raise :class:`AnalysisInputError`.
    collapse_bootstrap, systematics_bootstrap : int, optional
        Resamples of the main collapse (default: ``bootstrap``, at most
        :data:`phasetrans.analysis.defaults.BOOTSTRAP`, as a collapse on its
        own) and of each row of the systematic-error table (default:
        ``bootstrap``, at most
        :data:`phasetrans.analysis.defaults.SYSTEMATICS_BOOTSTRAP`).
    thresholds : sequence of float
        Thresholds of the threshold scan.
    systematics : bool
        Compute the systematic-error table.
    seed : int
        Seed of the generator that draws every resample.

    Returns
    -------
    TransitionResult

    Raises
    ------
    AnalysisInputError
        For a missing variable or dimension, an unselected dimension, fewer
        than 2 sizes or 3 control values, or bad levels.

    Notes
    -----
    Every curve statistic is recomputed on each two-level resample (the same
    draws at every size and control); the collapse and the table rows use
    the same seed.  See the submodules for each statistic's definition.

    Examples
    --------
    >>> res = transition(ds, "teacher_recovered", size="input_dim")  # doctest: +SKIP
    >>> print(res.report())  # doctest: +SKIP
    """
    levels = _check_levels(levels)
    inp = order_input(
        data, order, control=control, size=size, training=training, at=at,
        teacher_dim=teacher_dim, student_dim=student_dim,
    )  # fmt: skip
    inp = _sorted(inp, size, control)
    m = inp.m
    if log is None:
        log = bool((np.asarray(m[control].values, dtype=float) > 0).all())
    fix = {"zeta": 0.0} if fix is None else dict(fix)
    if collapse_bootstrap is None:
        collapse_bootstrap = min(bootstrap, defaults.BOOTSTRAP)
    if systematics_bootstrap is None:
        systematics_bootstrap = min(bootstrap, defaults.SYSTEMATICS_BOOTSTRAP)
    draws = DisorderDraws.for_array(m, bootstrap, seed, teacher_dim, student_dim)
    obs = curve_observables(inp, size, control, draws, log=log, levels=levels)
    params: dict[str, Estimate] = dict(obs["exponents"])
    notes = list(inp.notes)
    pseudo = None
    if draws.teacher_dim is not None:
        pseudo = pseudocritical_points(m, control, level=levels[1], log=log, draws=draws)
        params["spread"] = spread_exponent(pseudo, size)
    else:
        notes.append("one teacher: no per-teacher alpha* and no disconnected susceptibility")
    if inp.vector is None or inp.r_sym is None:
        notes.append(
            "no Binder ratio U_n: it needs r_n per teacher node (overlap_max_weighted or "
            "overlap_max) and r_sym (overlap_symmetric)"
        )
    samples = draws.sample_dims
    result, choice = collapse_transition(
        m, size, control, samples, fix=fix, bootstrap=collapse_bootstrap, seed=seed,
        corrections=corrections,
    )  # fmt: skip
    base = baseline_row(result, control)
    rows, sys_notes, verdict = [base], [], None
    if systematics:
        extra, sys_notes = systematic_rows(
            inp, size, control, samples, fix=fix, bootstrap=systematics_bootstrap, seed=seed,
            thresholds=thresholds,
        )  # fmt: skip
        rows += extra
        verdict = threshold_verdict(rows, base, float(result.params["inv_nu"]))
    return TransitionResult(
        order=inp.name, control=control, size=size, training=inp.training,
        curves=obs["curves"], per_size=obs["per_size"], crossings=obs["crossings"],
        params=params, collapse=result, collapse_choice=choice, pseudocritical=pseudo,
        systematics=rows, systematic_notes=sys_notes, threshold_note=verdict, notes=notes,
        n_teachers=draws.shape[0] if len(draws.shape) == 2 else 1, n_students=draws.shape[-1],
        bootstrap=bootstrap, systematics_bootstrap=systematics_bootstrap if systematics else 0,
        seed=seed, log=log, levels=levels, threshold=inp.threshold,
    )  # fmt: skip


def _check_levels(levels: Sequence[float]) -> tuple[float, float, float]:
    levels = tuple(float(v) for v in levels)
    if len(levels) != 3 or not levels[0] < levels[1] < levels[2]:
        raise AnalysisInputError(
            f"levels={levels!r}; allowed: three ascending numbers (low, middle, high)",
            field="levels",
            value=levels,
        )
    return levels


def _sorted(inp: OrderInput, size: str, control: str) -> OrderInput:
    """``inp`` sorted by size and control; at least 2 sizes and 3 control values."""
    m = inp.m.sortby(control).sortby(size)
    if m.sizes[size] < 2 or m.sizes[control] < 3:
        raise AnalysisInputError(
            f"{m.sizes[size]} sizes and {m.sizes[control]} control values; need at least 2 "
            "sizes and 3 control values",
            field="size",
            value=m.sizes[size],
        )
    return _replace_m(inp, m)


def _replace_m(inp: OrderInput, m: xr.DataArray) -> OrderInput:
    """``inp`` with ``m`` sorted, and its variants in the same order."""

    def align(da):
        return None if da is None else da.sortby(m.dims[1]).sortby(m.dims[0])

    return replace(
        inp, m=m, overlap=align(inp.overlap), vector=align(inp.vector), half=align(inp.half)
    )
