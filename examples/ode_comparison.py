"""Online SGD of the project's trainer against the committee-machine ODEs (Saad & Solla 1995).

    python examples/ode_comparison.py --out docs/figures/ode_comparison.png

Erf soft committee, K = M = 2 (orthogonal teacher, T = I), N = 500, batch 1,
plain SGD with η = 0.5 on ½(σ − y)² (the trainer's lr 0.25 on (σ − y)²), a
direct first layer, unit readouts. The ODE is integrated from the student's own
initial Q and R, since the escape from the plateau depends on the initial
asymmetry of each run. About a minute on 2 cores.
"""

from __future__ import annotations

import argparse

import numpy as np

from phasetrans.backend.online import simulate_committee
from phasetrans.plots.theory import plot_ode_comparison
from phasetrans.theory import generalisation_error, integrate_committee, plateau_and_escape


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/figures/ode_comparison.png")
    parser.add_argument("--input-dim", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2, help="student seed")
    parser.add_argument("--t-max", type=float, default=300.0)
    args = parser.parse_args()
    n = args.input_dim
    times = np.unique(np.r_[np.geomspace(0.02, 10, 40), np.arange(10, args.t_max + 1, 2.0)])
    steps = np.unique(np.round(times * n).astype(int))
    traj = simulate_committee(n, 2, 2, 0.25, steps, seeds=(args.seed,), orthogonal=True)
    q, r = traj.Q[:, 0], traj.R[:, 0]
    ode = integrate_committee(q[0], r[0], traj.T, 2 * traj.lr, traj.time)
    eg = generalisation_error(q, r, traj.T)
    sim_plateau = plateau_and_escape(traj.time, eg)
    ode_plateau = plateau_and_escape(ode.time, ode.eg)
    title = (
        f"erf committee K = M = 2, N = {n}, η = {2 * traj.lr}: plateau ε_g "
        f"{sim_plateau.height:.4f} (ODE {ode_plateau.height:.4f}), escape at t = "
        f"{sim_plateau.escape_time:.0f} (ODE {ode_plateau.escape_time:.0f})"
    )
    fig = plot_ode_comparison(
        traj.time, {"R": r, "Q": q, "eg": eg}, {"R": ode.R, "Q": ode.Q, "eg": ode.eg}, title=title
    )
    fig.savefig(args.out, dpi=110)
    print(title)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
