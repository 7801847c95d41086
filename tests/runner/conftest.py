"""Fixtures of the runner tests: a reference run of the tiny study and copies of its parts."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from distributed import LocalCluster

from phasetrans.config import Study, load_study
from phasetrans.runner import run_study
from tests.runner.helpers import LogRecorder, Reference, load_dataset, parts_dir


@pytest.fixture
def runner_log():
    """``runner_log(callback)``: route the runner's log records to ``callback``."""
    logger = logging.getLogger("phasetrans")
    handlers = []

    def attach(callback):
        handler = LogRecorder(callback)
        logger.addHandler(handler)
        handlers.append(handler)
        logger.setLevel(logging.DEBUG)

    yield attach
    for handler in handlers:
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_study) -> Reference:
    """The tiny study run in-process, one task after the other."""
    toml = tiny_study(tmp_path_factory.mktemp("reference"))
    study = load_study(toml)
    report = run_study(study, scheduler="sync", progress=False)
    assert report.ok and len(report.computed) == 8
    return Reference(toml, study, load_dataset(report.output))


@pytest.fixture
def copied(reference, tmp_path, tiny_study) -> tuple[Path, Study]:
    """The tiny study in ``tmp_path`` holding a copy of the reference's parts (no dataset)."""
    toml = tiny_study(tmp_path)
    study = load_study(toml)
    assert study.hash == reference.study.hash
    shutil.copytree(parts_dir(reference.study), parts_dir(study))
    return toml, study


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
