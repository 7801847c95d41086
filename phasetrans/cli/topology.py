"""``phasetrans topology DATA.nc``: how closely pruned students resemble the teacher.

Prints, per teacher width, method and student width, the mean ± std over seeds
of the path and node-strength distances to the teacher and the number of
teacher neurons recovered, and writes the topology figures as PNG files.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

# The dispatcher imports every subcommand to build its parser: keep this module
# light and import numpy, xarray, scipy and matplotlib when the command runs.
RETAINED_CHOICES = ("dimension", "spectral_dimension")
NORMALIZATIONS = ("max", "mean", "sum", "none")
#: Command-line option of each argument of compare_topology.
_OPTION_OF = {
    "retained": "--retained",
    "training": "--method",
    "threshold": "--threshold",
    "normalize": "--normalize",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "topology",
        help="compare pruned students with their teacher (paths, strengths, neurons)",
        description=(
            "Prune every student to its top nodes by importance and compare it with its "
            "teacher: distances between path-magnitude and node-strength distributions, and "
            "teacher neurons recovered by cosine-similarity matching. Prints a table and "
            "writes PNG figures."
        ),
    )
    p.add_argument("data", help="netCDF study file, e.g. data/quick.nc")
    p.add_argument(
        "--retained",
        default="dimension",
        metavar="dimension|spectral_dimension|N",
        help="nodes kept per student: its own effective dimension (default), the spectral "
        "student's effective dimension for every training, or a fixed count N",
    )
    p.add_argument(
        "--method",
        default=None,
        metavar="M[,M...]",
        help="comma-separated methods to compare (default: all in the dataset)",
    )
    p.add_argument(
        "--normalize",
        default="max",
        metavar="|".join(NORMALIZATIONS),
        help="rescaling of each network's magnitudes before the distances (default: max)",
    )
    p.add_argument(
        "--threshold",
        default=str(COSINE_MATCH),
        metavar="COS",
        help="cosine similarity at which a teacher neuron counts as recovered "
        f"(default: {COSINE_MATCH})",
    )
    p.add_argument(
        "--out-dir",
        default=None,
        metavar="DIR",
        help="folder for the PNG figures (default: out/<data stem>/topology)",
    )
    p.set_defaults(func=main)


def _parse_retained(text: str) -> str | int:
    if text in RETAINED_CHOICES:
        return text
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError(
            f"--retained: {text!r} is not allowed; use {', '.join(RETAINED_CHOICES)} "
            "or a positive integer",
            field="--retained",
            value=text,
        )
    return count


def _parse_threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not -1.0 < value <= 1.0:
        raise ConfigError(
            f"--threshold: {text!r} is not allowed; use a number in (-1, 1]",
            field="--threshold",
            value=text,
        )
    return value


def _parse_methods(ds: xr.Dataset, text: str | None, retained: str | int) -> list[str] | None:
    """The trainings named by ``--method``, checked against the study (and ``--retained``)."""
    available = [str(m) for m in ds["training"].values]
    wanted = None if text is None else [m.strip() for m in text.split(",")]
    if wanted is not None:
        unknown = [m for m in wanted if m not in available]
        if unknown or not wanted:
            raise ConfigError(
                f"--method: {unknown or wanted!r} is not allowed; the dataset holds "
                f"{', '.join(available)}",
                field="--method",
                value=text,
            )
    if retained == "spectral_dimension" and "spectral" not in available:
        raise ConfigError(
            "--retained: 'spectral_dimension' is not allowed for this dataset; it holds no "
            f"'spectral' training (available: {', '.join(available)})",
            field="--retained",
            value=retained,
        )
    return wanted


def _open_study(path: str) -> xr.Dataset:
    """Open a study merged with its groups, fully loaded (one way for every subcommand)."""
    from phasetrans.cli.options import open_data

    return open_data(path)


def _cell(values: xr.DataArray, decimals: int) -> str:
    import numpy as np

    v = values.values[np.isfinite(values.values)]
    if v.size == 0:
        return "-"
    std = v.std(ddof=1) if v.size > 1 else 0.0
    return f"{v.mean():.{decimals}f} ± {std:.{decimals}f}"


#: (header, decimals, getter) of each column of the table.
_COLUMNS = (
    ("kept", 1, lambda r: r["n_retained"]),
    ("path W1", 3, lambda r: r["path_wasserstein"]),
    ("path KS", 3, lambda r: r["path_ks"]),
    ("strength W1 h1", 3, lambda r: r["strength_wasserstein"].sel(layer="hidden1")),
    ("strength KS h1", 3, lambda r: r["strength_ks"].sel(layer="hidden1")),
    ("strength KS h2", 3, lambda r: r["strength_ks"].sel(layer="hidden2")),
    ("recovered", 1, lambda r: r["n_recovered"]),
    ("mean cos", 3, lambda r: r["mean_similarity"]),
)


def format_table(result: xr.Dataset) -> str:
    """Format :func:`compare_topology` output as one table per teacher width."""
    lines = [
        f"retained = {result.attrs['retained']}, normalize = {result.attrs['normalize']}, "
        f"threshold = {result.attrs['threshold']:g}; mean ± std over seeds; distances to the "
        "teacher (0 = same distribution); recovered = teacher neurons matched at cos >= "
        f"{result.attrs['threshold']:g}"
    ]
    import numpy as np

    header = f"{'training':<12} {'width':>6} {'seeds':>5}  " + "  ".join(
        f"{name:<15}" for name, _, _ in _COLUMNS
    )
    for t_width in result["teacher_width"].values:
        res_t = result.sel(teacher_width=t_width)
        lines += ["", f"teacher_width = {t_width} ({int(res_t['teacher_n_nodes'])} nodes)", header]
        for training in result["training"].values:
            for width in result["width"].values:
                row = res_t.sel({"training": training, "width": width})
                seeds = int(np.isfinite(row["n_retained"].values).sum())
                if seeds == 0:
                    continue
                cells = "  ".join(f"{_cell(get(row), d):<15}" for _, d, get in _COLUMNS)
                lines.append(f"{training!s:<12} {width:>6} {seeds:>5}  {cells}")
    return "\n".join(line.rstrip() for line in lines)


def _write_figures(
    ds: xr.Dataset, result: xr.Dataset, args: argparse.Namespace, out_dir: Path
) -> list[Path]:
    import numpy as np

    from phasetrans.analysis.topology import match_student
    from phasetrans.plots.topology import (
        plot_path_curves,
        plot_similarity_matrix,
        plot_strength_histograms,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def save(fig, name: str) -> None:
        path = out_dir / name
        fig.savefig(path, dpi=120)
        written.append(path)

    trainings = [str(m) for m in result["training"].values]
    for t_width in result["teacher_width"].values:
        save(plot_path_curves(result, teacher_width=t_width), f"paths_hT{t_width}.png")
        measured = np.isfinite(result["n_retained"].sel(teacher_width=t_width))
        widths = result["width"].values[measured.any(("training", "seed")).values]
        if widths.size == 0:
            continue
        width = widths.max()
        for layer in ("hidden1", "hidden2"):
            fig = plot_strength_histograms(
                ds,
                width=width,
                teacher_width=t_width,
                training=trainings,
                retained=args.retained,
                layer=layer,
                normalize=args.normalize,
            )
            save(fig, f"strengths_{layer}_hT{t_width}_W{width}.png")
        for training in trainings:
            seeds = result["seed"].values[
                measured.sel({"training": training, "width": width}).values
            ]
            if seeds.size == 0:
                continue
            match = match_student(
                ds,
                training=training,
                teacher_width=t_width,
                width=width,
                seed=seeds[0],
                retained=args.retained,
                threshold=args.threshold,
            )
            title = (
                f"{training}, W = {width}, seed {seeds[0]}, $h_T$ = {t_width}: "
                f"{match.n_recovered}/{match.teacher_nodes.size} recovered\n"
                f"(cos ≥ {match.threshold:g}), mean cos {match.mean_similarity:.2f}"
            )
            fig = plot_similarity_matrix(match, title=title)
            save(fig, f"matching_{training}_hT{t_width}_W{width}_seed{seeds[0]}.png")
    return written


def main(args: argparse.Namespace) -> int:
    from phasetrans.analysis.topology import compare_topology

    args.retained = _parse_retained(args.retained)
    args.threshold = _parse_threshold(args.threshold)
    if args.normalize not in NORMALIZATIONS:
        raise ConfigError(
            f"--normalize: {args.normalize!r} is not allowed; "
            f"use one of {', '.join(NORMALIZATIONS)}",
            field="--normalize",
            value=args.normalize,
        )
    ds = _open_study(args.data)
    trainings = _parse_methods(ds, args.method, args.retained)
    try:
        result = compare_topology(
            ds,
            retained=args.retained,
            training=trainings,
            threshold=args.threshold,
            normalize=args.normalize,
        )
    except ConfigError as exc:  # name the command-line option, chosen by the error's field
        option = _OPTION_OF.get(exc.field or "")
        if option is None:
            raise
        raise ConfigError(f"{option}: {exc}", field=option, value=exc.value) from exc
    print(format_table(result))
    out_dir = (
        Path(args.out_dir) if args.out_dir else Path("out") / Path(args.data).stem / "topology"
    )
    written = _write_figures(ds, result, args, out_dir)
    print(f"\nwrote {len(written)} figures to {out_dir}/: " + ", ".join(p.name for p in written))
    return 0
