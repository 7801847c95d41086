"""Time the topology measures at the paper's largest size.

For d = 10 inputs, student width W = 1500, h2 = 20 and 30 seeds (unpruned
students: every one of the 10 · 1500 · 20 = 300 000 paths), compute per seed the
sorted path magnitudes, the sorted-path curve and the neuron matching against a
20-node teacher. Target: under 2 s on 2 cores. Distances on these full samples
are timed separately (scipy sorts 300 000 values again for each); after pruning
to ~20 nodes they cost nothing.

Run: ``python benchmarks/topology_speed.py``
"""

from __future__ import annotations

import time

import numpy as np

from phasetrans.analysis.matching import match_neurons
from phasetrans.analysis.paths import distribution_distance, path_magnitudes, sorted_path_curve

D, WIDTH, H2, H_T, SEEDS = 10, 1500, 20, 20, 30
TARGET_S = 2.0


def main() -> None:
    rng = np.random.default_rng(0)
    teacher_w1 = rng.uniform(-0.45, 0.45, (D, H_T))
    teacher_w2 = rng.uniform(-0.39, 0.39, (H_T, H2))
    w1 = rng.normal(0, 0.06, (SEEDS, D, WIDTH))
    w2 = rng.normal(0, 0.06, (SEEDS, WIDTH, H2))
    teacher_paths = path_magnitudes(teacher_w1, teacher_w2)

    start = time.perf_counter()
    recovered = 0
    for s in range(SEEDS):
        paths = path_magnitudes(w1[s], w2[s])
        sorted_path_curve(paths, n_points=200)
        recovered += match_neurons(w1[s], teacher_w1).n_recovered
    elapsed = time.perf_counter() - start

    start = time.perf_counter()
    for s in range(SEEDS):
        distribution_distance(path_magnitudes(w1[s], w2[s]), teacher_paths)
    with_distances = time.perf_counter() - start

    print(
        f"paths + curve + matching, d={D} W={WIDTH} h2={H2}, {SEEDS} seeds "
        f"({D * WIDTH * H2:,} paths each): {elapsed:.2f} s "
        f"({'within' if elapsed < TARGET_S else 'OVER'} the {TARGET_S:.0f} s target); "
        f"{recovered} teacher nodes matched by chance"
    )
    print(f"paths + W1/KS distances on the full samples, {SEEDS} seeds: {with_distances:.2f} s")


if __name__ == "__main__":
    main()
