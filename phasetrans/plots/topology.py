"""Figures of the teacher–student topology comparison.

One function per figure; each builds a :class:`matplotlib.figure.Figure` with
the Agg canvas (no pyplot, no global state; shown inline in Jupyter), takes
``ax=`` to draw into existing axes, and returns the figure. Save it with
``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import offset_copy

from phasetrans.analysis.matching import NeuronMatch
from phasetrans.analysis.paths import Normalization, node_strengths, normalize_magnitudes
from phasetrans.analysis.pruned import Retained, retained_mask
from phasetrans.analysis.selection import accepts_selection
from phasetrans.plots._base import described, error_label, new_figure, panels

__all__ = ["plot_path_curves", "plot_similarity_matrix", "plot_strength_histograms"]

#: Points between the bottom of the matrix and the top of its legend (below the x label).
LEGEND_DROP = 34.0


def _methods(ds: xr.Dataset, training: str | Sequence[str] | None) -> list[str]:
    if training is None:
        return [str(m) for m in ds["training"].values]
    return [training] if isinstance(training, str) else list(training)


def _first(ds: xr.Dataset, dim: str, value: object | None) -> object:
    return ds[dim].values[0] if value is None else value


@accepts_selection
def plot_path_curves(
    result: xr.Dataset,
    *,
    teacher_width: int | None = None,
    training: str | Sequence[str] | None = None,
    widths: Sequence[int] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Sorted path-magnitude curves of pruned students against their teacher.

    Parameters
    ----------
    result : xarray.Dataset
        Output of :func:`~phasetrans.analysis.topology.compare_topology`
        (``path_curve``, ``teacher_path_curve``, ``n_retained``).
    teacher_width : int, optional
        Teacher to show; the first one by default.
    training : str or sequence of str, optional
        Methods, one panel each; all by default.
    widths : sequence of int, optional
        Student widths to draw; all by default.
    ax : Axes or sequence of Axes, optional
        One axes per training.

    Returns
    -------
    matplotlib.figure.Figure
        Per training, each width's curve as the mean over the disorder with a
        band of ± its error (:func:`phasetrans.analysis.describe.describe`:
        the standard error of the teacher means, or of the student mean with
        one teacher), and the teacher's curve (black, dashed).  A result with
        several teachers draws the first teacher's curve; a result with other
        swept dimensions must be sliced first (``result.sel(alpha=...)``).
    """
    teacher_width = _first(result, "teacher_width", teacher_width)
    res = result.sel(teacher_width=teacher_width)
    widths = list(res["width"].values if widths is None else widths)
    trainings = _methods(res, training)
    colors = mpl.colormaps["viridis"](np.linspace(0.0, 0.9, max(len(widths), 1)))
    fig, axes = panels(len(trainings), ax, width=4.0, height=3.4, sharey=True)
    rank = res["rank"].values
    teacher = res["teacher_path_curve"]
    teacher = teacher.isel({d: 0 for d in teacher.dims if d != "rank"})
    stats = None
    for a, name in zip(axes, trainings, strict=True):
        for color, width in zip(colors, widths, strict=True):
            student = res.sel({"training": name, "width": width})
            curves = student["path_curve"]
            if not np.isfinite(curves.values).any():
                continue
            stats = described(curves, ["rank"])
            mean, err = stats["mean"].values, stats["spread"].values
            kept = float(described(student["n_retained"], [])["mean"])
            a.plot(rank, mean, color=color, lw=1.4, label=f"W = {width} (kept {kept:.0f})")
            a.fill_between(rank, mean - err, mean + err, color=color, alpha=0.25, lw=0)
        a.plot(rank, teacher.values, "k--", lw=1.6, label="teacher")
        a.set_title(f"{name}, $h_T$ = {teacher_width}")
        a.set_xlabel("rank of path (fraction of paths)")
        a.set_xlim(0, 1)
        a.legend(fontsize="small", loc="upper left")
    norm = result.attrs.get("normalize", "max")
    what = "sorted path magnitude $|W_1 W_2|$"
    axes[0].set_ylabel(f"{what} / {norm}" if norm != "none" else what)
    what = error_label(stats) if stats is not None else "no student measured"
    fig.suptitle(f"pruned students ({what}) against the teacher", fontsize="medium")
    return fig


