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

from phasetrans.plots._base import SAMPLE_DIMS, colors, panels, plain_log_ticks, samples_text

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
    """One order parameter of a study, per student.

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

    Raises
    ------
    ValueError
        For an unknown name, or a variable the dataset lacks.
    """
    if name not in ORDER_PARAMETERS:
        raise ValueError(f"order parameter {name!r}; allowed: {list(ORDER_PARAMETERS)}")
    if name == "dimension_ratio":
        out = ds["dimension"] / ds["teacher_width"]
        out.name = name
        return out
    if name not in ds.data_vars:
        raise ValueError(f"dataset has no variable {name!r} (written by newer studies)")
    return ds[name]


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
        Mean ± std over seeds (and teachers) for each training and each value
        of the other dims (colour), log x axis when the control spans a decade.

    Raises
    ------
    ValueError
        If ``control`` is not a dimension of the study or no order parameter
        is available.
    """
    if control not in ds.dims:
        raise ValueError(f"control={control!r} is not a dimension of the study: {list(ds.dims)}")
    if parameters is None:
        parameters = [p for p in ORDER_PARAMETERS if p == "dimension_ratio" or p in ds.data_vars]
    if not parameters:
        raise ValueError("no order parameter available in the dataset")
    present = [str(t) for t in ds["training"].values]
    names = present if training is None else [training] if isinstance(training, str) else training
    fig, axes = panels(len(parameters), ax, width=4.2, height=3.5)
    x = ds[control].values
    for a, name in zip(axes, parameters, strict=True):
        da = order_parameter(ds, name)
        other = [
            d for d in da.dims if d not in (control, "training", *SAMPLE_DIMS) and da.sizes[d] > 1
        ]
        da = da.squeeze([d for d in da.dims if da.sizes[d] == 1 and d != control], drop=True)
        combos = list(itertools.product(*(da[d].values for d in other)))
        palette = colors(len(combos))
        for k, train in enumerate(names):
            for color, combo in zip(palette, combos, strict=True):
                cell = da.sel({"training": train, **dict(zip(other, combo, strict=True))})
                samples = [d for d in SAMPLE_DIMS if d in cell.dims]
                mean = cell.mean(samples) if samples else cell
                std = cell.std(samples) if samples else xr.zeros_like(cell)
                tag = ", ".join(
                    f"{_SYMBOLS.get(d, d)} = {v}" for d, v in zip(other, combo, strict=True)
                )
                a.errorbar(
                    x,
                    mean.transpose(control).values,
                    yerr=std.transpose(control).values,
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
        f"order parameters against {control} (mean ± std over {samples_text(ds['dimension'])})",
        fontsize="medium",
    )
    return fig
