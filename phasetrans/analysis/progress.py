"""Progress bars for long analyses: a widget in Jupyter when it can be one, text otherwise.

``tqdm.auto`` picks a Jupyter widget inside a notebook, but warns in red
("IProgress not found") when :mod:`ipywidgets` is missing.  :func:`bar_class`
takes ``tqdm.auto`` only when :mod:`ipywidgets` is importable and plain
``tqdm`` otherwise, so a bar never comes with a warning.  :func:`in_jupyter`
says whether the code runs in a Jupyter kernel, where the accessor shows a bar
unless told not to (:func:`wanted`).
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from typing import Any

__all__ = ["bar_class", "in_jupyter", "progress_bar", "wanted"]


def bar_class() -> type:
    """``tqdm.auto.tqdm`` when :mod:`ipywidgets` is importable, else ``tqdm.std.tqdm``."""
    if importlib.util.find_spec("ipywidgets") is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an ipywidgets too old for tqdm: text, silently
            from tqdm.auto import tqdm as auto
        return auto
    from tqdm.std import tqdm as plain

    return plain


def in_jupyter() -> bool:
    """Whether this runs in a Jupyter kernel (an IPython ``ZMQInteractiveShell``)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = getattr(ipython, "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def wanted(progress: bool | None) -> bool:
    """``progress`` as asked; ``None`` means: shown in Jupyter, hidden elsewhere."""
    return in_jupyter() if progress is None else bool(progress)


def progress_bar(total: int, desc: str, unit: str, enabled: bool) -> Any:
    """A bar over ``total`` steps on stderr (a widget in Jupyter with ipywidgets).

    Parameters
    ----------
    total : int
        Steps to come.
    desc, unit : str
        What the bar counts, e.g. ``"bootstrap"``, ``"resample"``.
    enabled : bool
        False: a disabled bar, whose ``update`` does nothing.

    Returns
    -------
    tqdm
        Use it as a context manager; it appears only after a second.
    """
    return bar_class()(
        total=total, desc=desc, unit=unit, disable=not enabled, delay=1.0, file=sys.stderr
    )
