"""``phasetrans fit DATA.nc``: fit transition models to one pruning curve and rank them.

Takes one (training, teacher width, student width) curve of a study, averaged
over seeds, fits the power law, the paper's exponential and a smooth step on
one side of the transition with :mod:`phasetrans.analysis.exponents`, prints
the AIC/BIC table with bootstrap intervals, and writes the fit figure as a PNG.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from phasetrans.cli.collapse import (
    CONTROLS,
    OBSERVABLES,
    add_slice_options,
    choice,
    default_out,
    number,
    open_dataset,
    pick,
)
from phasetrans.errors import ConfigError

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
    add_slice_options(p)
    p.add_argument(
        "--width",
        default=None,
        metavar="W",
        help="student width of the curve (default: the largest)",
    )
    p.add_argument(
        "--model",
        default="all",
        metavar="|".join(MODELS),
        help="model to fit, or all to compare them (default: all)",
    )
    p.add_argument(
        "--side",
        default="below",
        metavar="|".join(SIDES),
        help="side of x_c fitted (default: below)",
    )
    p.add_argument("--x-c", default="0", metavar="V", help="critical point of the control (0)")
    p.add_argument(
        "--criterion", default="aic", metavar="aic|bic", help="ranking criterion (default: aic)"
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="FIGURE.png",
        help="figure path (default: out/<data stem>/fit-<observable>-<method>-hT<N>-W<W>.png)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from phasetrans.analysis.exponents import compare_models, fit_transition
    from phasetrans.analysis.observables import collapse_array
    from phasetrans.analysis.validation import AnalysisInputError
    from phasetrans.cli.collapse import window
    from phasetrans.plots.scaling import plot_fit

    observable = choice("--observable", args.observable, OBSERVABLES)
    control = choice("--control", args.control, CONTROLS)
    model = choice("--model", args.model, MODELS)
    side = choice("--side", args.side, SIDES)
    criterion = choice("--criterion", args.criterion, ("aic", "bic"))
    bootstrap = number("--bootstrap", args.bootstrap, integer=True, minimum=0)
    seed = number("--seed", args.seed, integer=True)
    x_c = number("--x-c", args.x_c)

    ds = open_dataset(args.data)
    if observable == "accuracy_loss" and "test_accuracy" not in ds:
        raise ConfigError(
            "--observable: 'accuracy_loss' is not allowed for a study without test_accuracy; "
            "use delta_mse or normalized_delta_mse"
        )
    training = pick(ds, "training", "--method", args.method, prefer="spectral")
    h_t = pick(ds, "teacher_width", "--teacher-width", args.teacher_width)
    widths = ds["width"].values.tolist()
    w = max(widths) if args.width is None else pick(ds, "width", "--width", args.width)
    x_window = window(args.window, control, float(h_t))
    kwargs = dict(
        side=side, window=x_window, x_c=x_c, sample_dim="seed", bootstrap=bootstrap, seed=seed
    )
    try:
        curve = collapse_array(
            ds, observable, training=training, teacher_width=h_t, control=control
        )
        curve = curve.sel(width=w, drop=True)
        curve = curve.dropna("control", how="all")
        if model == "all":
            fitted = compare_models(curve, "control", criterion=criterion, **kwargs)
        else:
            fitted = fit_transition(curve, "control", model=model, **kwargs)
    except AnalysisInputError as exc:
        raise ConfigError(str(exc)) from exc

    print(
        f"{observable} of {training!r} students, h_T = {h_t}, width {w}, "
        f"{curve.sizes['seed']} seeds, control {control} "
        f"({curve['control'].attrs['long_name']}) in [{x_window[0]:g}, {x_window[1]:g}]"
    )
    print(fitted.report())
    out = (
        Path(args.out)
        if args.out
        else default_out(args.data, f"fit-{observable}-{training}-hT{h_t}-W{w}")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    plot_fit(fitted).savefig(out, dpi=120)
    print(f"figure: {out}")
    return 0
