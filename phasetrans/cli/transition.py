"""``phasetrans transition DATA.nc``: the transition analysis of a swept study.

Runs :func:`phasetrans.analysis.transition.transition` on one order parameter
of a study swept in a control (``alpha``) and a size (``input_dim``), prints
its short summary and full report (the ``repr`` and ``report()`` of the
:class:`~phasetrans.analysis.transition.TransitionResult`), and writes the
figure (``--out FIGURE.png``) or every number (``--out RESULT.nc``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from phasetrans.analysis.defaults import SEED, TRANSITION_BOOTSTRAP
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
            "students. Prints the report and writes a figure (or, with --out X.nc, the numbers)."
        ),
    )
    p.add_argument("data", help="netCDF study file swept in the control and the size")
    p.add_argument(
        "--order",
        default=None,
        metavar="NAME",
        help="order parameter: a per-student variable (default teacher_recovered, else "
        "overlap_max)",
    )
    p.add_argument("--control", default="alpha", metavar="DIM", help="control dimension (alpha)")
    p.add_argument("--size", default="input_dim", metavar="DIM", help="size dimension (input_dim)")
    p.add_argument(
        "--training",
        default=None,
        metavar="M",
        help="training analysed (default: spectral if present, else the first)",
    )
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
        metavar="B",
        help=f"two-level resamples ({TRANSITION_BOOTSTRAP})",
    )
    p.add_argument("--seed", default=None, metavar="S", help=f"seed of the resamples ({SEED})")
    p.add_argument("--no-systematics", action="store_true", help="skip the systematic-error table")
    p.add_argument(
        "--out",
        default=None,
        metavar="FILE",
        help="figure (.png, default out/<data stem>/transition-<order>-<training>.png) or "
        "every number as netCDF (.nc)",
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
    from phasetrans.cli.options import default_out, working
    from phasetrans.cli.slicing import number

    bootstrap = number(
        "--bootstrap", args.bootstrap or str(TRANSITION_BOOTSTRAP), integer=True, minimum=0
    )
    seed = number("--seed", args.seed or str(SEED), integer=True, minimum=0)
    at = _at(args.at)
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix not in (".png", ".nc"):
        raise ConfigError(
            f"--out: {args.out!r}; allowed: a .png figure or a .nc file", field="--out",
            value=args.out,
        )  # fmt: skip
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
    if out is None:
        out = default_out(args.data, f"transition-{result.order}-{result.training or 'data'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".nc":
        result.to_dataset().to_netcdf(out)
        print(f"numbers: {out}")
    else:
        result.plot().savefig(out, dpi=110)
        print(f"figure: {out}")
    return 0
