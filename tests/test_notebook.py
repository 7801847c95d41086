"""``examples/quickstart.ipynb`` runs headless in a fresh kernel and shows its figures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"
SAMPLE = ROOT / "data" / "sample_quick.nc"


def test_quickstart_notebook_runs_and_shows_images(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    with xr.open_dataset(SAMPLE) as root:
        if "training" not in root.dims:
            pytest.skip(f"{SAMPLE.name} predates the training dimension; regenerate it")
    # run in a copy of the layout (examples/ beside data/) so outputs stay out of the tree
    (tmp_path / "examples").mkdir()
    (tmp_path / "data").mkdir()
    shutil.copy(SAMPLE, tmp_path / "data" / SAMPLE.name)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path / "examples")}},
    )
    client.execute()  # raises CellExecutionError on any failing cell
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 6
    assert (tmp_path / "examples" / "out" / "quickstart" / "report.html").exists()
