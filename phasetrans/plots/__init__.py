"""Figures: one function per figure, each returns a Figure and takes ``ax=``.

The figures are built on the Agg canvas without pyplot and display inline in
Jupyter (see :class:`phasetrans.plots._base.StudyFigure`).

Importing this package registers the figures of the analysis results
(:mod:`phasetrans.analysis.plotting`), so ``result.plot()`` draws them while
the analysis layer never imports the plots.
"""

from __future__ import annotations

from phasetrans.analysis import plotting
from phasetrans.analysis.exponents import ModelComparison, TransitionFit
from phasetrans.analysis.scaling import CollapseResult
from phasetrans.analysis.transition import TransitionComparison, TransitionResult
from phasetrans.plots.order import plot_order_parameters
from phasetrans.plots.pruning import (
    plot_dimension,
    plot_pruning_by_width,
    plot_pruning_curves,
    plot_training_loss,
)
from phasetrans.plots.scaling import plot_collapse, plot_fit
from phasetrans.plots.theory import plot_ode_comparison
from phasetrans.plots.topology import (
    plot_path_curves,
    plot_similarity_matrix,
    plot_strength_histograms,
)
from phasetrans.plots.transition import (
    plot_comparison,
    plot_overlap_histograms,
    plot_transition,
)

__all__ = [
    "plot_collapse",
    "plot_comparison",
    "plot_dimension",
    "plot_fit",
    "plot_ode_comparison",
    "plot_order_parameters",
    "plot_overlap_histograms",
    "plot_path_curves",
    "plot_pruning_by_width",
    "plot_pruning_curves",
    "plot_similarity_matrix",
    "plot_strength_histograms",
    "plot_training_loss",
    "plot_transition",
]

for _type, _figure in (
    (CollapseResult, plot_collapse),
    (TransitionFit, plot_fit),
    (ModelComparison, plot_fit),
    (TransitionResult, plot_transition),
    (TransitionComparison, plot_comparison),
):
    plotting.register(_type, _figure)
