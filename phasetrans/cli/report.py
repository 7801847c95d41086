"""``phasetrans report DATA.nc``: one study as a self-contained HTML page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand to ``sub``."""
    p = sub.add_parser(
        "report",
        help="write an HTML report of a study: provenance, the paper's claims, figures",
        description=(
            "Build one self-contained HTML page for a study: provenance (versions, study file, "
            "hash, device, dates), the paper's claims as a table (what was measured, the "
            "number with its interval, the verdict) and the figures (pruning curves, "
            "dimension, collapse, fits, path curves, neuron matching, training loss, and "
            "order parameters for swept studies)."
        ),
    )
    p.add_argument("data", help="netCDF study file, e.g. data/quick.nc")
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="folder of report.html (default: out/<data stem>/)",
    )
    p.add_argument(
        "--bootstrap",
        default=100,
        type=int,
        metavar="B",
        help="bootstrap resamples of the seeds for the collapse and fit intervals (100)",
    )
    p.add_argument("--seed", default=0, type=int, metavar="S", help="seed of the bootstrap (0)")
    p.add_argument(
        "--separate-figures",
        action="store_true",
        help="write the figures as PNG files in DIR/figures/ instead of embedding them",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Write the report and print its path; exit 2 with one line for a bad input."""
    from phasetrans.errors import PhasetransError

    if args.bootstrap < 0:
        print(f"phasetrans report: error: --bootstrap: {args.bootstrap} is not allowed; use >= 0",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.seed < 0:
        print(f"phasetrans report: error: --seed: {args.seed} is not allowed; use >= 0",
              file=sys.stderr)  # fmt: skip
        return 2
    out = Path(args.out) if args.out else Path("out") / Path(args.data).stem
    try:
        import phasetrans
        from phasetrans.report import write_report

        ds = phasetrans.open_study(args.data)
        path = write_report(
            ds,
            out,
            bootstrap=args.bootstrap,
            seed=args.seed,
            embed=not args.separate_figures,
        )
    except (PhasetransError, OSError, ValueError, KeyError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = "" if str(args.data) in text else f"{args.data}: "
        print(f"phasetrans report: error: {where}{text}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0
