"""Never overwrite what is not ours: outputs and data dirs are checked before any work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import phasetrans.backend.task as backend_task
from phasetrans.config import load_study
from phasetrans.errors import ConfigError
from phasetrans.runner import combine_study, run_study, study_dir
from tests.runner.helpers import cli_lines, not_here

NOTES = b"my notes\nnot a dataset\n\x00\x01"


def _refused(monkeypatch, study) -> ConfigError:
    monkeypatch.setattr(backend_task, "run_block", not_here)  # no training may start
    monkeypatch.setattr(backend_task, "run_task", not_here)
    with pytest.raises(ConfigError) as err:
        run_study(study, scheduler="sync", progress=False)
    assert err.value.field == "output"
    return err.value


def test_an_existing_file_that_is_not_a_study_is_never_overwritten(
    tmp_path, tiny_study, monkeypatch, capsys
):
    notes = tmp_path / "notes.nc"
    notes.write_bytes(NOTES)
    toml = tiny_study(tmp_path, output=str(notes))
    err = _refused(monkeypatch, load_study(toml))
    assert "not a phasetrans study" in str(err) and err.value == str(notes)
    with pytest.raises(ConfigError, match="not a phasetrans study"):
        combine_study(load_study(toml), allow_missing=True)
    code, lines = cli_lines(capsys, "run", str(toml), "--scheduler", "sync", "--no-progress")
    assert code == 2 and len(lines) == 1, lines
    assert "output" in lines[0] and str(notes) in lines[0] and ".nc" in lines[0]
    assert notes.read_bytes() == NOTES  # untouched, byte for byte


def test_notes_txt_is_refused_for_its_suffix_and_untouched(tmp_path, tiny_study, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(NOTES)
    toml = tiny_study(tmp_path, output=str(notes))
    err = _refused(monkeypatch, load_study(toml))
    assert "no .nc suffix" in str(err)
    assert notes.read_bytes() == NOTES
    assert not (tmp_path / "notes").exists()  # no working folder made beside it


def test_an_output_without_suffix_that_is_the_working_folder_is_refused(
    tmp_path, tiny_study, monkeypatch
):
    """``output = "data/tiny"``: the dataset and the folder of its parts would be one path."""
    output = tmp_path / "data" / "tiny"
    (output / "parts").mkdir(parents=True)
    (output / "parts" / "kept.nc").write_bytes(b"x")
    toml = tiny_study(tmp_path, output=str(output))
    err = _refused(monkeypatch, load_study(toml))
    assert "no .nc suffix" in str(err) and err.value == str(output)
    assert (output / "parts" / "kept.nc").read_bytes() == b"x"


def test_an_output_that_names_a_folder_is_refused(tmp_path, tiny_study, monkeypatch):
    folder = tmp_path / "data" / "tiny.nc"
    folder.mkdir(parents=True)
    toml = tiny_study(tmp_path, output=str(folder))
    err = _refused(monkeypatch, load_study(toml))
    assert "is a folder" in str(err)
    assert list(folder.iterdir()) == []


def test_a_working_folder_that_is_a_file_is_refused(tmp_path, tiny_study, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tiny").write_bytes(NOTES)
    toml = tiny_study(tmp_path)
    err = _refused(monkeypatch, load_study(toml))
    assert "working folder" in str(err) and "is a file" in str(err)
    assert (tmp_path / "data" / "tiny").read_bytes() == NOTES


def _read_only_folder(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    folder = Path("/sys/phasetrans-read-only")  # root writes everywhere but in sysfs
    try:
        folder.mkdir()
    except OSError:
        return folder
    folder.rmdir()
    pytest.skip("running as root with a writable /sys: no read-only folder to test with")


@pytest.mark.parametrize("kind", ["file", "read-only"])
def test_a_data_dir_that_cannot_be_written_is_one_line(tmp_path, tiny_study, capsys, kind):
    toml = tiny_study(tmp_path)
    if kind == "file":
        data_dir = tmp_path / "a-file"
        data_dir.write_bytes(NOTES)
    else:
        data_dir = _read_only_folder(tmp_path)
    code, lines = cli_lines(
        capsys, "run", str(toml), "--data-dir", str(data_dir), "--scheduler", "sync"
    )
    assert code == 2 and len(lines) == 1, lines
    assert "--data-dir" in lines[0] and str(data_dir) in lines[0]
    if kind == "file":
        assert data_dir.read_bytes() == NOTES


def test_a_refused_output_answers_before_torch_is_imported(tmp_path, tiny_study):
    notes = tmp_path / "notes.nc"
    notes.write_bytes(NOTES)
    toml = tiny_study(tmp_path, output=str(notes))
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "phasetrans.cli", "run", str(toml)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    lines = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    assert result.returncode == 2 and len(lines) == 1, lines
    assert "torch" not in imported and "distributed" not in imported
    assert notes.read_bytes() == NOTES
    assert not study_dir(load_study(toml)).exists()
