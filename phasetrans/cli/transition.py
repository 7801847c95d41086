"""``phasetrans transition DATA.nc``: the transition analysis of a swept study.

Runs :func:`phasetrans.analysis.transition.transition` on one order parameter
of a study swept in a control (``alpha``) and a size (``input_dim``), prints
its short summary and full report (the ``repr`` and ``report()`` of the
:class:`~phasetrans.analysis.transition.TransitionResult`), and writes into
``--out DIR`` the figure (PNG) and every number (netCDF), under one name that
carries the options.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from phasetrans.analysis.defaults import SEED, TRANSITION_BOOTSTRAP
from phasetrans.cli.options import add_data_argument, add_out_argument, add_training_argument
from phasetrans.errors import ConfigError, PhasetransError

#: Command-line option of each analysis argument, to name it in one-line errors.
_OPTION_OF = {
    "order": "--order",
    "control": "--control",
    "size": "--size",
    "training": "--training",
    "at": "--at",
    "bootstrap": "--bootstrap",
    "seed": "--seed",
    "levels": "--levels",
    "student_dim": "--order",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "transition",
        help="transition analysis of a swept study (crossings, chi, U_n, collapse, systematics)",
        description=(
            "Analyse the transition of one order parameter against a control (alpha) across "
            "sizes (input_dim): disorder averages, crossings, midpoints and widths, the "
            "susceptibility (connected and disconnected parts) and its peaks, cumulants, the "
            "per-teacher pseudo-critical points and their spread, the finite-size-scaling "
            "collapse and a systematic-error table; two-level bootstrap over teachers and "
            "students. Prints the report and writes the figure and the numbers (netCDF)."
        ),
    )
    add_data_argument(p, "netCDF study file swept in the control and the size")
    p.add_argument(
        "--order",
        default=None,
        metavar="NAME",
        help="order parameter: a per-student variable (default teacher_recovered, else "
        "overlap_max)",
    )
    p.add_argument("--control", default="alpha", metavar="DIM", help="control dimension (alpha)")
    p.add_argument("--size", default="input_dim", metavar="DIM", help="size dimension (input_dim)")
    add_training_argument(p, "training analysed (default: spectral if present, else the first)")
    p.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help="value of another dimension with several values; repeat for several",
    )
    p.add_argument(
        "--bootstrap",
        default=None,
        metavar="N",
        help=f"two-level resamples ({TRANSITION_BOOTSTRAP})",
    )
    p.add_argument("--seed", default=None, metavar="N", help=f"seed of the resamples ({SEED})")
    p.add_argument("--no-systematics", action="store_true", help="skip the systematic-error table")
    add_out_argument(
        p, "the figure and every number, transition-<order>-<training>-<size>-<control>-....png/.nc"
    )
    p.set_defaults(func=main)


def _at(items: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--at: {item!r} is not DIM=VALUE", field="--at", value=item)
        try:
            value: object = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                value = text
        out[name.strip()] = value
    return out


def _open(path: str):
    """The root group of any netCDF file (not only a phasetrans study), loaded.

    The analysis needs only the order parameter over its control, size and
    disorder dimensions, so data from elsewhere work too.
    """
    import xarray as xr

    from phasetrans.errors import DataError

    if not Path(path).is_file():
        raise DataError(f"{path}: no such file", field="data", value=path)
    try:
        with xr.open_dataset(path) as ds:
            return ds.load()
    except (OSError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path} is not a readable netCDF file: {message}", field="data") from exc


def _error(exc: PhasetransError) -> ConfigError:
    option = _OPTION_OF.get((exc.field or "").split("[")[0])
    message = str(exc).splitlines()[0]
    return ConfigError(f"{option}: {message}" if option else message, field=option, value=exc.value)


def main(args: argparse.Namespace) -> int:
    from phasetrans.analysis.transition import transition
    from phasetrans.cli.options import (
        bootstrap_count,
        bootstrap_seed,
        file_name,
        make_folder,
        out_folder,
        working,
    )

    bootstrap = bootstrap_count(args.bootstrap, TRANSITION_BOOTSTRAP)
    seed = bootstrap_seed(args.seed)
    at = _at(args.at)
    folder = out_folder(args)  # a bad --out is an error before the analysis
    ds = _open(args.data)
    try:
        with working(f"transition analysis of {args.data}"):
            result = transition(
                ds, args.order, control=args.control, size=args.size, training=args.training,
                at=at, bootstrap=bootstrap, seed=seed, systematics=not args.no_systematics,
            )  # fmt: skip
    except PhasetransError as exc:
        raise _error(exc) from exc
    print(repr(result))
    print(result.report())
    parts = (result.order, result.training, args.size, args.control)
    parts += tuple(f"{k}={v}" for k, v in at.items())
    options = {
        "bootstrap": None if bootstrap == TRANSITION_BOOTSTRAP else bootstrap,
        "seed": None if seed == SEED else seed,
        "no_systematics": args.no_systematics,
    }
    figure = make_folder(folder) / file_name("transition", parts, options)
    result.plot().savefig(figure, dpi=110)
    numbers = figure.with_suffix(".nc")
    result.to_dataset().to_netcdf(numbers)
    print(f"wrote {figure}\nwrote {numbers}")
    return 0
