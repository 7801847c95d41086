"""One study → one self-contained HTML page: provenance, the paper's claims, the figures.

The report only composes public functions: :func:`phasetrans.summary.summarize`
(the ``ds.pt.summary()`` table), :func:`phasetrans.collapse`,
:func:`phasetrans.compare_models`, :func:`phasetrans.compare_topology`,
:func:`phasetrans.analysis.topology.match_student`,
:mod:`phasetrans.analysis.observables` and :mod:`phasetrans.plots`.  Every
section is guarded: an analysis that fails on this study shows as a labelled
"not available: <reason>" entry instead of stopping the report.

Examples
--------
>>> import phasetrans
>>> from phasetrans.report import write_report
>>> ds = phasetrans.open_study("data/sample_quick.nc")  # doctest: +SKIP
>>> write_report(ds, "out/quick")  # doctest: +SKIP
PosixPath('out/quick/report.html')
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["STUDY_DIMS", "Claim", "Report", "build_report", "write_report"]

#: Dimensions of every study; any other dimension is a swept parameter.
STUDY_DIMS = (
    "training",
    "teacher_width",
    "width",
    "seed",
    "retained",
    "node",
    "epoch",
    "input",
    "hidden2",
    "teacher_node",
    "layer",
    "rank",
)

#: Tolerances of the verdicts (documented in the report's footnote).
DIMENSION_TOLERANCE = 0.25  # |dimension / h_T - 1| for "dimension ≈ h_T"
MSE_AT_HT_MAX = 1.5  # MSE(h_T) / MSE(all) for "no loss down to h_T"
MSE_JUMP_MIN = 10.0  # MSE(h_T / 2) / MSE(all) for "a jump below h_T"
DIRECT_LOSS_MIN = 2.0  # direct MSE(h_T) / MSE(all) for "direct degrades"
RECOVERED_MIN = 0.9  # fraction of teacher nodes recovered


@dataclass
class Claim:
    """One row of the claims table.

    Attributes
    ----------
    claim : str
        The paper's statement.
    measured : str
        What was measured, on which slice.
    value : str
        The number(s) with their interval or spread.
    verdict : str
        ``"holds"``, ``"does not hold"``, ``"partly"``, ``"see figure"`` or
        ``"not available: <reason>"``.
    """

    claim: str
    measured: str
    value: str
    verdict: str


@dataclass
class Report:
    """The pieces of a study report before they become HTML.

    Attributes
    ----------
    title : str
    provenance : list of (str, str)
        Key/value rows (versions, hash, device, dates, dims).
    study_toml : str
        The study file the data came from.
    notes : list of str
        What slice the claims use, tolerances, missing data.
    claims : list of Claim
    figures : list of (str, Figure or str)
        Section title and a figure, or ``"not available: <reason>"``.
    """

    title: str
    provenance: list[tuple[str, str]] = field(default_factory=list)
    study_toml: str = ""
    notes: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    figures: list[tuple[str, Figure | str]] = field(default_factory=list)

    def to_html(self, *, dpi: int = 90, image_dir: Path | None = None) -> str:
        """The report as one HTML page.

        Parameters
        ----------
        dpi : int
            Resolution of the PNG figures.
        image_dir : pathlib.Path, optional
            Write the figures as PNG files into this folder and link them
            (relative to the page, which must be in ``image_dir.parent``);
            by default they are embedded as base64 data URIs.
        """
        return _render(self, dpi=dpi, image_dir=image_dir)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"not available: {type(exc).__name__}" + (f": {text}" if text else "")


def _guard(fn: Callable[[], Any]) -> Any:
    """``fn()`` or the "not available: ..." text of its exception."""
    try:
        return fn()
    except Exception as exc:
        return _reason(exc)


def _sweep_dims(ds: xr.Dataset) -> list[str]:
    return [str(d) for d in ds.dims if d not in STUDY_DIMS]


def _base_slice(ds: xr.Dataset) -> tuple[xr.Dataset, dict[str, Any]]:
    """The study at the first value of every swept dimension (and teacher_seed)."""
    at = {d: ds[d].values[0].item() for d in _sweep_dims(ds)}
    return (ds.isel(dict.fromkeys(at, 0)) if at else ds), at


def _pm(mean: float, err: float, fmt: str = ".3g") -> str:
    if not np.isfinite(err):
        return f"{mean:{fmt}}"
    return f"{mean:{fmt}} ± {err:.2g}"


def _per_width(values: dict[int, str]) -> str:
    return "; ".join(f"W={w}: {v}" for w, v in values.items())


def _spread(da: xr.DataArray) -> tuple[float, float, int]:
    """Mean, standard error and count over the finite values of ``da`` (seeds)."""
    from phasetrans.analysis.samples import mean_and_error

    values = np.asarray(da.values, dtype=float).ravel()
    n = int(np.isfinite(values).sum())
    mean, err = mean_and_error(values)
    return float(mean), float(err), n


# ---------------------------------------------------------------------------
# claims


def _dimension_claims(base: xr.Dataset, h_t: int) -> list[Claim]:
    rows = []
    trainings = [str(t) for t in base["training"].values]
    if "spectral" in trainings:
        dims = base["dimension"].sel(training="spectral", teacher_width=h_t)
        values, ok = {}, True
        for w in base["width"].values:
            mean, err, n = _spread(dims.sel(width=w))
            values[int(w)] = f"{_pm(mean, err, '.1f')} ({n} seeds)"
            ok &= abs(mean / h_t - 1) <= DIMENSION_TOLERANCE
        rows.append(
            Claim(
                f"spectral students' effective dimension ≈ h_T = {h_t} for every width",
                "effective dimension (importance/max > threshold), mean ± standard error "
                "over seeds",
                _per_width(values),
                "holds" if ok else "does not hold",
            )
        )
    if "direct" in trainings:
        dims = base["dimension"].sel(training="direct", teacher_width=h_t)
        values, fractions = {}, []
        for w in base["width"].values:
            mean, err, _ = _spread(dims.sel(width=w))
            values[int(w)] = _pm(mean, err, ".1f")
            fractions.append(mean / float(w))
        grows = bool(np.all(np.diff(dims.mean("seed").values) > 0)) if len(fractions) > 1 else False
        rows.append(
            Claim(
                "direct training: the effective dimension grows with the width",
                "effective dimension of direct students, mean ± standard error over seeds",
                _per_width(values),
                "holds" if grows else "does not hold",
            )
        )
    return rows


def _mse_claims(base: xr.Dataset, h_t: int) -> list[Claim]:
    from phasetrans.summary import summarize

    table = summarize(base).sel(teacher_width=h_t)
    trainings = [str(t) for t in base["training"].values]
    widths = [int(w) for w in base["width"].values if int(w) > h_t]
    rows = []
    if "spectral" in trainings:
        ratio = table["ratio_hT"].sel(training="spectral")
        values = {w: f"{float(ratio.sel(width=w)):.3g}" for w in widths}
        ok = all(float(ratio.sel(width=w)) <= MSE_AT_HT_MAX for w in widths)
        rows.append(
            Claim(
                "spectral: pruning down to h_T nodes leaves the test error unchanged",
                "MSE(n = h_T) / MSE(all kept), mean over seeds (widths above h_T)",
                _per_width(values),
                "holds" if ok else "does not hold",
            )
        )
        half = table["ratio_half"].sel(training="spectral")
        values = {w: f"{float(half.sel(width=w)):.3g}" for w in widths}
        ok = all(float(half.sel(width=w)) >= MSE_JUMP_MIN for w in widths)
        rows.append(
            Claim(
                "spectral: the test error jumps when fewer than h_T nodes are kept",
                "MSE(n = h_T/2) / MSE(all kept), mean over seeds",
                _per_width(values),
                "holds" if ok else "does not hold",
            )
        )
    if "direct" in trainings:
        ratio = table["ratio_hT"].sel(training="direct")
        values = {w: f"{float(ratio.sel(width=w)):.3g}" for w in widths}
        ok = all(float(ratio.sel(width=w)) >= DIRECT_LOSS_MIN for w in widths)
        rows.append(
            Claim(
                "direct: the error degrades as soon as pruning starts (long before h_T)",
                "MSE(n = h_T) / MSE(all kept) of direct students, mean over seeds",
                _per_width(values),
                "holds" if ok else "does not hold",
            )
        )
    return rows


def _collapse(base: xr.Dataset, h_t: int, bootstrap: int, seed: int):
    import phasetrans
    from phasetrans.analysis.defaults import default_slice, default_window
    from phasetrans.analysis.observables import sample_dims

    da = default_slice(base, "delta_mse", given={"training": "spectral", "teacher_width": h_t})
    return phasetrans.collapse(
        da,
        "width",
        "control",
        sample_dim=sample_dims(da),
        x_window=default_window(da),
        bootstrap=bootstrap,
        seed=seed,
    )


def _collapse_claim(result: Any) -> Claim:
    claim = "curves of all widths collapse onto one (universality across W)"
    measured = (
        "finite-size-scaling collapse of ΔMSE against n − h_T in [−h_T, h_T], "
        f"{result.n_bootstrap} bootstrap resamples of seeds; Houdayer–Hartmann S"
    )

    def interval(name: str) -> str:
        if result.intervals.get(name):
            lo, hi = result.interval(name, 0.95)
            return f"{result.params[name]:.3g} [95%: {lo:.3g}, {hi:.3g}]"
        return _pm(result.params[name], result.stderr.get(name, math.nan))

    if getattr(result, "at_bound", ()):
        value = f"S = {result.quality:.3g} at the bound of {', '.join(result.at_bound)}"
        verdict = "not determined (degenerate collapse at an optimiser bound)"
    elif result.size_independent:
        value = f"1/ν = {interval('inv_nu')}; S = {result.quality:.3g}"
        verdict = "holds (curves coincide without rescaling: 1/ν ≈ 0)"
    else:
        value = (
            f"x_c = {interval('x_c')} (n_c = h_T means x_c = 0), 1/ν = {interval('inv_nu')}; "
            f"S = {result.quality:.3g}"
        )
        verdict = "holds" if result.quality < 10 else "partly (poor collapse quality, S ≥ 10)"
    return Claim(claim, measured, value, verdict)


def _fit(base: xr.Dataset, h_t: int, bootstrap: int, seed: int):
    import phasetrans
    from phasetrans.analysis.defaults import curve_value, default_slice, default_window
    from phasetrans.analysis.observables import sample_dims

    da = default_slice(base, "delta_mse", given={"training": "spectral", "teacher_width": h_t})
    width = int(curve_value(da, "width"))
    curve = da.sel(width=width, drop=True).dropna("control", how="all")
    options = dict(
        side="below",
        window=default_window(da),
        sample_dim=sample_dims(curve),
        bootstrap=bootstrap,
        seed=seed,
    )
    try:
        return phasetrans.compare_models(curve, "control", **options), width
    except ValueError:  # too few points for every model (small h_T): the paper's one alone
        return phasetrans.fit_transition(curve, "control", model="exponential", **options), width


def _fit_claim(comparison: Any, width: int) -> Claim:
    fits = getattr(comparison, "fits", None)
    if fits is None:  # a single TransitionFit
        fit, best, criterion = comparison, comparison.model, "AIC (only this model fits)"
    else:
        fit, best = fits.get("exponential"), comparison.best
        criterion = comparison.criterion.upper()
    value = f"best model: {best}"
    if fit is not None:
        b = fit.params.get("b", math.nan)
        if "b" in fit.intervals:
            lo, hi = fit.interval("b", 0.95)
            value += f"; exponential b = {b:.3g} [95%: {lo:.3g}, {hi:.3g}]"
        else:
            value += f"; exponential b = {b:.3g}"
    return Claim(
        "below h_T the error grows like a·exp(−b·x) + c (the paper's fit)",
        f"ΔMSE of spectral W = {width} for n < h_T; models ranked by {criterion}",
        value,
        "holds" if best == "exponential" else f"partly (best: {best})",
    )


def _recovery_claim(base: xr.Dataset, h_t: int, topology: xr.Dataset | None) -> Claim:
    if "teacher_recovered" in base.data_vars:
        rec = base["teacher_recovered"].sel(teacher_width=h_t)
        source = "teacher_recovered of the dataset"
    elif isinstance(topology, xr.Dataset):
        rec = topology["recovered_fraction"].sel(teacher_width=h_t)
        source = "compare_topology(retained='dimension')"
    else:
        raise ValueError(f"no teacher_recovered in the dataset and no topology ({topology})")
    parts, ok = [], True
    for training in rec["training"].values:
        values = {}
        for w in rec["width"].values:
            mean, err, _ = _spread(rec.sel(training=training, width=w))
            values[int(w)] = _pm(mean, err, ".2f")
            if str(training) == "spectral":
                ok &= mean >= RECOVERED_MIN
        parts.append(f"{training}: {_per_width(values)}")
    return Claim(
        "the pruned spectral student recovers the teacher's hidden nodes",
        f"fraction of teacher nodes matched at cosine ≥ 0.9 ({source}), mean ± standard "
        "error over seeds",
        " | ".join(parts),
        "holds" if ok else "does not hold",
    )


# ---------------------------------------------------------------------------


def build_report(ds: xr.Dataset, *, bootstrap: int = 100, seed: int = 0) -> Report:
    """Compute the claims and figures of one study.

    Parameters
    ----------
    ds : xarray.Dataset
        A study dataset (``phasetrans.open_study``); loaded into memory here.
    bootstrap : int
        Resamples of the seeds for the collapse and fit intervals.
    seed : int
        Seed of the bootstrap generators.

    Returns
    -------
    Report
        Call ``to_html()`` or use :func:`write_report`.

    Notes
    -----
    Claims and per-width figures use the first teacher width and, for swept
    studies, the first value of every swept dimension (said in the notes);
    the order-parameter figures show the sweep itself.
    """
    ds = ds.load()
    attrs = ds.attrs
    report = Report(title=f"phasetrans study report: {attrs.get('study_name', 'study')}")
    report.provenance = [
        ("study", str(attrs.get("study_name", "?"))),
        ("study hash", str(attrs.get("study_hash", "?"))),
        ("teacher kind", str(attrs.get("teacher_kind", "?"))),
        ("created", str(attrs.get("created", "?"))),
        ("phasetrans version", str(attrs.get("phasetrans_version", "?"))),
        ("torch version", str(attrs.get("torch_version", "?"))),
        ("device", str(attrs.get("device", "?"))),
        ("tasks", str(attrs.get("tasks", "?"))),
        ("dimensions", ", ".join(f"{k} = {v}" for k, v in ds.sizes.items())),
        ("report made", datetime.now(timezone.utc).isoformat(timespec="seconds")),
    ]
    if "missing_tasks" in attrs:
        report.provenance.append(("MISSING tasks", str(attrs["missing_tasks"])))
    report.study_toml = str(attrs.get("study_toml", ""))

    base, at = _base_slice(ds)
    h_t = int(base["teacher_width"].values[0])
    where = f"h_T = {h_t}"
    if base.sizes.get("teacher_width", 1) > 1:
        where += f" (first of {base['teacher_width'].values.tolist()})"
    if at:
        where += ", " + ", ".join(f"{k} = {v}" for k, v in at.items())
    report.notes.append(f"Claims and per-width figures use {where}; means are over seeds.")
    report.notes.append(
        f"Verdict tolerances: dimension within {DIMENSION_TOLERANCE:.0%} of h_T; "
        f"MSE(h_T)/MSE(all) ≤ {MSE_AT_HT_MAX:g}; MSE(h_T/2)/MSE(all) ≥ {MSE_JUMP_MIN:g}; "
        f"direct MSE(h_T)/MSE(all) ≥ {DIRECT_LOSS_MIN:g}; recovered fraction ≥ "
        f"{RECOVERED_MIN:g}; collapse quality S < 10."
    )

    def add(rows: Any, claim: str) -> None:
        if isinstance(rows, str):
            report.claims.append(Claim(claim, "", "", rows))
        else:
            report.claims.extend(rows if isinstance(rows, list) else [rows])

    add(_guard(lambda: _dimension_claims(base, h_t)), "effective dimension ≈ h_T")
    add(_guard(lambda: _mse_claims(base, h_t)), "test error against pruning")
    collapse_result = _guard(lambda: _collapse(base, h_t, bootstrap, seed))
    if isinstance(collapse_result, str):
        add(collapse_result, "curves of all widths collapse onto one")
    else:
        add(_guard(lambda: _collapse_claim(collapse_result)), "collapse across widths")
    fitted = _guard(lambda: _fit(base, h_t, bootstrap, seed))
    if isinstance(fitted, str):
        add(fitted, "the transition's shape below h_T")
    else:
        add(_guard(lambda: _fit_claim(*fitted)), "the transition's shape below h_T")
    topology = _guard(lambda: _topology(base))
    add(
        _guard(lambda: _recovery_claim(base, h_t, topology)),
        "the pruned student recovers the teacher's nodes",
    )

    report.figures = _figures(base, h_t, collapse_result, fitted, topology)
    for dim in _sweep_dims(ds):
        if ds.sizes[dim] > 1 and dim != "teacher_seed":
            report.figures.append(
                (f"Order parameters against {dim}", _guard(lambda d=dim: _order(ds, d)))
            )
    if "teacher_width" in ds.dims and ds.sizes["teacher_width"] > 1:
        report.figures.append(
            (
                "Order parameters against h_T",
                _guard(lambda: _order(ds, "teacher_width")),
            )
        )
    return report


def _topology(base: xr.Dataset) -> xr.Dataset:
    import phasetrans

    return phasetrans.compare_topology(base, retained="dimension")


def _order(ds: xr.Dataset, control: str) -> Figure:
    from phasetrans.plots.order import plot_order_parameters

    others = {d: 0 for d in _sweep_dims(ds) if d not in (control, "teacher_seed")}
    return plot_order_parameters(ds.isel(others) if others else ds, control)


def _figures(
    base: xr.Dataset, h_t: int, collapse_result: Any, fitted: Any, topology: Any
) -> list[tuple[str, Figure | str]]:
    from phasetrans.analysis.topology import match_student
    from phasetrans.plots import pruning, scaling
    from phasetrans.plots import topology as topo_plots

    def not_available(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    width = int(base["width"].max())
    seed = base["seed"].values[0].item()
    figures: list[tuple[str, Figure | str]] = [
        (
            "Pruning curves: spectral against direct, per width",
            _guard(lambda: pruning.plot_pruning_by_width(base, teacher_width=h_t)),
        ),
        (
            "Pruning curves per training, all widths",
            _guard(lambda: pruning.plot_pruning_curves(base, teacher_width=h_t)),
        ),
        (
            "Effective dimension against width",
            _guard(lambda: pruning.plot_dimension(base, teacher_width=h_t)),
        ),
        (
            "Transition observable ΔMSE and its collapse across widths (spectral)",
            not_available(collapse_result)
            or _guard(lambda: scaling.plot_collapse(collapse_result)),
        ),
        (
            f"Fits of the transition below h_T (spectral, W = {width})",
            not_available(fitted) or _guard(lambda: scaling.plot_fit(fitted[0])),
        ),
        (
            "Sorted path magnitudes of the pruned students against the teacher",
            not_available(topology) or _guard(lambda: topo_plots.plot_path_curves(topology)),
        ),
    ]
    for training in [str(t) for t in base["training"].values]:
        figures.append(
            (
                f"Neuron matching: {training}, W = {width}, seed {seed}",
                _guard(
                    lambda t=training: topo_plots.plot_similarity_matrix(
                        match_student(base, training=t, teacher_width=h_t, width=width, seed=seed),
                        title=f"{t}, W = {width}, seed {seed}",
                    )
                ),
            )
        )
    figures.append(
        (
            "Training loss",
            _guard(lambda: pruning.plot_training_loss(base, teacher_width=h_t)),
        )
    )
    return figures


# ---------------------------------------------------------------------------
# HTML

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
td, th { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.holds { color: #176d2c; font-weight: 600; } .fails { color: #a01818; font-weight: 600; }
.na { color: #8a5a00; font-style: italic; } .note { color: #555; font-size: .9em; }
figure { margin: 1em 0 2em; } figcaption { font-weight: 600; margin-bottom: .3em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
pre { background: #f7f7f7; padding: .8em; overflow-x: auto; font-size: .85em; }
"""


