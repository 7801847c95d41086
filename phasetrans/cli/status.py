"""``phasetrans status STUDY.toml``: done / failed / pending, without running anything."""

from __future__ import annotations

import argparse

from phasetrans.config import load_study
from phasetrans.runner import study_status


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="show which tasks of a study are done, failed or pending")
    p.add_argument("study", help="study TOML file")
    p.add_argument("-v", "--verbose", action="store_true", help="list the tasks")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    study = load_study(args.study)
    status = study_status(study)
    print(f"study {study.name} ({study.hash}): {status.summary()}")
    groups = [("failed", status.failed), ("pending", status.pending)]
    if args.verbose:
        groups.insert(0, ("done", status.done))
    for label, keys in groups:
        for key in keys:
            print(f"  {label:<8} {key}")
    return 0
