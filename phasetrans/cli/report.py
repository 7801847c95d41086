"""``phasetrans report DATA.nc``: one study as a self-contained HTML page."""

from __future__ import annotations

import argparse
import sys

from phasetrans.cli.options import add_out_argument, file_name, out_folder, require_finite


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
    p.add_argument(
        "data",
        metavar="DATA",
        nargs="?",
        help="netCDF study file, e.g. data/sample_quick.nc (not with --shipped)",
    )
    add_out_argument(
        p,
        "the page: report.html with the default options, else named after them, e.g. "
        "report-bootstrap=20.html (figures beside it with --separate-figures)",
    )
    p.add_argument(
        "--bootstrap",
        default=100,
        type=int,
        metavar="N",
        help="bootstrap resamples of the seeds for the collapse and fit intervals (100)",
    )
    p.add_argument("--seed", default=0, type=int, metavar="N", help="seed of the bootstrap (0)")
    p.add_argument(
        "--separate-figures",
        action="store_true",
        help="write the figures as PNG files in DIR/figures/ instead of embedding them",
    )
    p.add_argument(
        "--shipped",
        action="store_true",
        help="regenerate the reports shipped in docs/ from their datasets, with the default "
        "bootstrap and seed and no host name (run from the repository root)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Write the report and print its path; exit 2 with one line for a bad input."""
    from phasetrans.config.bounds import MAX_BOOTSTRAP, MAX_SEED
    from phasetrans.errors import PhasetransError

    for option, value, top in (("--bootstrap", args.bootstrap, MAX_BOOTSTRAP),
                               ("--seed", args.seed, MAX_SEED)):  # fmt: skip
        if not 0 <= value <= top:
            print(f"phasetrans report: error: {option}: {value} is not allowed; "
                  f"use 0 <= N <= {top:,}", file=sys.stderr)  # fmt: skip
            return 2
    if args.shipped == (args.data is not None):
        print("phasetrans report: error: give either DATA or --shipped", file=sys.stderr)
        return 2
    out = None if args.shipped else out_folder(args)  # write_report creates it

    def progress(step: str) -> None:
        print(f"phasetrans report: {step}", file=sys.stderr, flush=True)

    try:
        import phasetrans
        from phasetrans.report import write_report
        from phasetrans.report.shipped import regenerate

        if args.shipped:
            for line in regenerate(phasetrans.open_study, progress=progress):
                print(line)
            return 0
        ds = phasetrans.open_study(args.data)
        for variable in ("test_mse", "dimension"):
            require_finite(ds, variable, "the report", args.data)
        path = write_report(
            ds,
            out,
            bootstrap=args.bootstrap,
            seed=args.seed,
            embed=not args.separate_figures,
            progress=progress,
            name=report_name(args),
        )
    except (PhasetransError, OSError, ValueError, KeyError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "log-scaled" in text:  # matplotlib's words for an axis with nothing finite to show
            text = "a figure has no finite positive value to draw (the data there are NaN)"
        where = "" if str(args.data) in text else f"{args.data}: "
        print(f"phasetrans report: error: {where}{text}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


def report_name(args: argparse.Namespace) -> str:
    """``report.html``, with every option not at its default in the name (``file_name``).

    ``--bootstrap 20`` gives ``report-bootstrap=20.html``; ``--separate-figures``
    adds ``linked`` (the page links its figures instead of embedding them).
    """
    from phasetrans.analysis.defaults import BOOTSTRAP, SEED

    options = {
        "bootstrap": None if args.bootstrap == BOOTSTRAP else args.bootstrap,
        "seed": None if args.seed == SEED else args.seed,
        "linked": args.separate_figures,
    }
    return file_name("report", [], options, suffix=".html")
