"""``phasetrans plot DATA.nc``: pruning curves, effective dimension and training loss figures."""

from __future__ import annotations

import argparse

from phasetrans.cli.options import add_data_argument, add_out_argument


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plot",
        help="write the pruning-curve, dimension and loss figures",
        description="Write a study's pruning curves, effective dimension against width and "
        "training loss as PNG figures (means over the disorder), for one teacher width.",
    )
    add_data_argument(p)
    add_out_argument(p, "the PNGs, plot-<figure>-hT=<N>.png")
    p.add_argument(
        "--teacher-width",
        type=int,
        default=None,
        metavar="N",
        help="teacher width h_T to plot (default: the first in the study)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import numpy as np

    from phasetrans.cli.options import (
        file_name,
        make_folder,
        open_data,
        out_folder,
        require_finite,
    )
    from phasetrans.errors import ConfigError
    from phasetrans.plots.pruning import plot_dimension, plot_pruning_curves, plot_training_loss

    folder = out_folder(args)  # a bad --out is an error before the data are read
    ds = open_data(args.data)
    widths = np.atleast_1d(ds["teacher_width"].values).tolist()
    teacher_width = widths[0] if args.teacher_width is None else args.teacher_width
    if teacher_width not in widths:
        allowed = ", ".join(str(v) for v in widths)
        raise ConfigError(
            f"--teacher-width = {teacher_width} is not in the data ({allowed})",
            field="--teacher-width",
            value=teacher_width,
        )
    figures = (
        ("pruning_curves", "test_mse", plot_pruning_curves),
        ("dimension", "dimension", plot_dimension),
        ("training_loss", "train_loss", plot_training_loss),
    )
    for name, variable, _ in figures:  # every figure's data, before any is drawn
        require_finite(ds, variable, f"the {name} figure", args.data, teacher_width=teacher_width)
    out = make_folder(folder)
    for name, _, figure in figures:
        path = out / file_name("plot", (name, f"hT={teacher_width}"))
        figure(ds, teacher_width=teacher_width).savefig(path, dpi=120)
        print(f"wrote {path}")
    return 0
