"""``phasetrans collapse DATA.nc``: finite-size-scaling collapse of a pruning observable.

Takes one (training, teacher width) slice of a study, collapses the curves of
the different student widths with :func:`phasetrans.analysis.scaling.collapse`,
prints x_c, nu, zeta with their errors and bootstrap intervals, and writes the
collapse figure as a PNG.  The helpers that read the study and the shared
options are reused by ``phasetrans fit``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from phasetrans.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

# The dispatcher imports every subcommand to build its parser: keep this module
# light and import numpy, xarray, scipy and matplotlib when the command runs.
OBSERVABLES = ("delta_mse", "normalized_delta_mse", "accuracy_loss")
SIZES = ("width", "teacher_width")
CONTROLS = ("shift", "ratio")
PARAMETERS = ("x_c", "nu", "zeta", "b", "omega")


def add_slice_options(p: argparse.ArgumentParser) -> None:
    """Options that pick the data: file, observable, training, teacher width, control, window."""
    p.add_argument("data", help="netCDF study file, e.g. data/quick.nc")
    p.add_argument(
        "--observable",
        default="delta_mse",
        metavar="|".join(OBSERVABLES),
        help="observable of the transition (default: delta_mse)",
    )
    p.add_argument(
        "--method",
        default=None,
        metavar="M",
        help="training method (default: spectral if present, else the first one)",
    )
    p.add_argument(
        "--teacher-width",
        default=None,
        metavar="N",
        help="teacher width h_T of the slice (default: the only one, else an error)",
    )
    p.add_argument(
        "--control",
        default="shift",
        metavar="|".join(CONTROLS),
        help="control variable: shift = n - h_T (default) or ratio = n/h_T - 1",
    )
    p.add_argument(
        "--window",
        default=None,
        nargs=2,
        metavar=("LOW", "HIGH"),
        help="range of the control used (default: -h_T..h_T for shift, -1..1 for ratio)",
    )
    p.add_argument("--bootstrap", default="100", metavar="B", help="bootstrap resamples (100)")
    p.add_argument("--seed", default="0", metavar="S", help="seed of the bootstrap (0)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "collapse",
        help="finite-size-scaling collapse of a pruning observable (x_c, nu, zeta)",
        description=(
            "Collapse the pruning curves of one (training, teacher width) slice across student "
            "widths, O = L^zeta F((x - x_c) L^(1/nu)), with the Houdayer-Hartmann quality and "
            "a bootstrap over seeds. Prints the estimates with their intervals and writes a "
            "PNG figure."
        ),
    )
    add_slice_options(p)
    p.add_argument(
        "--size",
        default="width",
        metavar="|".join(SIZES),
        help="size variable L: student width (default) or teacher width (needs --width)",
    )
    p.add_argument(
        "--width",
        default=None,
        metavar="W",
        help="student width of the slice with --size teacher_width",
    )
    p.add_argument(
        "--fix",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="pin a parameter (x_c, nu, zeta; b, omega with --corrections), e.g. zeta=0 or "
        "nu=inf; repeat or separate with commas",
    )
    for name in ("x-c", "nu", "zeta"):
        p.add_argument(f"--{name}", default=None, metavar="V", help=f"starting value of {name}")
    p.add_argument(
        "--corrections",
        action="store_true",
        help="also fit x_c(L) = x_c + b L^-omega (corrections to scaling)",
    )
    p.add_argument("--workers", default="1", metavar="P", help="processes for the bootstrap (1)")
    p.add_argument(
        "--out",
        default=None,
        metavar="FIGURE.png",
        help="figure path (default: out/<data stem>/collapse-<observable>-<method>-hT<N>.png)",
    )
    p.set_defaults(func=main)


# ---------------------------------------------------------------------------
# parsing helpers (also used by ``phasetrans fit``)


def choice(option: str, text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise ConfigError(f"{option}: {text!r} is not allowed; use one of {', '.join(allowed)}")
    return text


def number(option: str, text: str | None, *, integer: bool = False, minimum: float | None = None):
    if text is None:
        return None
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{option}: {text!r} is not allowed; use {kind}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{option}: {text!r} is not allowed; use a value >= {minimum:g}")
    return value


def parse_fix(items: list[str]) -> dict[str, float]:
    fixed: dict[str, float] = {}
    for item in ",".join(items).split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in PARAMETERS:
            raise ConfigError(
                f"--fix: {item!r} is not allowed; use NAME=VALUE with NAME one of "
                f"{', '.join(PARAMETERS)}"
            )
        fixed[name] = number("--fix", value.strip())
    return fixed


def open_dataset(path: str) -> xr.Dataset:
    """The root group of a study file, loaded; ConfigError if it is not one."""
    import xarray as xr

    if not Path(path).exists():
        raise FileNotFoundError(f"no such study file: {path}")
    try:
        with xr.open_dataset(path) as ds:
            return ds.load()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"DATA: {path!r} is not a readable netCDF study file: {exc}") from exc


def pick(ds: xr.Dataset, dim: str, option: str, text: str | None, prefer=None):
    """A coordinate value of ``dim`` chosen by an option (or the default)."""
    values = ds[dim].values.tolist()
    if text is None:
        if prefer is not None and prefer in values:
            return prefer
        if len(values) == 1 or prefer is not None:
            return values[0]
        raise ConfigError(f"{option} is needed: the study has {dim} {values}; use one of them")
    value = text if isinstance(values[0], str) else number(option, text, integer=True)
    if value not in values:
        allowed = ", ".join(map(str, values))
        raise ConfigError(f"{option}: {text!r} is not allowed; use one of {allowed}")
    return value


def window(option_text: list[str] | None, control: str, h_t: float) -> tuple[float, float]:
    if option_text is None:
        return (-h_t, h_t) if control == "shift" else (-1.0, 1.0)
    lo, hi = (number("--window", t) for t in option_text)
    if not lo < hi:
        raise ConfigError(f"--window: {lo:g} {hi:g} is not allowed; use LOW < HIGH")
    return lo, hi


def default_out(data: str, name: str) -> Path:
    return Path("out") / Path(data).stem / f"{name}.png"


# ---------------------------------------------------------------------------


def main(args: argparse.Namespace) -> int:
    from phasetrans.analysis.observables import collapse_array
    from phasetrans.analysis.scaling import collapse
    from phasetrans.analysis.validation import AnalysisInputError
    from phasetrans.plots.scaling import plot_collapse

    observable = choice("--observable", args.observable, OBSERVABLES)
    size = choice("--size", args.size, SIZES)
    control = choice("--control", args.control, CONTROLS)
    bootstrap = number("--bootstrap", args.bootstrap, integer=True, minimum=0)
    seed = number("--seed", args.seed, integer=True)
    workers = number("--workers", args.workers, integer=True, minimum=1)
    fixed = parse_fix(args.fix)
    if not args.corrections and {"b", "omega"} & set(fixed):
        raise ConfigError("--fix: b and omega are not allowed without --corrections")
    starts = {
        k: number(f"--{k.replace('_', '-')}", getattr(args, k)) for k in ("x_c", "nu", "zeta")
    }

    ds = open_dataset(args.data)
    if observable == "accuracy_loss" and "test_accuracy" not in ds:
        raise ConfigError(
            f"--observable: 'accuracy_loss' is not allowed for this study "
            f"(teacher_kind={ds.attrs.get('teacher_kind', 'unknown')!r}, no test_accuracy); "
            "use delta_mse or normalized_delta_mse"
        )
    training = pick(ds, "training", "--method", args.method, prefer="spectral")
    if size == "width":
        h_t = pick(ds, "teacher_width", "--teacher-width", args.teacher_width)
        w = None
        slice_text = f"h_T = {h_t}"
    else:
        w = pick(ds, "width", "--width", args.width)
        h_t = None
        slice_text = f"student width {w}"
    try:
        da = collapse_array(
            ds,
            observable,
            training=training,
            teacher_width=h_t,
            width=w,
            size=size,
            control=control,
        )
        scale = h_t if h_t is not None else float(min(ds["teacher_width"].values))
        x_window = window(args.window, control, float(scale))
        result = collapse(
            da,
            size,
            "control",
            sample_dim="seed",
            fix=fixed,
            x_window=x_window,
            corrections=args.corrections,
            bootstrap=bootstrap,
            seed=seed,
            workers=workers,
            **starts,
        )
    except AnalysisInputError as exc:
        raise ConfigError(str(exc)) from exc

    sizes = ", ".join(str(v) for v in da[size].values)
    print(
        f"{observable} of {training!r} students, {slice_text}, control {control} "
        f"({da['control'].attrs['long_name']}) in [{x_window[0]:g}, {x_window[1]:g}], "
        f"{size} {sizes}, {da.sizes['seed']} seeds"
    )
    print(result.report())
    print(_summary(result))
    tag = f"hT{h_t}" if h_t is not None else f"W{w}"
    out = (
        Path(args.out)
        if args.out
        else default_out(args.data, f"collapse-{observable}-{training}-{tag}")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = plot_collapse(result)
    fig.savefig(out, dpi=120)
    print(f"figure: {out}")
    return 0


def _summary(result) -> str:
    """One line per exponent: estimate and its 95 % interval."""
    parts = []
    names = ("inv_nu", "zeta") if result.size_independent else ("x_c", "nu", "zeta")
    for name in names:
        value = result.params[name]
        if name in result.fixed:
            parts.append(f"{name} = {value:g} (fixed)")
        elif result.intervals:
            lo, hi = result.interval(name, 0.95)
            parts.append(f"{name} = {value:.4g} [95%: {lo:.4g}, {hi:.4g}]")
        else:
            err = result.stderr.get(name, math.nan)
            parts.append(f"{name} = {value:.4g} ± {err:.2g}")
    line = "estimates: " + "; ".join(parts) + f"; S = {result.quality:.3g}"
    if result.size_independent:
        line += " (1/nu ~ 0: curves independent of size; x_c not determined by the collapse)"
    return line
