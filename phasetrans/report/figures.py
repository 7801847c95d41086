"""The report's figures, titled and captioned from the study's own dimensions.

:func:`study_figures` draws the per-study figures (pruning curves, effective
dimension, collapse, fits, path curves, neuron matching, training loss) and
:func:`order_figures` the order parameters against every swept dimension.
Each is a :class:`~phasetrans.report.records.Plot` whose title names what the
study has (its trainings, its size: "across h_T" when the collapse runs over
teacher sizes) and whose caption says how to read it; a figure that cannot
be drawn is a "not available: <reason>" text (see
:func:`~phasetrans.report.records.guard`).
"""

from __future__ import annotations

from typing import Any

import xarray as xr

from phasetrans.report.claims import sweep_dims
from phasetrans.report.models import Modelled, fits_of, size_symbol
from phasetrans.report.records import Plot, guard

__all__ = ["order_figures", "study_figures"]


def _trainings(ds: xr.Dataset) -> list[str]:
    return [str(t) for t in ds["training"].values]


def _disorder(ds: xr.Dataset) -> str:
    teachers = ds.sizes.get("teacher_seed", 1)
    students = ds.sizes.get("seed", 1)
    if teachers > 1:
        return f"{teachers} teachers × {students} students"
    return f"{students} students"


def _pruning(disorder: xr.Dataset, h_t: int) -> list[Plot]:
    from phasetrans.plots import pruning

    trainings = _trainings(disorder)
    widths = [int(w) for w in disorder["width"].values]
    spread = (
        f"mean over {_disorder(disorder)}, band ± the standard error (the y label says which); "
        f"dashed: n = h_T = {h_t}"
    )
    compared = " against ".join(trainings)
    figures = []
    if len(trainings) > 1:
        figures.append(
            Plot(
                f"Pruning curves, {compared}, one panel per student width",
                guard(lambda: pruning.plot_pruning_by_width(disorder, teacher_width=h_t)),
                f"Test MSE against the number of nodes kept n (top-n by importance), {spread}.",
            )
        )
    every = "every student width" if len(widths) > 1 else f"W = {widths[0]}"
    figures.append(
        Plot(
            f"Pruning curves of {every}, one panel per training ({', '.join(trainings)})",
            guard(lambda: pruning.plot_pruning_curves(disorder, teacher_width=h_t)),
            f"Test MSE against the number of nodes kept n, log axes, {spread}.",
        )
    )
    figures.append(
        Plot(
            "Effective dimension against student width"
            if len(widths) > 1
            else f"Effective dimension of the W = {widths[0]} students",
            guard(lambda: pruning.plot_dimension(disorder, teacher_width=h_t)),
            f"Effective dimension (nodes whose importance exceeds the pruning threshold), "
            f"mean ± standard error over {_disorder(disorder)}, per training; dotted: dimension "
            f"= width; dashed: h_T = {h_t}.",
        )
    )
    return figures


def _models(collapse: Modelled | str, fitted: Modelled | str) -> list[Plot]:
    from phasetrans.plots import scaling

    figures = []
    if isinstance(collapse, str):
        figures.append(Plot("Finite-size-scaling collapse", collapse))
    else:
        size = size_symbol(collapse.result.size_dim)
        figures.append(
            Plot(
                f"Collapse across {size}: {collapse.where}",
                guard(lambda: scaling.plot_collapse(collapse.result)),
                "Left: the data per size with their error bars. Right: the scaled curves with "
                "the master curve, and their residuals in units of the combined error, whose "
                "mean square is S.",
            )
        )
    if isinstance(fitted, str):
        figures.append(Plot("Fits of the transition below h_T", fitted))
    else:
        models = ", ".join(fits_of(fitted.result))
        figures.append(
            Plot(
                f"Fits of the transition ({models}): {fitted.where}",
                guard(lambda: scaling.plot_fit(fitted.result)),
                "Top: the mean over the disorder with its standard error and each model's "
                "curve. Bottom: the residuals in units of the error bars; a model that fits "
                "leaves residuals of about ±1 without a trend.",
            )
        )
    return figures


