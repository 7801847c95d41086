"""``phasetrans info DATA.nc``: dims, coordinates and the headline table."""

from __future__ import annotations

import argparse

from phasetrans.cli.options import add_data_argument, open_data
from phasetrans.summary import format_summary


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="summarise a study dataset",
        description="Print a dataset's dimensions, coordinates and headline table.",
    )
    add_data_argument(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    ds = open_data(args.data)
    print(format_summary(ds))
    return 0
