"""Figures of a study's pruning curves and effective dimensions.

One function per figure; each builds a :class:`matplotlib.figure.Figure` on the
Agg canvas (no pyplot state) and returns it.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["plot_dimension", "plot_pruning_curves", "plot_training_loss"]


def _figure(n_panels: int, *, width: float = 4.2, height: float = 3.5) -> tuple[Figure, list]:
    fig = Figure(figsize=(width * n_panels, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    return fig, list(axes)


def _colors(n: int) -> np.ndarray:
    from matplotlib import colormaps

    return colormaps["viridis"](np.linspace(0.0, 0.9, max(n, 1)))


def plot_pruning_curves(ds: xr.Dataset, *, teacher_width: int | None = None) -> Figure:
    """Test MSE against retained nodes, one panel per training, one curve per width.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (root group is enough).
    teacher_width : int, optional
        Which teacher (default: the first).

    Returns
    -------
    matplotlib.figure.Figure
        Mean over seeds with a band of ± one standard deviation, log scale;
        a dashed line marks ``retained = h_T``; the x axis spans ``0 … 4 h_T``
        (or the widest student), where the transition is.
    """
    h_t = int(ds.teacher_width.values[0] if teacher_width is None else teacher_width)
    mse = ds["test_mse"].sel(teacher_width=h_t)
    trainings = [str(m) for m in ds.training.values]
    fig, axes = _figure(len(trainings))
    colors = _colors(ds.sizes["width"])
    for ax, training in zip(axes, trainings, strict=True):
        for color, width in zip(colors, ds.width.values, strict=True):
            curve = mse.sel({"training": training, "width": width}).sel(retained=slice(0, width))
            mean, std = curve.mean("seed"), curve.std("seed")
            n = curve.retained.values
            ax.plot(n, mean, color=color, lw=1.5, label=f"W = {width}")
            lo = np.clip(mean - std, mean * 0.2, None)
            ax.fill_between(n, lo, mean + std, color=color, alpha=0.2, lw=0)
        ax.axvline(h_t, color="k", ls="--", lw=1, label=f"h_T = {h_t}")
        ax.set_yscale("log")
        ax.set_xlim(0, min(int(ds.width.max()), 4 * h_t))
        ax.set_xlabel("retained nodes n")
        ax.set_title(f"{training}")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("test MSE (mean ± std over seeds)")
    axes[-1].legend(fontsize=8)
    return fig


def plot_dimension(ds: xr.Dataset, *, teacher_width: int | None = None) -> Figure:
    """Effective dimension against student width, one line per method.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.
    teacher_width : int, optional
        Which teacher (default: the first).

    Returns
    -------
    matplotlib.figure.Figure
        Mean ± std over seeds; the identity (dimension = width) and ``h_T``
        are drawn for reference.
    """
    h_t = int(ds.teacher_width.values[0] if teacher_width is None else teacher_width)
    dim = ds["dimension"].sel(teacher_width=h_t)
    fig, (ax,) = _figure(1, width=5.0)
    widths = ds.width.values
    for training, marker in zip(ds.training.values, "osd^", strict=False):
        d = dim.sel({"training": training})
        ax.errorbar(
            widths,
            d.mean("seed"),
            yerr=d.std("seed"),
            marker=marker,
            capsize=3,
            label=str(training),
        )
    ax.plot(widths, widths, color="0.6", ls=":", label="dimension = width")
    ax.axhline(h_t, color="k", ls="--", lw=1, label=f"h_T = {h_t}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("student width W")
    ax.set_ylabel("effective dimension")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_training_loss(ds: xr.Dataset, *, teacher_width: int | None = None) -> Figure:
    """Training loss against epoch, one panel per training, one curve per width (seed mean)."""
    h_t = int(ds.teacher_width.values[0] if teacher_width is None else teacher_width)
    loss = ds["train_loss"].sel(teacher_width=h_t)
    trainings = [str(m) for m in ds.training.values]
    fig, axes = _figure(len(trainings))
    colors = _colors(ds.sizes["width"])
    for ax, training in zip(axes, trainings, strict=True):
        for color, width in zip(colors, ds.width.values, strict=True):
            curve = loss.sel({"training": training, "width": width}).mean("seed").dropna("epoch")
            ax.plot(curve.epoch, curve, color=color, label=f"W = {width}")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(training)
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("training loss")
    axes[-1].legend(fontsize=8)
    return fig
