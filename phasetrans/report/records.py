"""The records a report is made of: claims, tables, sections, and the guard around each.

Pure data: :mod:`phasetrans.report.claims` and
:mod:`phasetrans.report.transition` fill them,
:mod:`phasetrans.report.html` renders them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from phasetrans.errors import PhasetransError

__all__ = ["NOT_AVAILABLE", "Claim", "Plot", "Section", "Table", "guard", "not_available"]

#: How every piece the report could not compute begins.
NOT_AVAILABLE = "not available: "
#: Where :func:`guard` logs the exception it turns into words (at DEBUG level).
LOG = logging.getLogger("phasetrans.report")


@dataclass
class Claim:
    """One row of the claims table.

    Attributes
    ----------
    claim : str
        The paper's statement.
    measured : str
        What was measured, on which slice.
    value : str
        The number(s) with their interval or spread.
    verdict : str
        ``"holds"``, ``"does not hold"``, ``"partly"``, ``"not determined"``,
        ``"no model fits"`` or ``"not available: <reason>"``, with the reason
        (and, for a fit or a collapse, its goodness of fit) in brackets.
    kind : str
        ``"fit"`` or ``"collapse"`` when the verdict rests on a model fitted
        to the data (its cell then shows the reduced χ² and p, or S); ``""``
        otherwise.
    """

    claim: str
    measured: str
    value: str
    verdict: str
    kind: str = ""


@dataclass
class Table:
    """A table of numbers in a report section.

    Attributes
    ----------
    caption : str
    header : list of str
    rows : list of list of str
        Cells already formatted (values with their intervals).
    """

    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Plot:
    """A figure of the report, numbered on the page.

    Attributes
    ----------
    title : str
        What it shows (the start of its caption).
    figure : Figure or str
        The figure, or ``"not available: <reason>"``.
    caption : str
        How to read it: panels, symbols, error bars.
    """

    title: str
    figure: Figure | str
    caption: str = ""


@dataclass
class Section:
    """A section of the report after the paper's claims (e.g. the transition analysis).

    Attributes
    ----------
    title : str
    notes : list of str
        What was analysed and how (choices, resamples, verdict rules).
    claims : list of Claim
        Its own claims table.
    tables : list of Table
    figures : list of Plot
    """

    title: str
    notes: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Plot] = field(default_factory=list)


def not_available(exc: BaseException) -> str:
    """Why a piece of the report could not be made, in words: ``"not available: <reason>"``.

    The package's own errors and ``ValueError`` carry a sentence meant for the
    reader (the first line of it is the reason); anything else is an
    unexpected failure, said as such.  No exception class name or repr
    reaches the page; the exception itself is logged at DEBUG level on
    ``phasetrans.report``.
    """
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, PhasetransError | ValueError) and text:
        reason = re.sub(r"\b\w+(Error|Exception): ", "", text)  # a wrapped exception's name
    else:
        reason = (
            "an unexpected failure inside phasetrans on this study (a bug: turn on DEBUG "
            "logging of 'phasetrans.report' to see it)"
        )
    return NOT_AVAILABLE + reason


def guard(fn: Callable[[], Any]) -> Any:
    """``fn()``, or :func:`not_available` of its exception (logged at DEBUG level)."""
    try:
        return fn()
    except Exception as exc:
        LOG.debug("report piece not available", exc_info=exc)
        return not_available(exc)
