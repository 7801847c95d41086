"""Figures of the finite-size-scaling collapse and of the transition fits.

One function per figure; each builds a :class:`matplotlib.figure.Figure` on
the Agg canvas (no pyplot, no global state; shown inline in Jupyter) and
returns it.  Save it with ``fig.savefig(path)``.  Axes carry the quantity's
symbol (:math:`\\Delta\\mathrm{MSE}`, :math:`n - h_T`, :math:`n/h_T - 1`), and
the y axis turns logarithmic (symmetric-log where there are zeros) when the
data span decades.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from phasetrans.analysis.exponents import ModelComparison, TransitionFit
from phasetrans.analysis.parameter_text import short_estimate
from phasetrans.analysis.scaling import CollapseResult
from phasetrans.errors import AnalysisInputError
from phasetrans.plots._base import (
    control_label,
    new_figure,
    observable_label,
    symlog_if_spread,
)

__all__ = ["plot_collapse", "plot_fit"]


def _control_text(dim: str, attrs: Mapping[str, object], name: object = None) -> str:
    """Label of the control axis from what the input recorded: its name and long name."""
    long_name = attrs.get("long_name")
    return control_label(
        str(name) if name is not None else dim, str(long_name) if long_name else None
    )


def _size_symbol(size_dim: str) -> str:
    """Mathtext symbol of a size dimension: W, h_T, or the name itself."""
    return {"width": "$W$", "teacher_width": "$h_T$", "input_dim": "$N$"}.get(size_dim, size_dim)


def _collapse_axes(ax: Axes | Sequence[Axes] | None) -> tuple[Figure, dict[str, Axes]]:
    """The three panels: a new figure, or the ``(raw, collapsed, residual)`` axes given."""
    if ax is None:
        fig = new_figure(11.0, 5.2)
        axes = fig.subplot_mosaic(
            [["raw", "collapsed"], ["raw", "residual"]], height_ratios=[3, 1.3], sharex=False
        )
        axes["residual"].sharex(axes["collapsed"])
        return fig, axes
    given = [ax] if isinstance(ax, Axes) else list(np.ravel(ax))
    if len(given) != 3 or not all(isinstance(a, Axes) for a in given):
        raise AnalysisInputError(
            f"ax: the collapse figure draws three panels (raw, collapsed, residual); "
            f"{len(given)} given; allowed: three Axes, or None for a figure of its own",
            field="ax",
            value=len(given),
        )
    return given[0].figure, dict(zip(("raw", "collapsed", "residual"), given, strict=True))


def _draw_sizes(axes: dict[str, Axes], sc: xr.Dataset, size_dim: str, control_dim: str) -> None:
    """Each size: raw curve with error bars, scaled points, residuals; the master curve."""
    sizes = sc[size_dim].values
    order = np.argsort(sizes.astype(float))
    palette = mpl.colormaps["viridis"](np.linspace(0.0, 0.9, sizes.size))
    for rank, i in enumerate(order):
        row = sc.isel({size_dim: i})
        style = {"color": palette[rank], "marker": "o", "ms": 3}
        label = f"{_size_symbol(str(size_dim))} = {sizes[i]:g}"
        ok = np.isfinite(row["observable"].values)
        axes["raw"].errorbar(
            row[control_dim].values[ok], row["observable"].values[ok],
            yerr=row["error"].values[ok], lw=1, capsize=0, label=label, **style,
        )  # fmt: skip
        ok = np.isfinite(row["scaled_y"].values)
        axes["collapsed"].errorbar(
            row["scaled_x"].values[ok], row["scaled_y"].values[ok],
            yerr=row["scaled_error"].values[ok], lw=0, elinewidth=0.8, label=label, **style,
        )  # fmt: skip
        ok = np.isfinite(row["residual"].values)
        axes["residual"].plot(
            row["scaled_x"].values[ok], row["residual"].values[ok], "o", ms=2.5,
            color=palette[rank],
        )  # fmt: skip
    xs, ms = sc["scaled_x"].values.ravel(), sc["master"].values.ravel()
    ok = np.isfinite(xs) & np.isfinite(ms)
    sort = np.argsort(xs[ok])
    axes["collapsed"].plot(xs[ok][sort], ms[ok][sort], color="0.3", lw=0.8, label="master curve")
    for level, alpha in ((1, 0.25), (2, 0.12)):
        axes["residual"].axhspan(-level, level, color="0.5", alpha=alpha, lw=0)
    axes["residual"].axhline(0, color="0.3", lw=0.8)


def _collapse_title(result: CollapseResult) -> str:
    """The estimates, each as value ± standard error [68 % interval] (or "(fixed)")."""
    p = result.params
    if result.at_bound:
        return f"degenerate collapse ({', '.join(result.at_bound)} at a bound): nothing determined"
    if result.size_independent:
        title = (
            f"no size dependence: 1/ν = 0, curves independent of "
            f"{_size_symbol(str(result.size_dim))} ($x_c$ not determined),  "
            f"{short_estimate('ζ', p['zeta'], ' = ')}"
        )
    else:
        title = ",  ".join(short_estimate(n, p[k], " = ") for n, k in _TITLE_NAMES)
    if result.corrections:
        b, omega = short_estimate("b", p["b"], " = "), short_estimate("ω", p["omega"], " = ")
        title += f",  {b}, {omega}"
    return title


#: Symbol and parameter of each estimate in a collapse title.
_TITLE_NAMES = (("$x_c$", "x_c"), ("ν", "nu"), ("ζ", "zeta"))


def _scaled_label(result: CollapseResult, x_text: str) -> str:
    """The collapsed panels' x label, from the result's own x_c and 1/nu."""
    if result.at_bound:
        return rf"$(x - x_c)\,L^{{1/\nu}}$ at the degenerate optimum,  x = {x_text}"
    if result.size_independent:
        x_c = result.params["x_c"]
        shift = f"$x_c$ = {x_c:g} (fixed)" if x_c.fixed else "$x_c$ not determined, taken as 0"
        return f"{x_text}, unscaled (1/ν = 0; {shift})"
    return rf"$(x - x_c)\,L^{{1/\nu}}$,  x = {x_text}"


def plot_collapse(
    result: CollapseResult,
    *,
    ax: Sequence[Axes] | None = None,
    title: str | None = None,
) -> Figure:
    """Raw curves per size beside the collapsed ones, with the residuals below.

    Parameters
    ----------
    result : CollapseResult
        Output of :func:`phasetrans.analysis.scaling.collapse`.
    ax : three Axes, optional
        ``(raw, collapsed, residual)`` panels to draw into; a new figure by
        default.
    title : str, optional
        Figure title (default: the estimates).

    Returns
    -------
    matplotlib.figure.Figure
        Left: the observable against the control for every size, with error
        bars.  Right, top: :math:`L^{-\\zeta} O` against
        :math:`(x - x_c) L^{1/\\nu}` with the master curve through the other
        sizes.  Right, bottom: the normalised residuals
        :math:`(y - Y)/\\sqrt{dy^2 + dY^2}` whose mean square is the quality S.
        The axes are labelled from the input's attributes, which the result
        keeps (the observable and the control that
        :func:`~phasetrans.analysis.observables.collapse_array` records).

    Raises
    ------
    AnalysisInputError
        If ``ax`` is not three Axes.
    """
    sc = result.scaled
    size_dim, control_dim = result.size_dim, result.control_dim
    fig, axes = _collapse_axes(ax)
    _draw_sizes(axes, sc, size_dim, control_dim)
    obs_attrs = sc["observable"].attrs
    name = observable_label(obs_attrs.get("observable"), obs_attrs.get("long_name"))
    x_text = _control_text(str(control_dim), sc[control_dim].attrs, sc.attrs.get("control"))
    symlog_if_spread(axes["raw"], sc["observable"].values)
    symlog_if_spread(axes["collapsed"], sc["scaled_y"].values)
    if isinstance(result.sample_dim, tuple | list):
        mean_of = "mean over teachers and students, "
    else:
        mean_of = f"mean over {result.sample_dim}s, " if result.sample_dim else ""
    axes["raw"].set(
        xlabel=f"control {x_text}",
        ylabel=name,
        title=_wrap(f"data ({mean_of}error bars: {result.error_model})"),
    )
    axes["raw"].title.set_fontsize("small")
    if np.isfinite(result.x_c) and not result.size_independent:
        axes["raw"].axvline(result.x_c, color="0.5", ls="--", lw=0.8, label="$x_c$")
    axes["raw"].legend(fontsize="small")
    zeta = "" if result.zeta == 0 and result.zeta.fixed else r"$L^{-\zeta}\,\times$ "
    size_symbol = _size_symbol(str(size_dim))
    axes["collapsed"].set(ylabel=f"{zeta}{name}", title=f"collapse, $L$ = {size_symbol}")
    axes["collapsed"].legend(fontsize="small")
    axes["residual"].set(
        xlabel=_scaled_label(result, x_text),
        ylabel="residual / σ",
        title=_wrap(f"S = {result.quality:.3g} ({result.error_model})"),
    )
    axes["residual"].title.set_fontsize("small")
    fig.suptitle(title if title is not None else _wrap(_collapse_title(result), 110))
    return fig


def plot_fit(
    fit: TransitionFit | ModelComparison,
    *,
    title: str | None = None,
    ax: Sequence[Axes] | None = None,
) -> Figure:
    """Data with the fitted transition model(s), and the residuals below.

    Parameters
    ----------
    fit : TransitionFit or ModelComparison
        One fit from :func:`~phasetrans.analysis.exponents.fit_transition`, or
        several from :func:`~phasetrans.analysis.exponents.compare_models`.
    title : str, optional
        Figure title (default: what was fitted and the best model).
    ax : pair of Axes, optional
        ``(top, bottom)`` axes to draw the data and the residuals into.

    Returns
    -------
    matplotlib.figure.Figure
        Top: the (mean) data with their error bars and each model's curve,
        labelled with its Δ AIC/BIC; log (or symmetric-log) y where the data
        span decades.  Bottom: residuals in units of the error bars (raw
        residuals for an unweighted fit).
    """
    if isinstance(fit, ModelComparison):
        fits = [fit.fits[str(r["model"])] for r in fit.rows]
        labels = [f"{r['model']}  Δ{fit.criterion.upper()} = {r['delta']:.1f}" for r in fit.rows]
    else:
        fits, labels = [fit], [f"{fit.model}  AIC = {fit.aic:.1f}"]
    first = fits[0]
    if ax is None:
        fig = new_figure(6.4, 5.6)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.3])
    else:
        top, bottom = ax
        fig = top.figure
    mean_of = f"mean over {first.sample_dim}s" if first.sample_dim else "data"
    top.errorbar(
        first.x, first.y, yerr=first.yerr, fmt="o", ms=3.5, color="0.2", capsize=0, label=mean_of
    )
    dense = np.linspace(first.x.min(), first.x.max(), 400)
    colors = mpl.colormaps["tab10"].colors
    weighted = first.yerr is not None
    for k, (f, label) in enumerate(zip(fits, labels, strict=True)):
        color = colors[k % len(colors)]
        top.plot(dense, f.eval(dense), color=color, lw=1.6 if k == 0 else 1.0, label=label)
        residual = first.y - f.eval(first.x)
        if weighted:
            residual = residual / first.yerr
        bottom.plot(first.x, residual, "o-", ms=3, lw=0.6, color=color)
    symlog_if_spread(top, first.y)
    bottom.axhline(0, color="0.3", lw=0.8)
    if weighted:
        for level, alpha in ((1, 0.25), (2, 0.12)):
            bottom.axhspan(-level, level, color="0.5", alpha=alpha, lw=0)
    top.set(ylabel=observable_label(first.name))
    top.legend(fontsize="small")
    x_text = _control_text(str(first.control_dim), first.control_attrs, first.attrs.get("control"))
    bottom.set(xlabel=f"control {x_text}", ylabel="residual / σ" if weighted else "residual")
    if title is None:
        title = (
            f"{first.side} $x_c$ = {first.x_c:g}: best {fits[0].model} "
            f"({first.result.ndata} points, {first.error_model})"
        )
    fig.suptitle(title, fontsize="medium")
    return fig


def _wrap(text: str, width: int = 70) -> str:
    """Break a long panel title into lines so that it is not clipped."""
    return "\n".join(textwrap.wrap(text, width))
