"""One error convention: every face prints the same "±" for the same quantity (issue 19).

"±" is the standard error: of the student mean (ddof 1) here, one teacher, and of
the teacher means with several (``describe``'s default, tests/test_faces.py).  On the
shipped sample, spectral students of width 128 have dimension 8, 8, 8, 9: 8.25 ± 0.25.
``phasetrans info`` (format_summary), the topology table (its ``kept`` column: the
same students pruned to their dimension), ``ds.pt.summary()`` and ``ds.pt.describe()``
must all print that number.  For the parameters of a fit or a collapse, the repr,
``report()`` (what ``phasetrans collapse`` / ``fit`` print) and the HTML table show the
same ± (the covariance error), and name the bootstrap s.d. as such.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import phasetrans
from phasetrans.analysis.describe import describe, format_pm
from phasetrans.analysis.observables import student_variable
from phasetrans.cli.topology import format_table
from phasetrans.summary import format_summary
from phasetrans.testing.collapse import known_collapse as synthetic

CELL = {"training": "spectral", "teacher_width": 8, "width": 128}
SE = "± : standard error of the student mean (ddof 1)"


@pytest.fixture(scope="module")
def sample():
    return phasetrans.open_sample()


def _row(text: str, training: str, width: int) -> list[str]:
    for line in text.splitlines():
        cells = line.split()
        if cells[:1] == [training] and str(width) in cells[1:4]:
            return cells
    raise AssertionError(f"no {training} row for width {width} in:\n{text}")


def _pm(cells: list[str]) -> list[tuple[float, float]]:
    joined = " ".join(cells)
    return [(float(m), float(e)) for m, e in re.findall(r"(-?[\d.]+) ± ([\d.]+)", joined)]


def test_every_face_prints_the_same_plus_minus_for_the_dimension(sample):
    truth = describe(student_variable(sample, "dimension", warn=False)).sel(CELL)
    mean, se = float(truth["mean"]), float(truth["spread"])
    values = sample["dimension"].sel(CELL).values
    assert mean == 8.25 and se == pytest.approx(np.std(values, ddof=1) / 2)  # not ddof 0
    info = format_summary(sample)
    assert _pm(_row(info, "spectral", 128))[0] == (8.25, 0.25)
    assert SE in info.splitlines()
    topology = format_table(sample.pt.topology())
    kept = _pm(_row(topology, "spectral", 128))[0]  # one decimal: the same numbers rounded
    assert f"{kept[0]:.1f} ± {kept[1]:.1f}" == format_pm(mean, se, ".1f")
    assert SE in topology.splitlines()
    summary = sample.pt.summary().sel(CELL)
    assert (float(summary["dimension_mean"]), float(summary["dimension_spread"])) == (mean, se)
    assert summary.attrs["footnote"] == SE
    described = sample.pt.describe("dimension").sel(CELL)
    assert (float(described["mean"]), float(described["spread"])) == (mean, se)
    assert described.attrs["spread"] == "standard error of the student mean (ddof 1)"


def row_index(result, name: str) -> int:
    lines = result.report().splitlines()
    return next(k for k, line in enumerate(lines) if line.split()[:1] == [name])


def known_collapse(**options):
    from phasetrans.analysis.scaling import collapse

    return collapse(synthetic(0.5, 1.3, 0.4, seed=7, n_x=31), "L", "x", **options)


def _shown(text: str, name: str) -> str:
    match = re.search(rf"(?<![\w/]){name}\s*=?\s*(-?[\d.e+-]+) ± ([\d.e+-]+)", text)
    assert match, (name, text)
    return match.group(2)


def test_fit_and_collapse_print_one_plus_minus_everywhere(sample):
    fit = sample.pt.fit(model="power", bootstrap=20)
    collapse = known_collapse(sample_dim="seed", bootstrap=20)
    for result, names in ((fit, ("beta", "c")), (collapse, ("x_c", "nu", "zeta"))):
        for name in names:
            e = result.params[name]
            error = e.curvature_stderr
            faces = {
                "repr": _shown(repr(result), name),
                "report": _shown(result.report(), name),
                "html": _shown(result._repr_html_().replace("</td><td>", " = "), name),
            }
            assert set(faces.values()) == {f"{error:.2g}"}, (name, faces)
        assert "bootstrap s.d. (ddof 1) of the resamples" in result.report()
    # the collapse's stderr is its bootstrap s.d.: in the column named so, not after "±"
    zeta = collapse.params["zeta"]
    assert collapse.stderr_method == "bootstrap" and zeta.stderr != zeta.curvature_stderr
    lines = collapse.report().splitlines()
    k = row_index(collapse, "zeta")
    row = lines[k].split()
    assert row[:3] == ["zeta", f"{float(zeta):.3f}", "±"] and row[4] == f"{zeta.stderr:.2g}"
    header = next(line for line in lines[:k] if line.split()[:1] == ["parameter"])
    assert header.split()[4:6] == ["bootstrap", "s.d."]  # the column after "estimate ± s.e."
