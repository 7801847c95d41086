"""``phasetrans fit DATA.nc``: fit transition models to one curve of a study and rank them.

Takes one curve of a study (one size of the slice that ``phasetrans collapse``
takes, by default the largest; mean over seeds, or over teachers and their
students), fits the power law, the paper's exponential and a smooth step on one
side of the transition with :mod:`phasetrans.analysis.exponents`, prints the
AIC/BIC table with bootstrap intervals, and writes the fit figure as a PNG.
"""

from __future__ import annotations

import argparse

from phasetrans.cli.options import (
    add_out_argument,
    bootstrap_count,
    bootstrap_seed,
    choice,
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
    short_name,
)
from phasetrans.errors import ConfigError, PhasetransError

MODELS = ("all", "power", "exponential", "step")
SIDES = ("below", "above", "both")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fit",
        help="fit power-law, exponential and step models to a pruning curve and rank them",
        description=(
            "Fit A|x - x_c|^beta + c, a exp(-b x) + c and a logistic step to one pruning "
            "curve (mean over seeds, weighted by its standard error) on one side of the "
            "transition; print the parameters with bootstrap intervals and the AIC/BIC "
            "ranking, and write a PNG figure."
        ),
    )
    add_slice_options(p, fit=True)
    p.add_argument(
        "--model",
        default="all",
        metavar="NAME",
        help="model to fit (power, exponential, step), or all to compare them (default: all)",
    )
    p.add_argument(
        "--side",
        default="below",
        metavar="NAME",
        help="side of x_c fitted: below (default), above or both",
    )
    p.add_argument(
        "--x-c",
        default=None,
        metavar="VALUE",
        help="critical point of the control, within its range (default: 0 for shift and "
        "ratio; needed for a coordinate control)",
    )
    p.add_argument(
        "--criterion",
        default="aic",
        metavar="NAME",
        help="ranking criterion: aic (default) or bic",
    )
    add_out_argument(p, "the figure, fit-<observable>-<training>-<control>-...-<model>-<side>.png")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from phasetrans.analysis.defaults import BOOTSTRAP, curve_value
    from phasetrans.analysis.exponents import compare_models, fit_transition
    from phasetrans.plots.scaling import plot_fit

    folder = out_folder(args)  # a bad --out is an error before the analysis
    model = choice("--model", args.model, MODELS)
    side = choice("--side", args.side, SIDES)
    criterion = choice("--criterion", args.criterion, ("aic", "bic"))
    bootstrap = bootstrap_count(args.bootstrap, BOOTSTRAP)
    seed = bootstrap_seed(args.seed)
    x_c = number("--x-c", args.x_c)

    chosen = Slice(args, fit=True)
    if x_c is None:
        if chosen.control_dim != "control":
            lo, hi = chosen.x_range
            raise ConfigError(
                f"--x-c is needed with --control {chosen.control}; use a number within the "
                f"control range [{lo:g}, {hi:g}]",
                field="--x-c",
                value=None,
            )
        x_c = 0.0
    check_parameter("--x-c", "x_c", x_c, chosen.x_range)
    if chosen.curve is None:
        chosen.curve = curve_value(chosen.da, chosen.size)
    options = dict(
        side=side,
        window=chosen.window,
        x_c=x_c,
        sample_dim=chosen.samples,
        bootstrap=bootstrap,
        seed=seed,
    )
    what = f"fit of {'3 models' if model == 'all' else model}"
    if bootstrap:
        what += f" with {bootstrap} bootstrap refits each"
    try:
        curve = chosen.da.sel({chosen.size: chosen.curve}, drop=True)
        curve = curve.dropna(chosen.control_dim, how="all")
        with working(what):
            if model == "all":
                fitted = compare_models(
                    curve, chosen.control_dim, criterion=criterion, progress=True, **options
                )
            else:
                fitted = fit_transition(curve, chosen.control_dim, model=model, **options)
    except PhasetransError as exc:
        raise analysis_error(exc) from exc

    print(chosen.describe(sizes=False))
    print(fitted.report())
    parts = (chosen.observable, chosen.training, chosen.control, *chosen.tag())
    parts += (f"{short_name(chosen.size)}={chosen.curve}", model, side)
    options = {
        "x_c": x_c or None,
        "window": chosen.window_option(),
        "criterion": None if criterion == "aic" or model != "all" else criterion,
    }
    out = make_folder(folder) / file_name("fit", parts, options)
    plot_fit(fitted).savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0
