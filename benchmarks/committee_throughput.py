"""Packed vs unpacked training of committee students (the cells of issue 21's study).

Cells: committee ReLU teacher ``K = h_T = 4``, ``input_dim`` 40, students of the
committee form (sum readout) of width 16, ``alpha`` 2 (``P = alpha N K``
examples, nested data), ``batches_per_epoch`` 4, Adam, ``--teachers`` teachers x
4 students x 2 methods (spectral, direct), ``--steps`` steps each. Measured in
this one process with one torch thread (a study runs one single-threaded worker
per core), each side end to end (teachers, data, training, the final pruning
sweep of every student):

- *unpacked, today*: ``run.pack = "off"``, ``step = "auto"`` (committee
  students run on the autograd reference step), one task per 4 seeds;
- *unpacked, member*: the same tasks with ``step = "member"`` (one task per 4
  seeds, each a pack of its own);
- *packed*: ``step = "member"``, ``run.pack = "auto"``, packs sized by the
  planner for ``--workers`` workers.

Printed: student-steps per second of each side, the ratios, the load average
and this process's niceness (the times are this process's CPU time: on a
shared machine wall time also counts other processes, CPU time much less so).

    nice -n 19 python benchmarks/committee_throughput.py [--steps 2000] [--teachers 16]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import torch

from phasetrans.backend.pack import run_pack
from phasetrans.backend.specs import BlockSpec, PackSpec
from phasetrans.backend.task import run_block
from phasetrans.config import parse_study
from phasetrans.runner.cells import pack_cells, plan_cells
from phasetrans.runner.plan import plan_tasks

clock = time.process_time

STUDY = """
name = "committee_throughput"
[teacher]
kind = "committee"
input_dim = 40
widths = [4]
seeds = {teachers}
[data]
alpha = 2.0
n_test = 2000
[students]
widths = [16]
seeds = [0, 1, 2, 3]
methods = ["spectral", "direct"]
[training.spectral]
lr = 0.01
steps = {steps}
batches_per_epoch = 4
log_every = 100
step = "{step}"
[training.direct]
lr = 0.01
steps = {steps}
batches_per_epoch = 4
log_every = 100
step = "{step}"
[run]
pack = "{pack}"
seed_block = 4
"""


def _study(steps: int, teachers: int, *, step: str, pack: str):
    text = STUDY.format(steps=steps, teachers=list(range(teachers)), step=step, pack=pack)
    return parse_study(text)


def unpacked(steps: int, teachers: int, step: str) -> list[BlockSpec]:
    """Today's tasks: one per 4 seeds of a cell, with ``step``."""
    tasks = plan_tasks(_study(steps, teachers, step="auto", pack="off"), device="cpu")
    return [
        dataclasses.replace(t.spec, settings=dataclasses.replace(t.spec.settings, step=step))
        for t in tasks
    ]


def packed(steps: int, teachers: int, workers: int) -> list[PackSpec]:
    """The packs the planner makes for ``workers`` workers."""
    study = _study(steps, teachers, step="member", pack="auto")
    cells = plan_cells(study, device="cpu")
    return [t.spec for t in pack_cells(cells, max_members=study.run.max_members, workers=workers)]


def timed(specs) -> tuple[float, int]:
    """CPU seconds and student-steps of running ``specs`` (blocks or packs) one after another."""
    start = clock()
    results = []
    for spec in specs:
        out = run_pack(spec) if isinstance(spec, PackSpec) else run_block(spec)
        results += out if isinstance(out, list) else [out]
    seconds = clock() - start
    return seconds, sum(r.budget_steps * len(r.spec.seeds) for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--teachers", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="workers the packs are sized for")
    parser.add_argument(
        "--skip-reference", action="store_true", help="leave out the (slow) unpacked reference"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    load = os.getloadavg()
    sides = {}
    packs = packed(args.steps, args.teachers, args.workers)
    sides[f"packed ({len(packs)} packs of {max(p.members for p in packs)})"] = packs
    member = unpacked(args.steps, args.teachers, "member")
    sides[f"unpacked, member step ({len(member)} tasks of 4)"] = member
    if not args.skip_reference:
        reference = unpacked(args.steps, args.teachers, "auto")
        sides[f"unpacked, today ({len(reference)} tasks of 4, step auto)"] = reference
    for specs in (packed(5, 1, 1), unpacked(5, 1, "member"), unpacked(5, 1, "auto")):
        timed(specs[:1])  # warm-up: first calls of each path outside the clock
    rates = {}
    print(
        f"committee ReLU K = 4, N = 40, W = 16, alpha 2, batches_per_epoch 4, "
        f"{args.teachers} teachers x 4 students x 2 methods, {args.steps} steps; "
        f"1 thread, process CPU time; niceness {os.nice(0)}, load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (before) on {os.cpu_count()} cores"
    )
    for label, specs in sides.items():
        seconds, steps = timed(specs)
        rates[label] = steps / seconds
        print(f"{label:48s} {seconds:8.1f} s {steps:>12,} student-steps {rates[label]:>10,.0f} /s")
    first = next(iter(rates))
    for label, rate in list(rates.items())[1:]:
        print(f"ratio packed / {label}: {rates[first] / rate:.2f}x")
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
