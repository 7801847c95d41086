"""Executors: in-process, the embedded LocalCluster and an existing scheduler agree."""

from __future__ import annotations

from distributed import Client, LocalCluster

import phasetrans.backend.task as backend_task
from phasetrans.config import load_study
from phasetrans.runner import plan_tasks, run_study, study_dir
from tests.runner.helpers import (
    assert_same_dataset,
    not_here,
    run_cli,
)


def test_local_cluster_equals_sync(reference, tmp_path, tiny_study, monkeypatch):
    study = load_study(tiny_study(tmp_path))
    monkeypatch.setattr(backend_task, "run_block", not_here)  # workers do not see this
    report = run_study(study, workers=2, threads_per_worker=1, progress=False)
    assert report.ok, report.failed
    assert sorted(report.computed) == sorted(t.key for t in plan_tasks(study))
    assert report.skipped == []
    assert_same_dataset(report.output, reference.dataset)
    assert not (study_dir(study) / "lock").exists()


def test_external_scheduler_equals_sync(reference, tmp_path, tiny_study):
    toml = tiny_study(tmp_path)
    study = load_study(toml)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        result = run_cli(
            "run", str(toml), "--scheduler", cluster.scheduler_address, "--no-progress"
        )
        assert result.returncode == 0, result.stderr
        assert "8 task(s) computed, 0 reused, 0 failed" in result.stdout
        with Client(cluster) as client:  # the run leaves the cluster it was lent running
            assert len(client.nthreads()) == 2
    assert_same_dataset(study.output_path, reference.dataset)
