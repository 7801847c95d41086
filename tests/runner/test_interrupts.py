"""Ctrl-C pressed again and again: one clean message, no traceback from the exit handlers."""

from __future__ import annotations

import os
import signal
import time

from phasetrans.config import load_study
from phasetrans.runner import study_dir
from tests.runner.helpers import parts_dir, start_run


def test_a_triple_ctrl_c_ends_on_the_clean_message(tmp_path, tiny_study):
    """The first Ctrl-C (the driver's hook) stops the run; two more hit the way out."""
    toml = tiny_study(tmp_path)
    study = load_study(toml)
    log = tmp_path / "run.log"
    proc = start_run(toml, log, signal_after="1:SIGINT")
    try:
        deadline = time.monotonic() + 180
        while "interrupted" not in log.read_text() and proc.poll() is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.005)
        for _ in range(2):  # while the exit handlers (dask's, torch's) run
            try:
                os.killpg(proc.pid, signal.SIGINT)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    output = log.read_text()
    assert code == 130, output
    assert "Traceback" not in output and "Exception ignored" not in output, output
    assert output.rstrip().endswith("(rerun the same command to resume)"), output
    assert len(list(parts_dir(study).glob("*.nc"))) >= 1
    assert not (study_dir(study) / "lock").exists()
