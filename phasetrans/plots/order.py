"""Figure of a swept study's order parameters against its control parameter.

The natural order parameters of the teacher–student transition (see the
specialisation transition in the statistical physics of learning) are the
fraction of teacher nodes recovered (``teacher_recovered``), the mean matched
cosine (``teacher_cosine``) and the effective dimension over :math:`h_T`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from phasetrans.analysis.describe import describe, footnote
from phasetrans.analysis.observables import OBSERVABLES
from phasetrans.analysis.selection import accepts_selection
from phasetrans.errors import AnalysisInputError
from phasetrans.names import SAMPLE_DIMS
from phasetrans.plots._base import colors, error_label, panels, plain_log_ticks

__all__ = ["ORDER_PARAMETERS", "order_parameter", "plot_order_parameters"]

#: Order parameters this figure knows, with their axis labels.
ORDER_PARAMETERS = {
    "teacher_recovered": "teacher nodes recovered (fraction)",
    "teacher_cosine": "mean matched cosine",
    "dimension_ratio": "effective dimension / $h_T$",
}
_LINESTYLES = ("-", "--", ":", "-.")
_SYMBOLS = {"width": "$W$", "teacher_width": "$h_T$"}


def order_parameter(ds: xr.Dataset, name: str) -> xr.DataArray:
    """One order parameter of a study, per student, diverged students NaN.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset.
    name : str
        A key of :data:`ORDER_PARAMETERS`; ``dimension_ratio`` is
        ``dimension / teacher_width``.

    Returns
    -------
    xarray.DataArray
        The observable of :data:`phasetrans.analysis.observables.OBSERVABLES`.

    Raises
    ------
    AnalysisInputError
        (a ``ValueError``) for an unknown name, or a variable the dataset lacks.
    """
    if name not in ORDER_PARAMETERS:
        raise AnalysisInputError(
            f"order parameter {name!r}; allowed: {list(ORDER_PARAMETERS)}",
            field="parameters",
            value=name,
        )
    return OBSERVABLES[name](ds)


@accepts_selection
def plot_order_parameters(
    ds: xr.Dataset,
    control: str,
    *,
    parameters: Sequence[str] | None = None,
    training: str | Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Order parameters against a swept control, one panel per order parameter.

    Parameters
    ----------
    ds : xarray.Dataset
        A study with a swept dimension ``control`` (``alpha``, ``input_dim``,
        ``n_train``, ``teacher_width``, ...).
    control : str
        The dimension on the x axis.
    parameters : sequence of str, optional
        Keys of :data:`ORDER_PARAMETERS`; by default those the dataset has.
    training : str or sequence of str, optional
        Trainings drawn (line style); all by default.
    ax : Axes or sequence of Axes, optional
        One axes per order parameter.

    Returns
    -------
    matplotlib.figure.Figure
        Mean ± error over the disorder
        (:func:`phasetrans.analysis.describe.describe`: the standard error of
        the teacher means, or of the student mean with one teacher) for each
        training and each value of the other dims (colour), log x axis when
        the control spans a decade; the title says what ± is.

    Raises
    ------
    AnalysisInputError
        (a ``ValueError``) if ``control`` is not a dimension of the study or no order parameter
        is available.
    """
    if control not in ds.dims:
        raise AnalysisInputError(
            f"control={control!r} is not a dimension of the study: {list(map(str, ds.dims))}",
            field="control",
            value=control,
        )
    if parameters is None:
        parameters = [p for p in ORDER_PARAMETERS if p == "dimension_ratio" or p in ds.data_vars]
    if not parameters:
        raise AnalysisInputError(
            f"no order parameter available in the dataset; allowed: {list(ORDER_PARAMETERS)}",
            field="parameters",
            value=parameters,
        )
    present = [str(t) for t in ds["training"].values]
    names = present if training is None else [training] if isinstance(training, str) else training
    fig, axes = panels(len(parameters), ax, width=4.2, height=3.5)
    x = ds[control].values
    for a, name in zip(axes, parameters, strict=True):
        da = order_parameter(ds, name)
        other = [
            d for d in da.dims if d not in (control, "training", *SAMPLE_DIMS) and da.sizes[d] > 1
        ]
        da = da.squeeze(
            [d for d in da.dims if da.sizes[d] == 1 and d not in (control, "training")], drop=True
        )  # a single training stays: its cells are selected by name below
        combos = list(itertools.product(*(da[d].values for d in other)))
        palette = colors(len(combos))
        for k, train in enumerate(names):
            for color, combo in zip(palette, combos, strict=True):
                cell = da.sel({"training": train, **dict(zip(other, combo, strict=True))})
                stats = describe(cell)
                tag = ", ".join(
                    f"{_SYMBOLS.get(d, d)} = {v}" for d, v in zip(other, combo, strict=True)
                )
                a.errorbar(
                    x,
                    stats["mean"].transpose(control).values,
                    yerr=stats["spread"].transpose(control).values,
                    color=color,
                    ls=_LINESTYLES[k % len(_LINESTYLES)],
                    marker="o",
                    ms=4,
                    capsize=2,
                    label=f"{train}" + (f", {tag}" if tag else ""),
                )
        if (
            np.issubdtype(np.asarray(x).dtype, np.number)
            and x.min() > 0
            and x.max() / x.min() >= 10
        ):
            a.set_xscale("log")
            plain_log_ticks(a, "x")
        a.set_xlabel(str(ds[control].attrs.get("long_name", control)))
        a.set_ylabel(ORDER_PARAMETERS[name])
        a.grid(alpha=0.3)
    axes[0].legend(fontsize="x-small")
    fig.suptitle(
        f"order parameters against {control} ({error_label(stats)})\n{footnote(stats)}",
        fontsize="medium",
    )
    return fig
