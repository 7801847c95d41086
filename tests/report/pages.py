"""Checks of a report page shared by the tests of the shipped and the synthetic reports.

- every fit or collapse verdict cell (``data-kind``) shows its reduced χ² or S;
- no "holds" with p < 0.01 or S > 3;
- no exception text (``Traceback``, ``SomethingError:``);
- every PNG is at least 150 dpi (its ``pHYs`` chunk) and not blank-small.
"""

from __future__ import annotations

import base64
import html
import re
import struct

#: The page's verdict cells of a model: (kind, verdict text).
_CELL = re.compile(r'<td class="[^"]*" data-kind="(fit|collapse)">([^<]*)</td>')
_P = re.compile(r"p = (< )?([0-9.]+(?:e[-+]?\d+)?)")
_S = re.compile(r"S = ([0-9.]+(?:e[-+]?\d+)?)")


def model_verdicts(page: str) -> list[tuple[str, str]]:
    """``(kind, verdict)`` of every fit or collapse verdict cell."""
    return [(kind, html.unescape(text)) for kind, text in _CELL.findall(page)]


def check_model_verdicts(page: str) -> list[tuple[str, str]]:
    """Assert the goodness-of-fit rules on every model verdict; return the cells."""
    cells = model_verdicts(page)
    for kind, verdict in cells:
        if verdict.startswith("not available"):
            continue
        shown = "reduced χ² = " in verdict if kind == "fit" else bool(_S.search(verdict))
        assert shown, f"{kind} verdict without its goodness of fit: {verdict}"
        if verdict.startswith("holds"):
            for less, p in _P.findall(verdict):
                assert not less and float(p) >= 0.01, verdict
            for s in _S.findall(verdict):
                assert float(s) <= 3, verdict
    return cells


def check_no_exception_text(page: str) -> None:
    """No traceback and no ``<Name>Error:`` anywhere on the page."""
    text = html.unescape(page)
    assert "Traceback" not in text
    assert re.search(r"\w+Error:", text) is None, re.search(r".{80}\w+Error:.{80}", text)


def png_sizes_and_dpi(page: str) -> list[tuple[int, int, float]]:
    """``(width, height, dpi)`` of every embedded PNG, from its IHDR and pHYs chunks."""
    out = []
    for data in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page):
        png = base64.b64decode(data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        at = png.find(b"pHYs")
        assert at > 0, "a PNG without its resolution"
        x_per_metre, _, unit = struct.unpack(">IIB", png[at + 4 : at + 13])
        assert unit == 1  # per metre
        out.append((width, height, x_per_metre * 0.0254))
    return out


def alerts(page: str) -> list[str]:
    """The texts of the page's Alerts section."""
    return [html.unescape(a) for a in re.findall(r'<p class="alert">([^<]*)</p>', page)]
