"""Figures of a study's pruning curves, effective dimensions and training loss.

One function per figure; each returns a :class:`matplotlib.figure.Figure`
(a :class:`~phasetrans.plots._base.StudyFigure`, shown inline in Jupyter) and
takes ``ax=`` to draw into existing axes.  Means and error bars are
:func:`phasetrans.analysis.describe.describe`'s over the study's independent
runs (``seed``, and ``teacher_seed`` when the study has several teachers:
the mean of the teacher means ± their standard error), with diverged students
left out; a study with another swept dimension must be sliced first
(``ds.sel(alpha=...)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from phasetrans.analysis.describe import mean_text
from phasetrans.analysis.observables import student_variable
from phasetrans.analysis.selection import accepts_selection
from phasetrans.errors import AnalysisInputError
from phasetrans.plots._base import colors, described, error_label, panels, plain_log_ticks

__all__ = [
    "plot_dimension",
    "plot_pruning_by_width",
    "plot_pruning_curves",
    "plot_training_loss",
]

_TRAINING_STYLE = {
    "spectral": {"color": "tab:blue", "marker": "o"},
    "direct": {"color": "tab:orange", "marker": "s"},
    "group_lasso": {"color": "tab:green", "marker": "d"},
}


def _teacher(ds: xr.Dataset, teacher_width: int | None) -> int:
    values = ds["teacher_width"].values.tolist()
    if teacher_width is None:
        return int(values[0])
    if teacher_width not in values:
        raise AnalysisInputError(
            f"teacher_width={teacher_width!r} is not in the dataset; allowed: {values}",
            field="teacher_width",
            value=teacher_width,
        )
    return int(teacher_width)


def _trainings(ds: xr.Dataset, training: str | Sequence[str] | None) -> list[str]:
    present = [str(t) for t in ds["training"].values]
    wanted = present if training is None else [training] if isinstance(training, str) else training
    for name in wanted:
        if name not in present:
            raise AnalysisInputError(
                f"training={name!r} is not in the dataset; allowed: {present}",
                field="training",
                value=name,
            )
    return list(wanted)


def _style(training: str, k: int) -> dict[str, str]:
    fallback = [{"color": "tab:red", "marker": "^"}, {"color": "tab:purple", "marker": "v"}]
    return _TRAINING_STYLE.get(training, fallback[k % len(fallback)])


@accepts_selection
def plot_pruning_curves(
    ds: xr.Dataset,
    *,
    teacher_width: int | None = None,
    training: str | Sequence[str] | None = None,
    xmax: float | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Test MSE against retained nodes, one panel per training, one curve per width.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (root group is enough).
    teacher_width : int, optional
        Which teacher (default: the first).
    training : str or sequence of str, optional
        Trainings to show, one panel each (default: all).
    xmax : float, optional
        Right end of the x axis; by default every retained count of every
        width is shown.  When given, the panel titles say where the axis is cut.
    ax : Axes or sequence of Axes, optional
        One axes per training to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        Mean with a band of ± its error (``describe``'s, named in the y
        label); log axes (retained counts from 1), the y ranges shared; a
        dashed line marks :math:`n = h_T`.
    """
    h_t = _teacher(ds, teacher_width)
    mse = student_variable(ds, "test_mse").sel(teacher_width=h_t)
    trainings = _trainings(ds, training)
    fig, axes = panels(len(trainings), ax, sharey=True)
    palette = colors(ds.sizes["width"])
    top = float(ds["width"].max()) if xmax is None else float(xmax)
    for a, name in zip(axes, trainings, strict=True):
        for color, width in zip(palette, ds["width"].values, strict=True):
            curve = mse.sel({"training": name, "width": width}).sel(retained=slice(1, width))
            stats = described(curve, ["retained"])
            mean, err = stats["mean"].values, stats["spread"].values
            n = curve["retained"].values
            a.plot(n, mean, color=color, lw=1.5, label=f"W = {width}")
            lo = np.clip(mean - err, mean * 0.2, None)
            a.fill_between(n, lo, mean + err, color=color, alpha=0.2, lw=0)
        a.axvline(h_t, color="k", ls="--", lw=1, label=f"$h_T$ = {h_t}")
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlim(1, top * 1.05)
        plain_log_ticks(a, "x")
        a.set_xlabel("retained nodes $n$ (top-$n$ by importance)")
        cut = f" (x axis cut at n = {xmax:g})" if xmax is not None else ""
        a.set_title(f"{name}{cut}")
        a.grid(alpha=0.3, which="both")
    axes[0].set_ylabel(f"test MSE ({error_label(stats)})")
    axes[-1].legend(fontsize=8)
    return fig


