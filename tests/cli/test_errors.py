"""Every subcommand meets a bad data file with one line on stderr and exit code 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from phasetrans import sample_path
from phasetrans.cli import main

SAMPLE = sample_path()  # the study shipped with the package


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
    binary = tmp / "binary.nc"
    binary.write_bytes(bytes(range(256)) * 4)
    return {
        "text": (text, "not a netCDF4 file"),
        "empty": (empty, "an empty file"),
        "truncated": (truncated, "not a readable phasetrans study"),
        "folder": (folder, "is a folder"),
        "plain-xarray": (plain, "phasetrans study"),
        "binary": (binary, "not a netCDF4 file"),
        "missing": (tmp / "nope.nc", "no such study file"),
    }


COMMANDS = ["info", "plot", "collapse", "fit", "topology", "report"]
CASES = ["text", "empty", "truncated", "folder", "plain-xarray", "binary", "missing"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_data_file_is_one_line_and_exit_2(tmp_path, capsys, command, case):
    path, message = _bad_files(tmp_path)[case]
    extra = ["--out", str(tmp_path / "out")] if command == "report" else []
    assert main([command, str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"phasetrans {command}: error: ")
    assert message in err


@pytest.mark.parametrize("command", ["run", "status", "combine"])
def test_bad_study_file_is_one_line_and_exit_2(tmp_path, capsys, command):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)))
    for path, message in (
        (tmp_path / "nope.toml", "nope.toml"),
        (folder, "is a folder"),
        (binary, "not a text file"),
    ):
        assert main([command, str(path)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and message in err, err


def test_unreachable_scheduler_is_reported_quickly(tmp_path, capsys, tiny_study):
    import time

    toml = tiny_study(tmp_path)
    start = time.monotonic()
    code = main(["run", str(toml), "--scheduler", "tcp://127.0.0.1:1", "--no-progress"])
    assert code == 2 and time.monotonic() - start < 30
    err = capsys.readouterr().err
    assert "cannot reach the dask scheduler tcp://127.0.0.1:1 within 10 s" in err
    assert len(err.strip().splitlines()) == 1


def test_every_option_has_help_text():
    from phasetrans.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():
        assert command.description, f"{name} has no description"
        for action in command._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.option_strings or action.dest} has no help"
