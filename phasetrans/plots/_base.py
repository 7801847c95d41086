"""Shared pieces of the figure functions: the figure class, axes handling, labels.

Figures are built on the Agg canvas without pyplot, so making one never opens a
window or touches global state.  :class:`StudyFigure` adds ``_repr_png_``, so a
figure returned as the last value of a Jupyter cell is shown inline even in a
fresh kernel where ``matplotlib.pyplot`` was never imported.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from phasetrans.analysis.describe import describe, short_spread
from phasetrans.errors import AnalysisInputError
from phasetrans.names import SAMPLE_DIMS

__all__ = [
    "FEW_DECADES",
    "StudyFigure",
    "colors",
    "control_label",
    "described",
    "error_label",
    "new_figure",
    "observable_label",
    "panels",
    "plain_log_ticks",
    "symlog_if_spread",
]

#: A log axis spanning at most this many decades gets ticks at 1, 2 and 5 x 10^k.
FEW_DECADES = 2.5
#: Axis labels of the observables of :mod:`phasetrans.analysis.observables`.
_OBSERVABLE_LABELS = {
    "delta_mse": r"$\Delta\mathrm{MSE} = |\mathrm{MSE}(n) - \mathrm{MSE}(W)|$",
    "normalized_delta_mse": r"$\Delta\mathrm{MSE} / \Delta\mathrm{MSE}_{\max}$",
    "accuracy_loss": r"accuracy loss $\mathrm{acc}(W) - \mathrm{acc}(n)$",
    "test_mse": "test MSE",
}
#: Axis labels of the control variables, by name or by ``long_name``.
_CONTROL_LABELS = {
    "shift": r"$n - h_T$",
    "ratio": r"$n / h_T - 1$",
    "n - h_T": r"$n - h_T$",
    "n / h_T - 1": r"$n / h_T - 1$",
    "n/h_T - 1": r"$n / h_T - 1$",
}


class StudyFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` that shows itself as a PNG in Jupyter."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def new_figure(width: float, height: float) -> StudyFigure:
    """An empty :class:`StudyFigure` with constrained layout on the Agg canvas."""
    fig = StudyFigure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def panels(
    n: int,
    ax: Axes | Sequence[Axes] | None,
    *,
    width: float = 4.2,
    height: float = 3.5,
    sharey: bool = False,
) -> tuple[Figure, list[Axes]]:
    """``n`` axes in one row: new ones, or the ``ax`` given by the caller.

    Parameters
    ----------
    n : int
        Panels needed.
    ax : Axes or sequence of Axes, optional
        Axes to draw into; one per panel.
    width, height : float
        Size of one panel in inches (new figures only).
    sharey : bool
        Share the y axis between new panels.

    Returns
    -------
    figure, axes

    Raises
    ------
    AnalysisInputError
        (a ``ValueError``) if ``ax`` does not hold exactly ``n`` axes.
    """
    if ax is None:
        fig = new_figure(width * n, height)
        axes = list(fig.subplots(1, n, squeeze=False, sharey=sharey)[0])
        return fig, axes
    axes = [ax] if isinstance(ax, Axes) else list(np.ravel(ax))
    if len(axes) != n:
        raise AnalysisInputError(
            f"ax: {len(axes)} axes given; this figure needs {n} (one per panel)",
            field="ax",
            value=len(axes),
        )
    return axes[0].figure, axes


def colors(n: int) -> np.ndarray:
    """``n`` colours of the viridis map, light end excluded (readable on white)."""
    return colormaps["viridis"](np.linspace(0.0, 0.85, max(n, 1)))


def described(da: xr.DataArray, keep: Sequence[str], spread: str = "se") -> xr.Dataset:
    """Mean ± error of ``da`` over the disorder, as every figure draws it.

    Parameters
    ----------
    da : xarray.DataArray
        Data over ``keep`` plus the sample dims
        (:data:`phasetrans.names.SAMPLE_DIMS`), diverged students already NaN
        (read with :func:`phasetrans.analysis.observables.student_variable`).
    keep : sequence of str
        Dims that must remain.
    spread : {"se", "sd", "bootstrap"}
        The error bar.

    Returns
    -------
    xarray.Dataset
        :func:`phasetrans.analysis.describe.describe` of ``da``: ``mean``,
        ``spread``, ``n`` over ``keep``; its attributes say what ± is.

    Raises
    ------
    AnalysisInputError
        If a dim other than ``keep`` and the sample dims is left, naming it
        and how to select one value.
    """
    extra = [d for d in da.dims if d not in SAMPLE_DIMS and d not in keep]
    if extra:
        first = {d: da[d].values[0].item() for d in extra}
        raise AnalysisInputError(
            f"data has the swept dimension(s) {extra}; select one value first, "
            f"e.g. ds.sel({', '.join(f'{k}={v!r}' for k, v in first.items())})",
            field=extra[0],
            value=first[extra[0]],
        )
    return describe(da, spread)


def error_label(described: xr.Dataset) -> str:
    """``"mean ± s.e. of the teacher means"``: what a figure's points and bars are."""
    return f"mean ± {short_spread(described)}"


