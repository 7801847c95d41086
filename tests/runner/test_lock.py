"""The study lock: a dead run's lock is taken over, a live one refused."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from phasetrans.cli import main as cli_main
from phasetrans.errors import StudyError
from phasetrans.runner import run_study, study_dir, study_status
from phasetrans.runner.lock import UNLOCK
from tests.runner.helpers import (
    assert_same_dataset,
    cli_lines,
    dead_pid,
    run_cli,
    write_lock,
)


def test_stale_lock_is_taken_over(reference, copied, runner_log):
    _, study = copied
    lock = write_lock(study, socket.gethostname(), dead_pid(), "2020-01-01T00:00:00+00:00")
    holders: list[dict] = []

    def log(message: str) -> None:  # called while the run holds the lock
        holders.append(json.loads(lock.read_text()))

    runner_log(log)
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok and report.computed == []
    assert holders and all(h["pid"] == os.getpid() for h in holders)
    assert not lock.exists()
    assert_same_dataset(report.output, reference.dataset)


@pytest.mark.parametrize("where", ["this host", "another host"])
def test_live_lock_is_refused(copied, where):
    toml, study = copied
    since = "2026-01-02T03:04:05+00:00"
    with subprocess.Popen(["sleep", "60"]) as holder:
        try:
            if where == "this host":
                host, pid = socket.gethostname(), holder.pid
            else:  # a process elsewhere cannot be checked: assume it runs
                host, pid = "node-17.cluster.example", dead_pid()
            lock = write_lock(study, host, pid, since)
            content = lock.read_text()
            with pytest.raises(StudyError, match="already running") as err:
                run_study(study, scheduler="sync", progress=False)
            for text in (host, f"pid {pid}", since):
                assert text in str(err.value)

            result = run_cli("run", str(toml), "--scheduler", "sync", "--no-progress")
            assert result.returncode == 2
            assert "already running" in result.stderr
            assert f"pid {pid}" in result.stderr and host in result.stderr
            assert since in result.stderr
            assert lock.read_text() == content  # untouched
            assert not study.output_path.exists()
        finally:
            holder.kill()


def test_status_says_when_a_study_is_running(copied, capsys):
    toml, study = copied
    write_lock(study, socket.gethostname(), os.getpid(), "2026-01-01T00:00:00+00:00")
    status = study_status(study)
    assert status.running == {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": "2026-01-01T00:00:00+00:00",
    }
    assert f"running now (pid {os.getpid()} on {socket.gethostname()}" in status.summary()
    assert cli_main(["status", str(toml)]) == 0
    assert "running now" in capsys.readouterr().out
    (study_dir(study) / "lock").unlink()
    assert study_status(study).running is None


def test_a_second_run_answers_before_torch_and_planning(copied):
    """The lock is taken first: no torch import, no planning, before "already running"."""
    toml, study = copied
    with subprocess.Popen(["sleep", "60"]) as holder:
        try:
            write_lock(study, socket.gethostname(), holder.pid, "2026-01-02T03:04:05+00:00")
            result = subprocess.run(
                [sys.executable, "-X", "importtime", "-m", "phasetrans.cli", "run", str(toml)],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            holder.kill()
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    lines = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    assert result.returncode == 2 and len(lines) == 1, lines
    assert "already running" in lines[0] and UNLOCK in lines[0]
    # planning asks torch which devices exist: no torch, no planning
    assert "torch" not in imported and "distributed" not in imported


def test_a_lock_that_is_a_folder_is_one_line_and_unlock_clears_it(copied, capsys):
    toml, study = copied
    lock = study_dir(study) / "lock"
    lock.mkdir()
    code, lines = cli_lines(capsys, "run", str(toml), "--scheduler", "sync", "--no-progress")
    assert code == 2 and len(lines) == 1, lines
    assert "is a folder" in lines[0] and UNLOCK in lines[0] and str(lock) in lines[0]
    assert lock.is_dir()
    assert cli_main(["unlock", str(toml)]) == 0
    assert not lock.exists()


def test_a_lock_is_never_left_empty(copied, monkeypatch):
    """A disk full while the lock is written leaves no lock (and no temporary file)."""
    _, study = copied

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(json, "dump", full)
    with pytest.raises(StudyError, match="cannot write the lock") as err:
        run_study(study, scheduler="sync", progress=False)
    assert os.strerror(errno.ENOSPC) in str(err.value)
    assert sorted(p.name for p in study_dir(study).iterdir()) == ["parts"]


def test_an_old_empty_lock_is_taken_over(reference, copied):
    """An empty lock (left by a version that wrote it in place on a full disk) is stale."""
    _, study = copied
    lock = study_dir(study) / "lock"
    lock.write_bytes(b"")
    os.utime(lock, (time.time() - 60, time.time() - 60))
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok and not lock.exists()
    assert_same_dataset(report.output, reference.dataset)


def test_unlock_refuses_a_live_holder_and_clears_the_others(copied, capsys):
    toml, study = copied
    here = socket.gethostname()
    with subprocess.Popen(["sleep", "60"]) as holder:
        try:
            lock = write_lock(study, here, holder.pid, "2026-01-02T03:04:05+00:00")
            code, lines = cli_lines(capsys, "unlock", str(toml))
            assert code == 2 and len(lines) == 1, lines
            assert f"pid {holder.pid}" in lines[0] and lock.exists()
        finally:
            holder.kill()
    for host, pid in [("node-17.cluster.example", 4242), (here, dead_pid())]:
        write_lock(study, host, pid, "2026-01-02T03:04:05+00:00")
        assert cli_main(["unlock", str(toml)]) == 0
        out = capsys.readouterr().out
        assert f"pid {pid} on host {host}" in out and not lock.exists()
    assert cli_main(["unlock", str(toml)]) == 0
    assert "is not locked" in capsys.readouterr().out
