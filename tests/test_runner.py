"""The runner on real components: dask clusters, netCDF part files, CLI subprocesses.

Every run is compared with the in-process (``scheduler="sync"``) run of the same
study: where a task runs, and whether the run was interrupted, must not change
a single number.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from distributed import Client, LocalCluster

import phasetrans.backend.task as backend_task
from phasetrans.cli import main as cli_main
from phasetrans.config import Study, load_study
from phasetrans.errors import StudyError
from phasetrans.runner import combine_study, plan_tasks, run_study, study_dir, study_status
from phasetrans.store import read_dataset

#: Task that the failure tests make raise (training, width, seeds).
FAIL_KEY = "direct_t4_w8_s2"
FAIL_CELL = {"training": "direct", "width": 8, "seed": 2}


class _Recorder(logging.Handler):
    """Calls ``on_record(message)`` for every record of the phasetrans logger."""

    def __init__(self, on_record):
        super().__init__(logging.DEBUG)
        self.on_record = on_record

    def emit(self, record):
        self.on_record(record.getMessage())


@pytest.fixture
def runner_log():
    """``runner_log(callback)``: route the runner's log records to ``callback``."""
    logger = logging.getLogger("phasetrans")
    handlers = []

    def attach(callback):
        handler = _Recorder(callback)
        logger.addHandler(handler)
        handlers.append(handler)
        logger.setLevel(logging.DEBUG)

    yield attach
    for handler in handlers:
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def _load(path: Path) -> xr.Dataset:
    ds = read_dataset(path, load=True)
    ds.attrs = {}  # `created` differs between runs
    return ds


def _assert_same_dataset(path: Path, expected: xr.Dataset) -> None:
    xr.testing.assert_identical(_load(path), expected)


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasetrans.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _parts(study: Study) -> Path:
    return study_dir(study) / "parts"


def _stamps(study: Study) -> dict[str, tuple[int, int]]:
    """Inode and mtime of every part: both change when a part is rewritten."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in _parts(study).glob("*.nc")}


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _group_alive(pgid: int) -> bool:
    """Whether a non-zombie process of group ``pgid`` exists (zombies may never be reaped)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


@dataclass(frozen=True)
class Reference:
    toml: Path
    study: Study
    dataset: xr.Dataset


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_study) -> Reference:
    """The tiny study run in-process, one task after the other."""
    toml = tiny_study(tmp_path_factory.mktemp("reference"))
    study = load_study(toml)
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok and len(report.computed) == 8
    return Reference(toml, study, _load(report.output))


@pytest.fixture
def copied(reference, tmp_path, tiny_study) -> tuple[Path, Study]:
    """The tiny study in ``tmp_path`` holding a copy of the reference's parts (no dataset)."""
    toml = tiny_study(tmp_path)
    study = load_study(toml)
    assert study.hash == reference.study.hash
    shutil.copytree(_parts(reference.study), _parts(study))
    return toml, study


# --------------------------------------------------------------------------- where tasks run


def _not_here(spec, **kwargs):
    raise AssertionError("a task ran in the test process, not in a worker process")


def test_local_cluster_equals_sync(reference, tmp_path, tiny_study, monkeypatch):
    study = load_study(tiny_study(tmp_path))
    monkeypatch.setattr(backend_task, "run_block", _not_here)  # workers do not see this
    report = run_study(study, workers=2, threads_per_worker=1, progress=False)
    assert report.ok, report.failed
    assert sorted(report.computed) == sorted(t.key for t in plan_tasks(study))
    assert report.skipped == []
    _assert_same_dataset(report.output, reference.dataset)
    assert not (study_dir(study) / "lock").exists()


def test_external_scheduler_equals_sync(reference, tmp_path, tiny_study):
    toml = tiny_study(tmp_path)
    study = load_study(toml)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        result = _cli("run", str(toml), "--scheduler", cluster.scheduler_address, "--no-progress")
        assert result.returncode == 0, result.stderr
        assert "8 task(s) computed, 0 reused, 0 failed" in result.stdout
        with Client(cluster) as client:  # the run leaves the cluster it was lent running
            assert len(client.nthreads()) == 2
    _assert_same_dataset(study.output_path, reference.dataset)


# --------------------------------------------------------------------------- resuming


