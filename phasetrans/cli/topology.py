"""``phasetrans topology DATA.nc``: how closely pruned students resemble the teacher.

Prints, per cell (training, swept values, teacher width, student width), the
mean ± error over the disorder (:func:`phasetrans.analysis.describe.describe`)
of the path and node-strength distances to the teacher and the number of
teacher neurons recovered, and writes the topology figures as PNG files (at the
first value of every sweep).  The command only turns its options into
arguments, composes the analysis and maps its errors to the options.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.cli.options import add_data_argument, add_out_argument, add_training_argument
from phasetrans.errors import AnalysisInputError, ConfigError
from phasetrans.names import STRUCTURE_DIMS

if TYPE_CHECKING:
    import xarray as xr

# The dispatcher imports every subcommand to build its parser: keep this module
# light and import numpy, xarray, scipy and matplotlib when the command runs.
RETAINED_CHOICES = ("dimension", "spectral_dimension")
NORMALIZATIONS = ("max", "mean", "sum", "none")
#: Command-line option of each argument of compare_topology.
OPTION_OF = {
    "retained": "--retained",
    "training": "--training",
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
    add_data_argument(p)
    p.add_argument(
        "--retained",
        default="dimension",
        metavar="NAME|N",
        help="nodes kept per student: dimension, its own effective dimension (default); "
        "spectral_dimension, the spectral student's effective dimension for every training; "
        "or a fixed count N",
    )
    add_training_argument(
        p, "comma-separated trainings to compare (default: all in the dataset)", several=True
    )
    p.add_argument(
        "--normalize",
        default="max",
        metavar="NAME",
        help="rescaling of each network's magnitudes before the distances: "
        + ", ".join(NORMALIZATIONS)
        + " (default: max)",
    )
    p.add_argument(
        "--threshold",
        default=str(COSINE_MATCH),
        metavar="VALUE",
        help="cosine similarity at which a teacher neuron counts as recovered "
        f"(default: {COSINE_MATCH})",
    )
    add_out_argument(p, "the PNGs, topology-<figure>-hT=<N>-...png")
    p.set_defaults(func=main)


def _number(text: str, kind: type) -> object:
    """``text`` as a ``kind`` (int or float) when it reads as one, else the text itself."""
    try:
        return kind(text)
    except ValueError:
        return text


def _open_study(path: str) -> xr.Dataset:
    """Open a study merged with its groups, fully loaded (one way for every subcommand)."""
    from phasetrans.cli.options import open_data

    return open_data(path)


#: (header, decimals, getter) of each column of the table.
COLUMNS = (
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
    """Format :func:`compare_topology` output as one table per teacher width (and sweep).

    Each cell is :func:`~phasetrans.analysis.describe.describe`'s mean ± error
    over the disorder; the last line says what ± is.
    """
    import itertools

    from phasetrans.analysis.describe import describe, footnote, format_pm

    columns = [(name, decimals, describe(get(result))) for name, decimals, get in COLUMNS]
    sweeps = [str(d) for d in columns[0][2].dims if d not in STRUCTURE_DIMS]
    lines = [
        f"retained = {result.attrs['retained']}, normalize = {result.attrs['normalize']}, "
        f"threshold = {result.attrs['threshold']:g}; mean ± error over the disorder; distances "
        "to the teacher (0 = same distribution); recovered = teacher neurons matched at cos >= "
        f"{result.attrs['threshold']:g}"
    ]
    header = (
        f"{'training':<12} {'width':>6} "
        + "".join(f"{d:>8} " for d in sweeps)
        + f"{'n':>5}  "
        + "  ".join(f"{name:<15}" for name, _, _ in COLUMNS)
    )
    for t_width in result["teacher_width"].values:
        nodes = result["teacher_n_nodes"].sel(teacher_width=t_width)
        lines += ["", f"teacher_width = {t_width} ({_nodes(nodes)} nodes)", header]
        values = itertools.product(
            result["training"].values, result["width"].values, *(result[d].values for d in sweeps)
        )
        for training, width, *swept in values:
            at = {"training": training, "teacher_width": t_width, "width": width}
            at.update(zip(sweeps, swept, strict=True))
            n = int(columns[0][2]["n"].sel(at))
            if n == 0:
                continue
            cells = "  ".join(
                f"{format_pm(d['mean'].sel(at), d['spread'].sel(at), f'.{k}f'):<15}"
                for _, k, d in columns
            )
            shown = "".join(f"{v!s:>8} " for v in swept)
            lines.append(f"{training!s:<12} {width:>6} {shown}{n:>5}  {cells}")
    lines += ["", footnote(columns[0][2])]
    return "\n".join(line.rstrip() for line in lines)


def _nodes(nodes: xr.DataArray) -> str:
    """The teacher's node count, or its range over the teachers."""
    low, high = int(nodes.min()), int(nodes.max())
    return str(low) if low == high else f"{low}-{high}"


