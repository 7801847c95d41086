"""Figures of analysis results, without the analysis layer importing the plots.

The analysis sits below :mod:`phasetrans.plots` and never imports it, not even
inside a function.  A result's ``plot()`` looks its figure function up here;
:mod:`phasetrans.plots` fills this registry when it is imported
(:func:`register`).  The top-level package installs a loader
(:func:`set_loader`) that imports :mod:`phasetrans.plots` the first time a
figure is asked for, so ``res.plot()`` works after a plain
``import phasetrans``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from phasetrans.errors import PhasetransError

__all__ = ["plot", "register", "set_loader"]

#: Figure function of each result type: ``fn(result, *, ax=None, title=None) -> Figure``.
_FIGURES: dict[type, Callable[..., Any]] = {}
_LOADER: list[Callable[[], object]] = []


def register(result_type: type, fn: Callable[..., Any]) -> None:
    """Make ``fn`` the figure of ``result_type`` (and of its subclasses without their own).

    Parameters
    ----------
    result_type : type
        A result class, e.g. :class:`~phasetrans.analysis.scaling.CollapseResult`.
    fn : callable
        ``fn(result, *, ax=None, title=None)`` returning a
        :class:`matplotlib.figure.Figure`.
    """
    _FIGURES[result_type] = fn


def set_loader(loader: Callable[[], object]) -> None:
    """What to call, once, when a figure is asked for and none is registered."""
    _LOADER[:] = [loader]


def _lookup(result_type: type) -> Callable[..., Any] | None:
    for cls in result_type.__mro__:
        if cls in _FIGURES:
            return _FIGURES[cls]
    return None


def plot(result: object, *, ax: Any = None, title: str | None = None) -> Any:
    """The figure of ``result``, drawn by the function registered for its type.

    Parameters
    ----------
    result : object
        An analysis result.
    ax : matplotlib Axes or a sequence of them, optional
        Where to draw (what the figure function takes); a new figure by default.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    PhasetransError
        If no figure is registered for the type (``phasetrans.plots`` not
        imported and no loader installed).
    """
    fn = _lookup(type(result))
    if fn is None and _LOADER:
        _LOADER[0]()
        fn = _lookup(type(result))
    if fn is None:
        raise PhasetransError(
            f"no figure registered for {type(result).__name__}; import phasetrans.plots first",
            field="result",
            value=type(result).__name__,
        )
    return fn(result, ax=ax, title=title)
