"""``phasetrans run STUDY.toml``: run a study and print its summary."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from phasetrans.cli.options import (
    add_study_arguments,
    interrupts_wait_for_writes,
    open_data,
    open_study_file,
)
from phasetrans.errors import ConfigError
from phasetrans.runner import run_study, study_dir
from phasetrans.runner.disk import check_data_dir
from phasetrans.summary import format_summary


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a study (resumable) and write data/<study>.nc",
        description="Train, prune and store every task of a study that has no valid part yet.",
    )
    add_study_arguments(p)
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="SCHEDULER",
        help="'local' (default: embedded LocalCluster), 'sync' (in-process, progress over "
        "epochs) or the address of an existing dask scheduler (tcp://host:8786)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the local cluster",
    )
    p.add_argument(
        "--threads-per-worker",
        type=int,
        default=1,
        metavar="N",
        help="threads of each local-cluster worker; only 1 is allowed (torch's thread count "
        "is per process); threads per task are run.threads in the study file",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="discard parts computed for another version of the study",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    study = open_study_file(args)
    if args.workers is not None and args.workers < 1:
        raise ConfigError(
            f"--workers = {args.workers} is invalid: must be at least 1",
            field="workers",
            value=args.workers,
        )
    if args.data_dir:
        check_data_dir(Path(args.data_dir), field="--data-dir", value=args.data_dir)
    try:
        with interrupts_wait_for_writes():
            report = run_study(
                study,
                scheduler=args.scheduler,
                workers=args.workers,
                threads_per_worker=args.threads_per_worker,
                fresh=args.fresh,
                progress=not args.no_progress,
            )
    except KeyboardInterrupt:
        # the run has stopped and its work is kept: a further Ctrl-C would only interrupt
        # the exit handlers (dask's, multiprocessing's) and print their tracebacks
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise
    print(
        f"{len(report.computed)} task(s) computed, {len(report.skipped)} reused, "
        f"{len(report.failed)} failed in {report.seconds:.1f} s"
    )
    if report.failed:
        print(f"FAILED tasks (tracebacks in {study_dir(study) / 'failures.log'}):", file=sys.stderr)
        for key in report.failed:
            print(f"  {key}", file=sys.stderr)
        print(
            "finished parts are kept; `phasetrans combine --allow-missing` writes them",
            file=sys.stderr,
        )
        return 1
    print(f"wrote {report.output}\n")
    print(format_summary(open_data(report.output)))
    return 0
