"""``phasetrans status STUDY.toml``: done / failed / pending, without running anything."""

from __future__ import annotations

import argparse

from phasetrans.cli.options import add_study_arguments, open_study_file
from phasetrans.config import load_study
from phasetrans.runner import plan_tasks, study_status
from phasetrans.runner.cells import planned_by_cells
from phasetrans.runner.cost import cost_estimate


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="show which tasks of a study are done, failed or pending",
        description="Show a study's tasks (done, failed, pending), whether it is running now, "
        "and its sweep dimensions; runs nothing.",
    )
    add_study_arguments(p)
    p.add_argument(
        "--timing-from",
        metavar="STUDY",
        default=None,
        help="estimate the time from the finished parts of another, similar study "
        "(e.g. the small version of this one) when this one has none yet",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="list the tasks")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    study = open_study_file(args)
    # a study planned by cells lists cells (one student each) as its tasks
    tasks = plan_tasks(study, seed_block=1) if planned_by_cells(study) else plan_tasks(study)
    status = study_status(study, tasks)
    print(f"study {study.name} ({study.hash}): {status.summary()}")
    sweeps = study.sweeps()
    if sweeps:
        text = ", ".join(f"{d} ({len(v)})" for d, v in sweeps.items())
        print(f"  sweeps: {text}")
    reference = None
    if args.timing_from:
        other = load_study(args.timing_from)
        other_tasks = plan_tasks(other)
        reference = (other, other_tasks, study_status(other, other_tasks).done)
    print("  " + cost_estimate(study, tasks, status.done, reference=reference).summary())
    groups = [("failed", status.failed), ("pending", status.pending)]
    if args.verbose:
        groups.insert(0, ("done", status.done))
    for label, keys in groups:
        for key in keys:
            print(f"  {label:<8} {key}")
    return 0
