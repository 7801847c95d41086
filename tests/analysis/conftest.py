"""Fixtures of the analysis tests."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from phasetrans.testing.topology import write_topology_study
from tests.analysis.topology_helpers import read_study


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> xr.Dataset:
    return read_study(write_topology_study(tmp_path_factory.mktemp("study") / "study.nc"))


@pytest.fixture
def teacher():
    rng = np.random.default_rng(42)
    return rng.uniform(-1, 1, (10, 20)), rng.uniform(-1, 1, (20, 20))
