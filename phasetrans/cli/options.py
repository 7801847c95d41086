"""What the subcommands share: their common options, opening the data, output names, Ctrl-C.

One way to open a study file (:func:`open_study_file`, honouring
``--data-dir``) and one way to open a dataset (:func:`open_data`); both raise
phasetrans errors that :func:`phasetrans.cli.main` turns into one line and
exit code 2.  One spelling of the shared options: ``STUDY``, ``DATA``,
``--data-dir DIR``, ``--training NAME`` (the dataset's dimension) and
``--out DIR`` (:func:`out_folder`, :func:`make_folder`), inside which
:func:`file_name` names each file after every option that changes it.

Metavars are upper-case nouns of :data:`METAVARS`, alone or combined
(``DIM=VALUE``, ``LOW HIGH``, ``NAME|N``).
"""

from __future__ import annotations

import _thread
import argparse
import logging
import re
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xarray as xr

from phasetrans.config import Study, load_study
from phasetrans.config.bounds import ALLOW_LARGE, MAX_THREADS, check_bound
from phasetrans.errors import ConfigError, DataError, PhasetransWarning
from phasetrans.store import read_dataset, read_root, write_in_progress

__all__ = [
    "METAVARS",
    "DeprecatedAlias",
    "add_data_argument",
    "add_out_argument",
    "add_study_arguments",
    "add_training_argument",
    "bootstrap_count",
    "bootstrap_seed",
    "choice",
    "file_name",
    "interrupts_wait_for_writes",
    "make_folder",
    "number",
    "open_data",
    "open_study_file",
    "out_folder",
    "require_finite",
    "working",
]

log = logging.getLogger("phasetrans.cli")

#: The nouns of every metavar: an integer, a real number, one of a list (named
#: in the help), a dimension of the data, a folder, a file, a study TOML file,
#: a study dataset, a dask scheduler, the ends of a range.
METAVARS = ("N", "VALUE", "NAME", "DIM", "DIR", "FILE", "STUDY", "DATA", "SCHEDULER", "LOW", "HIGH")


def add_study_arguments(p: argparse.ArgumentParser) -> None:
    """The study file, ``--data-dir`` and ``--allow-large``."""
    p.add_argument("study", metavar="STUDY", help="study TOML file, e.g. studies/quick.toml")
    p.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="folder of the dataset and its parts (default: the study's `output`, "
        "relative to the study file's folder; data/<name>.nc without one)",
    )
    p.add_argument(
        ALLOW_LARGE,
        action="store_true",
        help="lift the bounds on sizes, counts and budgets (widths, n_train, seeds, epochs, "
        "cells, ...: the table of phasetrans.config.bounds); not part of the study hash",
    )


def add_data_argument(
    p: argparse.ArgumentParser, help: str = "netCDF study file, e.g. data/quick.nc"
) -> None:
    """The dataset argument of the analysis subcommands."""
    p.add_argument("data", metavar="DATA", help=help)


