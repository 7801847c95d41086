"""Helpers shared by the runner tests."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from phasetrans.config import Study
from phasetrans.runner import study_dir
from phasetrans.runner.driver import SIGNAL_AFTER_PARTS
from phasetrans.store import read_dataset

FAIL_KEY = "direct_t4_w8_s2"
FAIL_CELL = {"training": "direct", "width": 8, "seed": 2}

#: A small study planned by cells (``step = "member"``), both methods, to format with
#: ``name``, ``teachers``, ``alphas``, ``seeds`` (lists), ``pack``, ``seed_block``, ``extra``.
PACKED_STUDY = """
name = "{name}"
output = "{name}.nc"
[teacher]
input_dim = 6
widths = [2]
hidden2 = 4
seeds = {teachers}
[data]
alpha = {alphas}
n_test = 40
[students]
widths = [4]
seeds = {seeds}
methods = ["spectral", "direct"]
[training.spectral]
lr = 0.05
batch_size = 8
epochs = 12
log_every = 4
step = "member"
[training.direct]
lr = 0.02
batch_size = 8
epochs = 12
log_every = 4
step = "member"
[record]
checkpoints = 3
[run]
pack = "{pack}"
seed_block = {seed_block}
{extra}
"""


class LogRecorder(logging.Handler):
    """Calls ``on_record(message)`` for every record of the phasetrans logger."""

    def __init__(self, on_record):
        super().__init__(logging.DEBUG)
        self.on_record = on_record

    def emit(self, record):
        self.on_record(record.getMessage())


def load_dataset(path: Path) -> xr.Dataset:
    ds = read_dataset(path, load=True)
    ds.attrs = {}  # `created` differs between runs
    return ds


def assert_same_dataset(path: Path, expected: xr.Dataset) -> None:
    xr.testing.assert_identical(load_dataset(path), expected)


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phasetrans.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def parts_dir(study: Study) -> Path:
    return study_dir(study) / "parts"


def stamps(study: Study) -> dict[str, tuple[int, int]]:
    """Inode and mtime of every part: both change when a part is rewritten."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in parts_dir(study).glob("*.nc")}


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def group_alive(pgid: int) -> bool:
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


def start_run(toml: Path, log_path: Path, *, signal_after: str | None = None) -> subprocess.Popen:
    """``phasetrans run`` on the embedded 2-worker cluster, in its own process group.

    Its own group, so that a signal to the group reaches the dask workers too.
    ``signal_after = "k:NAME"``: the driver signals its group right after writing
    its k-th part (the test hook :data:`phasetrans.runner.driver.SIGNAL_AFTER_PARTS`).
    """
    env = dict(os.environ)
    if signal_after is not None:
        env[SIGNAL_AFTER_PARTS] = signal_after
    with open(log_path, "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "phasetrans.cli", "run", str(toml), "--workers", "2"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )


def write_lock(study: Study, host: str, pid: int, since: str) -> Path:
    lock = study_dir(study) / "lock"
    lock.write_text(json.dumps({"host": host, "pid": pid, "since": since}))
    return lock


def not_here(spec, **kwargs):
    raise AssertionError("a task ran in the test process, not in a worker process")


def cli_lines(capsys, *argv: str) -> tuple[int, list[str]]:
    """Run the CLI in this process: its exit code and the lines it printed on stderr."""
    from phasetrans.cli import main as cli_main

    code = cli_main(list(argv))
    return code, capsys.readouterr().err.splitlines()


def corrupt_chunk(path: Path) -> int:
    """Damage the middle of the largest zlib-compressed chunk of ``path`` in place.

    The HDF5 header and every other byte stay as they are, so the file still
    opens and its attributes still read. Returns the offset of the damage.
    """
    import zlib

    data = bytearray(path.read_bytes())
    best = (0, -1)
    start = data.find(b"\x78\x5e")  # a zlib stream of level 2 to 5
    while start != -1:
        stream = zlib.decompressobj()
        try:
            stream.decompress(bytes(data[start:]))
            if stream.eof:
                length = len(data) - start - len(stream.unused_data)
                best = max(best, (length, start))
        except zlib.error:
            pass
        start = data.find(b"\x78\x5e", start + 1)
    length, start = best
    assert length > 64, f"no compressed chunk found in {path}"
    middle = start + length // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))
    return middle
