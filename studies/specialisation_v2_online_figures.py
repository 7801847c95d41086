"""Figures and table of the online arm (issue 21): the symmetric plateau and its escape against N.

    python studies/specialisation_v2_online_figures.py DATA.nc --out docs/figures/specialisation_v2

DATA.nc is the dataset of ``studies/specialisation_v2_online.toml`` (online SGD at batch 1,
erf committee teacher with T = I, committee students with a sum readout). Writes
``online_curves.png`` (ε_g(t) and the specialisation s(t) per N, the ODE overlaid on the
direct students) and ``online_escape.png`` (plateau length and escape time against N, with
a fit in ln N), and prints the table.

Definitions, the same on simulation and ODE, per student (or per ODE draw):

- ε_g = test_mse / 2 (the ODE's ½ E[(σ − y)²]); t = samples / N.
- Plateau length L (issue 21's definition): the time from the start until ε_g first drops
  below half its plateau value, i.e. ``plateau_and_escape(t, ε_g).escape_time`` with
  ``fraction = 0.5``; errors below a fifth of the ODE's plateau height never count as a
  plateau (``floor``), so the converged tail of a long run is not taken for one.
- Escape time t_s: the first time the specialisation s reaches half its specialised value,
  s = (1 − r_sym) / 2 (0 on the symmetric plateau, 1 − r_sym = 1/2 when specialised at
  M = 4), interpolated linearly in ln t between checkpoints.

The ODE (``phasetrans.theory.integrate_committee``) holds for the direct students (W = K):
it is integrated from initial overlaps drawn as the trainer draws them (φ ~ N(0, init_q)
per entry, w = −φ), one per draw, at the direct method's η. Its s is computed by the
package's ``student_overlaps`` from vectors with the ODE's Q and R. The theory's slope of
the escape time in ln N is 1 / (2 λ_u), λ_u the unstable eigenvalue of the symmetric fixed
point (initial asymmetry ∝ N^(-1/2)); it is computed from the drift's Jacobian there.
Errors are two-level bootstrap errors over teachers and students
(``phasetrans.disorder_average``); ODE errors are the standard error over draws.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

import phasetrans
from phasetrans.analysis.overlaps import student_overlaps
from phasetrans.config import COMMITTEE_INIT_Q
from phasetrans.config.load import parse_study
from phasetrans.errors import AnalysisInputError
from phasetrans.runner.spec import train_settings
from phasetrans.theory import committee_drift, integrate_committee, plateau_and_escape

#: The trainer's loss is (σ − y)², the ODE's ½(σ − y)²: the ODE's η is twice the trainer's lr.
ETA_PER_LR = 2.0
#: Errors below this fraction of the ODE's plateau height never form a plateau.
FLOOR_FRACTION = 0.2
#: Fraction of the plateau height that ends the plateau (issue 21: "half its plateau value").
PLATEAU_FRACTION = 0.5
#: The escape is where s reaches this fraction of its specialised value 1 - r_sym.
ESCAPE_FRACTION = 0.5


def crossing_time(t: np.ndarray, s: np.ndarray, level: float) -> float:
    """First time ``s`` reaches ``level`` (linear in ln t between samples); NaN if never."""
    above = np.flatnonzero(np.isfinite(s) & (s >= level))
    if above.size == 0:
        return math.nan
    i = int(above[0])
    if i == 0:
        return float(t[0])
    w = (level - s[i - 1]) / (s[i] - s[i - 1])
    return float(np.exp(np.log(t[i - 1]) + w * (np.log(t[i]) - np.log(t[i - 1]))))


def plateau_length(t: np.ndarray, eg: np.ndarray, floor: float) -> tuple[float, float]:
    """(plateau height, plateau length) of one curve; NaN where there is none."""
    ok = np.isfinite(eg)
    try:
        p = plateau_and_escape(t[ok], eg[ok], fraction=PLATEAU_FRACTION, floor=floor)
    except AnalysisInputError:
        return math.nan, math.nan
    return p.height, p.escape_time


def ode_vectors(Q: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Student vectors (n, M + K, K) with overlaps Q, R against teacher vectors e_m (T = I)."""
    _, K, M = R.shape
    rest = Q - R @ np.swapaxes(R, 1, 2)  # the part of Q outside the teacher's span
    lam, vec = np.linalg.eigh(0.5 * (rest + np.swapaxes(rest, 1, 2)))
    L = vec * np.sqrt(np.clip(lam, 0.0, None))[:, None, :]  # L L^T = rest
    w = np.concatenate([np.swapaxes(R, 1, 2), np.swapaxes(L, 1, 2)], axis=1)
    teacher = np.zeros((M + K, M))
    teacher[:M, :M] = np.eye(M)
    return w, teacher


