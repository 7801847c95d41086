"""``phasetrans plot DATA.nc``: pruning curves, effective dimension and training loss figures."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plot",
        help="write the pruning-curve, dimension and loss figures",
        description="Write a study's pruning curves, effective dimension against width and "
        "training loss as PNG figures (means over the disorder).",
    )
    p.add_argument("data", help="netCDF study file, e.g. data/quick.nc")
    p.add_argument("--out-dir", default=None, help="folder for the PNGs (default out/<study>/)")
    p.add_argument(
        "--teacher-width",
        type=int,
        default=None,
        help="teacher width h_T to plot (default: the first in the study)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from phasetrans.cli.options import open_data
    from phasetrans.errors import ConfigError
    from phasetrans.plots.pruning import plot_dimension, plot_pruning_curves, plot_training_loss

    ds = open_data(args.data)
    if args.teacher_width is not None and args.teacher_width not in ds.teacher_width.values:
        allowed = ", ".join(str(v) for v in ds.teacher_width.values)
        raise ConfigError(f"--teacher-width = {args.teacher_width} is not in the data ({allowed})")
    out = Path(args.out_dir) if args.out_dir else Path("out") / Path(args.data).stem
    out.mkdir(parents=True, exist_ok=True)
    for name, figure in (
        ("pruning_curves", plot_pruning_curves),
        ("dimension", plot_dimension),
        ("training_loss", plot_training_loss),
    ):
        path = out / f"{name}.png"
        figure(ds, teacher_width=args.teacher_width).savefig(path, dpi=120)
        print(f"wrote {path}")
    return 0
