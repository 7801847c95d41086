"""The records a report is made of: claims, tables, sections, and the guard around each.

Pure data: :mod:`phasetrans.report.claims` and
:mod:`phasetrans.report.transition` fill them,
:mod:`phasetrans.report.html` renders them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

__all__ = ["Claim", "Section", "Table", "guard", "not_available"]


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
        ``"holds"``, ``"does not hold"``, ``"partly"``, ``"see figure"`` or
        ``"not available: <reason>"``.
    """

    claim: str
    measured: str
    value: str
    verdict: str


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
    figures : list of (str, Figure or str)
        A figure, or ``"not available: <reason>"``.
    """

    title: str
    notes: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, Figure | str]] = field(default_factory=list)


def not_available(exc: BaseException) -> str:
    """``"not available: <error class>: <first line of its message>"``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"not available: {type(exc).__name__}" + (f": {text}" if text else "")


def guard(fn: Callable[[], Any]) -> Any:
    """``fn()`` or the "not available: ..." text of its exception."""
    try:
        return fn()
    except Exception as exc:
        return not_available(exc)
