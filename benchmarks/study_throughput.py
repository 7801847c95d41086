"""Packed vs unpacked training of the N = 40 cells of ``studies/specialisation_small.toml``.

Measured: the N = 40 cells of ``specialisation_small`` (9 alpha x 8 teachers x 4
students x 2 methods = 576 students, W = 16, h_T = 4, h2 = 20, batch 100), each
trained for ``--epochs`` epochs and again for twice that instead of the study's
3500, both sides in this one process with one torch thread (the study runs one
single-threaded worker per core):

- *unpacked*: today's tasks (``run.pack = "off"``, blocks of 4 seeds, the fast
  step; ``--compile`` to compile it as a long study does, compile time excluded
  by a warm-up task);
- *packed*: the same cells with ``step = "member"`` and ``run.pack = "auto"``
  (packs sized as the planner sizes them for 2 workers).

Both include building teachers and data and the final pruning sweep of every
student. Printed, for each side: student-steps per second end to end at
``--epochs``, and the marginal rate (the extra student-steps of the doubled
budget over its extra seconds: what a 3500-epoch study runs at, building and
the sweep excluded); their ratios; the rate of a single-thread 2048² sgemm
measured here, the share of it that the matmuls of each side reach, and the
roofline at the block shape (student-steps/s if the matmuls of one
student-step ran at the sgemm rate).

Also printed (issue 17's "within 10 %"), for the first pack, interleaved and
best of ``--repeats``: the marginal per-step cost of the whole block
(``run_pack`` at ``--epochs`` and 5 times as many) against the bare member step on the same
ensemble (``member_grads`` and the Adam update, the same classes active at
each step, on fixed batches; and again with the block's per-epoch shuffle and
batch gathering, as ``train()`` has them), without checkpoints or the sweep.
Times are this process's CPU time (the work is single-threaded; wall time on a
shared machine also counts other processes); compare numbers of one run only.

    python benchmarks/study_throughput.py [--epochs 40] [--compile] [--repeats 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import torch

from phasetrans.backend.member_step import adam_update, member_grads
from phasetrans.backend.pack import PackSpec, _Pack, run_pack
from phasetrans.backend.task import run_block
from phasetrans.config import parse_study
from phasetrans.runner.cells import pack_cells, plan_cells
from phasetrans.runner.plan import plan_tasks

STUDY = Path(__file__).resolve().parents[1] / "studies" / "specialisation_small.toml"
#: Every time here is this process's CPU time: on a shared machine, wall time also
#: counts the time other processes hold the core (the work is single-threaded).
clock = time.process_time
#: The block vs bare comparison runs one pack for this many times ``--epochs`` too.
LONG = 5


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


def _unpacked(epochs: int, compile_: bool):
    tasks = plan_tasks(_study(epochs, packed=False), device="cpu")
    step = dict(step="fast", compile=compile_)
    return [
        dataclasses.replace(t.spec, settings=dataclasses.replace(t.spec.settings, **step))
        for t in tasks
    ]


def _packs(epochs: int, workers: int) -> list[PackSpec]:
    on = _study(epochs, packed=True)
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
def bare_seconds(spec: PackSpec, steps: int, *, shuffled: bool = False) -> float:
    """Seconds of ``steps`` bare member steps on the ensemble of ``spec``.

    ``member_grads`` and the Adam update of the classes still training at each
    step, on one fixed batch per position in the epoch (drawn once, outside the
    clock): the training step alone, without shuffling, batching, per-epoch
    bookkeeping, checkpoints or the pruning sweep. ``shuffled``: with each
    epoch's shuffle and batch gathering as the block does them (what ``train()``
    does besides the step), still without the per-epoch bookkeeping.
    """
    pack = _Pack(spec)
    s = spec.blocks[0].settings
    fixed = {}
    for c in pack.classes:
        c.compute(0)
        assert c.order is not None
        members, batches = c.hi - c.lo, []
        for k in range(c.per_epoch):
            idx = c.order[:, c.starts[k] : c.starts[k + 1]].reshape(-1)
            x = c.x.index_select(0, idx).view(members, -1, c.x.shape[1])
            batches.append((x, c.y.index_select(0, idx).view(members, -1)))
        fixed[id(c)] = batches
    start = clock()
    for step in range(steps):
        active = [c for c in pack.classes if step < c.total]
        for c in active:
            if shuffled:
                c.compute(step)
                continue
            x, y = fixed[id(c)][step % c.per_epoch]
            member_grads(c.p, c.g, x, y, l2_eigenvalues=c.l2, **pack.constants)
        by_rate: dict[float, list] = {}
        for c in active:
            by_rate.setdefault(c.lr, []).append(c)
        for lr, group in by_rate.items():
            adam_update(
                [c.flat for c in group],
                [c.flat_grad for c in group],
                [c.exp_avg for c in group],
                [c.exp_avg_sq for c in group],
                step + 1,
                lr,
                s.betas[0],
                s.betas[1],
                s.eps,
            )
    return clock() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--compile", action="store_true", help="compile the unpacked fast step")
    parser.add_argument("--workers", type=int, default=2, help="workers the packs are sized for")
    parser.add_argument(
        "--repeats", type=int, default=3, help="repeats of the block vs bare timing"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    rate = sgemm_rate()
    e1, e2 = args.epochs, 2 * args.epochs

    off1, off2 = _unpacked(e1, args.compile), _unpacked(e2, args.compile)
    on1, on2 = _packs(e1, args.workers), _packs(e2, args.workers)
    if args.compile:
        run_block(off1[0])  # compile outside the clock
    t_off1, r_off1 = _timed(run_block, off1)
    t_on1, r_on1 = _timed(run_pack, on1)
    t_off2, r_off2 = _timed(run_block, off2)
    t_on2, r_on2 = _timed(run_pack, on2)
    # the block against the bare step: one pack at e1 and LONG x e1 epochs, interleaved,
    # best of --repeats (a long difference, so the noise of two runs stays small in it)
    one1, one2 = on1[0], _packs(LONG * e1, args.workers)[0]
    steps_one, steps_long = pack_steps(one1), pack_steps(one2)
    times: dict[str, list[float]] = {"e1": [], "e2": [], "bare": [], "shuffled": []}
    for _ in range(args.repeats):
        times["e1"].append(_timed(run_pack, [one1])[0])
        times["e2"].append(_timed(run_pack, [one2])[0])
        times["bare"].append(bare_seconds(one2, steps_long))
        times["shuffled"].append(bare_seconds(one2, steps_long, shuffled=True))
    best = {k: min(v) for k, v in times.items()}
    rate = max(rate, sgemm_rate())  # the best of before and after

    n_off1, n_on1 = _student_steps(r_off1), _student_steps(r_on1)
    n_off2, n_on2 = _student_steps(r_off2), _student_steps(r_on2)
    assert n_off1 == n_on1 and n_off2 == n_on2
    f1, f2 = _flops(r_on1), _flops(r_on2)
    per_step, per_marg = f1 / n_on1, (f2 - f1) / (n_on2 - n_on1)  # matmul FLOPs
    end_off, end_on = n_off1 / t_off1, n_on1 / t_on1
    marg_off = (n_off2 - n_off1) / (t_off2 - t_off1)
    marg_on = (n_on2 - n_on1) / (t_on2 - t_on1)

    s = off1[0]
    batch, d, w, h2 = s.settings.batch_size, s.teacher.input_dim, s.width, s.teacher.hidden2
    flops = 4 * batch * d * w + 6 * batch * w * h2  # forward + backward matmuls of one step
    roofline = rate / flops
    students = sum(len(t.seeds) for t in off1)
    print(
        f"N = 40 cells of specialisation_small: {students} students, {e1} and {e2} epochs "
        f"each ({n_off1:,} and {n_off2:,} student-steps), 1 thread, process CPU time"
    )
    print(f"single-thread sgemm 2048^2: {rate / 1e9:.1f} GFLOP/s (best of before and after)")
    print(
        f"block shape B = {batch}, d = {d}, W = {w}, h2 = {h2}: {flops / 1e6:.3f} MFLOP "
        f"of matmuls per full-batch student-step ({per_step / 1e6:.3f} on average over the "
        f"cells' batch sizes); roofline {roofline:,.0f} student-steps/s per core"
    )
    unpacked_label = "compiled" if args.compile else "eager"
    print(f"{'':38s} {f'end to end, {e1} epochs':>34s}   {f'marginal, {e1} -> {e2} epochs':>30s}")
    for label, t1, end, marg in (
        (f"unpacked ({len(off1)} tasks of 4, fast {unpacked_label})", t_off1, end_off, marg_off),
        (
            f"packed ({len(on1)} packs of {max(p.members for p in on1)} at most)",
            t_on1,
            end_on,
            marg_on,
        ),
    ):
        print(
            f"{label:38s} {t1:6.1f} s {end:9,.0f} st/s {100 * end * per_step / rate:5.1f} % sgemm"
            f"   {marg:9,.0f} st/s {100 * marg * per_marg / rate:5.1f} % sgemm"
        )
    print(
        f"ratio packed / unpacked: {end_on / end_off:.2f}x end to end, "
        f"{marg_on / marg_off:.2f}x marginal (target >= 10x)"
    )
    block = (best["e2"] - best["e1"]) / (steps_long - steps_one)
    bare, shuffled = best["bare"] / steps_long, best["shuffled"] / steps_long
    print(
        f"one pack of {one1.members}, {e1} -> {LONG * e1} epochs, best of {args.repeats}: "
        f"marginal cost of the block (run_pack) {1e6 * block:,.0f} us per pack step "
        "(each class still training steps once);"
        f" bare member step on the same pack {1e6 * bare:,.0f} us"
        f" ({100 * (block / bare - 1):+.1f} %),"
        f" with shuffling and batching {1e6 * shuffled:,.0f} us"
        f" ({100 * (block / shuffled - 1):+.1f} %) (target within 10 %)"
    )
    fixed_on = best["e1"] - block * steps_one
    print(
        f"its fixed cost (teachers, data, init, final pruning sweep): {fixed_on:.2f} s "
        f"of {best['e1']:.2f} s at {e1} epochs"
    )


if __name__ == "__main__":
    main()
