"""Simulated online learning against the deterministic ODEs of the committee machine."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from phasetrans.plots._base import colors, panels

__all__ = ["plot_ode_comparison"]


def plot_ode_comparison(
    time: np.ndarray,
    simulated: dict[str, np.ndarray],
    theory: dict[str, np.ndarray],
    *,
    title: str = "",
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Three panels, ``R(t)``, ``Q(t)`` and ``ε_g(t)``: simulation (points) and ODE (lines).

    Parameters
    ----------
    time : numpy.ndarray
        ``(C,)`` natural time ``t = steps / N``.
    simulated, theory : dict
        ``"R"`` ``(C, K, M)``, ``"Q"`` ``(C, K, K)`` and ``"eg"`` ``(C,)`` of one
        student, measured and integrated from the same initial overlaps.
    title : str
        Figure title (e.g. the setting: N, K, M, η).
    ax : matplotlib Axes or a sequence of three, optional
        Where to draw; new axes by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = panels(3, ax, width=4.4, height=3.6)
    k, m = simulated["R"].shape[1:]
    palette = colors(k * max(k, m))
    for i in range(k):
        for n in range(m):
            c = palette[i * m + n]
            axes[0].plot(time, simulated["R"][:, i, n], ".", ms=3, color=c)
            axes[0].plot(time, theory["R"][:, i, n], "-", lw=1.2, color=c, label=f"R{i + 1}{n + 1}")
        for j in range(i, k):
            c = palette[i * k + j]
            axes[1].plot(time, simulated["Q"][:, i, j], ".", ms=3, color=c)
            axes[1].plot(time, theory["Q"][:, i, j], "-", lw=1.2, color=c, label=f"Q{i + 1}{j + 1}")
    axes[2].plot(time, simulated["eg"], ".", ms=3, color="0.2", label="simulation")
    axes[2].plot(time, theory["eg"], "-", lw=1.2, color="C3", label="ODE")
    axes[2].set_yscale("log")
    for a, label in zip(axes, ("overlap R", "overlap Q", "generalisation error ε_g"), strict=True):
        a.set_xscale("log")
        a.set_xlabel("time t = steps / N")
        a.set_ylabel(label)
        a.legend(fontsize=7, ncol=2)
    axes[0].set_title("points: simulation, lines: ODE", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig
