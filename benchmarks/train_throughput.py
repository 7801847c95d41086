"""Training throughput: the fast step against the reference step and a loop of single students.

For every (W, S) cell, prints steps per second of one ensemble of S students
trained with the fast step (hand-written gradients, flat Adam, cache-sized
sub-ensembles, ``torch.compile`` unless ``--no-compile``), with the reference
step (autograd + ``torch.optim.Adam``), and of a loop of S single students
(reference step), their ratios, the one-off compile time, and the share of
the machine's float32 matmul rate (measured here) that the fast step reaches.
Reference data size: 10 000 patterns, batch 300, d = 10, h2 = 20. Ratios are
measured within one run; each time is the best of ``--repeats`` interleaved
measurements, which damps the noise of a shared machine.

    python benchmarks/train_throughput.py [--device cpu|cuda] [--epochs 1]
        [--widths 20 100 500 1000] [--members 8 32] [--repeats 3] [--no-compile]
    python benchmarks/train_throughput.py --quick   # W = 100, S = 32 only
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time

import torch

from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.teacher import make_teacher
from phasetrans.backend.train import train
from phasetrans.runner.spec import default_block

D, H2, N, BATCH = 10, 20, 10_000, 300


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_training(
    width: int, seeds: list[int], x, y, epochs: int, device, step: str, compile: bool = True
) -> float:
    """Seconds to train an ensemble of ``seeds`` for ``epochs`` with ``step``."""
    model = StudentEnsemble(D, width, H2, seeds).to(device)
    settings = dataclasses.replace(
        default_block().settings,
        batch_size=BATCH,
        epochs=epochs,
        log_every=epochs,
        step=step,
        compile=compile,
    )
    _sync(device)
    start = time.perf_counter()
    train(model, x, y, settings, generator=torch.Generator().manual_seed(0))
    _sync(device)
    return time.perf_counter() - start


def matmul_rate(device: torch.device, n: int = 2048, reps: int = 10) -> float:
    """Float32 GFLOP/s of a large square matmul (the machine's practical peak), best of 3."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b
    best = math.inf
    for _ in range(3):
        _sync(device)
        start = time.perf_counter()
        for _ in range(reps):
            a @ b
        _sync(device)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 * reps / best / 1e9


def step_flops(width: int, members: int) -> float:
    """FLOPs of one training step: forward matmuls, backward ~2x forward."""
    forward = 2 * BATCH * members * (D * width + width * H2)
    return 3 * forward


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--widths", type=int, nargs="+", default=[20, 100, 500, 1000])
    parser.add_argument("--members", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true", help="run the fast step eagerly")
    parser.add_argument("--quick", action="store_true", help="only W = 100, S = 32")
    args = parser.parse_args()
    if args.quick:
        args.widths, args.members = [100], [32]
    device = torch.device(args.device)
    compile = not args.no_compile
    teacher = make_teacher(D, 20, H2, seed=0)
    x, y = teacher.sample(N, torch.Generator().manual_seed(1))
    x, y = x.to(device), y.to(device)
    peak = matmul_rate(device)
    steps = args.epochs * -(-N // BATCH)
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"float32 matmul rate (2048^2): {peak:.1f} GFLOP/s")
    print(
        f"{args.epochs} epoch(s) of {N} patterns, batch {BATCH} ({steps} steps) per measurement, "
        f"best of {args.repeats}; fast step {'compiled' if compile else 'eager'}\n"
    )
    header = (
        f"{'W':>5} {'S':>4} {'fast st/s':>10} {'ref st/s':>9} {'loop st/s':>10} "
        f"{'fast/ref':>9} {'fast/loop':>10} {'ms/step':>8} {'compile s':>10} {'% peak':>7}"
    )
    print(header)
    print("-" * len(header))
    time_training(20, [0], x, y, 1, device, "reference")  # warm-up
    for width in args.widths:
        for members in args.members:
            seeds = list(range(members))
            # first fast run: compile (paid once per block shape) plus one epoch
            first = time_training(width, seeds, x, y, 1, device, "fast", compile)
            best = {"fast": math.inf, "reference": math.inf, "loop": math.inf}
            for _ in range(args.repeats):
                best["fast"] = min(
                    best["fast"],
                    time_training(width, seeds, x, y, args.epochs, device, "fast", compile),
                )
                best["reference"] = min(
                    best["reference"],
                    time_training(width, seeds, x, y, args.epochs, device, "reference"),
                )
                loop = sum(
                    time_training(width, [s], x, y, args.epochs, device, "reference") for s in seeds
                )
                best["loop"] = min(best["loop"], loop)
            rate = {k: steps / t for k, t in best.items()}
            compile_s = max(0.0, first - best["fast"] / args.epochs)
            gflops = step_flops(width, members) * rate["fast"] / 1e9
            print(
                f"{width:>5} {members:>4} {rate['fast']:>10.1f} {rate['reference']:>9.1f} "
                f"{rate['loop']:>10.1f} {rate['fast'] / rate['reference']:>8.2f}x "
                f"{rate['fast'] / rate['loop']:>9.2f}x {1e3 / rate['fast']:>8.2f} "
                f"{compile_s:>10.1f} {100 * gflops / peak:>6.1f}%",
                flush=True,
            )


if __name__ == "__main__":
    main()
