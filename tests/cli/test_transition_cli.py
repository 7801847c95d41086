"""``phasetrans transition`` on a small synthetic study file, and ``ds.pt.transition``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from phasetrans.cli import main
from phasetrans.testing.transition import critical_ensemble

PNG = b"\x89PNG\r\n\x1a\n"
STUDY = '[teacher]\nkind = "regression"\nhidden2 = 20\n[training.spectral]\nlr = 0.03\n'


@pytest.fixture(scope="module")
def study_file(tmp_path_factory) -> Path:
    ds = critical_ensemble(
        sizes=(16, 32, 64), alpha=np.linspace(0.7, 1.3, 21), n_teachers=6, n_students=3, seed=5
    )
    ds = ds.drop_vars("alpha_c_teacher").expand_dims(training=["spectral"])
    ds.attrs = {"teacher_kind": "regression", "study_toml": STUDY}
    path = tmp_path_factory.mktemp("study") / "swept.nc"
    ds.to_netcdf(path)
    return path


ARGS = ["--bootstrap", "12", "--seed", "3"]


def test_prints_the_report_and_writes_the_figure(study_file, tmp_path, capsys):
    folder = tmp_path / "fig"
    assert main(["transition", str(study_file), *ARGS, "--out", str(folder)]) == 0
    text = capsys.readouterr().out
    out = folder / "transition-teacher_recovered-spectral-input_dim-alpha-bootstrap=12-seed=3.png"
    assert f"wrote {out}" in text and f"wrote {out.with_suffix('.nc')}" in text
    assert text.startswith("<TransitionResult 'teacher_recovered' vs 'alpha'")
    assert "control alpha' = P/(N h_T + h_T h2)" in text  # regression teacher: the alpha' row
    assert out.read_bytes().startswith(PNG)


def test_accessor_gives_the_same_numbers(study_file, tmp_path, capsys):
    argv = ["transition", str(study_file), *ARGS, "--no-systematics", "--out", str(tmp_path)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    with xr.open_dataset(study_file) as ds:
        res = ds.load().pt.transition(bootstrap=12, seed=3, systematics=False)
    assert printed.splitlines()[0] == repr(res)
    assert res.report() in printed
    (nc,) = tmp_path.glob("transition-*-no_systematics.nc")
    with xr.open_dataset(nc) as saved:
        np.testing.assert_allclose(
            saved["collapse_estimate"], res.to_dataset()["collapse_estimate"]
        )
        np.testing.assert_allclose(saved["midpoint"], res.per_size["midpoint"])


def test_bad_options_are_one_line_errors(study_file, capsys):
    assert main(["transition", str(study_file), "--order", "nothing", *ARGS]) == 2
    err = capsys.readouterr().err
    assert "--order" in err and len(err.strip().splitlines()) == 1
    assert main(["transition", str(study_file), "--at", "oops", *ARGS]) == 2
    assert "--at" in capsys.readouterr().err
    assert main(["transition", str(study_file), "--out", __file__, *ARGS]) == 2
    assert "--out: " in capsys.readouterr().err  # a file where a folder is wanted
