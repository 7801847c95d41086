"""Coverage of the bootstrap intervals of :func:`phasetrans.analysis.scaling.collapse`.

Draws ``--repetitions`` synthetic finite-size data sets from the scaling form
O = L^zeta F((x - x_c) L^(1/nu)) with multiplicative noise per seed, on a
ragged grid (:func:`phasetrans.testing.known_collapse`), collapses each with a
seed bootstrap, and prints how often the 68 % and 95 % percentile intervals
contain the true x_c, nu and zeta.  The
95 % interval of nu should cover the truth in at least 90 % of repetitions.

Usage: ``python benchmarks/collapse_coverage.py [--repetitions 50] [--bootstrap 200]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import xarray as xr

from phasetrans.analysis.scaling import collapse
from phasetrans.testing import known_collapse

TRUTH = {"x_c": 0.5, "nu": 1.3, "zeta": 0.4}


def synthetic(rng: np.random.Generator, n_seeds: int = 20, noise: float = 0.03) -> xr.DataArray:
    """Ragged (size, x, seed) data from the scaling form, with noise per seed."""
    return known_collapse(
        **TRUTH, noise=noise, n_seeds=n_seeds, seed=rng, ragged=True, missing_cell=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=50)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    hits = {(name, level): 0 for name in TRUTH for level in (0.68, 0.95)}
    widths = []
    start = time.perf_counter()
    for rep in range(args.repetitions):
        result = collapse(
            synthetic(rng), "L", "x", sample_dim="seed", bootstrap=args.bootstrap, seed=rep
        )
        for name, true in TRUTH.items():
            for level in (0.68, 0.95):
                lo, hi = result.interval(name, level)
                hits[name, level] += lo <= true <= hi
        lo, hi = result.interval("nu", 0.95)
        widths.append(hi - lo)
        print(
            f"rep {rep:3d}  nu = {result.nu:.4f} 95% [{lo:.4f}, {hi:.4f}]  "
            f"x_c = {result.x_c:.5f}  zeta = {result.zeta:.4f}  S = {result.quality:.2f}",
            flush=True,
        )
    elapsed = time.perf_counter() - start
    n = args.repetitions
    print(f"\n{n} repetitions, {args.bootstrap} bootstrap resamples each, {elapsed:.0f} s")
    print(f"median width of the 95% interval of nu: {np.median(widths):.4f}")
    for name in TRUTH:
        print(
            f"coverage {name:<5} 68%: {100 * hits[name, 0.68] / n:5.1f} %   "
            f"95%: {100 * hits[name, 0.95] / n:5.1f} %"
        )
    nu_cov = hits["nu", 0.95] / n
    print(f"95% interval of nu covers the truth in {100 * nu_cov:.0f} % (target >= 90 %)")


if __name__ == "__main__":
    main()
