"""Figures and numbers of the committee-machine specialisation study (issue 21).

    python studies/specialisation_v2_figures.py data/specialisation_v2_small.nc \
        --out docs/figures/specialisation_v2

Every number comes from the package: ``phasetrans.transition`` and
``phasetrans.compare_transitions`` (the order parameter, its susceptibility, cumulants,
per-teacher alpha*, collapse and systematic-error table), ``phasetrans.stationarity``
(the verdict over the last factor 2 in time) and ``phasetrans.disorder_average`` (two-level
bootstrap over teachers and students).  This script only picks them, writes
``numbers.txt`` and the PNGs under ``--out``, and prints the same text.

The headline order parameter is threshold-free: ``specialisation`` s = mean_n r^w_n - r_sym,
read by the analysis as s / (1 - r_sym) (0 symmetric, 1 specialised).  ``teacher_recovered``
(the fraction of teacher nodes matched at cosine >= 0.9) is shown beside it, with its
threshold scan in the systematic-error table.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

import phasetrans
from phasetrans.analysis.transition import overlap_histogram
from phasetrans.names import at_checkpoints
from phasetrans.plots.transition import plot_overlap_histograms

HEADLINE = "specialisation"
BESIDE = "teacher_recovered"
#: The order parameters whose stationarity is tabulated.
STATIONARY = (HEADLINE, "test_mse", BESIDE)


def load(path: Path) -> xr.Dataset:
    with warnings.catch_warnings(), xr.open_dataset(path) as ds:
        warnings.simplefilter("ignore")
        return ds.load()


def trainings(ds: xr.Dataset) -> list[str]:
    return [str(t) for t in ds["training"].values]


def transitions(ds: xr.Dataset, out: Path, args: argparse.Namespace) -> list[str]:
    """The transition of the headline order parameter and of the thresholded one, per training."""
    lines = []
    for order in (HEADLINE, BESIDE):
        for training in trainings(ds):
            res = phasetrans.transition(
                ds,
                order,
                training=training,
                bootstrap=args.bootstrap,
                collapse_bootstrap=args.collapse_bootstrap,
                systematics=not args.no_systematics,
                seed=args.seed,
            )
            lines += [repr(res), res.report(), ""]
            res.plot(title=f"{order}, {training}").savefig(
                out / f"transition_{order}_{training}.png", dpi=90
            )
    cmp = phasetrans.compare_transitions(
        ds,
        order=HEADLINE,
        trainings=("spectral", "direct"),
        bootstrap=args.bootstrap,
        collapse_bootstrap=args.collapse_bootstrap,
        seed=args.seed,
    )
    lines += [cmp.report(), ""]
    return lines


def stationarity(ds: xr.Dataset, args: argparse.Namespace) -> list[str]:
    """Fraction of cells whose disorder average did not move between T/2 and T, per size."""
    st = phasetrans.stationarity(ds, list(STATIONARY), bootstrap=args.bootstrap, seed=args.seed)
    lines = [f"== Stationarity ({st.attrs['rule']}) =="]
    lines.append(f"{'training':<10}{'N':>6}" + "".join(f"{v:>22}" for v in STATIONARY))
    for training in trainings(ds):
        for n in ds["input_dim"].values:
            row = f"{training:<10}{int(n):>6}"
            for v in STATIONARY:
                ok = st[f"{v}_converged"].sel(training=training, input_dim=n).squeeze(drop=True)
                row += f"{int(ok.sum()):>14}/{ok.size} ({100 * float(ok.mean()):3.0f}%)"
            lines.append(row)
    lines.append("cells whose specialisation moved (alpha: change ± error):")
    change, error = st[f"{HEADLINE}_change"], st[f"{HEADLINE}_change_error"]
    for training in trainings(ds):
        for n in ds["input_dim"].values:
            sel = {"training": training, "input_dim": n}
            ok = st[f"{HEADLINE}_converged"].sel(sel).squeeze(drop=True)
            moved = [
                f"{float(a):g}: {float(change.sel(sel).sel(alpha=a).squeeze()):+.3f}"
                f"±{float(error.sel(sel).sel(alpha=a).squeeze()):.3f}"
                for a in ok["alpha"].values
                if not bool(ok.sel(alpha=a))
            ]
            lines.append(f"  {training} N={int(n)}: " + (", ".join(moved) or "none"))
    return [*lines, ""]


def time_figure(ds: xr.Dataset, out: Path, args: argparse.Namespace) -> None:
    """s(t) / (1 - r_sym), disorder-averaged, per alpha: one panel per training and size."""
    name = at_checkpoints(HEADLINE)
    r_sym = ds["overlap_symmetric"]
    sizes, methods = ds["input_dim"].values, trainings(ds)
    fig = Figure(figsize=(3.2 * len(sizes), 2.8 * len(methods)), layout="constrained")
    axes = fig.subplots(len(methods), len(sizes), sharex=True, sharey=True, squeeze=False)
    alphas = ds["alpha"].values
    cmap = matplotlib.colormaps["viridis"]
    for i, training in enumerate(methods):
        for j, n in enumerate(sizes):
            ax = axes[i, j]
            sel = {"training": training, "input_dim": n}
            m = (ds[name] / (1.0 - r_sym)).sel(sel).squeeze(drop=True)
            avg = phasetrans.disorder_average(m, bootstrap=0, seed=args.seed)["mean"]
            steps = np.asarray(ds["time_step"].sel(sel).squeeze(drop=True).values, dtype=float)
            for k, a in enumerate(alphas):
                y = avg.sel(alpha=a).values
                t = steps if steps.ndim == 1 else steps[list(alphas).index(a)]
                ax.plot(t, y, color=cmap(k / max(len(alphas) - 1, 1)), label=f"{a:g}")
            ax.set_xscale("log")
            ax.axhline(0.0, color="0.7", lw=0.8)
            ax.set_title(f"{training}, N = {int(n)}", fontsize=9)
            if i == len(methods) - 1:
                ax.set_xlabel("Adam step")
            if j == 0:
                ax.set_ylabel("s / (1 - r_sym)")
    axes[0, -1].legend(title="alpha", fontsize=7, title_fontsize=7, loc="upper left")
    fig.savefig(out / "specialisation_in_time.png", dpi=90)


def midpoints_in_time(ds: xr.Dataset, out: Path, args: argparse.Namespace) -> list[str]:
    """The midpoint of s / (1 - r_sym) per size at each checkpoint: is its N-drift a time effect?"""
    name, steps = at_checkpoints(HEADLINE), ds["time_step"]
    n_times = ds.sizes["time"]
    lines = ["== Midpoint alpha_1/2 (s / (1 - r_sym) = 0.5) per size at each checkpoint =="]
    fig = Figure(figsize=(7.0, 3.0), layout="constrained")
    axes = fig.subplots(1, len(trainings(ds)), sharey=True, squeeze=False)[0]
    for ax, training in zip(axes, trainings(ds), strict=True):
        rows, t_axis = [], []
        for k in range(n_times):
            step = float(steps.sel(training=training).isel(time=k).max())
            if step < args.min_step or (t_axis and step == t_axis[-1]):
                continue
            at_k = ds.assign({HEADLINE: ds[name].isel(time=k)})
            res = phasetrans.transition(
                at_k, HEADLINE, training=training, bootstrap=args.time_bootstrap,
                systematics=False, seed=args.seed,
            )  # fmt: skip
            rows.append(res.per_size[["midpoint", "midpoint_error"]])
            t_axis.append(step)
        mid = xr.concat(rows, dim="step").assign_coords(step=t_axis)
        for j, n in enumerate(mid["input_dim"].values):
            m = mid.sel(input_dim=n)
            ax.errorbar(
                t_axis, m["midpoint"], m["midpoint_error"], marker="o", ms=3,
                color=matplotlib.colormaps["viridis"](j / max(mid.sizes["input_dim"] - 1, 1)),
                label=f"N = {int(n)}",
            )  # fmt: skip
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("Adam step")
        ax.set_title(training, fontsize=9)
        lines.append(f"{training}: step " + " ".join(f"{int(t):>7}" for t in t_axis))
        for n in mid["input_dim"].values:
            m = mid.sel(input_dim=n)
            cells = [
                f"{float(v):5.2f}±{float(e):.2f}"
                for v, e in zip(m["midpoint"].values, m["midpoint_error"].values, strict=True)
            ]
            lines.append(f"  N = {int(n):>4}: " + " ".join(cells))
    axes[0].set_ylabel("alpha where s / (1 - r_sym) = 0.5")
    axes[-1].legend(fontsize=7)
    fig.savefig(out / "midpoint_in_time.png", dpi=90)
    return [*lines, ""]


def histograms(ds: xr.Dataset, out: Path) -> None:
    """r_n across the onset, pooled over teachers, students and teacher nodes."""
    for training in trainings(ds):
        part = ds["overlap_max"].sel(training=training)
        for n in ds["input_dim"].values:
            counts = overlap_histogram(part.sel(input_dim=n).squeeze(drop=True))
            fig = plot_overlap_histograms(counts, "alpha", title=f"r_n, {training}, N = {n}")
            fig.savefig(out / f"histograms_{training}_N{n}.png", dpi=90)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("study", type=Path, help="a committee study swept in alpha and input_dim")
    p.add_argument("--out", type=Path, default=Path("docs/figures/specialisation_v2"))
    p.add_argument("--bootstrap", type=int, default=400, help="resamples of curve statistics")
    p.add_argument("--collapse-bootstrap", type=int, default=100, help="resamples per collapse")
    p.add_argument("--no-systematics", action="store_true", help="skip the systematic table")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--time-bootstrap", type=int, default=100, help="resamples per checkpoint")
    p.add_argument("--min-step", type=float, default=300, help="first checkpoint analysed in time")
    args = p.parse_args(argv)
    if not args.study.exists():
        p.error(f"{args.study}: not found")
    args.out.mkdir(parents=True, exist_ok=True)
    ds = load(args.study)
    lines = [f"== {ds.attrs.get('study_name')} (hash {ds.attrs.get('study_hash')}) ==", ""]
    lines += stationarity(ds, args)
    time_figure(ds, args.out, args)
    histograms(ds, args.out)
    lines += midpoints_in_time(ds, args.out, args)
    lines += transitions(ds, args.out, args)
    (args.out / "numbers.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {args.out}/numbers.txt and the figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
