"""The paper's claims, each checked on a study: what was measured, the number, the verdict.

One public function per claim (those resting on a fitted model are in
:mod:`phasetrans.report.models`), composed by
:func:`phasetrans.report.build.build_report` into rows of
:class:`~phasetrans.report.records.Claim`.  Every mean ± error is
:func:`phasetrans.analysis.describe.describe` of a variable read with
:func:`phasetrans.analysis.observables.student_variable` (diverged students
excluded), and the verdict thresholds are the named settings of
:mod:`phasetrans.analysis.defaults`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from phasetrans.analysis.defaults import (
    DIMENSION_TOLERANCE,
    DIRECT_LOSS_MIN,
    MSE_AT_HT_MAX,
    MSE_JUMP_MIN,
    RECOVERED_MIN,
)
from phasetrans.analysis.describe import describe, footnote, format_pm
from phasetrans.analysis.matching import COSINE_MATCH
from phasetrans.analysis.observables import student_variable
from phasetrans.names import STRUCTURE_DIMS
from phasetrans.report.records import Claim

__all__ = [
    "STUDY_DIMS",
    "at_teacher",
    "base_slice",
    "dimension_claims",
    "mse_claims",
    "recovery_claim",
    "spread_note",
    "sweep_dims",
    "teacher_width",
]


#: Dimensions of every study; any other dimension is a swept parameter.
STUDY_DIMS = STRUCTURE_DIMS


def sweep_dims(ds: xr.Dataset) -> list[str]:
    """The swept dimensions of a study: every dimension not in :data:`STUDY_DIMS`."""
    return [str(d) for d in ds.dims if d not in STUDY_DIMS]


def base_slice(ds: xr.Dataset, keep: tuple[str, ...] = ()) -> tuple[xr.Dataset, dict[str, Any]]:
    """The study at the first value of every swept dimension, except those in ``keep``.

    The claims keep ``teacher_seed`` (they average over the disorder); the
    per-student figures take the first teacher.
    """
    at = {d: ds[d].values[0].item() for d in sweep_dims(ds) if d not in keep}
    return (ds.isel(dict.fromkeys(at, 0)) if at else ds), at


def at_teacher(obj: Any, h_t: int) -> Any:
    """``obj`` at ``teacher_width = h_t`` when that is a dimension of it (a swept h_T)."""
    return obj.sel(teacher_width=h_t) if "teacher_width" in obj.dims else obj


def teacher_width(ds: xr.Dataset) -> int:
    """The study's first teacher width (a dimension when swept, else a scalar coordinate)."""
    return int(np.ravel(ds["teacher_width"].values)[0])


def _per_width(values: dict[int, str]) -> str:
    return "; ".join(f"W={w}: {v}" for w, v in values.items())


def _verdict(ok: bool) -> str:
    return "holds" if ok else "does not hold"


def _by_width(described: xr.Dataset, fmt: str, counts: bool = False) -> str:
    """``"W=16: 8.00 ± 0.05; W=32: ..."`` of a :func:`describe` result over ``width``."""
    values = {}
    for w in described["width"].values:
        cell = described.sel(width=w)
        text = format_pm(cell["mean"], cell["spread"], fmt)
        values[int(w)] = f"{text} ({int(cell['n'])} students)" if counts else text
    return _per_width(values)


# ---------------------------------------------------------------------------
# claims


def dimension_claims(base: xr.Dataset, h_t: int) -> list[Claim]:
    """Spectral students' dimension ≈ h_T at every width; direct students' grows with it.

    Parameters
    ----------
    base : xarray.Dataset
        The study at one value of every sweep but ``teacher_seed``.
    h_t : int
        The teacher width of the claims.
    """
    rows = []
    trainings = [str(t) for t in base["training"].values]
    dims = describe(at_teacher(student_variable(base, "dimension"), h_t))
    what = f"mean ± {dims.attrs['spread']}"
    if "spectral" in trainings:
        spectral = dims.sel(training="spectral")
        ok = bool((abs(spectral["mean"] / h_t - 1) <= DIMENSION_TOLERANCE).all())
        rows.append(
            Claim(
                f"spectral students' effective dimension ≈ h_T = {h_t} for every width",
                f"effective dimension (importance/max > threshold), {what}",
                _by_width(spectral, ".2f", counts=True),
                _verdict(ok),
            )
        )
    if "direct" in trainings:
        direct = dims.sel(training="direct")
        grows = direct.sizes["width"] > 1 and bool(np.all(np.diff(direct["mean"].values) > 0))
        rows.append(
            Claim(
                "direct training: the effective dimension grows with the width",
                f"effective dimension of direct students, {what}",
                _by_width(direct, ".2f"),
                _verdict(grows),
            )
        )
    return rows


