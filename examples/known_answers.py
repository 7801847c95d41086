"""Check the analysis against data with known answers (phasetrans.testing).

    python examples/known_answers.py [--out docs/figures/known_collapse.png]

Draws a finite-size-scaling data set with known x_c, nu and zeta
(:func:`phasetrans.testing.known_collapse`) and collapses it with a seed
bootstrap, then makes a permuted, rescaled copy of a random teacher
(:func:`phasetrans.testing.permuted_teacher`) and measures its overlaps with
the teacher: every teacher node is found (r_n = 1).  A few seconds on one core.
The same builders drive the test suite and the coverage benchmarks, so a
change to the analysis can be checked here against the truth.
"""

from __future__ import annotations

import argparse

import numpy as np

from phasetrans.analysis.overlaps import OVERLAP_MAX, SPECIALISATION, student_overlaps
from phasetrans.analysis.scaling import collapse
from phasetrans.testing import known_collapse, permuted_teacher

TRUTH = {"x_c": 0.5, "nu": 1.3, "zeta": 0.4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="save the collapse figure here")
    parser.add_argument("--bootstrap", type=int, default=40)
    args = parser.parse_args()

    da = known_collapse(**TRUTH, noise=0.03, n_seeds=20, seed=7)
    result = collapse(da, "L", "x", sample_dim="seed", bootstrap=args.bootstrap, seed=0)
    print(result.report())
    for name, true in TRUTH.items():
        lo, hi = result.interval(name, 0.95)
        inside = "inside" if lo <= true <= hi else "OUTSIDE"
        print(f"{name:<5} truth {true:g}: 95 % interval [{lo:.4g}, {hi:.4g}] ({inside})")

    rng = np.random.default_rng(0)
    teacher = rng.normal(size=(50, 8))
    copy = permuted_teacher(teacher, None, rng)
    out = student_overlaps(copy.w1[None], teacher)
    print(
        f"permuted, rescaled teacher: r_n = {np.round(out[OVERLAP_MAX][0], 12)}, "
        f"specialisation {out[SPECIALISATION][0]:.4f}"
    )
    if args.out:
        from phasetrans.plots import plot_collapse

        plot_collapse(result).savefig(args.out, dpi=110)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
