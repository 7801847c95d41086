"""``phasetrans combine STUDY.toml``: write the study dataset from its part files."""

from __future__ import annotations

import argparse

from phasetrans.config import load_study
from phasetrans.runner import combine_study


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("combine", help="combine a study's part files into data/<study>.nc")
    p.add_argument("study", help="study TOML file")
    p.add_argument(
        "--allow-missing",
        action="store_true",
        help="write what exists; cells of missing tasks are NaN (listed in attrs)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    study = load_study(args.study)
    path = combine_study(study, allow_missing=args.allow_missing)
    print(f"wrote {path}")
    return 0
