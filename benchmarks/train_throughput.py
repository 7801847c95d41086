"""Training throughput: one ensemble of S students against a loop of S single students.

Prints student-epochs per second for both, their ratio, and the fraction of
the machine's float32 matmul rate the ensemble reaches, at the reference data
size (10 000 patterns, batch 300, d = 10, h2 = 20).

    python benchmarks/train_throughput.py [--device cpu|cuda] [--epochs 2]
"""

from __future__ import annotations

import argparse
import time

import torch

from phasetrans.backend.ensemble import StudentEnsemble
from phasetrans.backend.teacher import make_teacher
from phasetrans.backend.train import TrainSettings, train

D, H2, N, BATCH = 10, 20, 10_000, 300


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_training(width: int, seeds: list[int], x, y, epochs: int, device) -> float:
    model = StudentEnsemble(D, width, H2, seeds).to(device)
    settings = TrainSettings(batch_size=BATCH, epochs=epochs, log_every=epochs)
    _sync(device)
    start = time.perf_counter()
    train(model, x, y, settings, generator=torch.Generator().manual_seed(0))
    _sync(device)
    return time.perf_counter() - start


def matmul_rate(device: torch.device, n: int = 2048, reps: int = 10) -> float:
    """Float32 GFLOP/s of a large square matmul (the machine's practical peak)."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b
    _sync(device)
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    _sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e9


def step_flops(width: int, members: int) -> float:
    """FLOPs of one training step: forward matmuls, backward ~2x forward."""
    forward = 2 * BATCH * members * (D * width + width * H2)
    return 3 * forward


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--widths", type=int, nargs="+", default=[20, 100, 500])
    parser.add_argument("--members", type=int, nargs="+", default=[8, 32])
    args = parser.parse_args()
    device = torch.device(args.device)
    teacher = make_teacher(D, 20, H2, seed=0)
    x, y = teacher.sample(N, torch.Generator().manual_seed(1))
    x, y = x.to(device), y.to(device)
    peak = matmul_rate(device)
    steps = args.epochs * -(-N // BATCH)
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"float32 matmul rate (2048^2): {peak:.1f} GFLOP/s")
    print(f"{args.epochs} epochs of {N} patterns, batch {BATCH} ({steps} steps) per measurement\n")
    header = (
        f"{'W':>5} {'S':>4} {'ensemble st-ep/s':>17} {'singles st-ep/s':>16} "
        f"{'ratio':>7} {'ms/step':>8} {'GFLOP/s':>8} {'% peak':>7}"
    )
    print(header)
    print("-" * len(header))
    time_training(20, [0], x, y, 1, device)  # warm-up
    for width in args.widths:
        for members in args.members:
            seeds = list(range(members))
            t_ens = time_training(width, seeds, x, y, args.epochs, device)
            t_single = sum(time_training(width, [s], x, y, args.epochs, device) for s in seeds)
            rate_ens = members * args.epochs / t_ens
            rate_single = members * args.epochs / t_single
            gflops = step_flops(width, members) * steps / t_ens / 1e9
            print(
                f"{width:>5} {members:>4} {rate_ens:>17.1f} {rate_single:>16.1f} "
                f"{rate_ens / rate_single:>6.1f}x {1e3 * t_ens / steps:>8.2f} "
                f"{gflops:>8.2f} {100 * gflops / peak:>6.1f}%"
            )


if __name__ == "__main__":
    main()
