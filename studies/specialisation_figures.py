"""Every figure and number of the specialisation write-up (issue 12), from the stored datasets.

    python studies/specialisation_figures.py data/specialisation_small.nc \
        --out docs/figures/specialisation

Optional inputs (skipped, with a note, when the file is absent):

    --coarse   data/specialisation_coarse.nc        (300 epochs, alpha 0.5 ... 32)
    --epochs   data/specialisation_epochs600.nc data/specialisation_epochs1200.nc
               (the convergence check: the coarse cells alpha = 1 ... 8 trained longer)
    --half     data/specialisation_small_half.nc   (the study's N = 10 cells, half the epochs)
    --teachers data/teachers.nc data/specialisation_teachers32.nc
               (disorder-averaged pruning curves, h_T = 4 ... 32)

Writes PNGs and ``numbers.txt`` (every number quoted in docs/findings.md) under
``--out``.  Statistics: every error bar and interval is a two-level bootstrap
(teachers with replacement, then students within each drawn teacher) over the
dimensions ``teacher_seed`` and ``seed``; a statistic of a whole curve (a peak
position, a crossing) is recomputed on each resampled curve, the same draws at
every alpha, so its interval carries the correlations along the curve.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import xarray as xr
from scipy.optimize import curve_fit

from phasetrans import binder_cumulant, collapse, disorder_average, susceptibility
from phasetrans.analysis.bootstrap import draw, percentile_interval
from phasetrans.analysis.observables import exclude_diverged, normalized_delta_mse

SAMPLES = ("teacher_seed", "seed")
OUT_LINES: list[str] = []
STYLE = {"spectral": "-", "direct": "--", "group_lasso": ":"}
MARK = {"spectral": "o", "direct": "s", "group_lasso": "^"}


def plain_log(ax) -> None:
    """Log x axis with plain numbers (1, 2, 3) instead of 2x10^0."""
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}"[0] in "2345" else "")
    )


def say(text: str = "") -> None:
    print(text)
    OUT_LINES.append(text)


def fmt_ci(value: float, lo: float, hi: float, digits: int = 3) -> str:
    return f"{value:.{digits}g} [{lo:.{digits}g}, {hi:.{digits}g}]"


# --------------------------------------------------------------------------- data
def open_study(path: Path) -> xr.Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xr.open_dataset(path).load()


def observable(ds: xr.Dataset, name: str) -> xr.DataArray:
    """An order parameter per student over (training, input_dim, alpha, teacher_seed, seed)."""
    if name == "dimension_ratio":
        da = ds["dimension"] / ds["teacher_width"]
        da.name = "dimension_ratio"
    elif name == "gen_error":
        da = ds["test_mse"].sel(retained=ds["width"]).drop_vars("retained")
        da.name = "gen_error"
    else:
        da = ds[name]
    da = exclude_diverged(ds, da)
    for dim in ("teacher_width", "width"):
        if dim in da.dims:
            da = da.squeeze(dim, drop=True)
    return da.transpose(*[d for d in da.dims if d not in SAMPLES], *SAMPLES)


def two_level_mean(values: np.ndarray) -> np.ndarray:
    """Mean over students (last axis), then teachers; NaN skipped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.nanmean(values, axis=-1), axis=-1)


def two_level_var(values: np.ndarray) -> np.ndarray:
    centre = two_level_mean(values)[..., None, None]
    return two_level_mean((values - centre) ** 2)


