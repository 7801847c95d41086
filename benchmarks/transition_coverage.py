"""Coverage of :func:`phasetrans.transition` on the synthetic critical ensemble with disorder.

Each repetition draws :func:`phasetrans.testing.critical_ensemble`
with a new seed: teachers' own transitions are steps with nu = 1, their
pseudo-critical points spread as alpha_c(t) = 1 + 0.5 N^(-1/2) xi_t (slower than
each teacher's width N^(-1)), so the disorder-averaged width is the spread's and
the expected collapse exponent is nu_avg = 2.  The script prints how often the
95 % intervals contain alpha_c = 1, nu_avg = 2 and the spread exponent a = 1/2,
how often corrections to scaling were chosen, and the median estimates.

Usage: ``python benchmarks/transition_coverage.py [--repetitions 40] [--bootstrap 100]``
(about 10 s per repetition on one core).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from phasetrans.analysis.transition import transition
from phasetrans.testing import critical_ensemble

TRUTH = {"alpha_c": 1.0, "nu": 2.0, "a": 0.5}


def one(seed: int, bootstrap: int, collapse_bootstrap: int) -> dict[str, object]:
    ds = critical_ensemble(
        sizes=(16, 32, 64, 128), alpha=np.linspace(0.6, 1.4, 41), disorder=0.5,
        n_teachers=32, seed=seed,
    )  # fmt: skip
    res = transition(
        ds, bootstrap=bootstrap, collapse_bootstrap=collapse_bootstrap, systematics=False,
        seed=seed,
    )  # fmt: skip
    c = res.collapse
    out = {"alpha_c": c.x_c, "nu": c.nu, "a": res.spread_exponent["estimate"]}
    intervals = {
        "alpha_c": c.intervals.get("x_c", {}).get(0.95, (np.nan, np.nan)),
        "nu": c.intervals.get("nu", {}).get(0.95, (np.nan, np.nan)),
        "a": res.spread_exponent["intervals"].get(0.95, (np.nan, np.nan)),
    }
    out["covered"] = {k: bool(lo <= TRUTH[k] <= hi) for k, (lo, hi) in intervals.items()}
    out["corrections"] = bool(res.collapse_choice["corrections"])
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repetitions", type=int, default=40)
    p.add_argument("--bootstrap", type=int, default=100)
    p.add_argument("--collapse-bootstrap", type=int, default=60)
    args = p.parse_args()
    start = time.perf_counter()
    runs = [one(seed, args.bootstrap, args.collapse_bootstrap) for seed in range(args.repetitions)]
    print(f"{len(runs)} repetitions in {time.perf_counter() - start:.0f} s")
    for name, truth in TRUTH.items():
        covered = np.mean([r["covered"][name] for r in runs])
        median = np.nanmedian([r[name] for r in runs])
        print(f"  {name:8s} truth {truth:g}: 95 % interval covers it in {covered:.0%}; ", end="")
        print(f"median {median:.3g}")
    chosen = [r["corrections"] for r in runs]
    print(f"  corrections to scaling chosen in {np.mean(chosen):.0%}")
    for label, keep in (("with corrections", True), ("without", False)):
        part = [r for r in runs if r["corrections"] == keep]
        if part:
            cover = {k: np.mean([r["covered"][k] for r in part]) for k in ("alpha_c", "nu")}
            print(
                f"    {label}: {len(part)} runs, alpha_c covered {cover['alpha_c']:.0%}, "
                f"nu covered {cover['nu']:.0%}"
            )


if __name__ == "__main__":
    main()