class DeprecatedAlias(argparse.Action):
    """A hidden old spelling of an option: sets the new option's value and says so on stderr."""

    def __init__(self, option_strings, dest, *, replacement: str, **kwargs) -> None:
        kwargs["help"] = argparse.SUPPRESS
        super().__init__(option_strings, dest, **kwargs)
        self.replacement = replacement

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(
            f"{parser.prog}: warning: {option_string} is deprecated; use {self.replacement}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)


def add_training_argument(p: argparse.ArgumentParser, help: str, *, several: bool = False) -> None:
    """``--training NAME``, named after the dataset's dimension; ``--method`` is a hidden alias."""
    p.add_argument(
        "--training", default=None, metavar="NAME[,NAME...]" if several else "NAME", help=help
    )
    p.add_argument(
        "--method", dest="training", default=None, action=DeprecatedAlias, replacement="--training"
    )


def add_out_argument(p: argparse.ArgumentParser, what: str, *, named: bool = True) -> None:
    """``--out DIR``: the folder every file-writing subcommand writes into.

    ``named`` says that the subcommand names its files with :func:`file_name`.
    """
    text = (
        f"folder for {what} (default: out/<DATA file name without .nc>/, e.g. out/quick/ "
        "for data/quick.nc)"
    )
    if named:
        text += "; file names carry every option that changes the file, so runs with other "
        text += "options never overwrite each other"
    p.add_argument("--out", default=None, metavar="DIR", help=text)


#: Suffixes that show a file name given where ``--out`` wants a folder.
FILE_SUFFIXES = (".png", ".pdf", ".svg", ".nc", ".html")


def out_folder(args: argparse.Namespace) -> Path:
    """The folder of ``--out`` (default ``out/<DATA stem>/``), checked but not created yet.

    Subcommands call it before their analysis, so that a bad ``--out`` is an
    error before any work, and create the folder (:func:`make_folder`) once
    there is something to write.

    Raises
    ------
    ConfigError
        If ``--out`` names an existing file.
    """
    folder = Path(args.out) if args.out else Path("out") / Path(args.data).stem
    if folder.exists() and not folder.is_dir():
        raise ConfigError(
            f"--out: {str(folder)!r} is a file; use a folder", field="--out", value=args.out
        )
    if not folder.exists() and folder.suffix in FILE_SUFFIXES:
        warnings.warn(
            f"--out {folder} looks like a file name, but --out is a folder: writing into it",
            PhasetransWarning,
            stacklevel=2,
        )
    return folder


def make_folder(folder: Path) -> Path:
    """Create the ``--out`` folder; a one-line :class:`ConfigError` if that is impossible."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"--out: cannot create {str(folder)!r} ({exc.strerror})",
            field="--out",
            value=str(folder),
        ) from None
    return folder


def choice(option: str, text: str, allowed: tuple[str, ...] | list[str]) -> str:
    if text not in allowed:
        raise ConfigError(
            f"{option}: {text!r} is not allowed; use one of {', '.join(map(str, allowed))}",
            field=option,
            value=text,
        )
    return text


def number(
    option: str,
    text: str | None,
    *,
    integer: bool = False,
    minimum: float | None = None,
    maximum: int | None = None,
):
    """``text`` as a number (``None`` stays ``None``); one-line ConfigError outside the range."""
    if text is None:
        return None
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise ConfigError(
            f"{option}: {text!r} is not allowed; use {kind}", field=option, value=text
        ) from None
    if minimum is not None and value < minimum:
        raise ConfigError(
            f"{option}: {text!r} is not allowed; use a value >= {minimum:g}",
            field=option,
            value=text,
        )
    if maximum is not None and value > maximum:
        raise ConfigError(
            f"{option}: {text!r} is not allowed; use a value <= {maximum:,}",
            field=option,
            value=text,
        )
    return value


def bootstrap_count(text: str | None, default: int) -> int:
    """``--bootstrap``: resamples, ``0 <= N <=`` :data:`~phasetrans.config.bounds.MAX_BOOTSTRAP`."""
    from phasetrans.config.bounds import MAX_BOOTSTRAP

    return number(
        "--bootstrap", text or str(default), integer=True, minimum=0, maximum=MAX_BOOTSTRAP
    )


def bootstrap_seed(text: str | None) -> int:
    """``--seed`` of the bootstrap: ``0 <= N < 2**64`` (default: the analysis's ``SEED``)."""
    from phasetrans.analysis.defaults import SEED
    from phasetrans.config.bounds import MAX_SEED

    return number("--seed", text or str(SEED), integer=True, minimum=0, maximum=MAX_SEED)


def file_name(
    command: str,
    parts: Sequence[object],
    options: Mapping[str, object] | None = None,
    suffix: str = ".png",
) -> str:
    """``command-part-...-key=value...suffix``: a file named after what changes its content.

    ``parts`` (the resolved slice: observable, training, sizes...) appear
    unless ``None`` (a study without a training dimension); each of
    ``options`` appears as ``key=value`` unless its value is ``None``
    (callers pass ``None`` for an option at its default), as ``key`` alone
    when ``True``.  Sequences are joined with commas, floats written with
    ``:g``, and characters unsafe in a file name become ``_``.
    """

    def text(value: object) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, Sequence):
            return ",".join(text(v) for v in value)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    pieces = [command, *(text(part) for part in parts if part is not None)]
    for key, value in (options or {}).items():
        if value is True:
            pieces.append(key)
        elif value is not None and value is not False:
            pieces.append(f"{key}={text(value)}")
    return re.sub(r"[^\w.,=+-]", "_", "-".join(pieces)) + suffix


def open_study_file(args: argparse.Namespace) -> Study:
    """Load the study named on the command line, with ``--data-dir`` applied.

    ``--allow-large`` lifts the bounds of :mod:`phasetrans.config.bounds`, which
    also bound ``--workers`` (:data:`~phasetrans.config.bounds.MAX_THREADS`).
    """
    allow_large = bool(getattr(args, "allow_large", False))
    workers = getattr(args, "workers", None)
    if isinstance(workers, int):
        check_bound("--workers", workers, MAX_THREADS, allow_large=allow_large)
    study = load_study(args.study, allow_large=allow_large)
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


def require_finite(
    ds: xr.Dataset, variable: str, needed_by: str, data: object, *, teacher_width: int | None = None
) -> None:
    """Refuse, in one line, data whose ``variable`` is missing or has no finite value.

    Parameters
    ----------
    ds : xarray.Dataset
        The opened dataset.
    variable : str
        The variable ``needed_by`` reads.
    needed_by : str
        What needs it, for the message (``"the dimension figure"``).
    data : str or pathlib.Path
        The file, for the message.
    teacher_width : int, optional
        Look at this teacher width only.

    Raises
    ------
    DataError
        Naming the file, the variable and what needs it.
    """
    import numpy as np

    if variable not in ds:
        raise DataError(
            f"{data} has no variable {variable!r}, which {needed_by} needs",
            field=variable,
            value=str(data),
        )
    values = ds[variable]
    at = ""
    if teacher_width is not None and "teacher_width" in values.dims:
        values, at = values.sel(teacher_width=teacher_width), f" at teacher width {teacher_width}"
    if not np.isfinite(values.values).any():
        raise DataError(
            f"{data}: {variable} has no finite value{at} (all NaN or infinite), "
            f"so there is nothing for {needed_by}",
            field=variable,
            value=str(data),
        )


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
