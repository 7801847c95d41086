"""A report as one self-contained HTML page (figures embedded or beside it).

:class:`Report` holds the pieces of the page (summary, alerts, headline
table, claims, parameter tables, sections, figures, provenance; the records
of :mod:`phasetrans.report.records`) and :func:`render` writes them as HTML,
in the order of a paper's appendix: summary, alerts, headline table, claims,
parameter tables, sections, numbered figures with captions, provenance.  The
page carries its staleness stamp (:func:`phasetrans.report.provenance.stamp`)
in a ``<meta name="phasetrans-report">`` tag.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from phasetrans.report.records import NOT_AVAILABLE, Claim, Plot, Section, Table, guard

__all__ = ["STAMP_META", "Report", "render"]

#: The ``name`` of the page's meta tag holding its stamp (JSON).
STAMP_META = "phasetrans-report"


@dataclass
class Report:
    """The pieces of a study report before they become HTML.

    Attributes
    ----------
    title : str
    summary : str
        What was studied, what was found, how sure.
    provenance : list of (str, str)
        Key/value rows (versions, hashes, commit, dates, dims).
    study_toml : str
        The study file the data came from.
    notes : list of str
        What slice the claims use, what ± is, the verdict rules.
    alerts : list of str
        What needs attention before a claim is quoted (inadequate or degenerate
        models, unconverged cells, diverged students, pieces not available).
    headline : Table, str or None
        The ``phasetrans info`` table, or why it is not available.
    claims : list of Claim
    tables : list of Table
        Parameter tables of the fits and collapses.
    figures : list of Plot
    sections : list of Section
        Further sections, shown after the claims (the transition analysis).
    stamp : dict of str to str
        ``dataset_hash`` and ``generator``: what staleness is judged from.
    """

    title: str
    summary: str = ""
    provenance: list[tuple[str, str]] = field(default_factory=list)
    study_toml: str = ""
    notes: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    headline: Table | str | None = None
    claims: list[Claim] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Plot] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    stamp: dict[str, str] = field(default_factory=dict)

    def n_figures(self) -> int:
        """Figures on the page, the sections' included."""
        return len(self.figures) + sum(len(s.figures) for s in self.sections)

    def to_html(self, *, dpi: int = 150, image_dir: Path | None = None) -> str:
        """The report as one HTML page.

        Parameters
        ----------
        dpi : int
            Resolution of the PNG figures.
        image_dir : pathlib.Path, optional
            Write the figures as PNG files into this folder and link them
            (relative to the page, which must be in ``image_dir.parent``);
            by default they are embedded as base64 data URIs.
        """
        return render(self, dpi=dpi, image_dir=image_dir)


