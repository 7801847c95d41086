"""A full disk: one line naming the path, the bytes needed and free; nothing lost."""

from __future__ import annotations

import errno
import os
from collections import namedtuple

import pytest

import phasetrans.store.files as files
from phasetrans.config import load_study
from phasetrans.errors import StudyError
from phasetrans.runner import combine_study, plan_tasks, run_study, study_dir, study_status
from tests.runner.helpers import assert_same_dataset, cli_lines, parts_dir

_Usage = namedtuple("_Usage", "total used free")


def _disk_full_at(monkeypatch, where, *, hdf: bool = False):
    """Make the write layer fail as a full disk for the paths where ``where(path)`` holds."""
    write = files.write_netcdf
    failed = []

    def full(ds, path):
        if not where(path):
            return write(ds, path)
        failed.append(path)
        if hdf:  # what netCDF says: no errno, only the free space tells
            monkeypatch.setattr(files.shutil, "disk_usage", lambda p: _Usage(10**9, 10**9, 4096))
            raise RuntimeError("NetCDF: HDF error")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(files, "write_netcdf", full)
    return failed


def _one_line(lines: list[str], path) -> str:
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("phasetrans run: error: no space left") and str(path) in line
    assert "bytes (uncompressed size, an estimate)" in line and "bytes are free" in line
    return line


@pytest.mark.parametrize("hdf", [False, True], ids=["ENOSPC", "HDF error"])
def test_a_full_disk_during_a_part_write(reference, tmp_path, tiny_study, monkeypatch, capsys, hdf):
    toml = tiny_study(tmp_path)
    study = load_study(toml)
    third = plan_tasks(study)[2].key
    failed = _disk_full_at(monkeypatch, lambda p: p.name == f"{third}.nc", hdf=hdf)
    code, lines = cli_lines(capsys, "run", str(toml), "--scheduler", "sync", "--no-progress")
    assert code == 2 and failed
    line = _one_line(lines, failed[0])
    if hdf:
        assert "4,096 bytes are free" in line
    kept = sorted(p.stem for p in parts_dir(study).glob("*.nc"))
    assert kept == [t.key for t in plan_tasks(study)[:2]]  # what was written is kept
    assert not list(parts_dir(study).glob(".*.tmp"))
    assert not (study_dir(study) / "lock").exists()
    monkeypatch.undo()  # space freed: the rerun resumes
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok and sorted(report.skipped) == kept
    assert_same_dataset(report.output, reference.dataset)


def test_a_full_disk_during_combine(reference, copied, monkeypatch):
    _, study = copied
    failed = _disk_full_at(monkeypatch, lambda p: p == study.output_path)
    with pytest.raises(StudyError, match="no space left") as err:
        run_study(study, scheduler="sync", progress=False)
    assert failed == [study.output_path] and str(study.output_path) in str(err.value)
    needed = int(str(err.value).split("about ")[1].split(" bytes")[0].replace(",", ""))
    assert needed > 10_000  # the dataset's uncompressed size
    assert not study.output_path.exists()
    assert not list(study.output_path.parent.glob(".*.tmp"))
    assert len(study_status(study).done) == 8  # every part kept
    monkeypatch.undo()
    assert_same_dataset(combine_study(study), reference.dataset)


def test_a_full_disk_while_recording_a_failure(copied, monkeypatch):
    from pathlib import Path

    from phasetrans.runner.parts import record_failure
    from phasetrans.store import failed_path

    _, study = copied
    key = plan_tasks(study)[0].key

    def full(self, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(StudyError, match="no space left") as err:
        record_failure(study, key, "Traceback ...\n")
    assert str(failed_path(study, key)) in str(err.value)
    assert "about 14 bytes" in str(err.value)