def _students(base: xr.Dataset, teachers: int, h_t: int, topology: Any) -> list[Plot]:
    from phasetrans.analysis.topology import match_student
    from phasetrans.plots import topology as topo_plots

    width = int(base["width"].max())
    seed = base["seed"].values[0].item()
    teacher = ""
    if teachers > 1 and "teacher_seed" in base.coords:
        teacher = f", teacher_seed {base['teacher_seed'].values.item()}"
    figures = [
        Plot(
            "Sorted path magnitudes of the pruned students against the teacher's",
            topology
            if isinstance(topology, str)
            else guard(lambda: topo_plots.plot_path_curves(topology, teacher_width=h_t)),
            "Sorted input-to-output path magnitudes |W1 W2| of the pruned students, mean over "
            "the disorder with a band of ± the standard error, one curve per width, beside the "
            "teacher's (black, dashed).",
        )
    ]
    for training in _trainings(base):
        figures.append(
            Plot(
                f"Neuron matching: {training}, W = {width}, seed {seed}{teacher}",
                guard(
                    lambda t=training: topo_plots.plot_similarity_matrix(
                        match_student(base, training=t, teacher_width=h_t, width=width, seed=seed),
                        title=f"{t}, W = {width}, seed {seed}",
                    )
                ),
                "Cosine similarity of the pruned student's hidden nodes (rows) to the "
                "teacher's (columns); outlined: matched pairs above the recovery threshold.",
            )
        )
    return figures


def study_figures(
    base: xr.Dataset,
    disorder: xr.Dataset,
    h_t: int,
    collapse: Modelled | str,
    fitted: Modelled | str,
    topology: Any,
) -> list[Plot]:
    """The study's figures, in the order of the page.

    Parameters
    ----------
    base, disorder : xarray.Dataset
        The study at the first value of every sweep, without and with the
        teachers (the averaged figures use ``disorder``, the per-student
        ones ``base``).
    h_t : int
        The teacher width of the claims.
    collapse, fitted : Modelled or str
        :func:`~phasetrans.report.models.collapse_study` and
        :func:`~phasetrans.report.models.fit_study`, or why not available.
    topology : xarray.Dataset or str
        :func:`~phasetrans.analysis.topology.compare_topology`'s result, or why not.
    """
    from phasetrans.plots import pruning

    figures = (
        _pruning(disorder, h_t)
        + _models(collapse, fitted)
        + _students(base, disorder.sizes.get("teacher_seed", 1), h_t, topology)
    )
    figures.append(
        Plot(
            "Training loss",
            guard(lambda: pruning.plot_training_loss(disorder, teacher_width=h_t)),
            f"Training loss (data term) against epoch, mean over {_disorder(disorder)}, one "
            "panel per training, one curve per student width.",
        )
    )
    return figures


def _order(ds: xr.Dataset, control: str) -> Any:
    from phasetrans.plots.order import plot_order_parameters

    others = {d: 0 for d in sweep_dims(ds) if d not in (control, "teacher_seed")}
    return plot_order_parameters(ds.isel(others) if others else ds, control)


def order_figures(ds: xr.Dataset) -> list[Plot]:
    """The order parameters against every swept dimension but the teachers, and against h_T."""
    controls = [d for d in sweep_dims(ds) if ds.sizes[d] > 1 and d != "teacher_seed"]
    if ds.sizes.get("teacher_width", 1) > 1:
        controls.append("teacher_width")
    caption = (
        f"Order parameters (fraction of teacher nodes recovered, matched cosine, effective "
        f"dimension / h_T), mean ± standard error over {_disorder(ds)}, per training; other "
        "swept dimensions at their first value."
    )
    return [
        Plot(
            f"Order parameters against {size_symbol(control)}",
            guard(lambda c=control: _order(ds, c)),
            caption,
        )
        for control in controls
    ]