def _start_run(toml: Path, log_path: Path) -> subprocess.Popen:
    """``phasetrans run`` on the embedded 2-worker cluster, in its own process group.

    Its own group, so that a signal to the group reaches the dask workers too.
    """
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "phasetrans.cli", "run", str(toml), "--workers", "2"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_parts(proc: subprocess.Popen, study: Study, count: int, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while len(list(_parts(study).glob("*.nc"))) < count:
        assert proc.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, f"{count} parts not written in 120 s"
        time.sleep(0.02)


def test_killed_run_resumes_without_recomputing(tmp_path, tiny_study, capsys):
    slower = {"training": {"spectral": {"epochs": 100}, "direct": {"epochs": 100}}}
    uninterrupted = run_study(
        load_study(tiny_study(tmp_path / "uninterrupted", **slower)),
        scheduler="sync",
        progress=False,
    )
    toml = tiny_study(tmp_path / "killed", **slower)
    study = load_study(toml)
    total = len(plan_tasks(study))
    proc = _start_run(toml, tmp_path / "killed.log")
    try:
        _wait_for_parts(proc, study, 2, tmp_path / "killed.log")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _group_alive(proc.pid):
        assert time.monotonic() < deadline, "dask workers outlived the killed run"
        time.sleep(0.05)

    written = _stamps(study)
    assert 2 <= len(written) < total, f"kill came too late: {sorted(written)}"
    assert (study_dir(study) / "lock").exists()  # left behind by the killed process
    assert set(study_status(study).done) == {name.removesuffix(".nc") for name in written}

    assert cli_main(["run", str(toml), "--scheduler", "sync", "--no-progress"]) == 0
    summary = f"{total - len(written)} task(s) computed, {len(written)} reused, 0 failed"
    assert summary in capsys.readouterr().out
    after = _stamps(study)
    assert {name: after[name] for name in written} == written  # not rewritten
    assert len(after) == total
    _assert_same_dataset(study.output_path, _load(uninterrupted.output))
    assert not (study_dir(study) / "lock").exists()


def test_ctrl_c_stops_cleanly_and_keeps_finished_parts(tmp_path, tiny_study):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it."""
    slower = {"training": {"spectral": {"epochs": 100}, "direct": {"epochs": 100}}}
    toml = tiny_study(tmp_path, **slower)
    study = load_study(toml)
    total = len(plan_tasks(study))
    proc = _start_run(toml, tmp_path / "run.log")
    try:
        _wait_for_parts(proc, study, 2, tmp_path / "run.log")
        os.killpg(proc.pid, signal.SIGINT)
        code = proc.wait(timeout=60)  # a hang here is the bug this test guards
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    output = (tmp_path / "run.log").read_text()
    assert code == 130, output
    assert "interrupted" in output
    kept = _stamps(study)
    assert 2 <= len(kept) < total
    assert not (study_dir(study) / "lock").exists()  # released on the way out
    assert not list(_parts(study).glob(".*.tmp"))  # no half-written part
    assert set(study_status(study).done) == {name.removesuffix(".nc") for name in kept}


def test_truncated_part_is_recomputed(reference, copied, runner_log):
    _, study = copied
    key = plan_tasks(study)[0].key
    part = _parts(study) / f"{key}.nc"
    os.truncate(part, part.stat().st_size // 2)

    status = study_status(study)
    assert status.corrupt == [key]
    assert key not in status.done and key in status.pending
    assert "1 unreadable parts (will be recomputed)" in status.summary()

    messages: list[str] = []
    runner_log(messages.append)
    report = run_study(study, scheduler="sync", progress=False)
    assert report.computed == [key]
    assert len(report.skipped) == 7
    assert any("1 unreadable part(s)" in m for m in messages)
    assert study_status(study).corrupt == []
    _assert_same_dataset(report.output, reference.dataset)


def test_combine_lists_an_unreadable_part_once(copied):
    _, study = copied
    key = plan_tasks(study)[0].key
    part = _parts(study) / f"{key}.nc"
    os.truncate(part, part.stat().st_size // 2)
    with pytest.raises(StudyError, match="has 1 of 8 task"):
        combine_study(study)
    ds = read_dataset(combine_study(study, allow_missing=True))
    assert ds.attrs["missing_tasks"] == key


# --------------------------------------------------------------------------- the lock


def _write_lock(study: Study, host: str, pid: int, since: str) -> Path:
    lock = study_dir(study) / "lock"
    lock.write_text(json.dumps({"host": host, "pid": pid, "since": since}))
    return lock


def test_stale_lock_is_taken_over(reference, copied, runner_log):
    _, study = copied
    lock = _write_lock(study, socket.gethostname(), _dead_pid(), "2020-01-01T00:00:00+00:00")
    holders: list[dict] = []

    def log(message: str) -> None:  # called while the run holds the lock
        holders.append(json.loads(lock.read_text()))

    runner_log(log)
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok and report.computed == []
    assert holders and all(h["pid"] == os.getpid() for h in holders)
    assert not lock.exists()
    _assert_same_dataset(report.output, reference.dataset)


@pytest.mark.parametrize("where", ["this host", "another host"])
def test_live_lock_is_refused(copied, where):
    toml, study = copied
    since = "2026-01-02T03:04:05+00:00"
    with subprocess.Popen(["sleep", "60"]) as holder:
        try:
            if where == "this host":
                host, pid = socket.gethostname(), holder.pid
            else:  # a process elsewhere cannot be checked: assume it runs
                host, pid = "node-17.cluster.example", _dead_pid()
            lock = _write_lock(study, host, pid, since)
            content = lock.read_text()
            with pytest.raises(StudyError, match="already running") as err:
                run_study(study, scheduler="sync", progress=False)
            for text in (host, f"pid {pid}", since):
                assert text in str(err.value)

            result = _cli("run", str(toml), "--scheduler", "sync", "--no-progress")
            assert result.returncode == 2
            assert "already running" in result.stderr
            assert f"pid {pid}" in result.stderr and host in result.stderr
            assert since in result.stderr
            assert lock.read_text() == content  # untouched
            assert not study.output_path.exists()
        finally:
            holder.kill()


# --------------------------------------------------------------------------- failures


@pytest.fixture(params=["sync", "thread-cluster"])
def scheduler(request):
    """In-process, or a threaded LocalCluster: both see a monkeypatched backend."""
    if request.param == "sync":
        yield "sync"
        return
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


def test_failing_task_is_retried_listed_and_combinable(
    reference, tmp_path, tiny_study, scheduler, monkeypatch, capsys
):
    toml = tiny_study(tmp_path)
    study = load_study(toml)
    real_run_block = backend_task.run_block
    calls: list[tuple] = []

    def flaky_run_block(spec, **kwargs):
        key = {"training": spec.training, "width": spec.width, "seed": spec.seeds}
        calls.append(tuple(key.values()))
        if key == {**FAIL_CELL, "seed": (FAIL_CELL["seed"],)}:
            raise RuntimeError("injected failure of one task")
        return real_run_block(spec, **kwargs)

    monkeypatch.setattr(backend_task, "run_block", flaky_run_block)
    code = cli_main(["run", str(toml), "--scheduler", scheduler, "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "7 task(s) computed, 0 reused, 1 failed" in out
    assert "FAILED tasks" in err and FAIL_KEY in err and "failures.log" in err

    failing = ("direct", 8, (2,))
    assert calls.count(failing) == study.run.retries + 1 == 2
    assert len(calls) == 7 + 2
    assert len(set(calls)) == 8

    log = (study_dir(study) / "failures.log").read_text()
    assert f"task {FAIL_KEY} failed" in log
    assert "Traceback" in log and "RuntimeError: injected failure of one task" in log
    assert (study_dir(study) / "failed" / f"{FAIL_KEY}.txt").exists()
    assert not study.output_path.exists()
    assert not (study_dir(study) / "lock").exists()

    assert cli_main(["status", str(toml)]) == 0
    out, _ = capsys.readouterr()
    assert "7/8 done, 1 failed, 0 pending" in out
    assert f"failed   {FAIL_KEY}" in out

    assert cli_main(["combine", str(toml)]) == 2
    _, err = capsys.readouterr()
    assert "--allow-missing" in err and FAIL_KEY in err
    assert not study.output_path.exists()

    assert cli_main(["combine", str(toml), "--allow-missing"]) == 0
    capsys.readouterr()
    partial = read_dataset(study.output_path, load=True)
    assert partial.attrs["missing_tasks"] == FAIL_KEY
    expected = reference.dataset.copy(deep=True)
    for name in expected.data_vars:
        if set(FAIL_CELL) <= set(expected[name].dims):
            expected[name].loc[FAIL_CELL] = np.nan
    assert np.isnan(partial["test_mse"].sel(FAIL_CELL)).all()
    partial.attrs = {}
    xr.testing.assert_identical(partial, expected)

    monkeypatch.undo()  # the bug is fixed: a rerun computes only the failed task
    report = run_study(study, scheduler="sync", progress=False)
    assert report.computed == [FAIL_KEY] and len(report.skipped) == 7
    assert not (study_dir(study) / "failed" / f"{FAIL_KEY}.txt").exists()
    _assert_same_dataset(report.output, reference.dataset)


# --------------------------------------------------------------------------- study hash


def test_parts_of_another_hash_are_refused_unless_fresh(reference, tmp_path, tiny_study):
    toml = tiny_study(tmp_path, data={"seed": 5})  # same name, other numbers
    study = load_study(toml)
    assert study.hash != reference.study.hash
    shutil.copytree(_parts(reference.study), _parts(study))
    before = _stamps(study)

    status = study_status(study)
    assert len(status.stale) == 8 and status.done == []
    assert "8 parts from another version of the study" in status.summary()

    with pytest.raises(StudyError) as err:
        run_study(study, scheduler="sync", progress=False)
    message = str(err.value)
    assert "another version of study 'tiny'" in message
    assert "--fresh" in message and str(_parts(study)) in message
    assert _stamps(study) == before  # nothing deleted or rewritten
    result = _cli("run", str(toml), "--scheduler", "sync", "--no-progress")
    assert result.returncode == 2 and "--fresh" in result.stderr
    assert _stamps(study) == before

    report = run_study(study, scheduler="sync", fresh=True, progress=False)
    assert report.ok and len(report.computed) == 8
    assert read_dataset(report.output, load=True).attrs["study_hash"] == study.hash
    assert set(study_status(study).done) == {t.key for t in plan_tasks(study)}
    assert not _load(report.output).equals(reference.dataset)
