"""``phasetrans info DATA.nc``: dims, coordinates and the headline table."""

from __future__ import annotations

import argparse

from phasetrans.store import read_dataset
from phasetrans.summary import format_summary


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="summarise a study dataset")
    p.add_argument("data", help="netCDF study file, e.g. data/quick.nc")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    ds = read_dataset(args.data, load=True)
    print(format_summary(ds))
    return 0