@accepts_selection
def plot_strength_histograms(
    ds: xr.Dataset,
    *,
    width: int,
    teacher_width: int | None = None,
    training: str | Sequence[str] | None = None,
    retained: Retained = "dimension",
    layer: str = "hidden1",
    normalize: Normalization = "max",
    bins: int = 20,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Histograms of pruned students' node strengths against the teacher's.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (``importance``, ``dimension``, ``w1``, ``w2``,
        ``teacher_w1``, ``teacher_w2``), sliced to one value of every sweep
        (``ds.isel(teacher_seed=0, alpha=0)``).
    width : int
        Student width shown.
    teacher_width : int, optional
        Teacher to show; the first one by default.
    training : str or sequence of str, optional
        Methods, one panel each; all by default.
    retained : {"dimension", "spectral_dimension"} or int or xarray.DataArray
        Nodes kept per student, see
        :func:`~phasetrans.analysis.pruned.retained_count`.
    layer : {"hidden1", "hidden2"}
        Layer whose weighted in-degree is shown.
    normalize : {"max", "mean", "sum", "none"}
        Rescaling of each network's strengths (each seed on its own).
    bins : int
        Number of histogram bins, shared by student and teacher.
    ax : Axes or sequence of Axes, optional
        One axes per training.

    Returns
    -------
    matplotlib.figure.Figure
        Per training, the density of the students' strengths pooled over seeds
        (filled) and the teacher's (black step).
    """
    teacher_width = _first(ds, "teacher_width", teacher_width)
    trainings = _methods(ds, training)
    kept = retained_mask(ds, retained=retained, training=trainings)
    t1 = ds["teacher_w1"].sel(teacher_width=teacher_width).transpose("input", "teacher_node")
    t2 = ds["teacher_w2"].sel(teacher_width=teacher_width).transpose("teacher_node", "hidden2")
    inputs = np.isfinite(t1.values).any(axis=1)  # the rest pads a smaller input_dim
    t1 = t1.values[inputs]
    teacher = normalize_magnitudes(node_strengths(t1, t2.values, layer=layer), normalize)
    pooled = {}
    for name in trainings:
        at = {"training": name, "teacher_width": teacher_width, "width": width}
        w1 = ds["w1"].sel(at).transpose("seed", "input", "node").values[:, inputs]
        w2 = ds["w2"].sel(at).transpose("seed", "node", "hidden2").values
        keep = kept.sel(at).transpose("seed", "node").values
        pooled[name] = np.concatenate(
            [
                normalize_magnitudes(node_strengths(a, b, keep=k, layer=layer), normalize)
                for a, b, k in zip(w1, w2, keep, strict=True)
            ]
        )
    everything = np.concatenate([teacher, *pooled.values()])
    edges = np.histogram_bin_edges(everything[np.isfinite(everything)], bins=bins)
    fig, axes = panels(len(trainings), ax, width=4.0, height=3.4, sharey=True)
    for a, name in zip(axes, trainings, strict=True):
        values = pooled[name]
        if values.size:
            label = f"students, pooled over seeds (n = {values.size})"
            a.hist(values, bins=edges, density=True, color="tab:blue", alpha=0.6, label=label)
        label = f"teacher (n = {teacher.size})"
        a.hist(teacher, bins=edges, density=True, histtype="step", color="k", lw=1.6, label=label)
        a.set_title(f"{name}, $W$ = {width}, $h_T$ = {teacher_width}")
        a.set_xlabel(f"{layer} weighted in-degree" + (f" / {normalize}" * (normalize != "none")))
        a.legend(fontsize="small")
    axes[0].set_ylabel("density")
    return fig


def plot_similarity_matrix(
    match: NeuronMatch, *, title: str | None = None, ax: Axes | None = None
) -> Figure:
    """Heatmap of the cosine similarity between student and teacher hidden nodes.

    Parameters
    ----------
    match : NeuronMatch
        Output of :func:`~phasetrans.analysis.matching.match_neurons` (or
        :func:`~phasetrans.analysis.topology.match_student`).
    title : str, optional
        Figure title; a summary of the match by default.
    ax : Axes, optional
        Axes to draw into.

    Returns
    -------
    matplotlib.figure.Figure
        Rows are the student nodes that took part, matched ones first in the
        order of their teacher partner, so the assignment is the diagonal;
        columns are teacher nodes. Recovered pairs (similarity ≥ threshold)
        are outlined in solid black; matched pairs below the threshold get a
        thick dashed magenta outline and a cross, and their teacher node is
        named in the legend.
    """
    matched = {int(s): int(t) for s, t in match.pairs}
    rows = [int(s) for s, _ in match.pairs]
    rows += [int(s) for s in match.student_nodes if int(s) not in matched]
    cols = [int(t) for t in match.teacher_nodes]
    sub = match.matrix[np.ix_(rows, cols)] if rows and cols else np.zeros((0, 0))
    if ax is None:
        fig = new_figure(4.8 + 0.08 * len(cols), min(3.8 + 0.08 * len(rows), 9.0))
        ax = fig.subplots()
    else:
        fig = ax.figure
    image = ax.imshow(sub, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    recovered = set(match.recovered.tolist())
    missed = []
    for r, s in enumerate(rows[: len(match.pairs)]):
        c = cols.index(matched[s])
        if matched[s] in recovered:
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="k", lw=1.5))
        else:
            missed.append(matched[s])
            ax.add_patch(
                Rectangle((c - 0.45, r - 0.45), 0.9, 0.9, fill=False, ec="magenta", lw=3, ls="--")
            )
            ax.plot([c - 0.4, c + 0.4], [r - 0.4, r + 0.4], color="magenta", lw=2)
            ax.plot([c - 0.4, c + 0.4], [r + 0.4, r - 0.4], color="magenta", lw=2)
    step = max(1, len(cols) // 20)
    ax.set_xticks(range(0, len(cols), step), [str(c) for c in cols[::step]], fontsize="small")
    step = max(1, len(rows) // 25)
    ax.set_yticks(range(0, len(rows), step), [str(r) for r in rows[::step]], fontsize="small")
    ax.set_xlabel("teacher node")
    ax.set_ylabel("student node (matched first)")
    fig.colorbar(image, ax=ax, label="cosine similarity of incoming weights")
    handles = [
        Line2D([], [], color="k", lw=1.5, label=f"recovered (≥ {match.threshold:g})"),
        Line2D(
            [],
            [],
            color="magenta",
            lw=2.5,
            ls="--",
            label="matched, not recovered"
            + (f": teacher {', '.join(map(str, missed))}" if missed else " (none)"),
        ),
    ]
    # below the x label at a fixed distance, whatever the height of the matrix (an offset
    # in axes units left an empty band under a tall one); the layout makes room for it
    below = offset_copy(ax.transAxes, fig=fig, y=-LEGEND_DROP, units="points")
    ax.legend(
        handles=handles,
        fontsize="small",
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=below,
        frameon=False,
    )
    ax.set_title(
        title
        or f"{match.n_recovered}/{match.teacher_nodes.size} recovered "
        f"(≥ {match.threshold:g}), mean {match.mean_similarity:.2f}",
        fontsize="medium",
    )
    return fig
