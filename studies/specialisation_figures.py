"""Figures and numbers of the specialisation write-up, from the package's transition analysis.

    python studies/specialisation_figures.py data/specialisation_small.nc \
        --out docs/figures/specialisation [--half data/specialisation_small_half.nc] \
        [--coarse data/specialisation_coarse.nc]

Every number comes from ``phasetrans.transition``, ``phasetrans.compare_transitions``
and ``phasetrans.disorder_average`` (two-level bootstrap over teachers and students);
this script only picks the datasets, calls the package and writes ``numbers.txt``
and the PNGs under ``--out``.  It runs on any study swept in ``alpha`` and
``input_dim`` with several teachers.  Optional inputs are skipped when absent.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import xarray as xr

import phasetrans
from phasetrans.analysis.transition import overlap_histogram
from phasetrans.plots import plot_order_parameters
from phasetrans.plots.transition import plot_overlap_histograms

ORDERS = ("teacher_recovered", "teacher_cosine", "overlap_max")


def load(path: Path) -> xr.Dataset | None:
    if not path.exists():
        print(f"[skipped] {path}: not found")
        return None
    with warnings.catch_warnings(), xr.open_dataset(path) as ds:
        warnings.simplefilter("ignore")
        return ds.load()


def analyse(ds: xr.Dataset, out: Path, tag: str, args: argparse.Namespace) -> list[str]:
    """Every training and order parameter the study has, then the paired comparison."""
    lines = [f"== {ds.attrs.get('study_name', tag)} (hash {ds.attrs.get('study_hash')}) =="]
    trainings = [str(t) for t in ds["training"].values] if "training" in ds.dims else [None]
    for order in [o for o in ORDERS if o in ds.data_vars]:
        for training in trainings:
            res = phasetrans.transition(
                ds,
                order,
                training=training,
                bootstrap=args.bootstrap,
                collapse_bootstrap=args.collapse_bootstrap,
                systematics=order != "teacher_cosine",
                seed=args.seed,
            )
            lines += [repr(res), res.report(), ""]
            name = f"transition{tag}_{order}_{training or 'data'}.png"
            res.plot().savefig(out / name, dpi=90)
    if {"spectral", "direct"} <= set(trainings):
        cmp = phasetrans.compare_transitions(
            ds,
            order="teacher_recovered",
            trainings=("spectral", "direct"),
            bootstrap=args.bootstrap,
            collapse_bootstrap=args.collapse_bootstrap,
            seed=args.seed,
        )
        lines += [cmp.report(), ""]
    if "dimension" in ds.data_vars:  # the figure of a phasetrans study
        fig = plot_order_parameters(ds, "alpha")
        fig.savefig(out / f"order_parameters{tag}.png", dpi=90)
    if "overlap_max" in ds.data_vars:
        for training in trainings:
            part = (
                ds["overlap_max"] if training is None else ds["overlap_max"].sel(training=training)
            )
            for n in part["input_dim"].values:
                counts = overlap_histogram(part.sel(input_dim=n).squeeze(drop=True))
                fig = plot_overlap_histograms(counts, "alpha", title=f"{training}, N = {n}")
                fig.savefig(out / f"histograms{tag}_{training}_N{n}.png", dpi=90)
    return lines


def convergence(half: xr.Dataset, full: xr.Dataset, args: argparse.Namespace) -> list[str]:
    """teacher_recovered on the cells both studies have, after half and all of the epochs."""
    common = {d: sorted(set(half[d].values) & set(full[d].values)) for d in ("alpha", "input_dim")}
    avgs = [
        phasetrans.disorder_average(
            ds["teacher_recovered"].sel(common), bootstrap=args.bootstrap, seed=args.seed
        )
        for ds in (half, full)
    ]
    lines = ["== Convergence: teacher_recovered after half / all of the epochs (mean ± s.d.) =="]
    for cell in avgs[0]["mean"].stack(cell=avgs[0]["mean"].dims)["cell"].values:
        sel = dict(zip(avgs[0]["mean"].dims, cell, strict=True))
        values = [f"{float(a['mean'].sel(sel)):.2f}±{float(a['error'].sel(sel)):.2f}" for a in avgs]
        lines.append(f"  {sel}: " + " -> ".join(values))
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("study", type=Path, help="a study swept in alpha and input_dim")
    p.add_argument("--out", type=Path, default=Path("docs/figures/specialisation"))
    p.add_argument("--half", type=Path, default=Path("data/specialisation_small_half.nc"))
    p.add_argument("--coarse", type=Path, default=Path("data/specialisation_coarse.nc"))
    p.add_argument("--bootstrap", type=int, default=1000, help="resamples of curve statistics")
    p.add_argument("--collapse-bootstrap", type=int, default=200, help="resamples per collapse")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    ds = load(args.study)
    if ds is None:
        return 2
    lines = analyse(ds, args.out, "", args)
    coarse = load(args.coarse)
    if coarse is not None:
        lines += analyse(coarse, args.out, "_coarse", args)
    half = load(args.half)
    if half is not None:
        lines += convergence(half, ds, args)
    (args.out / "numbers.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {args.out}/numbers.txt and the figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
