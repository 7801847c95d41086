"""Figure functions: they draw what they say, label with symbols, take ``ax=``."""

from __future__ import annotations

import io

import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.image import imread

import phasetrans
from phasetrans.analysis.matching import match_neurons
from phasetrans.cli import main as cli
from phasetrans.plots import (
    plot_collapse,
    plot_dimension,
    plot_fit,
    plot_order_parameters,
    plot_path_curves,
    plot_pruning_by_width,
    plot_pruning_curves,
    plot_similarity_matrix,
    plot_training_loss,
)
from phasetrans.plots._base import new_figure


@pytest.fixture(scope="module")
def study(tmp_path_factory, tiny_study) -> xr.Dataset:
    folder = tmp_path_factory.mktemp("plots")
    path = tiny_study(folder, training={"spectral": {"epochs": 20}, "direct": {"epochs": 20}})
    assert cli(["run", str(path), "--scheduler", "sync", "--no-progress"]) == 0
    return phasetrans.open_study(folder / "data" / "tiny.nc").load()


def _nonblank(fig: Figure) -> np.ndarray:
    png = fig._repr_png_()  # what Jupyter shows inline
    assert png.startswith(b"\x89PNG")
    image = imread(io.BytesIO(png))
    assert np.std(image[..., :3]) > 0.05
    return image


def test_pruning_curves_show_every_width_unless_told(study):
    fig = plot_pruning_curves(study)
    _nonblank(fig)
    axes = fig.axes
    assert axes[0].get_xlim()[1] >= int(study.width.max())
    assert all("cut" not in ax.get_title() for ax in axes)
    assert "$h_T$" in axes[0].get_legend_handles_labels()[1][-1] or any(
        "$h_T$" in t for ax in axes for t in ax.get_legend_handles_labels()[1]
    )
    cut = plot_pruning_curves(study, xmax=8)
    assert all("cut at n = 8" in ax.get_title() for ax in cut.axes)


def test_pruning_by_width_one_panel_per_width(study):
    fig = plot_pruning_by_width(study)
    _nonblank(fig)
    assert [ax.get_title() for ax in fig.axes] == [f"W = {w}" for w in study.width.values]


def test_training_loss_panels_share_y_and_say_seed_mean(study):
    fig = plot_training_loss(study)
    _nonblank(fig)
    a, b = fig.axes
    assert a.get_ylim() == b.get_ylim()
    assert "mean over seeds" in a.get_ylabel()


def test_dimension_ticks_are_plain_numbers_and_h_t_is_beneath(study):
    fig = plot_dimension(study)
    _nonblank(fig)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [str(w) for w in study.width.values]
    h_line = next(line for line in ax.lines if "h_T" in str(line.get_label()))
    points = [c for c in ax.containers]
    assert points and h_line.get_zorder() < min(c.lines[0].get_zorder() for c in points)


def test_ax_argument_draws_into_the_callers_figure(study):
    fig = new_figure(8, 3)
    axes = fig.subplots(1, 2)
    assert plot_pruning_curves(study, ax=axes) is fig
    fig1 = new_figure(4, 3)
    assert plot_dimension(study, ax=fig1.subplots()) is fig1
    with pytest.raises(ValueError, match="needs 2"):
        plot_training_loss(study, ax=axes[0])


def test_swept_dimension_must_be_selected(study):
    swept = xr.concat([study, study], dim=xr.DataArray([1.0, 2.0], dims="alpha", name="alpha"))
    with pytest.raises(ValueError, match=r"ds.sel\(alpha=1.0\)"):
        plot_pruning_curves(swept)


def test_collapse_and_fit_are_labelled_with_symbols_and_log_y(study):
    from phasetrans.analysis.collapse_input import collapse_array

    da = collapse_array(study, "delta_mse", training="spectral", control="shift")
    result = phasetrans.collapse(da, "width", "control", sample_dim="seed", x_window=(-4, 4))
    fig = plot_collapse(result)
    _nonblank(fig)
    raw = fig.axes[0]
    assert "n - h_T" in raw.get_xlabel() and "Delta" in raw.get_ylabel()
    assert "control" != raw.get_xlabel() and "delta_mse" not in raw.get_ylabel()
    assert raw.get_yscale() in ("log", "symlog")
    curve = da.isel(width=-1, drop=True).dropna("control", how="all")
    fit = phasetrans.fit_transition(
        curve, "control", model="exponential", window=(-4, 4), sample_dim="seed"
    )
    fig = plot_fit(fit)
    _nonblank(fig)
    assert "n - h_T" in fig.axes[1].get_xlabel() and "Delta" in fig.axes[0].get_ylabel()


def test_matching_marks_the_unrecovered_pair(study):
    rng = np.random.default_rng(0)
    teacher = rng.normal(size=(10, 6))
    close = teacher + 0.05 * rng.normal(size=teacher.shape)
    student = np.concatenate([close, rng.normal(size=(10, 2))], axis=1)
    student[:, 2] = rng.normal(size=10)  # teacher node 2 is lost
    match = match_neurons(student, teacher)
    assert match.n_recovered == 5
    fig = plot_similarity_matrix(match)
    _nonblank(fig)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("not recovered: teacher 2" in t for t in legend)
    magenta = [p for p in ax.patches if p.get_edgecolor()[:3] == (1.0, 0.0, 1.0)]
    assert len(magenta) == 1 and magenta[0].get_linewidth() >= 2.5


def test_path_curves_and_order_parameters(study, tmp_path):
    topo = phasetrans.compare_topology(study)
    _nonblank(plot_path_curves(topo))
    swept = xr.concat(
        [study.assign(teacher_recovered=study.dimension * 0 + a) for a in (0.2, 0.9)],
        dim=xr.DataArray([0.5, 5.0], dims="alpha", name="alpha"),
    )
    fig = plot_order_parameters(swept, "alpha")
    _nonblank(fig)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert "teacher nodes recovered" in labels[0] and "dimension / $h_T$" in labels[-1]
    assert fig.axes[0].get_xscale() == "log"
    fig.savefig(tmp_path / "order.png")
    with pytest.raises(ValueError, match="control='n_train'"):
        plot_order_parameters(swept, "n_train")