def observable_label(name: str | None, long_name: str | None = None) -> str:
    """Axis label of an observable: its symbol when known, else its long name."""
    for key in (name, long_name):
        if key is not None and str(key) in _OBSERVABLE_LABELS:
            return _OBSERVABLE_LABELS[str(key)]
    return str(long_name or name or "observable")


def control_label(name: str | None, long_name: str | None = None) -> str:
    """Axis label of a control: ``shift`` → :math:`n - h_T`, ``ratio`` → :math:`n/h_T - 1`."""
    for key in (long_name, name):
        if key is not None and str(key).strip() in _CONTROL_LABELS:
            return _CONTROL_LABELS[str(key).strip()]
    return str(long_name or name or "control")


def _plain(value: float, _pos: int) -> str:
    return f"{value:g}"


def plain_log_ticks(ax: Axes, axis: str = "both") -> None:
    """Log-axis ticks at 1, 2, 5 × 10^k written as plain numbers (``20``, not ``2×10^1``)."""

    for name in ("x", "y") if axis == "both" else (axis,):
        a = ax.xaxis if name == "x" else ax.yaxis
        if (ax.get_xscale() if name == "x" else ax.get_yscale()) != "log":
            continue
        a.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        a.set_major_formatter(FuncFormatter(_plain))
        a.set_minor_formatter(NullFormatter())


def symlog_if_spread(
    ax: Axes, values: np.ndarray, *, axis: str = "y", decades: float = 1.5
) -> bool:
    """Use a log (or, with zeros, symmetric-log) scale when the data span decades.

    Parameters
    ----------
    ax : Axes
    values : array
        The values drawn on that axis.
    axis : {"x", "y"}
    decades : float
        Smallest span, in decades of the positive values, that switches scale.

    Returns
    -------
    bool
        Whether the scale was changed.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0 or v.max() <= 0:
        return False
    top = float(np.abs(v).max())
    significant = v[v > top * 1e-4]  # below: zeros up to rounding
    if significant.size < 2 or np.log10(top / significant.min()) < decades:
        return False
    setter = ax.set_yscale if axis == "y" else ax.set_xscale
    if (v <= top * 1e-4).any():
        setter("symlog", linthresh=max(float(significant.min()), top * 1e-3), linscale=0.4)
        if v.min() >= -top * 1e-4:  # a positive quantity: no negative axis for error bars
            (ax.set_ylim if axis == "y" else ax.set_xlim)(0, None)
    else:
        setter("log")
        if np.log10(top / significant.min()) <= FEW_DECADES:
            plain_log_ticks(ax, axis)  # 1, 2, 5 x 10^k: labels below 1 too, not one per decade
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(_plain))
    return True