def _name_options(args: argparse.Namespace, *which: str) -> dict[str, object]:
    """The options among ``which`` that are not at their defaults, for a file name."""
    defaults = {"retained": "dimension", "normalize": "max", "threshold": COSINE_MATCH}
    given = {name: getattr(args, name) for name in which}
    return {k: None if v == defaults.get(k) else v for k, v in given.items()}


def _write_figures(
    ds: xr.Dataset, result: xr.Dataset, args: argparse.Namespace, out_dir: Path
) -> list[Path]:
    """The figures of every teacher width, at the first value of every sweep.

    Each file name carries the options that change its figure and are not at
    their defaults (:func:`phasetrans.cli.options.file_name`).
    """
    import numpy as np

    from phasetrans.analysis.topology import match_student
    from phasetrans.cli.options import file_name
    from phasetrans.plots.topology import (
        plot_path_curves,
        plot_similarity_matrix,
        plot_strength_histograms,
    )

    first = {d: 0 for d in result["n_retained"].dims if d not in STRUCTURE_DIMS}
    ds, result = ds.isel(first), result.isel(first)
    written = []

    def save(fig, parts: tuple, *options: str) -> None:
        path = out_dir / file_name("topology", parts, _name_options(args, *options))
        fig.savefig(path, dpi=120)
        written.append(path)

    trainings = [str(m) for m in result["training"].values]
    for t_width in result["teacher_width"].values:
        fig = plot_path_curves(result, teacher_width=t_width)
        save(fig, ("paths", f"hT={t_width}"), "retained", "normalize", "training")
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
            parts = (f"strengths_{layer}", f"hT={t_width}", f"W={width}")
            save(fig, parts, "retained", "normalize", "training")
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
            parts = ("matching", training, f"hT={t_width}", f"W={width}", f"seed={seeds[0]}")
            save(fig, parts, "retained", "threshold")
    return written


def option_error(exc: AnalysisInputError) -> AnalysisInputError | ConfigError:
    """The analysis error named by its command-line option (``retained`` -> ``--retained``).

    An error about anything else (the dataset) comes back as it is.
    """
    option = OPTION_OF.get(exc.field or "")
    if option is None:
        return exc
    text = str(exc).removeprefix(f"{exc.field}: ")
    return ConfigError(f"{option}: {text}", field=option, value=exc.value)


def main(args: argparse.Namespace) -> int:
    from phasetrans.analysis.topology import compare_topology

    if args.retained not in RETAINED_CHOICES:
        args.retained = _number(args.retained, int)
    args.threshold = _number(args.threshold, float)
    from phasetrans.cli.options import make_folder, out_folder

    trainings = None if args.training is None else [m.strip() for m in args.training.split(",")]
    folder = out_folder(args)  # a bad --out is an error before the analysis
    from phasetrans.analysis.selection import restore_dims

    # one table and one set of figures per h_T, also when a single h_T is a scalar
    ds, _ = restore_dims(_open_study(args.data), ("training", "teacher_width", "width"))
    try:
        result = compare_topology(
            ds,
            retained=args.retained,
            training=trainings,
            threshold=args.threshold,
            normalize=args.normalize,
        )
    except AnalysisInputError as exc:
        raise option_error(exc) from exc
    print(format_table(result))
    written = _write_figures(ds, result, args, make_folder(folder))
    at = {d: result[d].values[0] for d in result["n_retained"].dims if d not in STRUCTURE_DIMS}
    where = f" (at {', '.join(f'{k} = {v}' for k, v in at.items())})" if at else ""
    print(f"\n{len(written)} figures{where}:")
    for path in written:
        print(f"wrote {path}")
    return 0
