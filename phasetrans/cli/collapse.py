"""``phasetrans collapse DATA.nc``: finite-size-scaling collapse of a study observable.

Takes one slice of a study (:func:`phasetrans.analysis.collapse_input.collapse_array`
with the defaults of :mod:`phasetrans.analysis.defaults`), collapses the curves
of the different sizes with :func:`phasetrans.analysis.scaling.collapse`
(two-level bootstrap over teachers and students where the study has several
teacher seeds), prints x_c, nu, zeta with their errors and intervals, and writes
the collapse figure as a PNG.  The slice options and their checks are shared
with ``phasetrans fit``.
"""

from __future__ import annotations

import argparse
import math

from phasetrans.cli.options import (
    add_out_argument,
    bootstrap_count,
    bootstrap_seed,
    file_name,
    make_folder,
    number,
    out_folder,
    working,
)
from phasetrans.cli.slicing import (
    Slice,
    add_slice_options,
    analysis_error,
    check_parameter,
    parse_fix,
)
from phasetrans.config.bounds import MAX_THREADS
from phasetrans.errors import ConfigError, PhasetransError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "collapse",
        help="finite-size-scaling collapse of a study observable (x_c, nu, zeta)",
        description=(
            "Collapse the curves of one slice of a study across sizes (student widths by "
            "default; --size teacher_width, input_dim, ...), O = L^zeta F((x - x_c) L^(1/nu)), "
            "with the Houdayer-Hartmann quality and a bootstrap over seeds (teachers, then "
            "students, for studies with several teacher seeds). Prints the estimates with "
            "their intervals and writes a PNG figure."
        ),
    )
    add_slice_options(p)
    p.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="pin a parameter (x_c, nu, zeta; b, omega with --corrections), e.g. zeta=0 or "
        "nu=inf; repeat or separate with commas",
    )
    for name, what in (
        ("x-c", "a number within the control range"),
        ("nu", "a non-zero number, |nu| >= 0.01"),
        ("zeta", "a number with |zeta| <= 50"),
    ):
        p.add_argument(
            f"--{name}", default=None, metavar="VALUE", help=f"starting value of {name} ({what})"
        )
    p.add_argument(
        "--corrections",
        action="store_true",
        help="also fit x_c(L) = x_c + b L^-omega (corrections to scaling)",
    )
    p.add_argument("--workers", default="1", metavar="N", help="processes for the bootstrap (1)")
    add_out_argument(p, "the figure, collapse-<observable>-<training>-<size>-<control>-...png")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from phasetrans.analysis.defaults import BOOTSTRAP, SEED
    from phasetrans.analysis.scaling import collapse
    from phasetrans.plots.scaling import plot_collapse

    folder = out_folder(args)  # a bad --out is an error before the analysis
    bootstrap = bootstrap_count(args.bootstrap, BOOTSTRAP)
    seed = bootstrap_seed(args.seed)
    workers = number("--workers", args.workers, integer=True, minimum=1, maximum=MAX_THREADS)
    fixed = parse_fix(args.fix)
    if not args.corrections and {"b", "omega"} & set(fixed):
        raise ConfigError(
            "--fix: b and omega are not allowed without --corrections",
            field="--fix",
            value=sorted({"b", "omega"} & set(fixed)),
        )
    starts = {
        k: number(f"--{k.replace('_', '-')}", getattr(args, k)) for k in ("x_c", "nu", "zeta")
    }
    chosen = Slice(args)
    for name, value in starts.items():
        check_parameter(f"--{name.replace('_', '-')}", name, value, chosen.x_range)
    for name, value in fixed.items():
        if not (name == "nu" and value == math.inf):
            check_parameter("--fix", name, value, chosen.x_range)

    what = f"collapse of {chosen.observable} over {chosen.size}"
    if bootstrap:
        what += f" with {bootstrap} bootstrap resamples"
    try:
        with working(what):
            result = collapse(
                chosen.da,
                chosen.size,
                chosen.control_dim,
                sample_dim=chosen.samples,
                fix=fixed,
                x_window=chosen.window,
                corrections=args.corrections,
                bootstrap=bootstrap,
                seed=seed,
                workers=workers,
                **starts,
            )
    except PhasetransError as exc:
        raise analysis_error(exc) from exc

    print(chosen.describe())
    print(result.report())
    print(_summary(result))
    options = {
        "window": chosen.window_option(),
        **{f"fix_{k}": v for k, v in fixed.items()},
        **{f"start_{k}": v for k, v in starts.items()},
        "corrections": args.corrections,
        "bootstrap": None if bootstrap == BOOTSTRAP else bootstrap,
        "seed": None if seed == SEED else seed,
    }
    parts = (chosen.observable, chosen.training, chosen.size, chosen.control, *chosen.tag())
    out = make_folder(folder) / file_name("collapse", parts, options)
    plot_collapse(result).savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0


def _summary(result) -> str:
    """One line per exponent: estimate and its 95 % interval (or standard error)."""
    names = ("inv_nu", "zeta") if result.size_independent else ("x_c", "nu", "zeta")
    level = 0.95 if result.n_bootstrap else None
    parts = [f"{name} = {result.params[name].format(level)}" for name in names]
    line = "estimates: " + "; ".join(parts) + f"; S = {result.quality:.3g}"
    if result.size_independent:
        line += " (1/nu ~ 0: curves independent of size; x_c not determined by the collapse)"
    if result.at_bound:
        line += f" (at an optimiser bound: {', '.join(result.at_bound)} not determined)"
    return line
