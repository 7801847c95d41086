"""The top of the report: the study's description, and the verdicts counted by their words."""

from __future__ import annotations

import xarray as xr

from phasetrans.report.overview import description, summary_paragraph, verdict_word
from phasetrans.report.records import Claim


def test_the_description_comes_from_the_attribute_else_the_study_file():
    toml = 'name = "t"\ndescription = "from the file"\n'
    assert description(xr.Dataset(attrs={"study_toml": toml})) == "from the file"
    both = xr.Dataset(attrs={"study_toml": toml, "description": "from the attribute"})
    assert description(both) == "from the attribute"
    assert description(xr.Dataset(attrs={"study_toml": "not [ toml"})) == ""


def test_verdict_words():
    assert verdict_word("holds (S = 1.2 over 40 points, S ≤ 3)") == "holds"
    assert verdict_word("no model fits: reduced χ² = 10.6 (5 d.o.f.), p = 3e-10") == (
        "no model fits"
    )
    assert verdict_word("not tested (one teacher)") == "not tested"
    assert verdict_word("not available: window holds no point") == "not available"


def test_the_summary_counts_and_words_the_verdicts():
    ds = xr.Dataset(coords={"training": ["spectral"], "seed": [0, 1]}, attrs={"study_name": "s"})
    claims = [
        Claim("a", "", "", "holds"),
        Claim("b", "", "", "holds (S = 1 over 9 points, S ≤ 3)"),
        Claim("c", "", "", "no model fits: reduced χ² = 12 (3 d.o.f.), p = 7e-08 for power"),
    ]
    text = summary_paragraph(ds, claims, ["x"], "± : standard error of the student mean (ddof 1)")
    assert text.startswith("Study s: no description in the study file (trainings spectral; 2 ")
    assert "Of 3 claims checked: 2 hold, 1 no model fits." in text
    assert "Supported: a; b." in text
    assert "No model fits: c: reduced χ² = 12 (3 d.o.f.), p = 7e-08 for power." in text
    assert "How sure: ± is the standard error of the student mean (ddof 1)." in text
    assert text.endswith("1 alert(s) below need attention before any claim is quoted.")
