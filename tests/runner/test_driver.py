"""The driver: resuming after a kill or Ctrl-C, unreadable parts, failures, changed settings."""

from __future__ import annotations

import os
import shutil
import signal
import time

import numpy as np
import pytest
import xarray as xr

import phasetrans.backend.task as backend_task
from phasetrans.cli import main as cli_main
from phasetrans.config import load_study
from phasetrans.errors import ConfigError, StudyError
from phasetrans.runner import combine_study, plan_tasks, run_study, study_dir, study_status
from phasetrans.runner.driver import SIGNAL_AFTER_PARTS
from phasetrans.store import read_dataset
from tests.runner.helpers import (
    FAIL_CELL,
    FAIL_KEY,
    assert_same_dataset,
    group_alive,
    load_dataset,
    parts_dir,
    run_cli,
    stamps,
    start_run,
)

#: Parts a run writes before the test hook interrupts it (of the tiny study's 8).
INTERRUPT_AFTER = 3


def test_killed_run_resumes_without_recomputing(reference, tmp_path, tiny_study, capsys):
    """SIGKILL to the run's process group right after its third part (the driver's test hook)."""
    toml = tiny_study(tmp_path / "killed")
    study = load_study(toml)
    assert study.hash == reference.study.hash
    total = len(plan_tasks(study))
    log = tmp_path / "killed.log"
    proc = start_run(toml, log, signal_after=f"{INTERRUPT_AFTER}:SIGKILL")
    try:
        code = proc.wait(timeout=180)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert code == -signal.SIGKILL, log.read_text()
    deadline = time.monotonic() + 30
    while group_alive(proc.pid):
        assert time.monotonic() < deadline, "dask workers outlived the killed run"
        time.sleep(0.05)

    written = stamps(study)
    assert len(written) == INTERRUPT_AFTER, sorted(written)
    assert (study_dir(study) / "lock").exists()  # left behind by the killed process
    assert set(study_status(study).done) == {name.removesuffix(".nc") for name in written}

    assert cli_main(["run", str(toml), "--scheduler", "sync", "--no-progress"]) == 0
    summary = f"{total - INTERRUPT_AFTER} task(s) computed, {INTERRUPT_AFTER} reused, 0 failed"
    assert summary in capsys.readouterr().out
    after = stamps(study)
    assert {name: after[name] for name in written} == written  # not rewritten
    assert len(after) == total
    assert_same_dataset(study.output_path, reference.dataset)
    assert not (study_dir(study) / "lock").exists()


def test_ctrl_c_stops_cleanly_and_keeps_finished_parts(tmp_path, tiny_study):
    """SIGINT to the whole process group, as a terminal's Ctrl-C sends it, after the third part."""
    toml = tiny_study(tmp_path)
    study = load_study(toml)
    proc = start_run(toml, tmp_path / "run.log", signal_after=f"{INTERRUPT_AFTER}:SIGINT")
    try:
        code = proc.wait(timeout=180)  # a hang here is the bug this test guards
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    output = (tmp_path / "run.log").read_text()
    assert code == 130, output
    assert "interrupted" in output
    kept = stamps(study)
    assert len(kept) == INTERRUPT_AFTER, sorted(kept)
    assert not (study_dir(study) / "lock").exists()  # released on the way out
    assert not list(parts_dir(study).glob(".*.tmp"))  # no half-written part
    assert set(study_status(study).done) == {name.removesuffix(".nc") for name in kept}


def test_the_interrupt_hook_is_one_clear_error_when_malformed(reference, copied, monkeypatch):
    """A malformed hook is refused before any task runs, naming the variable."""
    _, study = copied
    monkeypatch.setenv(SIGNAL_AFTER_PARTS, "after two")
    key = plan_tasks(study)[0].key
    (parts_dir(study) / f"{key}.nc").unlink()
    with pytest.raises(ConfigError, match=SIGNAL_AFTER_PARTS) as err:
        run_study(study, scheduler="sync", progress=False)
    assert err.value.field == SIGNAL_AFTER_PARTS and err.value.value == "after two"
    assert not (parts_dir(study) / f"{key}.nc").exists()


def test_truncated_part_is_recomputed(reference, copied, runner_log):
    _, study = copied
    key = plan_tasks(study)[0].key
    part = parts_dir(study) / f"{key}.nc"
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
    assert_same_dataset(report.output, reference.dataset)


def test_combine_lists_an_unreadable_part_once(copied):
    _, study = copied
    key = plan_tasks(study)[0].key
    part = parts_dir(study) / f"{key}.nc"
    os.truncate(part, part.stat().st_size // 2)
    with pytest.raises(StudyError, match="has 1 of 8 task"):
        combine_study(study)
    ds = read_dataset(combine_study(study, allow_missing=True))
    assert ds.attrs["missing_tasks"] == key


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
    assert_same_dataset(report.output, reference.dataset)


def test_parts_of_another_hash_are_refused_unless_fresh(reference, tmp_path, tiny_study):
    toml = tiny_study(tmp_path, data={"seed": 5})  # same name, other numbers
    study = load_study(toml)
    assert study.hash != reference.study.hash
    shutil.copytree(parts_dir(reference.study), parts_dir(study))
    before = stamps(study)

    status = study_status(study)
    assert len(status.stale) == 8 and status.done == []
    assert "8 parts from another version of the study" in status.summary()

    with pytest.raises(StudyError) as err:
        run_study(study, scheduler="sync", progress=False)
    message = str(err.value)
    assert "another version of study 'tiny'" in message
    assert "--fresh" in message and str(parts_dir(study)) in message
    assert stamps(study) == before  # nothing deleted or rewritten
    result = run_cli("run", str(toml), "--scheduler", "sync", "--no-progress")
    assert result.returncode == 2 and "--fresh" in result.stderr
    assert stamps(study) == before

    report = run_study(study, scheduler="sync", fresh=True, progress=False)
    assert report.ok and len(report.computed) == 8
    assert read_dataset(report.output, load=True).attrs["study_hash"] == study.hash
    assert set(study_status(study).done) == {t.key for t in plan_tasks(study)}
    assert not load_dataset(report.output).equals(reference.dataset)
