"""Figures of the transition analysis: the summary, a paired comparison, r_n histograms."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from phasetrans.errors import AnalysisInputError
from phasetrans.plots._base import colors, panels, plain_log_ticks

if TYPE_CHECKING:
    from phasetrans.analysis.transition.compare import TransitionComparison
    from phasetrans.analysis.transition.result import TransitionResult

__all__ = ["plot_comparison", "plot_overlap_histograms", "plot_transition"]


def _band(ds: xr.Dataset, name: str, level: float = 0.68) -> tuple[np.ndarray, np.ndarray]:
    bounds = ds[f"{name}_interval"].sel(level=level)
    return bounds.sel(bound="lower").values, bounds.sel(bound="upper").values


#: Characters of an 8-point title per inch of figure width (wrapping, not cutting, it).
_CHARS_PER_INCH = 15


def plot_transition(
    result: TransitionResult,
    *,
    ax: Axes | Sequence[Axes] | None = None,
    title: str | None = None,
) -> Figure:
    """Average, susceptibility, cumulant and per-teacher spread of one transition analysis.

    Parameters
    ----------
    result : TransitionResult
        From :func:`phasetrans.analysis.transition.transition`.
    ax : sequence of four Axes, optional
        Where to draw (new figure by default).
    title : str, optional
        Figure title (default: the result's repr), wrapped to the figure's width.

    Returns
    -------
    matplotlib.figure.Figure
        Panels: the disorder average with 68 % bands; the susceptibility
        (solid: total, dashed: disconnected part); the Binder ratio
        :math:`U_n` (or, without it, the centred cumulant); the spread of the
        per-teacher :math:`\\alpha^*(t)` against size, log–log, with its fit
        (linear axes and a sentence when no size has a positive spread, e.g.
        when no teacher crosses the middle level).
    """
    fig, axes = panels(4, ax, width=4.0, height=3.4)
    curves, size, ctl = result.curves, result.size, result.control
    x = curves[ctl].values
    sizes = result.sizes
    cmap = colors(len(sizes))
    cum = "binder_ratio" if "binder_ratio" in curves else "centred_cumulant"
    for c, n in zip(cmap, sizes, strict=True):
        sel = curves.sel({size: n})
        lo, hi = _band(sel, "mean")
        axes[0].plot(x, sel["mean"], "o-", ms=3, color=c, label=f"{size} = {n:g}")
        axes[0].fill_between(x, lo, hi, color=c, alpha=0.25)
        chi = sel["susceptibility"]
        axes[1].plot(x, chi.sel(part="total"), "-", color=c)
        axes[1].plot(x, chi.sel(part="disconnected"), "--", color=c, lw=1)
        lo, hi = _band(sel, cum)
        axes[2].plot(x, sel[cum], "o-", ms=3, color=c)
        axes[2].fill_between(x, lo, hi, color=c, alpha=0.2)
    axes[0].set_ylabel(f"{result.order} (disorder average)")
    axes[1].set_ylabel(r"$\chi$ (solid), disconnected part (dashed)")
    axes[2].set_ylabel(r"Binder ratio $U_n$" if cum == "binder_ratio" else "centred cumulant")
    for a in axes[:3]:
        a.set_xlabel(ctl)
        if result.log:
            a.set_xscale("log")
            plain_log_ticks(a, "x")
    axes[0].legend(fontsize=7)
    pc = result.pseudocritical
    if pc is not None:
        _spread_panel(axes[3], result, pc, sizes)
    else:
        axes[3].text(0.5, 0.5, "one teacher:\nno per-teacher points", ha="center", va="center")
    axes[3].set_xlabel(size)
    axes[3].set_ylabel(rf"spread of per-teacher ${ctl}^*(t)$")
    text = title if title is not None else repr(result)[1:-1]
    # wrapped to the figure's width, whole: constrained layout makes room for every line
    per_line = max(40, int(fig.get_figwidth() * _CHARS_PER_INCH))
    fig.suptitle("\n".join(textwrap.wrap(text, per_line)), fontsize=8)
    return fig


def _spread_panel(ax: Axes, result: TransitionResult, pc: xr.Dataset, sizes: np.ndarray) -> None:
    """The spread of the per-teacher points against size: log–log where any spread is positive.

    Where no size has a positive spread (no teacher, or a single one, crosses
    the middle level at every size, or every teacher crosses at one point),
    the axes are linear and say so in words: a log axis has nothing to show.
    """
    spread = np.asarray(pc["spread"].values, dtype=float)
    lo = pc["interval"].sel(level=0.68, bound="lower").values
    hi = pc["interval"].sel(level=0.68, bound="upper").values
    yerr = np.clip(np.nan_to_num([spread - lo, hi - spread]), 0.0, None)
    positive = np.isfinite(spread) & (spread > 0)
    if not positive.any():
        crossed = pc["n_crossed"].values if "n_crossed" in pc else np.zeros(len(sizes))
        level = f"{result.levels[1]:g}"
        if not np.any(crossed):
            text = f"no teacher crosses {level}:\nno per-teacher spread"
        elif np.all(crossed < 2):
            text = f"at most one teacher crosses {level}\nat each size: no spread"
        else:
            text = "no positive spread at any size"
        finite = np.isfinite(spread)
        if finite.any():
            ax.errorbar(sizes[finite], spread[finite], yerr[:, finite], fmt="o", capsize=3)
        ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
        return
    ax.errorbar(sizes, spread, yerr, fmt="o", capsize=3, label="spread (68 %)")
    a = result.params["spread"] if "spread" in result.params else np.nan
    if np.isfinite(a):
        scale = np.exp(np.mean(np.log(spread[positive]) + a * np.log(sizes[positive])))
        ax.plot(sizes, scale * sizes**-a, "-", label=f"$N^{{-{a:.2f}}}$")
    inv = result.collapse.params["inv_nu"]
    if np.isfinite(inv) and inv > 0:
        first = int(np.argmax(positive))
        scale = spread[first] * sizes[first] ** inv
        ax.plot(sizes, scale * sizes**-inv, ":", label=f"$N^{{-1/\\nu}}$, 1/ν={inv:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax)
    ax.legend(fontsize=7)


def plot_comparison(
    comparison: TransitionComparison,
    *,
    ax: Axes | Sequence[Axes] | None = None,
    title: str | None = None,
) -> Figure:
    """The disorder averages of two trainings side by side, one curve per size.

    Parameters
    ----------
    comparison : TransitionComparison
        From :func:`phasetrans.analysis.transition.compare_transitions`.
    ax : pair of Axes, optional
        Where to draw ``a`` and ``b`` (new figure by default).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = panels(2, ax)
    pairs = zip(comparison.labels, (comparison.a, comparison.b), strict=True)
    for a, (label, r) in zip(axes, pairs, strict=True):
        for n in r.sizes:
            curve = r.curves["mean"].sel({r.size: n})
            a.plot(curve[r.control], curve, "o-", ms=3, label=f"{r.size} = {n:g}")
        a.set_title(label)
        a.set_xlabel(r.control)
        if r.log:
            a.set_xscale("log")
    axes[0].set_ylabel(f"{comparison.a.order} (disorder average)")
    axes[0].legend(fontsize=7)
    if title:
        fig.suptitle(title)
    return fig


def plot_overlap_histograms(
    counts: xr.DataArray,
    control: str,
    *,
    ax: Axes | Sequence[Axes] | None = None,
    title: str | None = None,
) -> Figure:
    """Histograms of :math:`r_n` against the control, one panel per other cell.

    Parameters
    ----------
    counts : xarray.DataArray
        From :func:`phasetrans.analysis.transition.overlap_histogram`, over
        ``control``, ``bin`` and at most one other dimension (e.g. the size).
    control : str
        The control dimension: one curve per value.
    ax, title
        As for :func:`plot_transition`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    other = [d for d in counts.dims if d not in (control, "bin")]
    if len(other) > 1:
        raise AnalysisInputError(
            f"counts has dimensions {other} besides {control!r} and 'bin'; select one value "
            "of all but one",
            field="counts",
            value=other,
        )
    cells = counts[other[0]].values if other else [None]
    fig, axes = panels(len(cells), ax, width=3.6, height=3.0, sharey=True)
    cmap = colors(counts.sizes[control])
    for a, cell in zip(axes, cells, strict=True):
        part = counts if cell is None else counts.sel({other[0]: cell})
        for c, value in zip(cmap, part[control].values, strict=True):
            h = part.sel({control: value})
            total = float(h.sum()) or 1.0
            a.step(h["bin"], h / total, where="mid", color=c, label=f"{control} = {value:g}")
        a.set_xlabel(r"$r_n$")
        if cell is not None:
            a.set_title(f"{other[0]} = {cell:g}", fontsize=9)
    axes[0].set_ylabel("fraction of teacher nodes")
    axes[-1].legend(fontsize=6)
    if title:
        fig.suptitle(title)
    return fig
