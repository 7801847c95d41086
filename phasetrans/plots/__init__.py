"""Figures: one function per figure, each returns a Figure and takes ``ax=``.

The figures are built on the Agg canvas without pyplot and display inline in
Jupyter (see :class:`phasetrans.plots._base.StudyFigure`).
"""

from __future__ import annotations

from phasetrans.plots.order import plot_order_parameters
from phasetrans.plots.pruning import (
    plot_dimension,
    plot_pruning_by_width,
    plot_pruning_curves,
    plot_training_loss,
)
from phasetrans.plots.scaling import plot_collapse, plot_fit
from phasetrans.plots.topology import (
    plot_path_curves,
    plot_similarity_matrix,
    plot_strength_histograms,
)

__all__ = [
    "plot_collapse",
    "plot_dimension",
    "plot_fit",
    "plot_order_parameters",
    "plot_path_curves",
    "plot_pruning_by_width",
    "plot_pruning_curves",
    "plot_similarity_matrix",
    "plot_strength_histograms",
    "plot_training_loss",
]