def mse_claims(base: xr.Dataset, h_t: int) -> list[Claim]:
    """The test error against pruning: flat down to h_T, a jump below (spectral); direct degrades.

    The ratios are those of :func:`phasetrans.summary.summarize` (the
    ``phasetrans info`` table): means over the disorder of each student's ratio.
    """
    from phasetrans.summary import summarize

    table = at_teacher(summarize(base), h_t)
    trainings = [str(t) for t in base["training"].values]
    widths = [int(w) for w in base["width"].values if int(w) > h_t]
    checks = [
        (
            "spectral",
            "ratio_hT",
            lambda r: r <= MSE_AT_HT_MAX,
            "spectral: pruning down to h_T nodes leaves the test error unchanged",
            "MSE(n = h_T) / MSE(all kept), mean over the disorder (widths above h_T)",
        ),
        (
            "spectral",
            "ratio_half",
            lambda r: r >= MSE_JUMP_MIN,
            "spectral: the test error jumps when fewer than h_T nodes are kept",
            "MSE(n = h_T/2) / MSE(all kept), mean over the disorder",
        ),
        (
            "direct",
            "ratio_hT",
            lambda r: r >= DIRECT_LOSS_MIN,
            "direct: the error degrades as soon as pruning starts (long before h_T)",
            "MSE(n = h_T) / MSE(all kept) of direct students, mean over the disorder",
        ),
    ]
    rows = []
    for training, name, rule, claim, measured in checks:
        if training not in trainings:
            continue
        ratio = {w: float(table[name].sel(training=training, width=w)) for w in widths}
        values = {w: f"{r:.3g}" for w, r in ratio.items()}
        ok = all(rule(r) for r in ratio.values())
        rows.append(Claim(claim, measured, _per_width(values), _verdict(ok)))
    return rows


def recovery_claim(base: xr.Dataset, h_t: int, topology: xr.Dataset | str | None) -> Claim:
    """The pruned spectral student recovers the teacher's nodes (mean fraction ≥ RECOVERED_MIN).

    From the dataset's ``teacher_recovered``, else from a
    :func:`phasetrans.analysis.topology.compare_topology` result.
    """
    if "teacher_recovered" in base.data_vars:
        rec = at_teacher(student_variable(base, "teacher_recovered"), h_t)
        source = "teacher_recovered of the dataset"
    elif isinstance(topology, xr.Dataset):
        rec = at_teacher(topology["recovered_fraction"], h_t)
        source = "compare_topology(retained='dimension')"
    else:
        raise ValueError(f"no teacher_recovered in the dataset and no topology ({topology})")
    described = describe(rec)
    parts, ok = [], True
    for training in described["training"].values:
        cells = described.sel(training=training)
        if str(training) == "spectral":
            ok = bool((cells["mean"] >= RECOVERED_MIN).all())
        parts.append(f"{training}: {_by_width(cells, '.2f')}")
    return Claim(
        "the pruned spectral student recovers the teacher's hidden nodes",
        f"fraction of teacher nodes matched at cosine ≥ {COSINE_MATCH} ({source}), mean ± "
        f"{described.attrs['spread']}",
        " | ".join(parts),
        _verdict(ok),
    )


def spread_note(base: xr.Dataset) -> str:
    """The footnote of the claims tables: what ± is (that of :func:`dimension_claims`)."""
    return footnote(describe(student_variable(base, "dimension", warn=False)))
