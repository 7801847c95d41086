r"""Paired comparison of two trainings on the same teachers and data.

:func:`compare_transitions` analyses both trainings with
:func:`~phasetrans.analysis.transition.transition` and the *same* bootstrap
draws (the same teachers and, within each, the same students in every
resample), so that a ratio of their midpoints carries the correlation that
the shared teachers and data induce.  It also states what differs between
the two beyond the method, from the study files stored in the datasets'
``study_toml`` attribute (learning rates, epochs, batch sizes, ...): a
difference in speed of training can look like a difference of threshold.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis import plotting
from phasetrans.analysis.disorder import disorder_mean
from phasetrans.analysis.transition import text
from phasetrans.analysis.transition.analysis import BOOTSTRAP, LEVELS, transition
from phasetrans.analysis.transition.crossing import control_axis
from phasetrans.analysis.transition.curves import level_crossing
from phasetrans.analysis.transition.order import order_input
from phasetrans.analysis.transition.resampling import (
    DisorderDraws,
    curve_statistic,
    merge_parts,
    named_summary,
)
from phasetrans.analysis.transition.result import TransitionResult
from phasetrans.errors import AnalysisInputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["TransitionComparison", "compare_transitions", "setting_differences"]

#: Study-file tables that define the teachers and data (must agree for a paired comparison).
_SHARED_TABLES = ("teacher", "data")


def _study(attrs: Mapping[str, object]) -> dict | None:
    text = attrs.get("study_toml")
    if not isinstance(text, str):
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def setting_differences(
    attrs_a: Mapping[str, object],
    attrs_b: Mapping[str, object],
    training_a: str | None,
    training_b: str | None,
) -> list[str]:
    """What differs between two trainings beyond the method, from their stored study files.

    Parameters
    ----------
    attrs_a, attrs_b : mapping
        The datasets' attributes (``study_toml`` is read).
    training_a, training_b : str or None
        The trainings compared (tables ``[training.<name>]``).

    Returns
    -------
    list of str
        One line per differing setting of the two training tables, and per
        differing teacher or data setting (then the comparison is not paired);
        a line saying why nothing can be said without study files.
    """
    sa, sb = _study(attrs_a), _study(attrs_b)
    if sa is None or sb is None:
        return ["no study file (study_toml) in the data: cannot say what else differs"]
    out = []
    ta = sa.get("training", {}).get(training_a or "", {})
    tb = sb.get("training", {}).get(training_b or "", {})
    for key in sorted(set(ta) | set(tb)):
        va, vb = ta.get(key, "(default)"), tb.get(key, "(default)")
        if va != vb:
            out.append(f"training.{key}: {va} ({training_a}) vs {vb} ({training_b})")
    for table in _SHARED_TABLES:
        a, b = sa.get(table, {}), sb.get(table, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out.append(
                    f"{table}.{key}: {a.get(key)} vs {b.get(key)} (NOT the same teachers and "
                    "data: the comparison is not paired)"
                )
    return out


@dataclass(frozen=True, repr=False)
class TransitionComparison:
    """Two transition analyses with the same draws, and their paired statistics.

    Attributes
    ----------
    a, b : TransitionResult
        The two analyses.
    labels : (str, str)
        Their names (the trainings).
    paired : xarray.Dataset
        Over size: ``midpoint_ratio`` (b / a of the midpoints) and
        ``width_ratio`` (b / a of the widths), with ``*_error`` and
        ``*_interval``, from the same resamples for both.
    differences : list of str
        What differs beyond the method.
    """

    a: TransitionResult
    b: TransitionResult
    labels: tuple[str, str]
    paired: xr.Dataset
    differences: list[str]

    def __repr__(self) -> str:
        la, lb = self.labels
        ratio = self.paired["midpoint_ratio"]
        text = ", ".join(
            f"{n:g}: {float(ratio.sel({self.a.size: n})):.3g}" for n in ratio[self.a.size].values
        )
        return (
            f"<TransitionComparison {lb} vs {la}: midpoint ratio {lb}/{la} {text}; "
            f"{self.a.control}_c {self.a.alpha_c:.3g} vs {self.b.alpha_c:.3g}, nu "
            f"{self.a.nu:.3g} vs {self.b.nu:.3g}; {len(self.differences)} other difference(s)>"
        )

    def _repr_html_(self) -> str:
        lines = "".join(f"<li>{html.escape(t)}</li>" for t in self.report().splitlines()[1:])
        return f"<div><p><b>{html.escape(repr(self))}</b></p><ul>{lines}</ul></div>"

    def report(self) -> str:
        """Plain text: the paired ratios, both collapses, and what else differs."""
        la, lb = self.labels
        size, ctl = self.a.size, self.a.control
        lines = [
            f"Paired comparison of {lb} against {la} ({self.a.order!r} vs {ctl!r}; the same "
            f"{self.a.n_teachers} teachers x {self.a.n_students} students and the same "
            f"{self.a.bootstrap} resamples for both; 95 % intervals)"
        ]
        p = self.paired
        for n in p[size].values:
            cells = [
                f"{what} {lb}/{la} = {text.cell(p, name, **{size: n})}"
                for name, what in (("midpoint_ratio", "midpoint"), ("width_ratio", "width"))
            ]
            lines.append(f"  {size} = {n:g}: " + "; ".join(cells))
        for label, r in ((la, self.a), (lb, self.b)):
            c = r.collapse
            lines.append(
                f"  collapse {label}: {ctl}_c = {c.x_c.format(text.LEVEL)}, nu = "
                f"{c.nu.format(text.LEVEL)}"
            )
        lines.append("  beyond the method:" if self.differences else "  beyond the method: nothing")
        lines += [f"    {d}" for d in self.differences]
        return "\n".join(lines)

    def to_dataset(self) -> xr.Dataset:
        """The paired statistics and both analyses' numbers (prefixed ``a_``, ``b_``)."""
        parts = [self.paired]
        for prefix, r in (("a_", self.a), ("b_", self.b)):
            ds = r.to_dataset()
            parts.append(ds.rename({v: f"{prefix}{v}" for v in ds.data_vars}))
        out = merge_parts(parts, combine_attrs="drop", compat="override")
        out.attrs = {
            "analysis": "paired transition comparison",
            "a": self.labels[0],
            "b": self.labels[1],
            "differences": "; ".join(self.differences),
        }
        return out

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Both averages side by side (:func:`phasetrans.plots.transition.plot_comparison`).

        Parameters
        ----------
        ax : pair of matplotlib Axes, optional
            Axes for ``a`` and ``b``.
        title : str, optional
            Figure title.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return plotting.plot(self, ax=ax, title=title)


