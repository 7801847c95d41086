"""A report as one self-contained HTML page (figures embedded or beside it).

:class:`Report` holds the pieces of the page (provenance, notes, the claims
tables, sections, figures of :mod:`phasetrans.report.records`) and
:func:`render` writes them as HTML; :func:`phasetrans.report.build.build_report`
fills a report from a study.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from phasetrans.report.records import Claim, Section, Table, guard

__all__ = ["Report", "render"]


@dataclass
class Report:
    """The pieces of a study report before they become HTML.

    Attributes
    ----------
    title : str
    provenance : list of (str, str)
        Key/value rows (versions, hash, device, dates, dims).
    study_toml : str
        The study file the data came from.
    notes : list of str
        What slice the claims use, tolerances, missing data.
    alerts : list of str
        Warnings shown at the top of the page (claims resting on unconverged cells).
    claims : list of Claim
    figures : list of (str, Figure or str)
        Section title and a figure, or ``"not available: <reason>"``.
    sections : list of Section
        Further sections, shown after the claims (the transition analysis).
    """

    title: str
    provenance: list[tuple[str, str]] = field(default_factory=list)
    study_toml: str = ""
    notes: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    figures: list[tuple[str, Figure | str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def to_html(self, *, dpi: int = 90, image_dir: Path | None = None) -> str:
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
figure { margin: 1em 0 2em; } figcaption { font-weight: 600; margin-bottom: .3em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
caption { text-align: left; font-weight: 600; padding: .3em 0; }
pre { background: #f7f7f7; padding: .8em; overflow-x: auto; font-size: .85em; }
.alert { background: #fdecea; border-left: 4px solid #a01818; padding: .5em .8em; margin: .5em 0; }
"""


def _verdict_class(verdict: str) -> str:
    if verdict.startswith("not available"):
        return "na"
    if verdict.startswith("holds"):
        return "holds"
    if verdict.startswith("does not"):
        return "fails"
    return ""


def _png(fig: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _figure(title: str, fig: Figure | str, name: str, *, dpi: int, image_dir: Path | None) -> str:
    e = html.escape
    out = [f"<figure><figcaption>{e(title)}</figcaption>"]
    data = fig if isinstance(fig, str) else guard(lambda: _png(fig, dpi))
    if isinstance(data, str):  # not available, or a figure that fails to draw
        out.append(f'<p class="na">{e(data)}</p>')
    else:
        if image_dir is None:
            src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        else:
            image_dir.mkdir(parents=True, exist_ok=True)
            (image_dir / name).write_bytes(data)
            src = f"{image_dir.name}/{name}"
        out.append(f'<img src="{src}" alt="{e(title)}">')
    out.append("</figure>")
    return "\n".join(out)


def _claims(claims: list[Claim]) -> list[str]:
    e = html.escape
    out = ["<table><tr><th>claim</th><th>measured</th><th>value</th><th>verdict</th></tr>"]
    for c in claims:
        cls = _verdict_class(c.verdict)
        out.append(
            f"<tr><td>{e(c.claim)}</td><td>{e(c.measured)}</td><td>{e(c.value)}</td>"
            f'<td class="{cls}">{e(c.verdict)}</td></tr>'
        )
    out.append("</table>")
    return out


def _table(table: Table) -> list[str]:
    e = html.escape
    out = [f"<table><caption>{e(table.caption)}</caption><tr>"]
    out.append("".join(f"<th>{e(h)}</th>" for h in table.header) + "</tr>")
    out += ["<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in table.rows]
    out.append("</table>")
    return out


def _section(section: Section, index: int, *, dpi: int, image_dir: Path | None) -> list[str]:
    e = html.escape
    out = [f'<h2 id="section-{index}">{e(section.title)}</h2>']
    out += [f'<p class="note">{e(n)}</p>' for n in section.notes]
    if section.claims:
        out += _claims(section.claims)
    for table in section.tables:
        out += _table(table)
    for k, (title, fig) in enumerate(section.figures):
        name = f"section-{index}-figure-{k:02d}.png"
        out.append(_figure(title, fig, name, dpi=dpi, image_dir=image_dir))
    return out


def render(report: Report, *, dpi: int, image_dir: Path | None) -> str:
    """The page of ``report``: figures as PNG, embedded or written into ``image_dir``."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
    ]
    if report.alerts:
        out.append("<h2>Alerts</h2>")
        out += [f'<p class="alert">{e(a)}</p>' for a in report.alerts]
    out.append("<h2>Provenance</h2><table>")
    out += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in report.provenance]
    out.append("</table>")
    if report.study_toml:
        out.append(f"<details><summary>study file</summary><pre>{e(report.study_toml)}</pre>")
        out.append("</details>")
    out.append("<h2>The paper's claims</h2>")
    out += [f'<p class="note">{e(n)}</p>' for n in report.notes]
    out += _claims(report.claims)
    for i, section in enumerate(report.sections):
        out += _section(section, i, dpi=dpi, image_dir=image_dir)
    out.append("<h2>Figures</h2>")
    for k, (title, fig) in enumerate(report.figures):
        out.append(_figure(title, fig, f"figure-{k:02d}.png", dpi=dpi, image_dir=image_dir))
    out.append("</body></html>")
    return "\n".join(out)
