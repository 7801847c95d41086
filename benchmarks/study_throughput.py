"""Packed vs unpacked training of the N = 40 cells of ``studies/specialisation_small.toml``.

Measured: the N = 40 cells of ``specialisation_small`` (9 alpha x 8 teachers x 4
students x 2 methods = 576 students, W = 16, h_T = 4, h2 = 20, batch 100; with
``--quick`` the first 2 of its 8 teachers, 144 students, in packs sized for
one worker), each trained for ``--epochs`` epochs and again for 3 times that
instead of the study's 3500, both sides in this one process with one torch
thread (the study runs one single-threaded worker per core):

- *unpacked*: today's tasks (``run.pack = "off"``, blocks of 4 seeds, the fast
  step; ``--compile`` to compile it as a long study does, compile time excluded
  by a warm-up task);
- *packed*: the same cells with ``step = "member"`` and ``run.pack = "auto"``
  (packs sized as the planner sizes them for ``--workers`` workers).

Both include building teachers and data and the final pruning sweep of every
student. Printed, for each side: student-steps per second end to end at
``--epochs``; the marginal rate (the extra student-steps of the tripled budget
over its extra seconds, each side's best of two runs: what a long
study runs at, building and the sweep excluded); the time of the study's 3500
epochs projected from the two (fixed cost plus steps at the marginal rate);
their ratios; the rate of a single-thread 2048² sgemm measured in this run,
the share of it that the matmuls of each side reach, and the roofline at the
block shape (student-steps/s if the matmuls of one student-step ran at the
sgemm rate).

Also printed (issue 17's "within 10 %"), for the first pack at 5 times
``--epochs``, interleaved and best of ``--repeats``: the per-step cost of the
block (``run_pack``'s step loop with its per-epoch bookkeeping) against the
bare step on the same ensemble for the same steps (the fused member step and
Adam with each epoch's shuffle and batch gathering, as ``train()`` has them),
without checkpoints or the sweep (building the pack and the final sweep are
outside both clocks). Times are this process's CPU time (the work is
single-threaded; wall time on a shared machine also counts other processes);
compare numbers of one run only.

    python benchmarks/study_throughput.py [--quick] [--epochs 40] [--compile] [--repeats 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import torch

from phasetrans.backend.pack import Pack, PackSpec, run_pack
from phasetrans.backend.task import run_block
from phasetrans.config import parse_study
from phasetrans.runner.cells import pack_cells, plan_cells
from phasetrans.runner.plan import plan_tasks

STUDY = Path(__file__).resolve().parents[1] / "studies" / "specialisation_small.toml"
#: Every time here is this process's CPU time: on a shared machine, wall time also
#: counts the time other processes hold the core (the work is single-threaded).
clock = time.process_time
#: The marginal rates compare ``--epochs`` with this many times as many.
MARGINAL = 3
#: The block vs bare comparison runs one pack for this many times ``--epochs`` too.
LONG = 5
#: The study's budget, for the projection.
STUDY_EPOCHS = 3500


def _study(epochs: int, packed: bool, quick: bool):
    text = STUDY.read_text()
    text = text.replace("input_dim = [10, 20, 40]", "input_dim = [40]")
    text = text.replace("epochs = 3500", f"epochs = {epochs}")
    if quick:
        text = text.replace("seeds = [0, 1, 2, 3, 4, 5, 6, 7]", "seeds = [0, 1]")
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
        start = clock()
        a @ b
        best = min(best, clock() - start)
    return 2 * size**3 / best


def _student_steps(results) -> int:
    return sum(r.budget_steps * len(r.spec.seeds) for r in results)


def _flops(results) -> float:
    """Matmul FLOPs of the training of ``results`` (forward and backward, every sample)."""
    total = 0.0
    for r in results:
        d, w, h2 = r.spec.teacher.input_dim, r.spec.width, r.spec.teacher.hidden2
        total += r.budget_samples * len(r.spec.seeds) * (4 * d * w + 6 * w * h2)
    return total


def _unpacked(epochs: int, compile_: bool, quick: bool):
    tasks = plan_tasks(_study(epochs, packed=False, quick=quick), device="cpu")
    step = dict(step="fast", compile=compile_)
    return [
        dataclasses.replace(t.spec, settings=dataclasses.replace(t.spec.settings, **step))
        for t in tasks
    ]


def _packs(epochs: int, workers: int, quick: bool) -> list[PackSpec]:
    on = _study(epochs, packed=True, quick=quick)
    cells = plan_cells(on, device="cpu")
    return [t.spec for t in pack_cells(cells, max_members=on.run.max_members, workers=workers)]


def _timed(run, specs) -> tuple[float, list]:
    start = clock()
    results = [r for s in specs for r in _as_list(run(s))]
    return clock() - start, results


def _as_list(x):
    return x if isinstance(x, list) else [x]


def pack_steps(spec: PackSpec) -> int:
    """Steps of a pack's loop (its longest class)."""
    steps = []
    for b in spec.blocks:
        s = b.settings
        per_epoch = s.batches_per_epoch or -(-b.n_train // s.batch_size)
        steps.append(s.steps or s.epochs * per_epoch)
    return max(steps)


@torch.no_grad()
def loop_seconds(spec: PackSpec, *, bookkeeping: bool) -> float:
    """Seconds of the step loop of the ensemble of ``spec``, for its whole budget.

    ``bookkeeping=True`` is the block's loop exactly as ``run_pack`` runs it
    (the fused step, then each class's epoch ends: divergence check, snapshot,
    loss log); ``False`` is the bare step: the fused member step and Adam,
    with each epoch's shuffle and batch gathering, as ``train()`` has them.
    Building the pack and the final sweep are outside the clock; the spec has
    no checkpoints.
    """
    pack = Pack(spec)
    start = clock()
    for step in range(pack_steps(spec)):
        pack.step(step, bookkeeping=bookkeeping)
    return clock() - start


def _rates(r_1, r_2, t_1, t_2) -> dict[str, float]:
    n1, n2 = _student_steps(r_1), _student_steps(r_2)
    marginal = (n2 - n1) / (t_2 - t_1)
    fixed = t_1 - n1 / marginal
    per_epoch = n1 / r_1[0].spec.settings.epochs  # student-steps of one epoch
    projected = fixed + STUDY_EPOCHS * per_epoch / marginal
    return dict(n1=n1, n2=n2, end=n1 / t_1, marginal=marginal, fixed=fixed, projected=projected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 of the 8 teachers, 30 epochs")
    parser.add_argument("--epochs", type=int, default=None, help="default 40, --quick 30")
    parser.add_argument("--compile", action="store_true", help="compile the unpacked fast step")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="workers the packs are sized for (default 2; --quick 1, so that its packs of "
        "72 are nearer the full run's 144)",
    )
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the block vs bare")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rate = sgemm_rate()
    e1 = args.epochs or (30 if args.quick else 40)
    e2, q = MARGINAL * e1, args.quick
    args.workers = args.workers or (1 if q else 2)

    off1, off2 = _unpacked(e1, args.compile, q), _unpacked(e2, args.compile, q)
    on1, on2 = _packs(e1, args.workers, q), _packs(e2, args.workers, q)
    if args.compile:
        run_block(off1[0])  # compile outside the clock
    # each side best of two at each budget, interleaved, so that one slow run does not decide
    t_off1, r_off1 = _timed(run_block, off1)
    t_on1, r_on1 = _timed(run_pack, on1)
    t_off2, r_off2 = _timed(run_block, off2)
    t_on2, r_on2 = _timed(run_pack, on2)
    t_off1 = min(t_off1, _timed(run_block, off1)[0])
    t_on1 = min(t_on1, _timed(run_pack, on1)[0])
    t_off2 = min(t_off2, _timed(run_block, off2)[0])
    t_on2 = min(t_on2, _timed(run_pack, on2)[0])
    # the block against the bare step: the step loop of one pack at LONG x e1 epochs,
    # with and without the block's bookkeeping, interleaved, best of --repeats
    one = _packs(LONG * e1, args.workers, q)[0]
    times: dict[str, list[float]] = {"block": [], "bare": []}
    for _ in range(args.repeats):
        times["block"].append(loop_seconds(one, bookkeeping=True))
        times["bare"].append(loop_seconds(one, bookkeeping=False))
    best = {k: min(v) for k, v in times.items()}
    rate = max(rate, sgemm_rate())  # the best of before and after
    off = _rates(r_off1, r_off2, t_off1, t_off2)
    on = _rates(r_on1, r_on2, t_on1, t_on2)
    assert off["n1"] == on["n1"] and off["n2"] == on["n2"]
    _report(args, rate, (off1, on1, r_on1, r_on2, t_off1, t_on1), off, on)
    _report_block(args, one, best)


def _report(args, rate, runs, off, on) -> None:
    off1, on1, r_on1, r_on2, t_off1, t_on1 = runs
    e1, e2 = r_on1[0].spec.settings.epochs, r_on2[0].spec.settings.epochs
    f1, f2 = _flops(r_on1), _flops(r_on2)
    per_step = f1 / on["n1"]
    per_marg = (f2 - f1) / (on["n2"] - on["n1"])  # matmul FLOPs per student-step
    s = off1[0]
    batch, d, w, h2 = s.settings.batch_size, s.teacher.input_dim, s.width, s.teacher.hidden2
    flops = 4 * batch * d * w + 6 * batch * w * h2  # forward + backward matmuls of one step
    students = sum(len(t.seeds) for t in off1)
    teachers = "2 of 8 teachers (--quick)" if args.quick else "all 8 teachers"
    print(
        f"N = 40 cells of specialisation_small, {teachers}: {students} students, {e1} and "
        f"{e2} epochs each ({on['n1']:,} and {on['n2']:,} student-steps), 1 thread, "
        "process CPU time"
    )
    print(f"single-thread sgemm 2048^2: {rate / 1e9:.1f} GFLOP/s (best of before and after)")
    print(
        f"block shape B = {batch}, d = {d}, W = {w}, h2 = {h2}: {flops / 1e6:.3f} MFLOP "
        f"of matmuls per full-batch student-step ({per_step / 1e6:.3f} on average over the "
        f"cells' batch sizes); roofline {rate / flops:,.0f} student-steps/s per core "
        f"({rate / per_marg:,.0f} at the cells' mean batch)"
    )
    unpacked_label = "compiled" if args.compile else "eager"
    print(
        f"{'':38s} {f'end to end, {e1} epochs':>34s}   {f'marginal, {e1} -> {e2} epochs':>30s}"
        f"   {f'projected, {STUDY_EPOCHS} epochs':>26s}"
    )
    sides = (
        (f"unpacked ({len(off1)} tasks of 4, fast {unpacked_label})", t_off1, off),
        (f"packed ({len(on1)} packs of {max(p.members for p in on1)} at most)", t_on1, on),
    )
    for label, t1, r in sides:
        print(
            f"{label:38s} {t1:6.1f} s {r['end']:9,.0f} st/s "
            f"{100 * r['end'] * per_step / rate:5.1f} % sgemm"
            f"   {r['marginal']:9,.0f} st/s {100 * r['marginal'] * per_marg / rate:5.1f} % sgemm"
            f"   {r['projected']:7,.0f} s (fixed {r['fixed']:.1f} s)"
        )
    print(
        f"ratio packed / unpacked: {on['end'] / off['end']:.2f}x end to end at {e1} epochs, "
        f"{on['marginal'] / off['marginal']:.2f}x marginal, "
        f"{off['projected'] / on['projected']:.2f}x projected at {STUDY_EPOCHS} epochs "
        "(target >= 10x)"
    )


def _report_block(args, one: PackSpec, best: dict[str, float]) -> None:
    steps = pack_steps(one)
    block, bare = best["block"] / steps, best["bare"] / steps
    print(
        f"one pack of {one.members}, {one.blocks[0].settings.epochs} epochs ({steps} pack "
        f"steps), best of {args.repeats}: per-step cost of the block (run_pack's loop) "
        f"{1e6 * block:,.0f} us; bare step (fused member step + Adam, with shuffling and "
        f"batching, as train()) {1e6 * bare:,.0f} us: block / bare = {block / bare:.3f} "
        f"({100 * (block / bare - 1):+.1f} %, target within 10 %)"
    )


if __name__ == "__main__":
    main()