def cumulant(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - two_level_mean(values**4) / (3.0 * two_level_mean(values**2) ** 2)


def replicates(
    da: xr.DataArray, statistic, n_boot: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The statistic of ``da`` (last two axes teacher_seed, seed) and its bootstrap replicates.

    Returns (estimate, replicates) with replicates on a new LAST axis; the draws are
    shared by every cell of the other dimensions (joint along alpha).
    """
    values = da.values
    rng = np.random.default_rng(seed)
    res = draw(rng, values.shape[-2:], n_boot)
    rep = np.stack([statistic(res.take(values, b)) for b in range(n_boot)], axis=-1)
    return statistic(values), rep


# ----------------------------------------------------------------- curve statistics
def peak(alpha: np.ndarray, chi: np.ndarray) -> tuple[float, float, bool]:
    """Peak position and height of chi(alpha): parabola in log alpha through the top 3 points."""
    if not np.isfinite(chi).any():
        return np.nan, np.nan, False
    k = int(np.nanargmax(chi))
    if k == 0 or k == len(alpha) - 1 or not np.isfinite(chi[k - 1 : k + 2]).all():
        return float(alpha[k]), float(chi[k]), False
    x = np.log(alpha[k - 1 : k + 2])
    a, b, c = np.polyfit(x, chi[k - 1 : k + 2], 2)
    if a >= 0:
        return float(alpha[k]), float(chi[k]), True
    x0 = -b / (2 * a)
    return float(np.exp(x0)), float(c - b * b / (4 * a)), True


def crossing(alpha: np.ndarray, curve: np.ndarray, level: float) -> float:
    """First alpha (log-linear interpolation) at which an increasing curve reaches ``level``."""
    ok = np.isfinite(curve)
    a, m = np.log(alpha[ok]), curve[ok]
    above = np.nonzero(m >= level)[0]
    if above.size == 0 or above[0] == 0:
        return np.nan
    j = above[0]
    t = (level - m[j - 1]) / (m[j] - m[j - 1])
    return float(np.exp(a[j - 1] + t * (a[j] - a[j - 1])))


def sign_crossings(alpha: np.ndarray, diff: np.ndarray) -> list[float]:
    out = []
    for j in range(1, len(alpha)):
        d0, d1 = diff[j - 1], diff[j]
        if np.isfinite(d0) and np.isfinite(d1) and d0 * d1 < 0:
            t = d0 / (d0 - d1)
            out.append(float(np.exp(np.log(alpha[j - 1]) + t * np.log(alpha[j] / alpha[j - 1]))))
    return out


# ---------------------------------------------------------------------- sections
def study_epochs(ds: xr.Dataset) -> str:
    """'<epochs> ep, lr <lr>' of the spectral method, read from the stored study file."""
    import tomllib

    spec = tomllib.loads(ds.attrs["study_toml"]).get("training", {}).get("spectral", {})
    return f"{spec.get('epochs', '?')} ep, lr {spec.get('lr', '?')}"


def convergence(paths: list[Path], out: Path, n_boot: int, tag: str) -> None:
    """teacher_recovered and dimension on the cells common to studies of different lengths."""
    studies = [open_study(p) for p in paths if p.exists()]
    if len(studies) < 2:
        say(f"[convergence{tag}] skipped: need >= 2 of {[str(p) for p in paths]}")
        return
    labels = [study_epochs(ds) for ds in studies]
    say(f"== Convergence check{tag}: the same cells trained for {' / '.join(labels)} ==")
    alphas = sorted(set.intersection(*[set(ds["alpha"].values.tolist()) for ds in studies]))
    dims = sorted(set.intersection(*[set(ds["input_dim"].values.tolist()) for ds in studies]))
    curves = {}
    for k, ds in enumerate(studies):
        for name in ("teacher_recovered", "dimension"):
            da = observable(ds.sel(alpha=alphas, input_dim=dims), name)
            curves[(k, name)] = disorder_average(da, bootstrap=n_boot, seed=1)
    trainings = list(studies[0]["training"].values)
    fig, axes = plt.subplots(2, len(trainings), figsize=(5.2 * len(trainings), 7), squeeze=False)
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(dims)))
    for row, name in enumerate(("teacher_recovered", "dimension")):
        for col, tr in enumerate(trainings):
            ax = axes[row, col]
            for i, d in enumerate(dims):
                for k in range(len(studies)):
                    avg = curves[(k, name)].sel(training=tr, input_dim=d)
                    ax.errorbar(
                        np.array(alphas) * (1 + 0.03 * (k - 1)),
                        avg["mean"],
                        avg["error"],
                        color=colors[i],
                        ls=["-", "--", ":"][k % 3],
                        marker="os^"[k % 3],
                        ms=4,
                        capsize=2,
                        label=f"N={d}, {labels[k]}",
                    )
            plain_log(ax)
            ax.set_xlabel(r"$\alpha = P/(N h_T)$")
            ax.set_ylabel(
                {
                    "teacher_recovered": "teacher nodes recovered",
                    "dimension": "effective dimension",
                }[name]
            )
            ax.set_title(tr)
            if row == 0 and col == 0:
                ax.legend(fontsize=7, ncol=2)
    fig.suptitle(
        f"Convergence check{tag}: disorder average (±1 two-level bootstrap s.d.) after "
        "different training"
    )
    fig.tight_layout()
    fig.savefig(out / f"convergence{tag}.png", dpi=90)
    plt.close(fig)
    say(
        "  training   N  alpha | recovered: "
        + " | ".join(labels)
        + " | dimension: "
        + " | ".join(labels)
    )
    for tr in trainings:
        for d in dims:
            for a in alphas:
                sel = dict(training=tr, input_dim=d, alpha=a)
                recs = [curves[(k, "teacher_recovered")].sel(**sel) for k in range(len(studies))]
                dms = [curves[(k, "dimension")].sel(**sel) for k in range(len(studies))]
                say(
                    f"  {tr:9s} {d:3d} {a:5g} | "
                    + " | ".join(f"{float(r['mean']):.2f}±{float(r['error']):.2f}" for r in recs)
                    + " | "
                    + " | ".join(f"{float(r['mean']):5.1f}" for r in dms)
                )
    say()


def order_parameters(ds: xr.Dataset, out: Path, n_boot: int, tag: str) -> dict:
    names = ["teacher_recovered", "teacher_cosine", "dimension_ratio", "gen_error"]
    labels = {
        "teacher_recovered": "teacher nodes recovered (cos ≥ 0.9)",
        "teacher_cosine": "mean matched cosine",
        "dimension_ratio": r"effective dimension / $h_T$",
        "gen_error": "test MSE (all nodes kept)",
    }
    trainings = list(ds["training"].values)
    dims = list(ds["input_dim"].values)
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(dims)))
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.4))
    avgs = {}
    for ax, name in zip(axes, names, strict=True):
        da = observable(ds, name)
        avg = disorder_average(da, bootstrap=n_boot, seed=2)
        avgs[name] = avg
        for tr in trainings:
            for i, d in enumerate(dims):
                a = avg.sel(training=tr, input_dim=d)
                lo = a["interval"].sel(level=0.68, bound="lower")
                hi = a["interval"].sel(level=0.68, bound="upper")
                ax.errorbar(
                    ds["alpha"],
                    a["mean"],
                    [a["mean"] - lo, hi - a["mean"]],
                    color=colors[i],
                    ls=STYLE.get(tr, "-"),
                    marker=MARK.get(tr, "o"),
                    ms=3.5,
                    capsize=2,
                    label=f"{tr}, N={d}",
                )
        plain_log(ax)
        if name == "gen_error":
            ax.set_yscale("log")
        ax.set_xlabel(r"$\alpha = P/(N h_T)$")
        ax.set_ylabel(labels[name])
    axes[0].legend(fontsize=7)
    h = int(ds["teacher_width"].values.ravel()[0])
    w = int(ds["width"].values.ravel()[0])
    nt, ns = ds.sizes["teacher_seed"], ds.sizes["seed"]
    fig.suptitle(
        f"Order parameters vs sample complexity: h_T={h}, W={w}, {nt} teachers × {ns} students; "
        "disorder average, 68 % two-level bootstrap intervals"
    )
    fig.tight_layout()
    fig.savefig(out / f"order_parameters{tag}.png", dpi=90)
    plt.close(fig)
    return avgs


def susceptibility_section(ds: xr.Dataset, out: Path, n_boot: int, tag: str, name: str) -> dict:
    """chi = N Var(m) vs alpha, its peak alpha*(N) and height, and the cumulant crossings."""
    da = observable(ds, name)
    alpha = ds["alpha"].values.astype(float)
    trainings = list(ds["training"].values)
    dims = list(ds["input_dim"].values)
    chi_pkg = susceptibility(da, "input_dim", bootstrap=n_boot, seed=3)
    u_pkg = binder_cumulant(da, bootstrap=n_boot, seed=4)
    # joint replicates (same draws at every alpha) for the peak and crossings
    da_t = da.transpose("training", "input_dim", "alpha", *SAMPLES)
    var, var_rep = replicates(da_t, two_level_var, n_boot, seed=5)
    n = np.asarray(dims, float)[None, :, None]
    chi, chi_rep = var * n, var_rep * n[..., None]
    u, u_rep = replicates(da_t, cumulant, n_boot, seed=6)
    m, m_rep = replicates(da_t, two_level_mean, n_boot, seed=7)
    # sanity: my chi replicates against the package's error
    pkg_err = chi_pkg["error"].transpose("training", "input_dim", "alpha").values
    my_err = np.nanstd(chi_rep, axis=-1, ddof=1)
    ratio = np.nanmedian(my_err[pkg_err > 0] / pkg_err[pkg_err > 0])
    say(
        "  check: median ratio of this script's chi bootstrap s.d. to "
        f"phasetrans.susceptibility's: {ratio:.3f}"
    )
    result = {}
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(dims)))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for ti, tr in enumerate(trainings):
        say(f"  [{tr}] {name}: susceptibility peak, cumulant, midpoint")
        for di, d in enumerate(dims):
            c = chi_pkg.sel(training=tr, input_dim=d)
            axes[0].errorbar(
                alpha,
                c["susceptibility"],
                c["error"],
                color=colors[di],
                ls=STYLE.get(tr, "-"),
                marker=MARK.get(tr, "o"),
                ms=3.5,
                capsize=2,
                label=f"{tr}, N={d}",
            )
            uu = u_pkg.sel(training=tr, input_dim=d)
            axes[1].errorbar(
                alpha,
                uu["cumulant"],
                uu["error"],
                color=colors[di],
                ls=STYLE.get(tr, "-"),
                marker=MARK.get(tr, "o"),
                ms=3.5,
                capsize=2,
                label=f"{tr}, N={d}",
            )
            pos, height, interior = peak(alpha, chi[ti, di])
            reps = np.array([peak(alpha, chi_rep[ti, di, :, b]) for b in range(n_boot)])
            edge = 1 - np.mean([peak(alpha, chi_rep[ti, di, :, b])[2] for b in range(n_boot)])
            plo, phi = percentile_interval(reps[:, 0], 0.95)
            hlo, hhi = percentile_interval(reps[:, 1], 0.95)
            mid = crossing(alpha, m[ti, di], 0.5)
            mids = np.array([crossing(alpha, m_rep[ti, di, :, b], 0.5) for b in range(n_boot)])
            a20 = crossing(alpha, m[ti, di], 0.2)
            a80 = crossing(alpha, m[ti, di], 0.8)
            w_rep = np.array(
                [
                    crossing(alpha, m_rep[ti, di, :, b], 0.8)
                    / crossing(alpha, m_rep[ti, di, :, b], 0.2)
                    for b in range(n_boot)
                ]
            )
            wlo, whi = percentile_interval(w_rep, 0.95)
            mlo, mhi = percentile_interval(mids, 0.95)
            result[(tr, d)] = dict(
                peak=pos,
                peak_ci=(plo, phi),
                height=height,
                height_ci=(hlo, hhi),
                mid=mid,
                mid_ci=(mlo, mhi),
                width=a80 / a20 if a20 else np.nan,
                width_ci=(wlo, whi),
                interior=interior,
                edge_frac=edge,
            )
            say(
                f"    N={d:3d}: alpha*={fmt_ci(pos, plo, phi)}  chi_max={fmt_ci(height, hlo, hhi)}"
                f"{'' if interior else ' (peak at a grid edge)'}  [{edge:.0%} of resamples "
                "peak at an edge];"
                f"  alpha(m=0.5)={fmt_ci(mid, mlo, mhi)};  "
                f"alpha80/alpha20={fmt_ci(a80 / a20, wlo, whi)}"
            )
        # cumulant crossings between successive sizes
        for d1, d2 in itertools.pairwise(dims):
            i1, i2 = dims.index(d1), dims.index(d2)
            xs = sign_crossings(alpha, u[ti, i1] - u[ti, i2])
            rep_x = [
                sign_crossings(alpha, u_rep[ti, i1, :, b] - u_rep[ti, i2, :, b])
                for b in range(n_boot)
            ]
            share = np.mean([len(x) > 0 for x in rep_x])
            firsts = np.array([x[0] if x else np.nan for x in rep_x])
            lo, hi = percentile_interval(firsts, 0.95)
            say(
                f"    cumulant U_N={d1} - U_N={d2} changes sign at alpha = "
                f"{[round(x, 3) for x in xs]}"
                f" (a crossing in {share:.0%} of resamples; first crossing 95 % interval "
                f"[{lo:.3g}, {hi:.3g}])"
            )
            result[(tr, "U", d1, d2)] = (xs, share, (lo, hi))
        # peak-height scaling chi_max ~ N^(gamma/nu)
        hs = np.array([result[(tr, d)]["height"] for d in dims])
        slope = np.polyfit(np.log(dims), np.log(hs), 1)[0]
        rep_h = np.array(
            [
                [peak(alpha, chi_rep[ti, di, :, b])[1] for di in range(len(dims))]
                for b in range(n_boot)
            ]
        )
        ok = (rep_h > 0).all(axis=1)
        slopes = np.array([np.polyfit(np.log(dims), np.log(r), 1)[0] for r in rep_h[ok]])
        lo, hi = percentile_interval(slopes, 0.95)
        say(f"    chi_max ~ N^s: s = {fmt_ci(slope, lo, hi)}")
        result[(tr, "slope")] = (slope, lo, hi)
    # spectral vs direct, paired (the same teachers, data and resamples for both methods)
    if name == "teacher_recovered" and {"spectral", "direct"} <= set(trainings):
        ts, td = trainings.index("spectral"), trainings.index("direct")
        say(
            "  spectral vs direct (paired resamples): alpha(m=0.5) direct / spectral, and the "
            "20-80 % widths"
        )
        for di, d in enumerate(dims):
            r = result[("direct", d)]["mid"] / result[("spectral", d)]["mid"]
            rr = np.array(
                [
                    crossing(alpha, m_rep[td, di, :, b], 0.5)
                    / crossing(alpha, m_rep[ts, di, :, b], 0.5)
                    for b in range(n_boot)
                ]
            )
            lo, hi = percentile_interval(rr, 0.95)
            ws, wd = result[("spectral", d)], result[("direct", d)]
            say(
                f"    N={d:3d}: alpha50(direct)/alpha50(spectral) = {fmt_ci(r, lo, hi)}; "
                f"width80/20 spectral {fmt_ci(ws['width'], *ws['width_ci'])}, "
                f"direct {fmt_ci(wd['width'], *wd['width_ci'])}"
            )
            result[("ratio", d)] = (r, lo, hi)
    for ax, ylab in zip(
        axes, [rf"$\chi = N\,\mathrm{{Var}}$({name})", f"Binder cumulant of {name}"], strict=True
    ):
        plain_log(ax)
        ax.set_xlabel(r"$\alpha = P/(N h_T)$")
        ax.set_ylabel(ylab)
    if name == "teacher_recovered":
        axes[1].set_ylim(-1.0, 0.7)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Susceptibility and cumulant of {name} (±1 two-level bootstrap s.d.)")
    fig.tight_layout()
    fig.savefig(out / f"susceptibility{tag}_{name}.png", dpi=90)
    plt.close(fig)
    return result


def collapse_section(ds: xr.Dataset, out: Path, n_boot: int, tag: str, name: str, window) -> dict:
    from phasetrans.plots import plot_collapse

    da = observable(ds, name)
    results = {}
    for tr in ds["training"].values:
        part = da.sel(training=tr, drop=True)
        if window is not None:
            part = part.sel(alpha=slice(*window))
        for label, kwargs in (("free", {}), ("zeta0", {"fix": {"zeta": 0.0}})):
            try:
                res = collapse(
                    part,
                    "input_dim",
                    "alpha",
                    sample_dim=SAMPLES,
                    bootstrap=n_boot,
                    seed=8,
                    **kwargs,
                )
            except Exception as exc:  # report and go on
                say(f"  [{tr}, {label}] collapse failed: {type(exc).__name__}: {exc}")
                continue
            say(
                f"  [{tr}, {label}] collapse of {name} over input_dim vs alpha"
                f"{'' if window is None else f' in {window}'}:"
            )
            for line in res.report().splitlines():
                say("    " + line)
            results[(tr, label)] = res
            if label == "zeta0":
                fig = plot_collapse(res, title=f"{tr}: {name}, ζ = 0 fixed")
                fig.savefig(out / f"collapse{tag}_{name}_{tr}.png", dpi=90)
                plt.close(fig)
    return results


def pruning_section(paths: list[Path], out: Path, n_boot: int) -> None:
    studies = [open_study(p) for p in paths if p.exists()]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        say(f"[pruning] missing datasets (skipped): {missing}")
    if not studies:
        return
    say("== Disorder-averaged pruning curves: normalised dMSE vs x = n/h_T - 1 ==")
    curves = {}
    for ds in studies:
        nd = normalized_delta_mse(ds)
        for h in ds["teacher_width"].values:
            part = nd.sel(training="spectral", teacher_width=h, drop=True).squeeze(
                "width", drop=True
            )
            dim = observable(ds.sel(teacher_width=[h]), "dimension").sel(training="spectral")
            x = part["retained"].values / h - 1.0
            part = (
                part.assign_coords(x=("retained", x)).swap_dims(retained="x").drop_vars("retained")
            )
            part = part.sel(x=part["x"] <= 0.5 + 1e-9).transpose("x", *SAMPLES)
            est, rep = replicates(part, two_level_mean, n_boot, seed=9)
            curves[int(h)] = (part["x"].values, est, rep)
            say(
                f"  h_T={int(h):3d}: {ds.sizes['teacher_seed']} teachers x {ds.sizes['seed']} "
                "students; "
                f"effective dimension mean {float(dim.mean()):.2f} (min {float(dim.min()):g}, "
                f"max {float(dim.max()):g})"
            )
    hs = sorted(curves)
    colors = plt.cm.plasma(np.linspace(0, 0.85, len(hs)))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for h, c in zip(hs, colors, strict=True):
        x, est, rep = curves[h]
        lo, hi = np.nanpercentile(rep, [16, 84], axis=-1)
        axes[0].fill_between(x, lo, hi, color=c, alpha=0.25)
        axes[0].plot(x, est, "o-", color=c, ms=3, label=f"h_T = {h}")
    axes[0].set_xlabel(r"$x = n/h_T - 1$")
    axes[0].set_ylabel(r"normalised $\Delta$MSE (disorder average)")
    axes[0].legend()
    axes[0].set_xlim(-1.02, 0.3)
    say("  normalised dMSE at fixed x (95 % intervals):")
    xs_fixed = [-0.75, -0.5, -0.25]
    fits = {}
    for xf, mk in zip(xs_fixed, "os^", strict=True):
        vals, reps = [], []
        for h in hs:
            x, est, rep = curves[h]
            j = int(np.argmin(np.abs(x - xf)))
            vals.append(est[j])
            reps.append(rep[j])
        vals, reps = np.array(vals), np.array(reps)
        errs = np.nanstd(reps, axis=-1, ddof=1)
        cis = [percentile_interval(r, 0.95) for r in reps]
        say(
            f"    x={xf:+.2f}: "
            + "; ".join(
                f"h_T={h}: {fmt_ci(v, lo, hi)}"
                for h, v, (lo, hi) in zip(hs, vals, cis, strict=True)
            )
        )
        axes[1].errorbar(hs, vals, errs, marker=mk, ls="none", capsize=3, label=f"x = {xf}")
        # f(h) = f_inf + b h^-omega, weighted by the bootstrap s.d.; intervals from refits
        model = lambda h, f, b, om: f + b * np.power(h, -om)  # noqa: E731
        hh = np.array(hs, float)
        try:
            p, _ = curve_fit(
                model,
                hh,
                vals,
                p0=(vals[-1], vals[0] - vals[-1], 1.0),
                sigma=errs,
                absolute_sigma=True,
                maxfev=20000,
                bounds=([0, -10, 0.01], [2, 10, 6]),
            )
            ps = []
            for b in range(min(n_boot, 400)):
                try:
                    q, _ = curve_fit(
                        model,
                        hh,
                        reps[:, b],
                        p0=p,
                        sigma=errs,
                        maxfev=5000,
                        bounds=([0, -10, 0.01], [2, 10, 6]),
                    )
                    ps.append(q)
                except RuntimeError:
                    pass
            ps = np.array(ps)
            cis = [percentile_interval(ps[:, k], 0.95) for k in range(3)]
            chi2 = float(np.sum(((vals - model(hh, *p)) / errs) ** 2))
            say(
                f"      fit f_inf + b h_T^-omega (f_inf >= 0): f_inf={fmt_ci(p[0], *cis[0])}, "
                f"b={fmt_ci(p[1], *cis[1])}, "
                f"omega={fmt_ci(p[2], *cis[2])}; chi2={chi2:.2f} for {len(hs) - 3} dof "
                f"({len(ps)} refits)"
            )
            # pure power law (limit 0): f = b h^-omega, 2 dof
            pw = lambda h, b, om: b * np.power(h, -om)  # noqa: E731
            q0, _ = curve_fit(
                pw,
                hh,
                vals,
                p0=(vals[0] * hs[0], 1.0),
                sigma=errs,
                absolute_sigma=True,
                maxfev=20000,
            )
            qs = []
            for b in range(min(n_boot, 400)):
                try:
                    qs.append(curve_fit(pw, hh, reps[:, b], p0=q0, sigma=errs, maxfev=5000)[0])
                except RuntimeError:
                    pass
            qs = np.array(qs)
            chi2p = float(np.sum(((vals - pw(hh, *q0)) / errs) ** 2))
            say(
                "      pure power law b h_T^-omega (limit 0): "
                f"b={fmt_ci(q0[0], *percentile_interval(qs[:, 0], 0.95))}, "
                f"omega={fmt_ci(q0[1], *percentile_interval(qs[:, 1], 0.95))}; "
                f"chi2={chi2p:.2f} for {len(hs) - 2} dof"
            )
            grid = np.geomspace(hs[0], hs[-1] * 2, 50)
            axes[1].plot(
                grid,
                model(grid, *p),
                color=axes[1].lines[-1].get_color() if axes[1].lines else None,
                lw=1,
            )
            fits[xf] = (p, cis)
        except (RuntimeError, ValueError) as exc:
            say(f"      fit failed: {exc}")
    # distance between successive curves on the common grid
    common = curves[hs[0]][0]
    say(
        "  mean |difference| between successive h_T curves on x of h_T="
        f"{hs[0]} (x <= 0), 95 % intervals:"
    )
    for h1, h2 in itertools.pairwise(hs):

        def at(h, arr):
            x = curves[h][0]
            idx = [int(np.argmin(np.abs(x - c))) for c in common if c <= 0]
            return arr[idx]

        dist = np.nanmean(np.abs(at(h1, curves[h1][1]) - at(h2, curves[h2][1])))
        dist_rep = np.nanmean(np.abs(at(h1, curves[h1][2]) - at(h2, curves[h2][2])), axis=0)
        lo, hi = percentile_interval(dist_rep, 0.95)
        say(f"    D({h1},{h2}) = {fmt_ci(dist, lo, hi)}")
    axes[1].set_xscale("log")
    axes[1].set_xticks(hs)
    axes[1].set_xticklabels([str(h) for h in hs])
    axes[1].xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[1].set_xlabel(r"$h_T$")
    axes[1].set_ylabel(r"normalised $\Delta$MSE at fixed $x$")
    axes[1].legend()
    fig.suptitle(
        "Pruning curves averaged over 8 teachers × 4 students (68 % two-level bootstrap bands); "
        r"right: approach to the large-$h_T$ limit, fit $f_\infty + b\,h_T^{-\omega}$"
    )
    fig.tight_layout()
    fig.savefig(out / "pruning_disorder_averaged.png", dpi=90)
    plt.close(fig)
    say()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "study", type=Path, help="the specialisation study dataset (data/specialisation_small.nc)"
    )
    p.add_argument("--out", type=Path, default=Path("docs/figures/specialisation"))
    p.add_argument("--coarse", type=Path, default=Path("data/specialisation_coarse.nc"))
    p.add_argument(
        "--epochs",
        type=Path,
        nargs="*",
        default=[
            Path("data/specialisation_epochs600.nc"),
            Path("data/specialisation_epochs1200.nc"),
        ],
    )
    p.add_argument(
        "--half",
        type=Path,
        default=Path("data/specialisation_small_half.nc"),
        help="the study's N = 10 cells after half the epochs (convergence check)",
    )
    p.add_argument(
        "--teachers",
        type=Path,
        nargs="*",
        default=[Path("data/teachers.nc"), Path("data/specialisation_teachers32.nc")],
    )
    p.add_argument("--bootstrap", type=int, default=1000, help="resamples for averages, chi, peaks")
    p.add_argument(
        "--collapse-bootstrap", type=int, default=200, help="resamples for each collapse"
    )
    p.add_argument(
        "--window", type=float, nargs=2, default=None, help="alpha window of the collapse"
    )
    p.add_argument(
        "--skip", nargs="*", default=[], choices=["convergence", "collapse", "pruning", "coarse"]
    )
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore", RuntimeWarning)

    if "convergence" not in args.skip:
        convergence([args.coarse, *args.epochs], args.out, min(args.bootstrap, 500), "_coarse")
        convergence([args.half, args.study], args.out, min(args.bootstrap, 500), "")
    if "coarse" not in args.skip and args.coarse.exists():
        say("== Coarse pass (300 epochs, 4 teachers x 2 students) ==")
        coarse = open_study(args.coarse)
        order_parameters(coarse, args.out, min(args.bootstrap, 500), "_coarse")
        susceptibility_section(
            coarse, args.out, min(args.bootstrap, 500), "_coarse", "teacher_recovered"
        )
    ds = open_study(args.study)
    say(f"== {args.study}: {ds.attrs.get('study_name')} (hash {ds.attrs.get('study_hash')}) ==")
    say(f"  dims: {dict(ds.sizes)}")
    say(f"  alpha: {ds['alpha'].values.tolist()}")
    n_div = int((ds["diverged_epoch"] > 0).sum()) if "diverged_epoch" in ds else 0
    say(f"  diverged students: {n_div}")
    avgs = order_parameters(ds, args.out, args.bootstrap, "")
    say("  disorder averages (95 % intervals):")
    for tr in ds["training"].values:
        for d in ds["input_dim"].values:
            row = []
            for a in ds["alpha"].values:
                r = avgs["teacher_recovered"].sel(training=tr, input_dim=d, alpha=a)
                row.append(f"{float(r['mean']):.2f}")
            say(f"    {tr:9s} N={int(d):3d} recovered: " + " ".join(row))
    say("== Susceptibility and cumulant ==")
    for name in ("teacher_recovered", "teacher_cosine"):
        susceptibility_section(ds, args.out, args.bootstrap, "", name)
    if "collapse" not in args.skip:
        say("== Finite-size-scaling collapse ==")
        collapse_section(
            ds, args.out, args.collapse_bootstrap, "", "teacher_recovered", args.window
        )
    if "pruning" not in args.skip:
        pruning_section(args.teachers, args.out, args.bootstrap)
    (args.out / "numbers.txt").write_text("\n".join(OUT_LINES) + "\n")
    print(f"wrote {args.out}/*.png and numbers.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
