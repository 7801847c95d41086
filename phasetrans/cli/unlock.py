"""``phasetrans unlock STUDY.toml``: clear the lock of a run that is gone."""

from __future__ import annotations

import argparse

from phasetrans.cli.options import add_study_arguments, open_study_file
from phasetrans.runner.lock import unlock


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "unlock",
        help="clear a study's lock left by a run that is gone",
        description="Remove a study's lock file unless the run holding it is alive on this "
        "host (a lock naming another host is removed: make sure that run is gone).",
    )
    add_study_arguments(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    study = open_study_file(args)
    holder = unlock(study)
    if holder is None:
        print(f"study {study.name} is not locked")
    elif holder:
        print(
            f"removed the lock of study {study.name} (pid {holder['pid']} on host "
            f"{holder['host']} since {holder['since']})"
        )
    else:
        print(f"removed the unreadable lock of study {study.name}")
    return 0
