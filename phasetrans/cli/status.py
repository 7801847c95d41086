"""``phasetrans status STUDY.toml``: done / failed / pending, without running anything."""

from __future__ import annotations

import argparse

from phasetrans.cli.options import add_study_arguments, open_study_file
from phasetrans.runner import plan_tasks, study_status


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="show which tasks of a study are done, failed or pending",
        description="Show a study's tasks (done, failed, pending), whether it is running now, "
        "and its sweep dimensions; runs nothing.",
    )
    add_study_arguments(p)
    p.add_argument("-v", "--verbose", action="store_true", help="list the tasks")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    study = open_study_file(args)
    tasks = plan_tasks(study)
    status = study_status(study, tasks)
    print(f"study {study.name} ({study.hash}): {status.summary()}")
    sweeps = study.sweeps()
    if sweeps:
        text = ", ".join(f"{d} ({len(v)})" for d, v in sweeps.items())
        print(f"  sweeps: {text}")
    epochs = sum(t.spec.settings.epochs * len(t.spec.seeds) for t in tasks)
    print(f"  {len(tasks)} tasks, {epochs} student-epochs in all")
    groups = [("failed", status.failed), ("pending", status.pending)]
    if args.verbose:
        groups.insert(0, ("done", status.done))
    for label, keys in groups:
        for key in keys:
            print(f"  {label:<8} {key}")
    return 0
