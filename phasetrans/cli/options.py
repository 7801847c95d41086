"""What the subcommands share: the study and data arguments, opening them, Ctrl-C.

One way to open a study file (:func:`open_study_file`, honouring
``--data-dir``) and one way to open a dataset (:func:`open_data`); both raise
phasetrans errors that :func:`phasetrans.cli.main` turns into one line and
exit code 2.
"""

from __future__ import annotations

import _thread
import argparse
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xarray as xr

from phasetrans.config import Study, load_study
from phasetrans.store import read_dataset, read_root, write_in_progress

__all__ = [
    "add_data_argument",
    "add_study_arguments",
    "default_out",
    "interrupts_wait_for_writes",
    "open_data",
    "open_study_file",
    "working",
]

log = logging.getLogger("phasetrans.cli")


def add_study_arguments(p: argparse.ArgumentParser) -> None:
    """The study file and ``--data-dir``."""
    p.add_argument("study", help="study TOML file, e.g. studies/quick.toml")
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder of the dataset and its parts (default: the study's `output`, "
        "relative to the study file's folder; data/<name>.nc without one)",
    )


def add_data_argument(p: argparse.ArgumentParser) -> None:
    """The dataset argument of the analysis subcommands."""
    p.add_argument("data", help="netCDF study dataset, e.g. data/quick.nc")


def open_study_file(args: argparse.Namespace) -> Study:
    """Load the study named on the command line, with ``--data-dir`` applied."""
    study = load_study(args.study)
    data_dir = getattr(args, "data_dir", None)
    if data_dir:
        output = Path(data_dir).resolve() / f"{study.name}.nc"
        study = study.model_copy(update={"output": str(output)})
    return study


def open_data(path: str | Path, *, weights: bool = True) -> xr.Dataset:
    """Open a study dataset, loaded; one-line :class:`~phasetrans.errors.DataError` for bad files.

    ``weights=False`` reads the root group alone (the pruning curves and
    per-student numbers), which is all most analyses need.
    """
    return read_dataset(path, load=True) if weights else read_root(path)


@contextmanager
def interrupts_wait_for_writes() -> Iterator[None]:
    """Let Ctrl-C interrupt the main thread, but never in the middle of a file write.

    An interrupt inside a netCDF write can leave the backend's file lock held
    and deadlock its cleanup. While :func:`phasetrans.store.write_in_progress`
    is true, the interrupt waits in a helper thread and is delivered to the
    main thread as soon as the write ends. Only the CLI installs this handler.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def deliver_after_write() -> None:
        while write_in_progress():
            time.sleep(0.01)
        _thread.interrupt_main()

    def handler(signum: int, frame: Any) -> None:
        if write_in_progress():
            threading.Thread(target=deliver_after_write, daemon=True).start()
            return
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def working(message: str, *, after: float = 2.0, every: float = 10.0) -> Iterator[None]:
    """Log ``message`` with the elapsed time while a long analysis runs (on stderr in the CLI).

    Nothing is shown for work that ends within ``after`` seconds, so quick
    errors stay one line.
    """
    done = threading.Event()
    start = time.monotonic()

    def beat() -> None:
        wait = after
        while not done.wait(wait):
            log.info("%s ... %.0f s", message, time.monotonic() - start)
            wait = every

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def default_out(data: str, name: str) -> Path:
    """``out/<data stem>/<name>.png``: where a subcommand writes its figure by default."""
    return Path("out") / Path(data).stem / f"{name}.png"
