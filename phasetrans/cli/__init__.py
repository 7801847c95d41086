"""The ``phasetrans`` command line.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
taking the parsed namespace and returning an exit code.  The modules only
compose public functions of the package; no logic lives here.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from phasetrans.errors import PhasetransError, PhasetransWarning

__all__ = ["OneLineParser", "build_parser", "main"]

#: Subcommand modules, in the order ``phasetrans --help`` lists them.
_COMMAND_MODULES = (
    "run",
    "status",
    "unlock",
    "combine",
    "info",
    "plot",
    "collapse",
    "fit",
    "transition",
    "topology",
    "overlaps",
    "report",
)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, pointing to ``--help``."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {text} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    from phasetrans.version import __version__

    parser = OneLineParser(
        prog="phasetrans",
        description="Teacher-student spectral pruning studies: run, inspect, analyse.",
    )
    parser.add_argument("--version", action="version", version=f"phasetrans {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"phasetrans.cli.{name}")
        except ModuleNotFoundError as exc:  # a subcommand not built yet
            if exc.name == f"phasetrans.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``phasetrans`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _log_to_stderr()
    try:
        with warnings.catch_warnings():
            # phasetrans's own warnings are part of the answer: one line each on stderr
            warnings.simplefilter("always", PhasetransWarning)
            warnings.showwarning = _show_warning(args.command)
            return int(args.func(args) or 0)
    except (PhasetransError, FileNotFoundError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"phasetrans {args.command}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(
            f"phasetrans {args.command}: interrupted; finished work is kept "
            "(rerun the same command to resume)",
            file=sys.stderr,
        )
        return 130


def _show_warning(command: str):
    """``warnings.showwarning`` replacement printing ``phasetrans CMD: warning: ...``."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, PhasetransWarning):
            print(f"phasetrans {command}: warning: {message}", file=sys.stderr)
        else:
            print(
                warnings.formatwarning(message, category, filename, lineno, line), file=sys.stderr
            )

    return show


def _log_to_stderr() -> None:
    """Show the library's INFO messages (dashboard address, reused parts) on stderr."""
    logger = logging.getLogger("phasetrans")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name("phasetrans-cli")
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    for handler in logger.handlers:  # main() called again (tests) writes to today's stderr
        if handler.get_name() == "phasetrans-cli":
            handler.stream = sys.stderr  # not setStream(), which flushes the old, maybe closed


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
