"""One-pass pruning sweep against naive prune-and-evaluate at every retained count.

W = 1000 nodes, N = 10 000 test samples, h2 = 20, one student. The naive
method evaluates the pruned network once per retained count (W + 1 forwards).

    python benchmarks/prune_sweep.py [--width 1000] [--samples 10000] [--device cpu]
"""

from __future__ import annotations

import argparse
import time

import torch

from phasetrans.backend.prune import prune_mask, pruning_sweep


def naive(w1, w2, imp, x, y, counts):
    from tqdm.auto import tqdm

    out = torch.empty(len(counts), dtype=torch.float64)
    for k, n in enumerate(tqdm(counts, desc="naive, one forward per count", unit="count")):
        keep = prune_mask(imp, n).to(w1.dtype)
        h1 = torch.relu(x @ (w1[0] * keep[0]))
        pred = torch.relu(h1 @ w2[0]).sum(-1)
        out[k] = ((pred - y) ** 2).mean()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    g = torch.Generator().manual_seed(0)
    d, h2, width = 10, 20, args.width
    w1 = (torch.randn(1, d, width, generator=g) / d**0.5).to(device)
    w2 = (torch.randn(1, width, h2, generator=g) / width**0.5).to(device)
    imp = torch.rand(1, width, generator=g).to(device)
    x = torch.randn(args.samples, d, generator=g).to(device)
    y = torch.randn(args.samples, generator=g).to(device)
    print(f"W = {width}, N = {args.samples}: one-pass sweep, then the naive loop", flush=True)
    pruning_sweep(w1, w2, imp, x[:100], y[:100])  # warm-up
    start = time.perf_counter()
    fast = pruning_sweep(w1, w2, imp, x, y)
    if device.type == "cuda":
        torch.cuda.synchronize()
    t_fast = time.perf_counter() - start
    counts = list(range(width + 1))
    start = time.perf_counter()
    slow = naive(w1, w2, imp, x, y, counts)
    t_slow = time.perf_counter() - start
    err = float((fast.mse[0].double().cpu() - slow).abs().max() / slow.abs().max())
    print(
        f"W = {width}, N = {args.samples}, h2 = {h2}, device {device}, "
        f"threads {torch.get_num_threads()}"
    )
    print(f"one-pass sweep over all {width + 1} counts: {t_fast:.3f} s")
    print(f"naive prune-and-evaluate, {width + 1} counts:  {t_slow:.2f} s")
    print(f"speed-up: {t_slow / t_fast:.0f}x   (max relative difference {err:.1e})")


if __name__ == "__main__":
    main()
