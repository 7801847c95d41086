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


# --- issue 19: one-line errors, selections, results that draw themselves, progress ---


@pytest.fixture(scope="module")
def sample():
    return phasetrans.open_sample()


def test_accessor_errors_are_one_line_and_name_the_field(sample):
    from phasetrans.errors import AnalysisInputError

    cases = [
        (lambda: sample.pt.fit(width=999, bootstrap=0), "width", "[16, 32, 64, 128]"),
        (lambda: sample.pt.fit(at={"width": 999}, bootstrap=0), "width", "[16, 32, 64, 128]"),
        (lambda: sample.pt.dimension("nope"), "training", "['spectral', 'direct']"),
        (lambda: sample.pt.collapse(training="nope", bootstrap=0), "training", "'direct'"),
        (lambda: sample.pt.plot_pruning_curves(teacher_width=5), "teacher_width", "[8]"),
        (lambda: sample.isel(seed=0).pt.collapse(bootstrap=0), "seed", "isel(seed=slice(0, 2))"),
    ]
    for call, field, allowed in cases:
        with pytest.raises(AnalysisInputError) as info:
            call()
        assert info.value.field == field
        message = str(info.value)
        assert "\n" not in message and allowed in message, message


def test_a_dimension_selected_away_is_accepted(sample):
    from phasetrans.analysis.topology import compare_topology, match_student
    from phasetrans.plots.pruning import plot_dimension
    from phasetrans.summary import format_summary

    spectral = sample.sel(training="spectral")
    topo = compare_topology(spectral)
    assert "training" not in topo.dims and topo["training"].item() == "spectral"
    full = compare_topology(sample).sel(training="spectral")
    np.testing.assert_array_equal(topo["n_recovered"].values, full["n_recovered"].values)
    one_teacher = sample.sel(teacher_width=8)
    assert "teacher_width" not in compare_topology(one_teacher).dims
    match = match_student(one_teacher, training="direct", teacher_width=8, width=128, seed=0)
    assert match.n_recovered == int(full.sel(width=128, seed=0)["n_recovered"].item())
    lines = format_summary(spectral).splitlines()
    assert any(line.startswith("spectral ") and " 128 " in line for line in lines)
    assert not any(line.startswith("direct ") for line in lines)
    assert len(plot_dimension(spectral).axes[0].containers) == 1  # one training drawn
    result = one_teacher.pt.collapse(training="spectral", bootstrap=0)
    assert result.scaled.attrs["teacher_width"] == 8
    assert result.size_independent == sample.pt.collapse(bootstrap=0).size_independent


def test_compare_is_one_line_and_results_draw_themselves(sample):
    comparison = sample.pt.compare(bootstrap=0)
    assert comparison.best in comparison and comparison["power"].model == "power"
    fig = comparison["exponential"].plot()
    assert len(fig.axes) == 2 and fig.axes[0].lines
    assert len(sample.pt.fit(model="power", bootstrap=0).plot().axes) == 2
    collapsed = sample.pt.collapse(bootstrap=0).plot()
    assert len(collapsed.axes) == 3 and collapsed._repr_png_().startswith(b"\x89PNG")


def test_progress_is_shown_in_jupyter_only_unless_asked(sample, monkeypatch):
    import phasetrans.analysis.scaling.resampling as resampling
    from phasetrans.analysis import progress

    seen = []

    def spy(total, desc, unit, enabled):
        seen.append((total, desc, enabled))
        return progress.progress_bar(total, desc, unit, False)

    monkeypatch.setattr(resampling, "progress_bar", spy)
    sample.pt.collapse(bootstrap=3)
    assert not progress.in_jupyter() and seen and not any(s[2] for s in seen)
    seen.clear()
    sample.pt.collapse(bootstrap=3, progress=True)
    assert seen[0] == (3, "bootstrap", True)
    monkeypatch.setattr(progress, "in_jupyter", lambda: True)
    assert progress.wanted(None) and not progress.wanted(False)
