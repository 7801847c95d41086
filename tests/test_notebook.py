"""``examples/quickstart.ipynb`` runs alone in an empty folder, cleanly, in the time it states.

The notebook is copied to a temporary folder *alone* (no ``data/`` beside it)
and executed there by nbclient in a fresh kernel: it must find its study from
the package (``phasetrans.open_sample()``), raise nothing, write nothing to
stderr but progress bars (no widget warning, no other warning), show its
figures, and follow every result with a sentence on how to read it.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"
#: A line tqdm draws: ``bootstrap:  40%|####      | 40/100 [00:04<00:06, 9.8resample/s]``.
PROGRESS_BAR = re.compile(r"^[\w ():=.-]*:?\s*\d+%\|.*\|\s*\d+/\d+ \[")


def _stderr_lines(nb) -> list[str]:
    """Every non-empty line the notebook wrote to stderr (carriage returns split lines)."""
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                lines += [t.strip() for t in re.split(r"[\r\n]+", out["text"]) if t.strip()]
    return lines


def test_progress_bar_pattern_tells_bars_from_warnings():
    bar = "bootstrap:  40%|####      | 40/100 [00:04<00:06,  9.83resample/s]"
    assert PROGRESS_BAR.match(bar)
    warning = "TqdmWarning: IProgress not found. Please update jupyter and ipywidgets."
    assert not PROGRESS_BAR.match(warning)
    assert not PROGRESS_BAR.match("PhasetransWarning: 1 of 5 bootstrap refits failed")


def test_quickstart_runs_alone_in_an_empty_folder(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    copy = tmp_path / NOTEBOOK.name
    shutil.copy(NOTEBOOK, copy)
    assert [p.name for p in tmp_path.iterdir()] == [NOTEBOOK.name]  # no data beside it
    nb = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError on any failing cell
    elapsed = time.perf_counter() - start
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    noise = [line for line in _stderr_lines(nb) if not PROGRESS_BAR.match(line)]
    assert noise == []  # no widget warning, no warning at all
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 6
    # every code cell with a result is followed by a sentence on how to read it
    for k, cell in enumerate(nb.cells[:-1]):
        if cell.cell_type == "code" and cell.outputs:
            after = nb.cells[k + 1]
            assert after.cell_type == "markdown" and "How to read it" in after.source, k
    # the time it states was measured; it holds within a generous margin on a busy machine
    stated = re.search(r"took about (\d+) s", nb.cells[0].source)
    assert stated, "the introduction states the measured running time"
    assert elapsed < 5 * float(stated.group(1))


def test_the_notebook_uses_the_packaged_sample_and_one_line_calls():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "phasetrans.open_sample()" in code
    assert "data/" not in code and "Path(" not in code  # nothing relative to a folder
    assert "ds.pt.compare()" in code
    assert not re.search(r"import _|\._\w+\(", code)  # no private import or call
