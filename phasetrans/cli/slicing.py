"""What ``phasetrans collapse`` and ``phasetrans fit`` share: the slice options and their checks.

Which slice of a study they analyse (observable, training, size, control,
window, fixed coordinates) and the parsing of numbers and fixed parameters
into one-line errors.  The rules themselves (which starting values a collapse
can use) belong to the analysis; this module only maps them to options.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from phasetrans.analysis.defaults import BOOTSTRAP, SEED
from phasetrans.cli.options import choice, number
from phasetrans.errors import ConfigError, PhasetransError

if TYPE_CHECKING:
    import xarray as xr

# The dispatcher imports every subcommand to build its parser: keep this module
# light and import scipy and matplotlib when the command runs (the defaults come
# with the package, which imports them for the ``ds.pt`` accessor).
#: Copies of the analysis names (a test checks that they follow the analysis).
OBSERVABLES = (
    "delta_mse",
    "normalized_delta_mse",
    "accuracy_loss",
    "teacher_recovered",
    "teacher_cosine",
    "dimension_ratio",
    "generalisation_error",
)
CONTROLS = ("shift", "ratio")
PARAMETERS = ("x_c", "nu", "zeta", "b", "omega")
#: Command-line option of each analysis argument, to name it in one-line errors.
OPTION_OF = {
    "observable": "--observable",
    "size": "--size",
    "size_dim": "--size",
    "control": "--control",
    "control_dim": "--control",
    "training": "--training",
    "teacher_width": "--teacher-width",
    "width": "--width",
    "x_window": "--window",
    "window": "--window",
    "fix": "--fix",
    "bootstrap": "--bootstrap",
    "seed": "--seed",
    "workers": "--workers",
    "model": "--model",
    "side": "--side",
    "criterion": "--criterion",
}


def add_slice_options(p: argparse.ArgumentParser, *, fit: bool = False) -> None:
    """Options that pick the data: file, observable, training, size, control, slice, window."""
    from phasetrans.cli.options import add_data_argument, add_training_argument

    add_data_argument(p)
    p.add_argument(
        "--observable",
        default="delta_mse",
        metavar="NAME",
        help="observable: pruning ones over the nodes retained (delta_mse (default), "
        "normalized_delta_mse, accuracy_loss) or per student (teacher_recovered, "
        "teacher_cosine, dimension_ratio = dimension/h_T, generalisation_error = test MSE "
        "with every node kept)",
    )
    add_training_argument(
        p, "training of the slice (default: spectral if present, else the first one)"
    )
    p.add_argument(
        "--size",
        default="width",
        metavar="DIM",
        help="size variable L: a dimension of the study such as width (default), "
        "teacher_width or input_dim"
        + ("; the fit takes the curve of one size (default: the largest)" if fit else ""),
    )
    p.add_argument(
        "--control",
        default="shift",
        metavar="NAME",
        help="control variable: shift = n - h_T (default) or ratio = n/h_T - 1 along the "
        "nodes retained (pruning observables), or a coordinate of the study such as alpha, "
        "n_train or l2_eigenvalues",
    )
    p.add_argument(
        "--teacher-width",
        default=None,
        metavar="N",
        help="teacher width h_T of the slice (default: the first); not with --size "
        "teacher_width" + (" (there it picks the curve)" if fit else ""),
    )
    p.add_argument(
        "--width",
        default=None,
        metavar="N",
        help="student width of the slice (default: the widest); not with --size width"
        + (" (there it picks the curve)" if fit else ""),
    )
    p.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help="value of another swept dimension of the slice, e.g. alpha=2 or teacher_seed=0 "
        "(default: the first value; teacher_seed and seed stay as bootstrap samples); "
        "repeat or separate with commas",
    )
    p.add_argument(
        "--window",
        default=None,
        nargs=2,
        metavar=("LOW", "HIGH"),
        help="range of the control used (default: -h_T..h_T for shift, -1..1 for ratio, "
        "every value for a coordinate control)",
    )
    p.add_argument(
        "--bootstrap",
        default=None,
        metavar="N",
        help=f"bootstrap resamples of the seeds (teachers, then students) (default: {BOOTSTRAP})",
    )
    p.add_argument(
        "--seed", default=None, metavar="N", help=f"seed of the bootstrap, an integer >= 0 ({SEED})"
    )


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
                f"{', '.join(PARAMETERS)}",
                field="--fix",
                value=item,
            )
        if name in fixed:
            raise ConfigError(
                f"--fix: {name} is given twice; give each parameter once",
                field="--fix",
                value=item,
            )
        fixed[name] = number("--fix", value.strip())
    return fixed


def check_parameter(option: str, name: str, value: float | None, x_range) -> None:
    """Refuse a starting or fixed value the collapse cannot use (the analysis's rule)."""
    from phasetrans.analysis.scaling.checks import parameter_rule

    allowed = None if value is None else parameter_rule(name, value, x_range)
    if allowed is None:
        return
    shown = f"{name}={value:g}" if option == "--fix" else f"{value:g}"
    raise ConfigError(
        f"{option}: {shown!r} is not allowed; use {allowed}", field=option, value=value
    )


def open_dataset(path: str) -> xr.Dataset:
    """The root group of a study file, loaded; one-line DataError if it is not one."""
    from phasetrans.cli.options import open_data

    return open_data(path, weights=False)


def coordinate_value(ds: xr.Dataset, dim: str, option: str, text: str):
    """``text`` as a value of the coordinate ``dim``; ConfigError if the study lacks it."""
    import numpy as np

    values = ds[dim].values.tolist()
    kind = ds[dim].dtype
    try:
        if np.issubdtype(kind, np.integer):
            value = int(text)
        elif np.issubdtype(kind, np.floating):
            value = float(text)
        else:
            value = text
    except ValueError:
        value = None
    if value not in values:
        raise ConfigError(
            f"{option}: {text!r} is not allowed; use one of {', '.join(map(str, values))}",
            field=option,
            value=text,
        )
    return value


def analysis_error(exc: PhasetransError) -> ConfigError:
    """An analysis error as a one-line option error, naming the option from ``exc.field``."""
    field = exc.field or ""
    option = OPTION_OF.get(field.split("[")[0])
    if option is None and field and field not in ("da", "ds", "levels", "sample_dim", "error"):
        option = "--at"
    message = str(exc).splitlines()[0]
    text = f"{option}: {message}" if option else message
    return ConfigError(text, field=option or field or None, value=exc.value)


class Slice:
    """The data one ``collapse`` or ``fit`` runs on, chosen from the options."""

    def __init__(self, args: argparse.Namespace, *, fit: bool = False) -> None:
        from phasetrans.analysis.collapse_input import (
            control_dim,
            controls,
            dims_to_fix,
            observable_dims,
            size_dims,
        )
        from phasetrans.analysis.defaults import default_slice, default_window

        self.observable = choice("--observable", args.observable, OBSERVABLES)
        ds = open_dataset(args.data)
        try:
            observable_dims(ds, self.observable)
        except PhasetransError:
            have = [o for o in OBSERVABLES if _has(ds, o)]
            raise ConfigError(
                f"--observable: {self.observable!r} is not allowed for this study "
                f"(teacher_kind={ds.attrs.get('teacher_kind', 'unknown')!r}; its variable is "
                f"missing); use one of {', '.join(have)}",
                field="--observable",
                value=self.observable,
            ) from None
        self.size = choice("--size", args.size, size_dims(ds, self.observable))
        allowed = [c for c in controls(ds, self.observable) if c != self.size]
        self.control = choice("--control", args.control, allowed)
        given = self._given(ds, args, fit)
        self.curve = given.pop(self.size, None) if fit else None
        try:
            self.da = default_slice(
                ds, self.observable, size=self.size, control=self.control, given=given
            )
        except PhasetransError as exc:
            raise analysis_error(exc) from exc
        self.control_dim = control_dim(self.control)
        x = self.da[self.control_dim].values.astype(float)
        self.x_range = (float(x.min()), float(x.max()))
        if args.window is None:
            self.window = default_window(self.da) or self.x_range
        else:
            lo, hi = (number("--window", t) for t in args.window)
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ConfigError(
                    f"--window: {lo:g} {hi:g} is not allowed; use finite LOW < HIGH",
                    field="--window",
                    value=args.window,
                )
            self.window = (lo, hi)
        self.at = {k: self.da.attrs[k] for k in dims_to_fix(
            ds, self.observable, size=self.size, control=self.control, fixed=given
        )}  # fmt: skip
        self.at = {**{k: self.at[k] for k in given if k in self.at}, **self.at}
        self.training = self.at.get("training")

    def _given(self, ds: xr.Dataset, args: argparse.Namespace, fit: bool) -> dict:
        given: dict[str, object] = {}
        named = (("training", "--training", args.training),)
        named += (("teacher_width", "--teacher-width", args.teacher_width),)
        named += (("width", "--width", args.width),)
        for dim, option, text in named:
            if text is None:
                continue
            if dim not in ds.dims:
                raise ConfigError(
                    f"{option}: {text!r} is not allowed; the study has no {dim} dimension",
                    field=option,
                    value=text,
                )
            if dim == self.size and not fit:
                raise ConfigError(
                    f"{option}: {text!r} is not allowed with --size {self.size} (it is the size "
                    "variable); drop it, or choose another --size",
                    field=option,
                    value=text,
                )
            given[dim] = coordinate_value(ds, dim, option, text)
        for item in ",".join(args.at).split(","):
            if not item.strip():
                continue
            dim, sep, text = (part.strip() for part in item.partition("="))
            allowed = [
                str(d)
                for d in ds["test_mse"].dims
                if d not in ("seed", "retained", self.size) and ds.sizes[d] > 1
            ]
            if not sep or dim not in allowed or dim in given:
                why = f"{dim} is given twice" if dim in given else "use DIM=VALUE with DIM one of"
                raise ConfigError(
                    f"--at: {item!r} is not allowed; {why} {', '.join(allowed)}",
                    field="--at",
                    value=item,
                )
            given[dim] = coordinate_value(ds, dim, f"--at {dim}", text)
        return given

    @property
    def samples(self) -> str | tuple[str, str]:
        from phasetrans.analysis.collapse_input import sample_dims

        return sample_dims(self.da)

    def describe(self, sizes: bool = True) -> str:
        """One line: observable, training, the fixed values, control, window, sizes, samples."""
        fixed = []
        for dim, value in self.at.items():
            if dim == "training":
                continue
            label = {"teacher_width": "h_T =", "width": "student width"}.get(dim, f"{dim} =")
            fixed.append(f"{label} {value}")
        da = self.da
        seeds = da.sizes["seed"]
        if "teacher_seed" in da.dims:
            samples = f"{da.sizes['teacher_seed']} teacher seeds x {seeds} seeds"
        else:
            samples = f"{seeds} seeds"
        lo, hi = self.window
        long_name = da[self.control_dim].attrs.get("long_name", self.control)
        control = f"control {self.control} ({long_name}) in [{lo:g}, {hi:g}]"
        head = f"{self.observable} of {self.training!r} students" + "".join(f", {f}" for f in fixed)
        if sizes:
            values = ", ".join(str(v) for v in da[self.size].values)
            return f"{head}, {control}, {self.size} {values}, {samples}"
        return f"{head}, {self.size} {self.curve}, {samples}, {control}"

    def tag(self) -> list[str]:
        """File-name parts of the fixed values of the slice, e.g. ``["hT=8", "alpha=2"]``."""
        return [f"{short_name(d)}={v}" for d, v in self.at.items() if d != "training"]

    def window_option(self) -> tuple[float, float] | None:
        """The ``--window`` given, for a file name; ``None`` when it is the default one."""
        from phasetrans.analysis.defaults import default_window

        default = default_window(self.da) or self.x_range
        return None if tuple(map(float, default)) == tuple(self.window) else self.window


def short_name(dim: str) -> str:
    """Short name of a dimension in file names: ``hT`` for teacher_width, ``W`` for width."""
    return {"teacher_width": "hT", "width": "W"}.get(dim, dim)


def _has(ds: xr.Dataset, observable: str) -> bool:
    from phasetrans.analysis.collapse_input import observable_dims

    try:
        observable_dims(ds, observable)
    except PhasetransError:
        return False
    return True
