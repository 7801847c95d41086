"""The sample study ships inside the package and opens from any working directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import phasetrans
from phasetrans.errors import DataError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_open_sample_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = phasetrans.sample_path()
    assert path.is_file() and path.parent == ROOT / "phasetrans" / "data"
    ds = phasetrans.open_sample()
    assert ds.attrs["study_name"] == "quick"
    assert {"w1", "teacher_w1", "dimension"} <= set(ds.data_vars)  # the groups merged
    assert ds["width"].values.tolist() == [16, 32, 64, 128]


def test_unknown_sample_is_a_one_line_error():
    with pytest.raises(DataError, match=r"sample 'big' is not shipped; allowed: \['quick'\]"):
        phasetrans.sample_path("big")


def test_the_sample_is_declared_package_data():
    with open(ROOT / "pyproject.toml", "rb") as f:
        config = tomllib.load(f)
    assert config["tool"]["setuptools"]["package-data"]["phasetrans.data"] == ["*.nc"]
    # the old path still reads the same file (a link to the packaged one)
    assert (ROOT / "data" / "sample_quick.nc").resolve() == phasetrans.sample_path().resolve()