def ode_draws(
    n_in: int,
    K: int,
    M: int,
    eta: float,
    init_q: float,
    times: np.ndarray,
    draws: int,
    floor: float,
) -> dict[str, np.ndarray]:
    """ε_g(t), s(t), plateau height and length and escape time of ``draws`` ODE solutions."""
    rng = np.random.default_rng([21, n_in, K, M])
    eg, spec, height, length, escape = [], [], [], [], []
    grid = np.r_[0.0, times]
    for _ in range(draws):
        phi = rng.normal(0.0, math.sqrt(init_q), size=(n_in, K))
        w0 = -phi  # λ_in = 0, λ_out = 1: w = φ (λ_in − λ_out)
        Q0, R0 = w0.T @ w0 / n_in, w0[:M].T * math.sqrt(n_in) / n_in  # B_m = √N e_m
        res = integrate_committee(Q0, R0, np.eye(M), eta, grid, rtol=1e-7, atol=1e-9)
        w, teacher = ode_vectors(res.Q[1:], res.R[1:])
        s = student_overlaps(w, teacher)["specialisation"]
        r_sym = student_overlaps(w[:1], teacher)["overlap_symmetric"][0]
        e = np.clip(res.eg[1:], 0.0, None)
        h, length_ = plateau_length(times, e, floor)
        eg.append(e)
        spec.append(s)
        height.append(h)
        length.append(length_)
        escape.append(crossing_time(times, s, ESCAPE_FRACTION * (1 - r_sym)))
    return {
        k: np.array(v)
        for k, v in zip(
            ("eg", "s", "height", "length", "escape"),
            (eg, spec, height, length, escape),
            strict=True,
        )
    }


