"""The study lock: a dead run's lock is taken over, a live one refused."""

from __future__ import annotations

import json
import os
import socket
import subprocess

import pytest

from phasetrans.cli import main as cli_main
from phasetrans.errors import StudyError
from phasetrans.runner import run_study, study_dir, study_status
from tests.runner.helpers import (
    assert_same_dataset,
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
