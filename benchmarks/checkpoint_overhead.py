"""What checkpoints in time cost: training with 12 checkpoints against training without.

Runs the N = 40 cells of ``studies/specialisation_small.toml`` (h_T = 4, W = 16,
n_test = 2000, batch 100, its learning rates), with the epoch budget replaced by
``--steps`` optimiser steps so that every cell runs the same length, one teacher
and ``--alphas``. For every cell it times, interleaved and best of ``--repeats``:

- ``plain``: the backend block without checkpoints;
- ``recorded``: the same block with ``[record] checkpoints = 12`` (the backend
  measures importance, dimension, weights and the pruning sweep at each);
- ``inside``: the time spent at the checkpoints of the ``recorded`` run (the
  direct cost: writing the fast step's blocks back to the model, and measuring);
- ``order``: the runner's order parameters at the 12 checkpoints (the Hungarian
  matching of ``teacher_recovered`` and the overlaps), measured separately.

It prints each cost as a share of ``plain``, next to the machine's float32
matmul rate. The end-to-end difference ``recorded − plain`` is printed too, but
on a shared 2-core machine it is noisier than the cost itself (±10 % seen);
the verdict uses ``inside + order``. The issue's budget: at most 5 %.

    python benchmarks/checkpoint_overhead.py [--steps 4000] [--alphas 1.0 2.0] [--repeats 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from pathlib import Path

import torch

from phasetrans.backend import task as backend_task
from phasetrans.backend.engines import FastEngine
from phasetrans.backend.task import run_block
from phasetrans.config import parse_study
from phasetrans.runner.parts import student_order_parameters
from phasetrans.runner.plan import plan_tasks
from phasetrans.runner.spec import checkpoint_steps

STUDY = Path(__file__).resolve().parents[1] / "studies" / "specialisation_small.toml"


def matmul_rate(n: int = 1024, reps: int = 10) -> float:
    """Float32 GFLOP/s of a square matmul on the threads torch uses now, best of 3."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 * reps / best / 1e9


def tasks(steps: int, alphas: list[float]) -> list:
    text = STUDY.read_text()
    text = text.replace("epochs = 3500", f"steps = {steps}")
    text = text.replace("input_dim = [10, 20, 40]", "input_dim = [40]")
    text = text.replace("seeds = [0, 1, 2, 3, 4, 5, 6, 7]", "seeds = [0]")
    text = text.replace(
        "alpha = [0.6, 0.8, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0]", f"alpha = {alphas}"
    )
    return plan_tasks(parse_study(text), device="cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--alphas", type=float, nargs="+", default=[1.0, 2.0])
    parser.add_argument("--checkpoints", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"matmul rate (1 thread): {matmul_rate():.1f} GFLOP/s")
    print(f"{'cell':<40} {'plain s':>8} {'recorded':>9} {'inside':>7} {'order':>7}")
    worst = 0.0
    inside = _time_checkpoints()
    for task in tasks(args.steps, args.alphas):
        plain = task.spec
        marks = checkpoint_steps(args.checkpoints, plain.settings.steps)
        settings = dataclasses.replace(plain.settings, checkpoints=marks)
        recorded = dataclasses.replace(plain, settings=settings)
        run_block(recorded)  # warm up (a compile, if the fast step is chosen)
        best = {"plain": math.inf, "recorded": math.inf, "order": math.inf, "inside": math.inf}
        for _ in range(args.repeats):
            for name, spec in (("plain", plain), ("recorded", recorded)):
                inside[0] = 0.0
                start = time.perf_counter()
                result = run_block(spec)
                best[name] = min(best[name], time.perf_counter() - start)
            best["inside"] = min(best["inside"], inside[0])
            record = result.checkpoints
            start = time.perf_counter()
            for c in range(len(record.step)):
                student_order_parameters(
                    record.w1[c], record.importance[c], record.dimension[c], result.teacher_w1
                )
            best["order"] = min(best["order"], time.perf_counter() - start)
        extra = (best["recorded"] - best["plain"]) / best["plain"]
        cost = best["inside"] / best["plain"]
        order = best["order"] / best["plain"]
        worst = max(worst, cost + order)
        print(f"{task.key:<40} {best['plain']:8.2f} {extra:+9.1%} {cost:7.1%} {order:7.1%}")
    print(f"largest checkpoint cost (inside + order): {worst:.1%} of training (budget: 5 %)")


def _time_checkpoints() -> list[float]:
    """Accumulate the seconds spent in the backend's checkpoint callback into ``[0]``."""
    spent = [0.0]
    original = backend_task._Recorder.__call__

    def timed(self, moment):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        original(self, moment)
        spent[0] += time.perf_counter() - start

    backend_task._Recorder.__call__ = timed  # type: ignore[method-assign]
    original_sync = FastEngine.sync

    def timed_sync(self):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        original_sync(self)
        spent[0] += time.perf_counter() - start

    FastEngine.sync = timed_sync  # type: ignore[method-assign]
    return spent


if __name__ == "__main__":
    main()