def symmetric_point(K: int, M: int, eta: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The symmetric fixed point (Q, R) of the ODE at η and its plateau height."""
    Q0 = 0.5 * np.eye(K)
    R0 = np.full((K, M), 1e-3)
    res = integrate_committee(Q0, R0, np.eye(M), eta, np.array([0.0, 200.0 / eta]))
    return res.Q[-1], res.R[-1], float(res.eg[-1])


def unstable_rate(Q: np.ndarray, R: np.ndarray, eta: float, h: float = 1e-6) -> float:
    """Largest real part of the eigenvalues of the drift's Jacobian at (Q, R)."""
    K, M = R.shape
    iu = np.triu_indices(K)

    def flat(dQ: np.ndarray, dR: np.ndarray) -> np.ndarray:
        return np.concatenate([dQ[iu], dR.ravel()])

    def drift(x: np.ndarray) -> np.ndarray:
        q = np.zeros((K, K))
        q[iu] = x[: iu[0].size]
        q = q + np.triu(q, 1).T
        return flat(*committee_drift(q, x[iu[0].size :].reshape(K, M), np.eye(M), eta))

    x0 = flat(Q, R)
    jac = np.empty((x0.size, x0.size))
    for j in range(x0.size):
        dx = np.zeros_like(x0)
        dx[j] = h
        jac[:, j] = (drift(x0 + dx) - drift(x0 - dx)) / (2 * h)
    return float(np.max(np.linalg.eigvals(jac).real))


def fit_log(n: np.ndarray, y: np.ndarray, err: np.ndarray) -> tuple[float, float, float, float]:
    """Weighted fit y = a + b ln N: (a, b, error of b, chi2 per degree of freedom)."""
    ok = np.isfinite(y) & np.isfinite(err) & (err > 0)
    x, y, err = np.log(n[ok]), y[ok], err[ok]
    if x.size < 2:
        return (math.nan,) * 4
    A = np.stack([np.ones_like(x), x], axis=1) / err[:, None]
    coef, *_ = np.linalg.lstsq(A, y / err, rcond=None)
    cov = np.linalg.inv(A.T @ A)
    dof = max(x.size - 2, 1)
    chi2 = float(np.sum(((y - coef[0] - coef[1] * x) / err) ** 2)) / dof
    return float(coef[0]), float(coef[1]), float(math.sqrt(cov[1, 1])), chi2


def measure(ds: xr.Dataset, floors: dict[int, float]) -> xr.Dataset:
    """Per student: plateau height, plateau length L and escape time t_s."""
    dims = ("training", "input_dim", "teacher_seed", "seed")
    eg = (ds["test_mse_time"] / 2).transpose(*dims, "time").values
    s = ds["specialisation_time"].transpose(*dims, "time").values
    r_sym = ds["overlap_symmetric_time"].isel(time=0).transpose(*dims).values
    clock = ds["time_samples"].transpose("training", "input_dim", "time").values
    out = {k: np.full(eg.shape[:-1], np.nan) for k in ("height", "length", "escape")}
    for a, b, i, j in np.ndindex(*eg.shape[:-1]):
        n_in = int(ds.input_dim[b])
        t = clock[a, b] / n_in
        h, length = plateau_length(t, eg[a, b, i, j], floors[n_in])
        out["height"][a, b, i, j], out["length"][a, b, i, j] = h, length
        level = ESCAPE_FRACTION * (1 - r_sym[a, b, i, j])
        out["escape"][a, b, i, j] = crossing_time(t, s[a, b, i, j], level)
    coords = {d: ds[d].values for d in dims}
    return xr.Dataset({k: (dims, v) for k, v in out.items()}, coords=coords)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--out", default="docs/figures/specialisation_v2")
    parser.add_argument("--ode-draws", type=int, default=8, help="ODE solutions per N")
    parser.add_argument(
        "--ode-t-max",
        type=float,
        default=800.0,
        help="integrate the ODE up to this t (its converged tail is slow to integrate)",
    )
    parser.add_argument("--bootstrap", type=int, default=200)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    ds = phasetrans.open_study(args.data)
    study = parse_study(ds.attrs["study_toml"], source=args.data)
    if study.teacher.kind != "committee" or not study.data.online:
        raise SystemExit(f"{args.data}: not an online committee study")
    ds = ds.squeeze(["teacher_width", "width"])
    M, K = int(ds.teacher_width), int(ds.width)
    T = ds["teacher_overlap"].values.reshape(-1, M, M)
    T = T[np.isfinite(T).all(axis=(1, 2))]  # teachers of missing cells are NaN
    if not np.allclose(T, np.eye(M), atol=1e-5):
        raise SystemExit(f"{args.data}: the ODE comparison needs an orthogonal teacher (T = I)")
    init_q = study.students.init_q or COMMITTEE_INIT_Q
    trained_any = ds["test_mse_time"].notnull()
    ran = trained_any.any([d for d in trained_any.dims if d != "training"])
    for m in ds.training.values[~ran.values]:
        print(f"{m}: no trained cell in {args.data} (left out)")
    ds = ds.sel(training=ran)
    sizes = [int(n) for n in ds.input_dim.values]
    methods = [str(m) for m in ds.training.values]

    def eta(method: str, n_in: int) -> float:
        lr = train_settings(study, method, input_dim=n_in, n_train=0, l2_eigenvalues=0.0).lr
        return ETA_PER_LR * lr

    # the ODE: symmetric fixed point, its unstable rate, and draws from the students' init
    ode, fixed = {}, {}
    for n_in in sizes:
        e = eta("direct", n_in)
        if e not in fixed:
            q, r, height = symmetric_point(K, M, e)
            fixed[e] = (height, unstable_rate(q, r, e))
    floors = {n: FLOOR_FRACTION * fixed[eta("direct", n)][0] for n in sizes}
    if "direct" in methods:
        for n_in in sizes:
            t = ds["time_samples"].sel(training="direct", input_dim=n_in).values / n_in
            t = t[t <= args.ode_t_max]
            ode[n_in] = ode_draws(
                n_in, K, M, eta("direct", n_in), init_q, t, args.ode_draws, floors[n_in]
            )
            print(f"ODE N = {n_in}: {args.ode_draws} draws done", flush=True)

    per_student = measure(ds, floors)
    avg = {
        k: phasetrans.disorder_average(per_student[k], bootstrap=args.bootstrap, seed=1)
        for k in ("height", "length", "escape")
    }
    trained = (ds["test_mse_time"].isel(time=-1).notnull()).sum(["teacher_seed", "seed"])
    escaped = per_student["escape"].notnull().sum(["teacher_seed", "seed"]) / trained
    stat = phasetrans.stationarity(ds, ["test_mse", "specialisation"], bootstrap=args.bootstrap)

    # table
    header = (
        f"{'method':<9}{'N':>5}{'eta':>7}{'n':>5}{'escaped':>9}{'height':>18}"
        f"{'plateau L':>18}{'escape t_s':>18}{'stationary eg/s':>17}"
    )
    print(header)
    print("-" * len(header))
    rows = {}
    for m in methods:
        for n_in in sizes:
            cell = dict(training=m, input_dim=n_in)
            vals = [
                (float(avg[k]["mean"].sel(cell)), float(avg[k]["error"].sel(cell)))
                for k in ("height", "length", "escape")
            ]
            rows[(m, n_in)] = vals
            conv = "/".join(
                "yes" if bool(stat[f"{v}_converged"].sel(cell)) else "no"
                for v in ("test_mse", "specialisation")
            )
            n_students = int(trained.sel(cell))
            print(
                f"{m:<9}{n_in:>5}{eta(m, n_in):>7.3g}{n_students:>5}"
                f"{float(escaped.sel(cell)):>9.2f}"
                f"{vals[0][0]:>10.4f} ± {vals[0][1]:<5.4f}"
                f"{vals[1][0]:>10.1f} ± {vals[1][1]:<5.1f}"
                f"{vals[2][0]:>10.1f} ± {vals[2][1]:<5.1f}{conv:>17}"
            )
    for n_in in ode:
        d = ode[n_in]
        vals = [
            (float(np.nanmean(d[k])), float(np.nanstd(d[k], ddof=1) / math.sqrt(len(d[k]))))
            for k in ("height", "length", "escape")
        ]
        rows[("ODE", n_in)] = vals
        print(
            f"{'ODE':<9}{n_in:>5}{eta('direct', n_in):>7.3g}{len(d['escape']):>5}"
            f"{float(np.mean(np.isfinite(d['escape']))):>9.2f}"
            f"{vals[0][0]:>10.4f} ± {vals[0][1]:<5.4f}"
            f"{vals[1][0]:>10.1f} ± {vals[1][1]:<5.1f}"
            f"{vals[2][0]:>10.1f} ± {vals[2][1]:<5.1f}{'':>17}"
        )
    print()
    for e, (height, rate) in fixed.items():
        print(
            f"ODE symmetric fixed point at eta = {e:.3g}: eps_g = {height:.5f}, unstable rate "
            f"lambda_u = {rate:.4f}; predicted slope of the escape in ln N: "
            f"1/(2 lambda_u) = {1 / (2 * rate):.1f}"
        )
    n_arr = np.array(sizes, dtype=float)
    fits = {}
    for label in [*methods, "ODE"]:
        for j, name in ((1, "plateau L"), (2, "escape t_s")):
            if not any((label, n) in rows for n in sizes):
                continue
            y = np.array([rows[(label, n)][j][0] for n in sizes])
            err = np.array([rows[(label, n)][j][1] for n in sizes])
            fits[(label, j)] = fit_log(n_arr, y, err)
            a, b, db, chi2 = fits[(label, j)]
            print(
                f"fit {name:<10} {label:<8}: {a:7.1f} + ({b:5.1f} ± {db:4.1f}) ln N, "
                f"chi2/dof = {chi2:.2f}"
            )

    # figure (a): curves
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(sizes)))
    fig, axes = plt.subplots(
        2, len(methods), figsize=(5.2 * len(methods), 7.5), sharex=True, squeeze=False
    )
    eg_avg = phasetrans.disorder_average(ds["test_mse_time"] / 2, bootstrap=0)["mean"]
    s_avg = phasetrans.disorder_average(ds["specialisation_time"], bootstrap=0)["mean"]
    for col, m in enumerate(methods):
        for colour, n_in in zip(colours, sizes, strict=True):
            t = ds["time_samples"].sel(training=m, input_dim=n_in).values / n_in
            cell = dict(training=m, input_dim=n_in)
            axes[0, col].plot(t, eg_avg.sel(cell), color=colour, label=f"N = {n_in}")
            axes[1, col].plot(t, s_avg.sel(cell), color=colour)
            if m == "direct" and n_in in ode:
                t_ode = t[: ode[n_in]["eg"].shape[1]]
                axes[0, col].plot(t_ode, ode[n_in]["eg"].mean(0), "--", color=colour, lw=1)
                axes[1, col].plot(t_ode, ode[n_in]["s"].mean(0), "--", color=colour, lw=1)
        axes[0, col].set(
            xscale="log",
            yscale="log",
            ylim=(1e-4, 2),
            ylabel="ε_g",
            title=f"{m}"
            + (" (dashed: ODE, mean of draws)" if m == "direct" else " (no ODE for this form)"),
        )
        axes[1, col].set(xscale="log", xlabel="t = samples / N", ylabel="specialisation s")
        axes[1, col].axhline(0, color="grey", lw=0.5)
        axes[0, col].legend(fontsize=8)
    etas = sorted({eta(m, n) for m in methods for n in sizes})
    has_data = ds["test_mse_time"].isel(time=-1).notnull().any("seed")
    teachers = int(has_data.sum("teacher_seed").min())
    fig.suptitle(
        f"online SGD, erf committee M = {M}, W = {K}, η = {', '.join(f'{e:.3g}' for e in etas)}"
        f": disorder averages over {teachers} teachers x {ds.sizes['seed']} students",
        fontsize=9,
    )
    fig.tight_layout()
    path_a = out / "online_curves.png"
    fig.savefig(path_a, dpi=110)
    print(f"wrote {path_a}")

    # figure (b): plateau length and escape time against N
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.2))
    grid = np.geomspace(min(sizes), max(sizes), 50)
    styles = {"spectral": ("o", "C0"), "direct": ("s", "C1"), "ODE": ("^", "k")}
    for ax, j, name in ((axes[0], 1, "plateau length L"), (axes[1], 2, "escape time t_s")):
        for label in [*methods, "ODE"]:
            if (label, j) not in fits:
                continue
            marker, colour = styles.get(label, ("x", "C2"))
            y = [rows[(label, n)][j][0] for n in sizes]
            err = [rows[(label, n)][j][1] for n in sizes]
            a, b, db, _ = fits[(label, j)]
            ax.errorbar(
                sizes,
                y,
                err,
                fmt=marker,
                color=colour,
                capsize=3,
                label=f"{label}: {b:.0f} ± {db:.0f} per ln N",
            )
            ax.plot(grid, a + b * np.log(grid), "-", color=colour, lw=0.8)
        if len(fixed) == 1 and ("ODE", j) in fits:  # the theory's slope through the ODE points
            rate = next(iter(fixed.values()))[1]
            y = np.array([rows[("ODE", n)][j][0] for n in sizes])
            x0, y0 = np.mean(np.log(n_arr)), np.nanmean(y)
            ax.plot(
                grid,
                y0 + (np.log(grid) - x0) / (2 * rate),
                ":",
                color="grey",
                label=f"slope 1/(2λ_u) = {1 / (2 * rate):.0f} per ln N",
            )
        ax.set(xscale="log", xlabel="N", ylabel=f"{name} (t = samples / N)", title=name)
        ax.set_xticks(sizes, [str(n) for n in sizes])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.legend(fontsize=8)
    fig.tight_layout()
    path_b = out / "online_escape.png"
    fig.savefig(path_b, dpi=110)
    print(f"wrote {path_b}")


if __name__ == "__main__":
    main()