# ---------------------------------------------------------------------------
# HTML

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
td, th { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.holds { color: #176d2c; font-weight: 600; } .fails { color: #a01818; font-weight: 600; }
.na { color: #8a5a00; font-style: italic; } .note { color: #555; font-size: .9em; }
figure { margin: 1em 0 2em; } figcaption { margin-top: .4em; font-size: .92em; }
figcaption b { font-weight: 600; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
caption { text-align: left; padding: .3em 0; font-size: .92em; }
pre { background: #f7f7f7; padding: .8em; overflow-x: auto; font-size: .85em; }
.summary { font-size: 1.02em; line-height: 1.45; }
.alert { background: #fdecea; border-left: 4px solid #a01818; padding: .5em .8em; margin: .5em 0; }
.calm { background: #eaf5ec; border-left: 4px solid #176d2c; padding: .5em .8em; }
"""


def _verdict_class(verdict: str) -> str:
    if verdict.startswith(NOT_AVAILABLE.strip()):
        return "na"
    if verdict.startswith("holds"):
        return "holds"
    if verdict.startswith(("does not", "no model fits")):
        return "fails"
    return ""


def _png(fig: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.1)
    return buffer.getvalue()


class _Page:
    """Numbers the tables and figures in page order and collects late alerts."""

    def __init__(self, dpi: int, image_dir: Path | None) -> None:
        self.dpi, self.image_dir = dpi, image_dir
        self.n_tables = self.n_figures = 0
        self.alerts: list[str] = []

    def table(self, table: Table) -> list[str]:
        e = html.escape
        self.n_tables += 1
        out = [f"<table><caption><b>Table {self.n_tables}.</b> {e(table.caption)}</caption><tr>"]
        out.append("".join(f"<th>{e(h)}</th>" for h in table.header) + "</tr>")
        out += ["<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in table.rows]
        out.append("</table>")
        return out

    def claims(self, claims: list[Claim]) -> list[str]:
        e = html.escape
        self.n_tables += 1
        out = [
            f"<table><caption><b>Table {self.n_tables}.</b> The claims, what was measured, the "
            "numbers and the verdicts (with the goodness of fit of every model).</caption>",
            "<tr><th>claim</th><th>measured</th><th>value</th><th>verdict</th></tr>",
        ]
        for c in claims:
            kind = f' data-kind="{e(c.kind)}"' if c.kind else ""
            out.append(
                f"<tr><td>{e(c.claim)}</td><td>{e(c.measured)}</td><td>{e(c.value)}</td>"
                f'<td class="{_verdict_class(c.verdict)}"{kind}>{e(c.verdict)}</td></tr>'
            )
        out.append("</table>")
        return out

    def figure(self, plot: Plot) -> str:
        e = html.escape
        self.n_figures += 1
        k = self.n_figures
        data = (
            plot.figure
            if isinstance(plot.figure, str)
            else guard(lambda: _png(plot.figure, self.dpi))
        )
        caption = f"<figcaption><b>Figure {k}.</b> {e(plot.title)}."
        caption += f" {e(plot.caption)}</figcaption>" if plot.caption else "</figcaption>"
        if isinstance(data, str):  # not available, or a figure that fails to draw
            if not isinstance(plot.figure, str):
                self.alerts.append(f"Figure {k} ({plot.title}) could not be drawn: {data}")
            return f'<figure id="figure-{k}"><p class="na">{e(data)}</p>{caption}</figure>'
        if self.image_dir is None:
            src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        else:
            self.image_dir.mkdir(parents=True, exist_ok=True)
            name = f"figure-{k:02d}.png"
            (self.image_dir / name).write_bytes(data)
            src = f"{self.image_dir.name}/{name}"
        return f'<figure id="figure-{k}"><img src="{src}" alt="{e(plot.title)}">{caption}</figure>'

    def section(self, section: Section, index: int) -> list[str]:
        e = html.escape
        out = [f'<h2 id="section-{index}">{e(section.title)}</h2>']
        out += [f'<p class="note">{e(n)}</p>' for n in section.notes]
        if section.claims:
            out += self.claims(section.claims)
        for table in section.tables:
            out += self.table(table)
        out += [self.figure(plot) for plot in section.figures]
        return out


def _alerts(alerts: list[str]) -> list[str]:
    e = html.escape
    out = ["<h2>Alerts</h2>"]
    if not alerts:
        return [*out, '<p class="calm">No alerts: every model is adequate and every piece was '
                "made.</p>"]  # fmt: skip
    return out + [f'<p class="alert">{e(a)}</p>' for a in alerts]


def render(report: Report, *, dpi: int, image_dir: Path | None) -> str:
    """The page of ``report``: figures as PNG, embedded or written into ``image_dir``."""
    e = html.escape
    page = _Page(dpi, image_dir)
    body = []
    if isinstance(report.headline, Table):
        body += ["<h2>Headline numbers</h2>", *page.table(report.headline)]
    body.append("<h2>The paper's claims</h2>")
    body += [f'<p class="note">{e(n)}</p>' for n in report.notes]
    body += page.claims(report.claims)
    if report.tables:
        body.append("<h2>Parameters of the fits and collapses</h2>")
        for table in report.tables:
            body += page.table(table)
    for i, section in enumerate(report.sections):
        body += page.section(section, i)
    body.append("<h2>Figures</h2>")
    body += [page.figure(plot) for plot in report.figures]
    body.append("<h2>Provenance</h2><table>")
    body += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in report.provenance]
    body.append("</table>")
    if report.study_toml:
        body.append(f"<details><summary>study file</summary><pre>{e(report.study_toml)}</pre>")
        body.append("</details>")
    stamp = e(json.dumps(report.stamp, sort_keys=True), quote=True)
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta name="{STAMP_META}" content="{stamp}">',
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
    ]
    if report.summary:
        head += ["<h2>Summary</h2>", f'<p class="summary">{e(report.summary)}</p>']
    head += _alerts(report.alerts + page.alerts)
    return "\n".join([*head, *body, "</body></html>"])
