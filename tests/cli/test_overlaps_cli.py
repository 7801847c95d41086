"""``phasetrans overlaps DATA.nc`` on a copy of the shipped sample study."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import phasetrans.store
from phasetrans import sample_path
from phasetrans.analysis.overlaps import OVERLAP_SCHEMA, OVERLAP_VARIABLES, SPECIALISATION
from phasetrans.cli import main
from phasetrans.store import read_dataset, read_root

SAMPLE = sample_path()  # the study shipped with the package


@pytest.fixture
def sample(tmp_path) -> Path:
    path = tmp_path / "sample.nc"
    shutil.copy(SAMPLE, path)
    return path


def test_overlaps_adds_variables_in_place_and_the_file_stays_readable(sample, tmp_path, capsys):
    before = read_dataset(sample, load=True)
    assert main(["overlaps", str(sample)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {sample}: added ") and SPECIALISATION in out

    after = read_dataset(sample, load=True)
    for name in OVERLAP_VARIABLES:
        dims = ("training", "teacher_width", "width", "seed", *OVERLAP_SCHEMA[name][0])
        assert after[name].dims == dims, name
        assert after[name].attrs["long_name"], name
    for name in before.data_vars:  # everything else is unchanged
        xr.testing.assert_identical(after[name].drop_attrs(), before[name].drop_attrs())
    assert after.attrs == before.attrs
    assert set(OVERLAP_VARIABLES) <= set(read_root(sample).data_vars)
    assert not list(tmp_path.glob(".*.tmp"))

    for argv in (
        ["info", str(sample)],
        ["plot", str(sample), "--out", str(tmp_path / "figures")],
        ["collapse", str(sample), "--bootstrap", "0", "--out", str(tmp_path / "figures")],
    ):
        assert main(argv) == 0, argv
    capsys.readouterr()

    # a second run keeps the file as it is; --overwrite recomputes the same numbers
    stamp = sample.stat().st_mtime_ns
    assert main(["overlaps", str(sample)]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert sample.stat().st_mtime_ns == stamp
    assert main(["overlaps", str(sample), "--overwrite"]) == 0
    again = read_dataset(sample, load=True)
    xr.testing.assert_identical(again[SPECIALISATION], after[SPECIALISATION])


def test_overlaps_out_leaves_the_input_untouched(sample, tmp_path, capsys):
    original = sample.read_bytes()
    target = tmp_path / "new" / "with_overlaps.nc"
    assert main(["overlaps", str(sample), "--out", str(target)]) == 0
    assert sample.read_bytes() == original
    ds = read_dataset(target, load=True)
    assert set(OVERLAP_VARIABLES) <= set(ds.data_vars)
    spec = ds[SPECIALISATION].sel(training="spectral")
    assert np.isfinite(spec).all() and float(spec.min()) > 0.5


def test_a_failed_write_never_touches_the_original(sample, monkeypatch, capsys):
    original = sample.read_bytes()

    def broken(ds, path):
        Path(path).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(phasetrans.store, "write_dataset", broken)
    with pytest.raises(OSError, match="disk full"):
        main(["overlaps", str(sample)])
    assert sample.read_bytes() == original
    assert [p.name for p in sample.parent.iterdir()] == [sample.name]


def test_variables_the_store_schema_does_not_write_are_appended(sample, monkeypatch, capsys):
    real = phasetrans.store.write_dataset

    def older_store(ds, path):  # a store whose schema does not know the overlaps
        return real(ds.drop_vars([n for n in OVERLAP_VARIABLES if n in ds]), path)

    monkeypatch.setattr(phasetrans.store, "write_dataset", older_store)
    assert main(["overlaps", str(sample)]) == 0
    ds = read_dataset(sample, load=True)
    assert set(OVERLAP_VARIABLES) <= set(ds.data_vars)
    assert ds[SPECIALISATION].attrs["long_name"] == OVERLAP_SCHEMA[SPECIALISATION][1]
    assert [p.name for p in sample.parent.iterdir()] == [sample.name]


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    text = tmp / "notes.nc"
    text.write_text("not a netCDF file\n")
    empty = tmp / "empty.nc"
    empty.write_bytes(b"")
    truncated = tmp / "truncated.nc"
    shutil.copy(SAMPLE, truncated)
    with open(truncated, "r+b") as f:
        f.truncate(truncated.stat().st_size // 3)
    folder = tmp / "folder.nc"
    folder.mkdir()
    plain = tmp / "plain.nc"
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_netcdf(plain, engine="netcdf4")
    root_only = tmp / "root_only.nc"
    with xr.open_dataset(SAMPLE, engine="netcdf4") as root:
        root.load().to_netcdf(root_only, engine="netcdf4")
    return {
        "text": (text, "not a netCDF4 file"),
        "empty": (empty, "an empty file"),
        "truncated": (truncated, "not a readable phasetrans study"),
        "folder": (folder, "is a folder"),
        "plain-xarray": (plain, "phasetrans study"),
        "root-only": (root_only, "no 'weights'/'teacher' groups"),
        "missing": (tmp / "nope.nc", "no such study file"),
    }


@pytest.mark.parametrize(
    "case", ["text", "empty", "truncated", "folder", "plain-xarray", "root-only", "missing"]
)
def test_bad_data_file_is_one_line_and_exit_2(tmp_path, capsys, case):
    path, message = _bad_files(tmp_path)[case]
    assert main(["overlaps", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("phasetrans overlaps: error: ")
    assert message in err
