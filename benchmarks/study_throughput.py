"""Packed vs unpacked training of the N = 40 cells of ``studies/specialisation_small.toml``.

Measured: the N = 40 cells of ``specialisation_small`` (9 alpha x 8 teachers x 4
students x 2 methods = 576 students, W = 16, h_T = 4, h2 = 20, batch 100), each
trained for ``--epochs`` epochs instead of the study's 3500 (the rate per
student-step is what is compared), both sides in this one process with one
torch thread (the study runs one single-threaded worker per core):

- *unpacked*: today's tasks (``run.pack = "off"``, blocks of 4 seeds, the fast
  step; ``--compile`` to compile it as a long study does, compile time excluded
  by a warm-up task);
- *packed*: the same cells with ``step = "member"`` and ``run.pack = "auto"``
  (packs sized as the planner sizes them for 2 workers).

Both include building teachers and data and the final pruning sweep of every
student. Printed: student-steps per second of each, their ratio, the rate of a
single-thread 2048² sgemm measured here, and the roofline at the block shape
(the matmul FLOPs of one student-step at that sgemm rate).

    python benchmarks/study_throughput.py [--epochs 40] [--compile]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import torch

from phasetrans.backend.pack import run_pack
from phasetrans.backend.task import run_block
from phasetrans.config import parse_study
from phasetrans.runner.plan import pack_cells, plan_cells, plan_tasks

STUDY = Path(__file__).resolve().parents[1] / "studies" / "specialisation_small.toml"


def _study(epochs: int, packed: bool):
    text = STUDY.read_text()
    text = text.replace("input_dim = [10, 20, 40]", "input_dim = [40]")
    text = text.replace("epochs = 3500", f"epochs = {epochs}")
    if packed:
        text = text.replace("log_every = 50", 'log_every = 50\nstep = "member"')
        text = text.replace("[run]", '[run]\npack = "auto"')
    return parse_study(text)


def sgemm_rate(size: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of one thread on a ``size``² float32 matrix product (best of ``repeats``)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def _student_steps(results) -> int:
    return sum(r.budget_steps * len(r.spec.seeds) for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--compile", action="store_true", help="compile the unpacked fast step")
    parser.add_argument("--workers", type=int, default=2, help="workers the packs are sized for")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rate = sgemm_rate()

    off = _study(args.epochs, packed=False)
    tasks = plan_tasks(off, device="cpu")
    step = dict(step="fast", compile=args.compile)
    specs = [
        dataclasses.replace(t.spec, settings=dataclasses.replace(t.spec.settings, **step))
        for t in tasks
    ]
    if args.compile:
        run_block(specs[0])  # compile outside the clock
    start = time.perf_counter()
    unpacked = [run_block(s) for s in specs]
    unpacked_seconds = time.perf_counter() - start

    on = _study(args.epochs, packed=True)
    packs = pack_cells(
        plan_cells(on, device="cpu"), max_members=on.run.max_members, workers=args.workers
    )
    start = time.perf_counter()
    packed = [r for t in packs for r in run_pack(t.spec)]
    packed_seconds = time.perf_counter() - start

    steps_off, steps_on = _student_steps(unpacked), _student_steps(packed)
    assert steps_off == steps_on
    r_off, r_on = steps_off / unpacked_seconds, steps_on / packed_seconds
    s = tasks[0].spec
    batch, d, w, h2 = s.settings.batch_size, s.teacher.input_dim, s.width, s.teacher.hidden2
    flops = 4 * batch * d * w + 6 * batch * w * h2  # forward + backward matmuls of one step
    roofline = rate / flops
    students = sum(len(t.spec.seeds) for t in tasks)
    print(
        f"N = 40 cells of specialisation_small: {students} students, {args.epochs} epochs "
        f"each, {steps_off:,} student-steps, 1 thread"
    )
    print(f"single-thread sgemm 2048^2: {rate / 1e9:.1f} GFLOP/s")
    print(
        f"block shape B = {batch}, d = {d}, W = {w}, h2 = {h2}: {flops / 1e6:.3f} MFLOP "
        f"of matmuls per student-step; roofline {roofline:,.0f} student-steps/s per core"
    )
    unpacked_label = "compiled" if args.compile else "eager"
    print(
        f"unpacked ({len(tasks)} tasks of 4, fast step {unpacked_label}): "
        f"{unpacked_seconds:7.1f} s  {r_off:9,.0f} student-steps/s  "
        f"({100 * r_off / roofline:.1f} % of roofline)"
    )
    print(
        f"packed   ({len(packs)} packs of {max(t.spec.members for t in packs)} at most):"
        f"      {packed_seconds:7.1f} s  {r_on:9,.0f} student-steps/s  "
        f"({100 * r_on / roofline:.1f} % of roofline)"
    )
    print(f"ratio packed / unpacked: {r_on / r_off:.2f}x")


if __name__ == "__main__":
    main()
