"""The top of the report: what was studied, what was found, how sure; the headline table.

:func:`summary_paragraph` words the study's ``description`` (its attribute,
else the study file's), the verdicts of the claims and what they rest on;
:func:`headline_table` is the :func:`phasetrans.summary.summarize` table
(``phasetrans info``'s) as a :class:`~phasetrans.report.records.Table`.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np
import xarray as xr

from phasetrans.analysis.defaults import COLLAPSE_S_MAX, FIT_P_MIN
from phasetrans.analysis.describe import format_pm
from phasetrans.report.records import NOT_AVAILABLE, Claim, Table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["description", "headline_table", "summary_paragraph", "verdict_word"]

#: The verdict words, in the order the summary counts them.
VERDICTS = (
    "holds",
    "partly",
    "does not hold",
    "no model fits",
    "not determined",
    "not tested",
    "not available",
)


def description(ds: xr.Dataset) -> str:
    """The study's ``description``: its attribute, else the study file's, else ``""``."""
    text = ds.attrs.get("description")
    if text:
        return str(text)
    try:
        return str(tomllib.loads(str(ds.attrs.get("study_toml", ""))).get("description", ""))
    except tomllib.TOMLDecodeError:
        return ""


def verdict_word(verdict: str) -> str:
    """The verdict's first words, one of :data:`VERDICTS` (``"other"`` if none)."""
    if verdict.startswith(NOT_AVAILABLE.strip()):
        return "not available"
    return next((w for w in VERDICTS if verdict.startswith(w)), "other")


def _disorder(ds: xr.Dataset) -> str:
    teachers = ds.sizes.get("teacher_seed", 1)
    students = ds.sizes.get("seed", 1)
    if teachers > 1:
        return f"{teachers} teachers × {students} students per cell"
    return f"{students} students per cell (one teacher)"


def _studied(ds: xr.Dataset) -> str:
    parts = []
    for dim, label in (("training", "trainings"), ("width", "student widths W"),
                       ("teacher_width", "teacher widths h_T")):  # fmt: skip
        if dim in ds.coords:
            values = ", ".join(str(v) for v in np.ravel(ds[dim].values))
            parts.append(f"{label} {values}")
    return "; ".join(parts)


def summary_paragraph(ds: xr.Dataset, claims: list[Claim], alerts: list[str], footnote: str) -> str:
    """What was studied, what was found, how sure: one paragraph.

    Parameters
    ----------
    ds : xarray.Dataset
        The study.
    claims : list of Claim
        Every claim of the page (the paper's and the sections').
    alerts : list of str
        The page's alerts.
    footnote : str
        What ± is (:func:`phasetrans.analysis.describe.footnote`); ``""`` when unknown.
    """
    name = ds.attrs.get("study_name", "this study")
    what = description(ds) or "no description in the study file"
    text = [f"Study {name}: {what} ({_studied(ds)}; {_disorder(ds)})."]
    groups: dict[str, list[Claim]] = {}
    for claim in claims:
        groups.setdefault(verdict_word(claim.verdict), []).append(claim)
    plural = {"holds": "hold"}
    counts = ", ".join(
        f"{len(groups[w])} {plural.get(w, w) if len(groups[w]) > 1 else w}"
        for w in (*VERDICTS, "other")
        if w in groups
    )
    text.append(f"Of {len(claims)} claims checked: {counts}.")
    if "holds" in groups:
        text.append("Supported: " + "; ".join(c.claim for c in groups["holds"]) + ".")
    for word in VERDICTS[1:]:
        if word in groups:
            shown = "; ".join(f"{c.claim}{c.verdict[len(word) :]}" for c in groups[word])
            text.append(f"{word[0].upper()}{word[1:]}: {shown}.")
    spread = f"± is the {footnote.removeprefix('± : ')}. " if footnote else ""
    text.append(
        f"How sure: {spread}A fit counts only when its χ² "
        f"p-value is at least {FIT_P_MIN:g} and a collapse only when S ≤ {COLLAPSE_S_MAX:g}; "
        "both treat the points as independent while they share students, so both are "
        "optimistic."
    )
    if alerts:
        text.append(f"{len(alerts)} alert(s) below need attention before any claim is quoted.")
    return " ".join(text)


def headline_table(ds: xr.Dataset) -> Table:
    """The ``phasetrans info`` table: per cell, the effective dimension and the test errors."""
    from phasetrans.summary import summarize

    table = summarize(ds)
    cells = [str(d) for d in table["students"].dims]
    recovered = "recovered_mean" in table
    header = [*cells, "students", "dimension"]
    header += ["recovered"] if recovered else []
    header += ["MSE(all)", "MSE(h_T)", "MSE(h_T/2)", "x(h_T)", "x(h_T/2)"]
    rows = []
    for values in itertools.product(*(table[d].values for d in cells)):
        row = table.sel(dict(zip(cells, values, strict=True)))
        if int(row["students"]) == 0:
            continue
        cells_text = [f"{v:g}" if isinstance(v, float | np.floating) else str(v) for v in values]
        out = [*cells_text, str(int(row["students"]))]
        out.append(format_pm(row["dimension_mean"], row["dimension_spread"], ".2f"))
        if recovered:
            out.append(format_pm(row["recovered_mean"], row["recovered_spread"], ".2f"))
        out += [f"{float(row[k]):.4g}" for k in ("mse_all_mean", "mse_at_hT_mean")]
        out += [f"{float(row['mse_at_half_mean']):.4g}"]
        out += [f"{float(row[k]):.3g}" for k in ("ratio_hT", "ratio_half")]
        rows.append(out)
    caption = (
        "Headline numbers per cell (the phasetrans info table): students that ran and did not "
        "diverge, effective dimension, fraction of teacher nodes recovered, test MSE with all "
        "nodes, h_T and h_T/2 nodes kept, and x(n) = MSE(n)/MSE(all); " + table.attrs["footnote"]
    )
    return Table(caption, header, rows)
