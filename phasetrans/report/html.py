"""A report as one self-contained HTML page (figures embedded or beside it)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import xarray as xr
from matplotlib.figure import Figure

__all__ = ["write_report"]

from phasetrans.report.build import build_report
from phasetrans.report.claims import Claim, Report, Section, Table, guard

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


def write_report(
    ds: xr.Dataset | str | Path,
    out_dir: str | Path,
    *,
    bootstrap: int = 100,
    seed: int = 0,
    embed: bool = True,
    dpi: int = 90,
) -> Path:
    """Build the report of a study and write ``<out_dir>/report.html``.

    Parameters
    ----------
    ds : xarray.Dataset or path
        The study, or its netCDF file.
    out_dir : str or pathlib.Path
        Folder of the page (created).
    bootstrap, seed : int
        See :func:`build_report`.
    embed : bool
        Embed the figures in the page (default); else write them to
        ``<out_dir>/figures/``.
    dpi : int
        Resolution of the figures.

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    DataError
        If ``ds`` is a path that is not a readable study file.
    """
    if not isinstance(ds, xr.Dataset):
        import phasetrans

        ds = phasetrans.open_study(ds)
    report = build_report(ds, bootstrap=bootstrap, seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = report.to_html(dpi=dpi, image_dir=None if embed else out / "figures")
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
