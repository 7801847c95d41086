import inspect
import re

import numpy as np
import pytest

import phasetrans
from phasetrans.accessor import StudyAccessor
from phasetrans.cli import main as cli
from phasetrans.config import load_study
from phasetrans.runner import run_study


@pytest.fixture(scope="module")
def study_file(tmp_path_factory, tiny_study):
    tmp = tmp_path_factory.mktemp("acc")
    path = tiny_study(tmp, training={"spectral": {"epochs": 10}, "direct": {"epochs": 10}})
    return run_study(load_study(path), scheduler="sync", progress=False).output


@pytest.fixture(scope="module")
def study_ds(study_file):
    return phasetrans.open_study(study_file).load()


def test_accessor_forwards_to_plain_functions(study_ds):
    from phasetrans.analysis.observables import delta_mse
    from phasetrans.summary import summarize

    ds = study_ds
    assert ds.pt.summary().identical(summarize(ds))
    np.testing.assert_array_equal(
        ds.pt.dimension("spectral").values,
        ds.dimension.sel({"training": "spectral"}).mean("seed").values,
    )
    assert ds.pt.observable("delta_mse").identical(delta_mse(ds))
    with pytest.raises(ValueError, match="observable='nope'"):
        ds.pt.observable("nope")


def test_accessor_signatures_are_explicit():
    for name, method in inspect.getmembers(StudyAccessor, inspect.isfunction):
        kinds = {p.kind for p in inspect.signature(method).parameters.values()}
        assert inspect.Parameter.VAR_KEYWORD not in kinds, name
    assert "size" in inspect.signature(StudyAccessor.collapse).parameters
    assert "control" in inspect.signature(StudyAccessor.fit).parameters


def test_accessor_collapse_and_topology(study_ds):
    result = study_ds.pt.collapse("delta_mse", training="spectral", fix={"zeta": 0}, bootstrap=0)
    assert result.zeta == 0
    # 10 epochs: the curves of the two widths do not depend on size, and the result says so
    # (a finite x_c here was an artefact: a common shift of every size is not determined)
    assert result.size_independent == (not np.isfinite(result.x_c))
    if result.size_independent:
        assert result.nu == np.inf and "no size dependence" in result.report()
    # the CLI's window: -h_T..h_T
    assert result.scaled["control"].values.tolist() == [-4, -3, -2, -1, 0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="width cannot be fixed: it is the size dimension"):
        study_ds.pt.collapse(width=8, bootstrap=0)
    across = study_ds.pt.collapse_input(size="teacher_width", width=16)
    assert across.dims == ("teacher_width", "control", "seed")
    topo = study_ds.pt.topology(retained=4)
    assert set(topo.sizes) >= {"training", "width", "seed"}
    assert float(topo["n_retained"].max()) == 4


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?|inf|nan", text)]


def test_cli_and_accessor_give_the_same_numbers(study_file, study_ds, tmp_path, capsys):
    argv = ["collapse", str(study_file), "--bootstrap", "8", "--out", str(tmp_path / "c.png")]
    assert cli(argv) == 0
    printed = capsys.readouterr().out
    result = study_ds.pt.collapse(bootstrap=8)
    assert result.report() in printed
    fit_argv = ["fit", str(study_file), "--model", "exponential", "--bootstrap", "5",
                "--out", str(tmp_path / "f.png")]  # fmt: skip
    assert cli(fit_argv) == 0
    printed = capsys.readouterr().out
    fitted = study_ds.pt.fit(model="exponential", bootstrap=5)
    assert fitted.report() in printed
    assert "width 16" in printed and fitted.result.ndata == 4  # the widest, -h_T <= x < 0
    table = study_ds.pt.compare(models=("power", "exponential"), bootstrap=0)
    assert table.best in ("power", "exponential")
