"""``phasetrans status STUDY.toml``: done / failed / pending, without running anything."""

from __future__ import annotations

import argparse
import math
import os

from phasetrans.cli.options import add_study_arguments, open_study_file
from phasetrans.runner import plan_tasks, study_status
from phasetrans.runner.plan import planned_by_cells


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
        from phasetrans.config import load_study

        other = load_study(args.timing_from)
        other_tasks = plan_tasks(other)
        reference = (other, other_tasks, study_status(other, other_tasks).done)
    print("  " + cost_estimate(study, tasks, status.done, reference=reference))
    groups = [("failed", status.failed), ("pending", status.pending)]
    if args.verbose:
        groups.insert(0, ("done", status.done))
    for label, keys in groups:
        for key in keys:
            print(f"  {label:<8} {key}")
    return 0


def _steps(task) -> int:
    """Adam steps of all the students of a task: the unit of training cost."""
    s = task.spec.settings
    return s.epochs * math.ceil(task.spec.n_train / s.batch_size) * len(task.spec.seeds)


def _rate(study, tasks: list, done: list[str]) -> float | None:
    """Worker seconds per student-step measured on up to 50 finished parts."""
    import xarray as xr

    from phasetrans.store import part_path

    by_key = {t.key: t for t in tasks}
    seconds = steps = 0.0
    for key in done[:50]:
        try:
            with xr.open_dataset(part_path(study, key)) as part:
                block = float(part.attrs["seconds"])
        except (OSError, KeyError, ValueError):
            continue
        seconds += block
        steps += _steps(by_key[key])
    return seconds / steps if steps else None


def cost_estimate(study, tasks: list, done: list[str], *, reference=None) -> str:
    """Tasks and student-steps in all; a time estimate from the parts already computed.

    ``reference`` is ``(study, tasks, done)`` of another study whose finished
    parts give the timing when this one has none.

    The estimate assumes the cost of a student-step measured on the finished
    parts (their workers' seconds) holds for the rest, which is rough when the
    remaining tasks differ in width or batch size.
    """
    steps = sum(_steps(t) for t in tasks)
    text = f"{len(tasks)} tasks, {steps:.3g} student-steps (epochs x batches x students) in all"
    rate, source = _rate(study, tasks, done), "the parts done"
    if rate is None and reference is not None:
        rate, source = _rate(*reference), f"the parts of {reference[0].name}"
    if rate is None:
        return text + "; no part with a timing yet (run a few tasks, or --timing-from)"
    left = sum(_steps(t) for t in tasks if t.key not in set(done))
    hours = rate * left / 3600
    return (
        text + f"; {rate * 1e6:.3g} s per million student-steps on {source}, so about "
        f"{hours:.3g} worker-hours left ({hours / max(os.cpu_count() or 1, 1):.3g} h on the "
        f"{os.cpu_count()} cores here)"
    )
