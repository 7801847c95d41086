"""The paper's pruning curve at fixed aspect ratios, against the teacher's own curve.

    python studies/pruning_aspect_figures.py /tmp/h21-pruning/pruning_aspect_h{4,8,16}.nc \
        --out docs/figures/specialisation_v2 [--bootstrap 1000] [--n-test 20000]

One dataset per teacher size h_T (``studies/pruning_aspect_h*.toml``: N/h_T, W/h_T,
h2/h_T and alpha = n_train/(N h_T) fixed).  For every h_T, the students' pruning
curves (``test_mse`` over ``retained``) and the teacher's own curve
(:func:`phasetrans.analysis.teacher_curve.teacher_pruning_curve`: the teacher with
its top-n first hidden nodes kept, by the incoming norm ``"incoming"``, the
students' rule, and by the rescaling-invariant ``"path"`` norm) are disorder-averaged
with ``phasetrans.disorder_average`` (two-level bootstrap over teachers and
students; one level, over teachers, for the teacher's curve).  Writes
``pruning_aspect_by_size.png`` (one column per h_T: the students' and the teacher's
curves in the paper's normalisation, ΔMSE(n)/max ΔMSE, linear and log) and
``pruning_aspect_shape.png`` (one column per method, every h_T overlaid: the
normalised curve and MSE(n)/MSE(0), the fraction of the output's mean square
lost), prints every number (with the stationarity verdicts of each study)
and writes them to ``pruning_aspect_numbers.txt`` under ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import phasetrans
from phasetrans.analysis.estimate import format_estimate
from phasetrans.analysis.observables import normalized_delta_mse, student_variable
from phasetrans.analysis.teacher_curve import TEACHER_CURVE_RULES, teacher_pruning_curve

TEACHER = {rule: f"teacher ({rule})" for rule in TEACHER_CURVE_RULES}
STYLE = {
    "spectral": "-",
    "direct": "--",
    TEACHER["incoming"]: ":",
    TEACHER["path"]: "-.",
    TEACHER["greedy"]: (0, (1, 3)),
}
MARKER = {
    "spectral": "o",
    "direct": "s",
    TEACHER["incoming"]: "^",
    TEACHER["path"]: "v",
    TEACHER["greedy"]: "x",
}


def load(path: Path) -> xr.Dataset:
    """A study, without the trainings that hold no result (``combine --allow-missing``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = phasetrans.open_study(path).load()
    mse = ds["test_mse"]
    present = [t for t in ds["training"].values if bool(mse.sel(training=t).notnull().any())]
    if len(present) < ds.sizes["training"]:
        print(f"{path}: trainings without results left out; kept {present}")
    return ds.sel(training=present)


def single(ds: xr.Dataset, name: str) -> int:
    """The one value of a study's ``teacher_width``, ``width`` or ``input_dim``."""
    values = np.atleast_1d(ds[name].values)
    if values.size != 1:
        sys.exit(f"{name}: the study holds {values.tolist()}; this script needs one value per file")
    return int(values[0])


def ratios(ds: xr.Dataset) -> str:
    """The aspect ratios of one study, as the figures' titles write them."""
    h, n_in = single(ds, "teacher_width"), single(ds, "input_dim")
    return (
        f"N/h_T = {n_in / h:g}, W/h_T = {single(ds, 'width') / h:g}, "
        f"h2/h_T = {ds.sizes['hidden2'] / h:g}, alpha = {single(ds, 'n_train') / (n_in * h):g}"
    )


def squeeze(da: xr.DataArray) -> xr.DataArray:
    return da.squeeze([d for d in ("teacher_width", "width") if d in da.dims], drop=True)


def curves(ds: xr.Dataset, args: argparse.Namespace) -> dict[str, dict[str, xr.DataArray]]:
    """Per-sample curves over ``retained``: the paper's normalisation and MSE(n)/MSE(0)."""
    mse = squeeze(student_variable(ds, "test_mse", warn=False))
    norm = squeeze(normalized_delta_mse(ds))
    out: dict[str, dict[str, xr.DataArray]] = {}
    for training in map(str, ds["training"].values):
        m = mse.sel(training=training, drop=True)
        out[training] = {
            "normalised": norm.sel(training=training, drop=True),
            "relative": m / m.sel(retained=0),
            "mse": m,
        }
    for rule, label in TEACHER.items():  # 0 at n = h_T by construction
        t = squeeze(
            teacher_pruning_curve(
                ds["teacher_w1"], ds["teacher_w2"], rule=rule, n_test=args.n_test, seed=args.seed
            )
        )
        out[label] = {"normalised": t / t.max("retained"), "relative": t / t.sel(retained=0)}
    return out


def average(da: xr.DataArray, args: argparse.Namespace) -> xr.Dataset:
    if "seed" in da.dims:
        return phasetrans.disorder_average(da, bootstrap=args.bootstrap, seed=args.seed)
    return phasetrans.disorder_average(
        da, teacher_dim=None, student_dim="teacher_seed", bootstrap=args.bootstrap, seed=args.seed
    )


def text(avg: xr.Dataset, **sel: object) -> str:
    a = avg.sel(sel)
    interval = a["interval"].sel(level=0.95).values
    return format_estimate(float(a["mean"]), float(a["error"]), interval=tuple(interval))


def per_sample(c: dict[str, xr.DataArray], h: int) -> dict[str, xr.DataArray]:
    """The table's per-sample statistics of one method at teacher size ``h``."""
    n = c["normalised"]
    stats = {
        "f(h_T/2)": n.sel(retained=h // 2),
        "f(3h_T/4)": n.sel(retained=3 * h // 4),
        "f(h_T-1)": n.sel(retained=h - 1),
        "f(h_T)": n.sel(retained=h),
        "eps(h_T/2)": c["relative"].sel(retained=h // 2),
        "eps(h_T-1)": c["relative"].sel(retained=h - 1),
        "eps(h_T)": c["relative"].sel(retained=h),
    }
    if "mse" in c:
        m = c["mse"]
        stats["log10 MSE(h_T-1)/MSE(h_T)"] = np.log10(m.sel(retained=h - 1) / m.sel(retained=h))
        stats["eps(all)"] = c["relative"].isel(retained=-1)
    return stats


XLABEL = "n / h_T (nodes kept / teacher width)"
SUPTITLE = "\n{ratios};\ndisorder averages (teachers, students), bands: 95 % bootstrap"
COLOUR = {
    "spectral": "tab:blue",
    "direct": "tab:orange",
    TEACHER["incoming"]: "black",
    TEACHER["path"]: "tab:grey",
    TEACHER["greedy"]: "tab:red",
}


def draw(ax: plt.Axes, avg: xr.Dataset, h: int, *, log: bool, **style: object) -> None:
    """One averaged curve against n/h_T with its 95 % band (exact zeros left out on log axes)."""
    x = avg["retained"].values / h
    mean = avg["mean"].values
    lo, hi = avg["interval"].sel(level=0.95).transpose("retained", "bound").values.T
    if log:
        mean = np.where(mean > 0, mean, np.nan)
        lo = np.where(lo > 0, lo, np.nan)
    ax.plot(x, mean, ms=3, **style)
    ax.fill_between(x, lo, hi, color=style["color"], alpha=0.18, lw=0)


def figure_by_size(
    averaged: dict[tuple[int, str], dict[str, xr.Dataset]], sizes: list[int], title: str
) -> plt.Figure:
    """One column per h_T: students and the teacher's own curves on the same axes."""
    fig, axes = plt.subplots(2, len(sizes), figsize=(4.2 * len(sizes), 7.5), squeeze=False)
    for col, h in enumerate(sizes):
        for row, log in enumerate((False, True)):
            ax = axes[row, col]
            for (size, label), avg in averaged.items():
                if size == h:
                    style = {"color": COLOUR[label], "ls": STYLE[label], "marker": MARKER[label]}
                    draw(ax, avg["normalised"], h, log=log, label=label, **style)
            ax.axvline(1.0, color="grey", lw=0.8)
            ax.set_xlim(0, 2)
            if log:
                ax.set_yscale("log")
                ax.set_ylim(1e-5, 1.5)
                ax.set_xlabel(XLABEL)
            else:
                ax.set_title(f"h_T = {h}", fontsize=10)
        axes[0, col].set_ylabel("normalised ΔMSE")
        axes[1, col].set_ylabel("normalised ΔMSE (log)")
    axes[0, -1].legend(fontsize=8, loc="upper right")
    fig.suptitle("Pruning curves, students against the teacher's own" + title, fontsize=9)
    fig.tight_layout()
    return fig


def figure_shape(
    averaged: dict[tuple[int, str], dict[str, xr.Dataset]], sizes: list[int], title: str
) -> plt.Figure:
    """One column per method: the curves of every h_T overlaid (does the shape keep?)."""
    labels = ["spectral", "direct", TEACHER["incoming"], TEACHER["greedy"]]
    cmap = plt.get_cmap("viridis")
    colour = {h: cmap(i / max(1, len(sizes) - 1) * 0.85) for i, h in enumerate(sizes)}
    fig, axes = plt.subplots(2, len(labels), figsize=(4 * len(labels), 7.5), squeeze=False)
    for col, label in enumerate(labels):
        for h in sizes:
            if (h, label) not in averaged:
                continue
            style = {"color": colour[h], "ls": "-", "marker": MARKER[label]}
            draw(
                axes[0, col],
                averaged[h, label]["normalised"],
                h,
                log=True,
                label=f"h_T = {h}",
                **style,
            )
            draw(axes[1, col], averaged[h, label]["relative"], h, log=True, **style)
        for row, (ylabel, bottom) in enumerate(
            (("normalised ΔMSE (log)", 1e-5), ("MSE(n) / MSE(0) (log)", 1e-4))
        ):
            ax = axes[row, col]
            ax.set_yscale("log")
            ax.set_ylim(bottom, 1.5)
            ax.set_xlim(0, 2)
            ax.axvline(1.0, color="grey", lw=0.8)
            ax.set_ylabel(ylabel)
        axes[0, col].set_title(label, fontsize=10)
        axes[1, col].set_xlabel(XLABEL)
        axes[0, col].legend(fontsize=8, loc="lower left")
    fig.suptitle("Shape of the pruning curve as h_T grows" + title, fontsize=9)
    fig.tight_layout()
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="+", type=Path, help="one study dataset per h_T")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=20_000, help="test inputs of the teacher")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line)
        lines.append(line)

    studies = sorted((load(p) for p in args.data), key=lambda ds: single(ds, "teacher_width"))
    sizes = [single(ds, "teacher_width") for ds in studies]
    averaged: dict[tuple[int, str], dict[str, xr.Dataset]] = {}
    held = {ratios(ds) for ds in studies}
    if len(held) > 1:
        print(f"warning: the studies hold different aspect ratios: {sorted(held)}")
    title = SUPTITLE.format(ratios=held.pop() if len(held) == 1 else "aspect ratios differ")
    say("Pruning curve at fixed aspect ratios (disorder averages, 95 % two-level bootstrap)")
    say(f"bootstrap {args.bootstrap}, teacher test inputs {args.n_test} (seed {args.seed})")
    say(
        "f(n) = dMSE(n)/max_n dMSE per student (the paper's normalisation), "
        "dMSE = |MSE(n) - MSE(W)|"
    )
    say("eps(n) = MSE(n)/MSE(0), MSE(0) = E[y^2] (the empty network outputs 0)")
    say("teacher: MSE of the teacher with its top-n nodes kept against the full teacher")
    table: list[tuple[int, str, dict[str, str]]] = []
    for ds, h in zip(studies, sizes, strict=True):
        n_in, width = single(ds, "input_dim"), single(ds, "width")
        n_train = single(ds, "n_train")
        say()
        say(
            f"h_T = {h}: N = {n_in}, W = {width}, h2 = {ds.sizes['hidden2']}, n_train = "
            f"{n_train}, alpha = {n_train / (n_in * h):g}, teachers {ds.sizes['teacher_seed']}, "
            f"students {ds.sizes['seed']}, steps {int(ds['budget_steps'].values.flat[0])}"
        )
        dims = squeeze(student_variable(ds, "dimension", warn=False))
        for training in map(str, ds["training"].values):
            avg = average(dims.sel(training=training, drop=True), args)
            say(f"  effective dimension {training}: {text(avg)}")
        verdict = phasetrans.stationarity(ds, bootstrap=args.bootstrap, seed=args.seed)
        verdict = verdict.squeeze([d for d in ("teacher_width", "width") if d in verdict.dims])
        for name in [v for v in verdict.data_vars if str(v).endswith("_converged")]:
            for training in map(str, ds["training"].values):
                v = verdict[name].sel(training=training)
                base = str(name)[: -len("_converged")]
                change = float(verdict[base + "_change"].sel(training=training))
                err = float(verdict[base + "_change_error"].sel(training=training))
                say(
                    f"  stationarity {base} {training}: converged={bool(v.all())} "
                    f"(change T/2 -> T {change:.4g} +- {err:.2g})"
                )
        per_method = curves(ds, args)
        for label in ("spectral", "direct"):
            if label not in per_method:
                continue
            best = per_method[TEACHER["greedy"]]["normalised"]
            diff = per_method[label]["normalised"] - best
            for key, n in (("f(h_T/2)", h // 2), ("f(3h_T/4)", 3 * h // 4), ("f(h_T-1)", h - 1)):
                paired = text(average(diff.sel(retained=n), args))
                say(f"  {label} - teacher (greedy), same teachers: {key} {paired}")
        for label, c in per_method.items():
            averaged[h, label] = {key: average(c[key], args) for key in ("normalised", "relative")}
            stats = {key: text(average(da, args)) for key, da in per_sample(c, h).items()}
            if "log10 MSE(h_T-1)/MSE(h_T)" in stats:
                avg = average(per_sample(c, h)["log10 MSE(h_T-1)/MSE(h_T)"], args)
                lo, hi = avg["interval"].sel(level=0.95).values
                m = float(avg["mean"])
                stats["MSE(h_T-1)/MSE(h_T) (geo. mean)"] = (
                    f"{10**m:.3g} [{10**lo:.3g}, {10**hi:.3g}]"
                )
                del stats["log10 MSE(h_T-1)/MSE(h_T)"]
            table.append((h, label, stats))
            for key, value in stats.items():
                say(f"  {label:20s} {key:32s} {value}")
    say()
    keys = [
        "f(h_T/2)",
        "f(3h_T/4)",
        "f(h_T-1)",
        "f(h_T)",
        "eps(h_T)",
        "MSE(h_T-1)/MSE(h_T) (geo. mean)",
    ]
    say("| h_T | method | " + " | ".join(keys) + " |")
    say("|---|---|" + "---|" * len(keys))
    for h, label, stats in table:
        say(f"| {h} | {label} | " + " | ".join(stats.get(k, "—") for k in keys) + " |")

    for fig, name in (
        (figure_by_size(averaged, sizes, title), "pruning_aspect_by_size.png"),
        (figure_shape(averaged, sizes, title), "pruning_aspect_shape.png"),
    ):
        fig.savefig(args.out / name, dpi=120)
        print(f"wrote {args.out / name}")
    (args.out / "pruning_aspect_numbers.txt").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out / 'pruning_aspect_numbers.txt'}")


if __name__ == "__main__":
    main()