def compare_transitions(
    a: xr.Dataset | xr.DataArray,
    b: xr.Dataset | xr.DataArray | None = None,
    order: str | None = None,
    *,
    trainings: Sequence[str | None] = (None, None),
    control: str = "alpha",
    size: str = "input_dim",
    at: Mapping[str, object] | None = None,
    levels: Sequence[float] = LEVELS,
    bootstrap: int = BOOTSTRAP,
    collapse_bootstrap: int | None = None,
    systematics: bool = False,
    seed: int = 0,
) -> TransitionComparison:
    """Compare the transitions of two trainings of the same teachers and data, paired.

    Parameters
    ----------
    a, b : xarray.Dataset or xarray.DataArray
        The two trainings; ``b=None`` compares two trainings of ``a`` (give
        ``trainings=("spectral", "direct")``).
    order : str, optional
        The order parameter (as for :func:`transition`).
    trainings : (str or None, str or None)
        The training of each (for data with a ``training`` dimension).
    control, size, at, levels, bootstrap, collapse_bootstrap, seed
        As for :func:`transition`; the same seed gives both the same draws.
    systematics : bool
        Also compute each side's systematic-error table.

    Returns
    -------
    TransitionComparison

    Raises
    ------
    AnalysisInputError
        If the two do not have the same teachers, students, sizes and
        control values.
    """
    b = a if b is None else b
    ta, tb = trainings
    common = dict(control=control, size=size, at=at)
    ia = order_input(a, order, training=ta, **common)
    ib = order_input(b, order, training=tb, **common)
    ma = ia.m.sortby(control).sortby(size)
    mb = ib.m.sortby(control).sortby(size)
    for dim in ma.dims:
        if dim not in mb.dims or not np.array_equal(ma[dim].values, mb[dim].values):
            raise AnalysisInputError(
                f"the two trainings differ along {dim!r}; a paired comparison needs the same "
                "teachers, students, sizes and control values",
                field="b",
                value=dim,
            )
    kwargs = dict(
        order=order, levels=levels, bootstrap=bootstrap, collapse_bootstrap=collapse_bootstrap,
        systematics=systematics, seed=seed, **common,
    )  # fmt: skip
    ra = transition(a, training=ia.training, **kwargs)
    rb = transition(b, training=ib.training, **kwargs)
    draws = DisorderDraws.for_array(ma, bootstrap, seed)  # the draws both analyses used
    lo, mid, hi = (float(v) for v in levels)
    axis, back = control_axis(ma, control, ra.log)

    def stats(m: xr.DataArray):
        est, reps = draws.apply(m, disorder_mean)
        mid_est, mid_reps = curve_statistic(
            est, reps, control, lambda x, y: back(level_crossing(x, y, mid)), axis
        )

        def width(x, y):
            u, v = back(level_crossing(x, y, lo)), back(level_crossing(x, y, hi))
            with np.errstate(invalid="ignore", divide="ignore"):
                return v / u if ra.log else v - u

        w_est, w_reps = curve_statistic(est, reps, control, width, axis)
        return mid_est, mid_reps, w_est, w_reps

    sa, sb = stats(ma), stats(mb)
    ratio = lambda u, v: None if u is None else v / u  # noqa: E731
    paired = merge_parts(
        [
            named_summary("midpoint_ratio", sb[0] / sa[0], ratio(sa[1], sb[1]), draws),
            named_summary("width_ratio", sb[2] / sa[2], ratio(sa[3], sb[3]), draws),
        ]
    )
    labels = (str(ia.training or "a"), str(ib.training or "b"))
    if labels[0] == labels[1]:
        labels = (f"{labels[0]} (a)", f"{labels[1]} (b)")
    differences = setting_differences(ia.attrs or {}, ib.attrs or {}, ia.training, ib.training)
    return TransitionComparison(ra, rb, labels, paired, differences)