def _verdict_class(verdict: str) -> str:
    if verdict.startswith("not available"):
        return "na"
    if verdict.startswith("holds"):
        return "holds"
    if verdict.startswith("does not"):
        return "fails"
    return ""


def _png(fig: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _render(report: Report, *, dpi: int, image_dir: Path | None) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
        "<h2>Provenance</h2><table>",
    ]
    out += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in report.provenance]
    out.append("</table>")
    if report.study_toml:
        out.append(f"<details><summary>study file</summary><pre>{e(report.study_toml)}</pre>")
        out.append("</details>")
    out.append("<h2>The paper's claims</h2>")
    out += [f'<p class="note">{e(n)}</p>' for n in report.notes]
    out.append("<table><tr><th>claim</th><th>measured</th><th>value</th><th>verdict</th></tr>")
    for c in report.claims:
        cls = _verdict_class(c.verdict)
        out.append(
            f"<tr><td>{e(c.claim)}</td><td>{e(c.measured)}</td><td>{e(c.value)}</td>"
            f'<td class="{cls}">{e(c.verdict)}</td></tr>'
        )
    out.append("</table><h2>Figures</h2>")
    for k, (title, fig) in enumerate(report.figures):
        out.append(f"<figure><figcaption>{e(title)}</figcaption>")
        if isinstance(fig, str):
            out.append(f'<p class="na">{e(fig)}</p>')
        else:
            data = _png(fig, dpi)
            if image_dir is None:
                src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            else:
                image_dir.mkdir(parents=True, exist_ok=True)
                name = f"figure-{k:02d}.png"
                (image_dir / name).write_bytes(data)
                src = f"{image_dir.name}/{name}"
            out.append(f'<img src="{src}" alt="{e(title)}">')
        out.append("</figure>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(
    ds: xr.Dataset | str | Path,
    out_dir: str | Path,
    *,
    bootstrap: int = 100,
    seed: int = 0,
    embed: bool = True,
    dpi: int = 90,
) -> Path:
    """Build the report of a study and write ``<out_dir>/report.html``.

    Parameters
    ----------
    ds : xarray.Dataset or path
        The study, or its netCDF file.
    out_dir : str or pathlib.Path
        Folder of the page (created).
    bootstrap, seed : int
        See :func:`build_report`.
    embed : bool
        Embed the figures in the page (default); else write them to
        ``<out_dir>/figures/``.
    dpi : int
        Resolution of the figures.

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    DataError
        If ``ds`` is a path that is not a readable study file.
    """
    if not isinstance(ds, xr.Dataset):
        import phasetrans

        ds = phasetrans.open_study(ds)
    report = build_report(ds, bootstrap=bootstrap, seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = report.to_html(dpi=dpi, image_dir=None if embed else out / "figures")
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
