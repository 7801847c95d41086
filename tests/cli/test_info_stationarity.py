"""``phasetrans info``: the fraction of converged cells for a study with checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
import xarray as xr

from phasetrans import sample_path
from phasetrans.cli import main as cli
from phasetrans.names import at_checkpoints
from phasetrans.testing.checkpoints import ORDER_PARAMETERS as ORDER
from phasetrans.testing.checkpoints import with_checkpoints

SAMPLE = sample_path()  # the study shipped with the package


@pytest.fixture(scope="module")
def checkpointed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("info") / "checkpoints.nc"
    path.write_bytes(SAMPLE.read_bytes())  # a copy: the shipped file is never touched
    with xr.open_dataset(path) as ds:
        added = with_checkpoints(ds)
        added = added[[at_checkpoints(n) for n in ORDER]]
        added = added.drop_vars([c for c in ds.coords if c in added.coords])
    added.to_netcdf(path, mode="a")
    return path


def test_info_shows_the_converged_fraction_per_order_parameter(checkpointed, capsys):
    assert cli(["info", str(checkpointed)]) == 0
    out = capsys.readouterr().out
    cells = 2 * 4  # training x width, one teacher width
    header = "stationarity (time_step T = 3000; converged: |change from T/2 to T| <= 3 x its"
    assert header + " bootstrap error; one-level (students), 200 resamples):" in out
    for name in ORDER:
        lines = [line for line in out.splitlines() if line.strip().startswith(name + " ")]
        assert lines == [f"  {name:<20} {cells - 2}/{cells} cells converged (75%)"]


def test_info_is_unchanged_without_checkpoints(tmp_path, capsys):
    copy = tmp_path / "quick.nc"
    copy.write_bytes(SAMPLE.read_bytes())
    assert cli(["info", str(copy)]) == 0
    assert "stationarity" not in capsys.readouterr().out
