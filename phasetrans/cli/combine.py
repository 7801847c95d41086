"""``phasetrans combine STUDY.toml``: write the study dataset from its part files."""

from __future__ import annotations

import argparse

from phasetrans.cli.options import add_study_arguments, open_study_file
from phasetrans.runner import combine_study


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "combine",
        help="combine a study's part files into data/<study>.nc",
        description="Write a study's dataset from its part files, without running anything.",
    )
    add_study_arguments(p)
    p.add_argument(
        "--allow-missing",
        action="store_true",
        help="write what exists; cells of missing tasks are NaN (listed in attrs)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    study = open_study_file(args)
    path = combine_study(study, allow_missing=args.allow_missing)
    print(f"wrote {path}")
    return 0