@accepts_selection
def plot_pruning_by_width(
    ds: xr.Dataset,
    *,
    teacher_width: int | None = None,
    training: str | Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Spectral against direct: one panel per width, one curve per training.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.
    teacher_width : int, optional
        Which teacher (default: the first).
    training : str or sequence of str, optional
        Trainings to compare (default: all).
    ax : Axes or sequence of Axes, optional
        One axes per student width.

    Returns
    -------
    matplotlib.figure.Figure
        Test MSE (mean ± error, ``describe``'s) against retained nodes on log
        axes, with :math:`n = h_T` dashed; panels share the y range.
    """
    h_t = _teacher(ds, teacher_width)
    mse = student_variable(ds, "test_mse").sel(teacher_width=h_t)
    trainings = _trainings(ds, training)
    widths = ds["width"].values
    fig, axes = panels(len(widths), ax, width=3.3, height=3.2, sharey=True)
    for a, width in zip(axes, widths, strict=True):
        for k, name in enumerate(trainings):
            curve = mse.sel({"training": name, "width": width}).sel(retained=slice(1, width))
            stats = described(curve, ["retained"])
            mean, err = stats["mean"].values, stats["spread"].values
            n = curve["retained"].values
            color = _style(name, k)["color"]
            a.plot(n, mean, color=color, lw=1.5, label=name)
            a.fill_between(n, np.clip(mean - err, mean * 0.2, None), mean + err, color=color,
                           alpha=0.2, lw=0)  # fmt: skip
        a.axvline(h_t, color="k", ls="--", lw=1, label=f"$h_T$ = {h_t}")
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlim(1, float(width) * 1.05)
        plain_log_ticks(a, "x")
        a.set_title(f"W = {width}")
        a.set_xlabel("retained nodes $n$")
        a.grid(alpha=0.3, which="both")
    axes[0].set_ylabel(f"test MSE ({error_label(stats)})")
    axes[0].legend(fontsize=8)
    return fig


@accepts_selection
def plot_dimension(
    ds: xr.Dataset,
    *,
    teacher_width: int | None = None,
    training: str | Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Effective dimension against student width, one line per training.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.
    teacher_width : int, optional
        Which teacher (default: the first).
    training : str or sequence of str, optional
        Trainings to show (default: all).
    ax : Axes, optional
        Axes to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        Mean ± error (``describe``'s, named in the y label) on log–log axes
        with plain-number ticks; the identity (dimension = width) dotted and
        :math:`h_T` as a thin line drawn beneath the points.
    """
    h_t = _teacher(ds, teacher_width)
    dim = student_variable(ds, "dimension").sel(teacher_width=h_t)
    fig, (a,) = panels(1, ax, width=5.2, height=3.8)
    widths = ds["width"].values.astype(float)
    names = _trainings(ds, training)
    a.plot(widths, widths, color="0.6", ls=":", lw=1.2, zorder=1, label="dimension = width")
    a.axhline(h_t, color="0.35", ls="--", lw=0.9, zorder=1, label=f"$h_T$ = {h_t}")
    # a small horizontal offset per training keeps overlapping points apart
    offsets = np.exp(np.linspace(-0.04, 0.04, len(names))) if len(names) > 1 else [1.0]
    for k, (name, offset) in enumerate(zip(names, offsets, strict=True)):
        stats = described(dim.sel({"training": name}), ["width"])
        style = _style(name, k)
        a.errorbar(
            widths * offset,
            stats["mean"].values,
            yerr=stats["spread"].values,
            marker=style["marker"],
            color=style["color"],
            mfc="white" if k % 2 else style["color"],
            ms=6,
            capsize=3,
            lw=1.4,
            zorder=3 + k,
            label=name,
        )
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xticks(widths, [f"{w:g}" for w in widths])
    a.xaxis.set_minor_formatter("")
    plain_log_ticks(a, "y")
    a.set_xlabel("student width $W$")
    a.set_ylabel(f"effective dimension ({error_label(stats)})")
    a.legend(fontsize=8)
    a.grid(alpha=0.3, which="major")
    return fig


@accepts_selection
def plot_training_loss(
    ds: xr.Dataset,
    *,
    teacher_width: int | None = None,
    training: str | Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Training loss against epoch, one panel per training, one curve per width.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.
    teacher_width : int, optional
        Which teacher (default: the first).
    training : str or sequence of str, optional
        Trainings to show, one panel each (default: all).
    ax : Axes or sequence of Axes, optional
        One axes per training.

    Returns
    -------
    matplotlib.figure.Figure
        Mean over the disorder of the logged training loss (data term), log
        y axis shared by the panels.
    """
    h_t = _teacher(ds, teacher_width)
    loss = student_variable(ds, "train_loss").sel(teacher_width=h_t)
    trainings = _trainings(ds, training)
    fig, axes = panels(len(trainings), ax, sharey=True)
    palette = colors(ds.sizes["width"])
    for a, name in zip(axes, trainings, strict=True):
        for color, width in zip(palette, ds["width"].values, strict=True):
            stats = described(loss.sel({"training": name, "width": width}), ["epoch"])
            curve = stats["mean"].dropna("epoch")
            a.plot(curve["epoch"], curve, color=color, label=f"W = {width}")
        a.set_yscale("log")
        a.set_xlabel("epoch")
        a.set_title(name)
        a.grid(alpha=0.3, which="both")
    if ax is not None and len(axes) > 1:  # caller's axes: share the range by hand
        lows, highs = zip(*(a.get_ylim() for a in axes), strict=True)
        for a in axes:
            a.set_ylim(min(lows), max(highs))
    axes[0].set_ylabel(f"training loss ({mean_text(stats)})")
    axes[-1].legend(fontsize=8)
    return fig
