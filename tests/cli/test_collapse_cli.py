"""``phasetrans collapse`` and ``phasetrans fit`` on a small synthetic study file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phasetrans.cli import main
from phasetrans.testing.studies import NU
from phasetrans.testing.studies import pruning_study as make_study

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def study_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("study") / "synthetic.nc"
    make_study(widths=(12, 24, 48, 96), n_seeds=8, noise=0.01).to_netcdf(path)
    return path


@pytest.fixture(scope="module")
def classification_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("study") / "classification.nc"
    make_study(widths=(12, 24), n_seeds=4, classification=True).to_netcdf(path)
    return path


def _estimate(text: str, name: str) -> float:
    match = re.search(rf"{name} = ([-0-9.e+]+)", text)
    assert match, text
    return float(match.group(1))


def test_collapse_prints_estimates_with_intervals_and_writes_png(study_file, tmp_path, capsys):
    folder = tmp_path / "fig"
    argv = [
        "collapse", str(study_file), "--observable", "delta_mse", "--size", "width",
        "--training", "spectral", "--fix", "zeta=0", "--window", "-8", "6",
        "--bootstrap", "20", "--out", str(folder),
    ]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "delta_mse of 'spectral' students, h_T = 10" in text
    assert "in [-8, 6]" in text and "width 12, 24, 48, 96, 8 seeds" in text
    assert "95% interval" in text and "20 resamples of 'seed'" in text
    assert "zeta = 0 (fixed)" in text
    assert _estimate(text, "nu") == pytest.approx(NU, rel=0.1)
    assert abs(_estimate(text, "x_c")) < 0.3
    # the name carries the slice and every option away from its default
    name = "collapse-delta_mse-spectral-width-shift-hT=10-window=-8,6-fix_zeta=0-bootstrap=20.png"
    out = folder / name
    assert f"wrote {out}" in text
    assert out.read_bytes()[:8] == PNG


def test_collapse_across_teacher_widths(tmp_path, capsys):
    path = tmp_path / "teachers.nc"
    make_study(teacher_widths=(10, 16), widths=(32,), n_seeds=4).to_netcdf(path)
    argv = [
        "collapse", str(path), "--size", "teacher_width", "--width", "32",
        "--control", "ratio", "--bootstrap", "0", "--out", str(tmp_path),
    ]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "student width 32" in text and "teacher_width 10, 16" in text
    assert "std.err from curvature" in text
    out = tmp_path / "collapse-delta_mse-spectral-teacher_width-ratio-W=32-bootstrap=0.png"
    assert out.exists()


def test_fit_prints_the_model_table_and_writes_png(study_file, tmp_path, capsys):
    argv = ["fit", str(study_file), "--training", "spectral", "--model", "all", "--side", "below",
            "--bootstrap", "10", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "h_T = 10, width 96" in text  # the largest width by default
    assert "Model comparison by AIC" in text
    table = text.split("Model comparison by AIC")[1].splitlines()[2:5]
    assert sorted(row.split()[0] for row in table) == ["exponential", "power", "step"]
    # the synthetic spectral curve is linear in n - h_T below h_T: beta = 1
    power = text.split("Transition fit: power")[1]
    assert float(re.search(r"beta\s+([0-9.]+)", power).group(1)) == pytest.approx(1.0, abs=0.05)
    out = tmp_path / "fit-delta_mse-spectral-shift-hT=10-W=96-all-below.png"
    assert f"wrote {out}" in text
    assert out.read_bytes()[:8] == PNG


def test_fit_one_model(study_file, tmp_path, capsys):
    argv = ["fit", str(study_file), "--model", "exponential", "--width", "24",
            "--bootstrap", "0", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Transition fit: exponential" in text and "Model comparison" not in text
    assert "width 24" in text
    assert (tmp_path / "fit-delta_mse-spectral-shift-hT=10-W=24-exponential-below.png").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["collapse", "{data}", "--observable", "mse"], "--observable: 'mse' is not allowed"),
        (["collapse", "{data}", "--training", "lasso"], "--training: 'lasso' is not allowed"),
        (["collapse", "{data}", "--teacher-width", "7"], "--teacher-width: '7' is not allowed"),
        (["collapse", "{data}", "--fix", "beta=1"], "--fix: 'beta=1' is not allowed"),
        (["collapse", "{data}", "--fix", "omega=1"], "--fix: b and omega"),
        (["collapse", "{data}", "--size", "depth"], "--size: 'depth' is not allowed"),
        (["collapse", "{data}", "--window", "1", "0"], "--window: 1 0 is not allowed"),
        (["collapse", "{data}", "--bootstrap", "-3"], "--bootstrap: '-3' is not allowed"),
        (["collapse", "{data}", "--window", "200", "300"], "leaves no finite data"),
        (["collapse", "{data}", "--window", "50", "60"], "only 1 size(s) along 'width'"),
        (["fit", "{data}", "--model", "cubic"], "--model: 'cubic' is not allowed"),
        (["fit", "{data}", "--side", "left"], "--side: 'left' is not allowed"),
        (["fit", "{data}", "--width", "13"], "--width: '13' is not allowed"),
        (["fit", "{data}", "--observable", "accuracy_loss"], "accuracy_loss' is not allowed"),
    ],
)
def test_bad_inputs_exit_2_with_one_line(study_file, capsys, argv, message):
    argv = [a.format(data=study_file) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["collapse", str(tmp_path / "nope.nc")]) == 2
    assert "no such study file" in capsys.readouterr().err


def test_accuracy_loss_on_a_classification_study(classification_file, tmp_path, capsys):
    argv = ["collapse", str(classification_file), "--observable", "accuracy_loss",
            "--fix", "zeta=0", "--bootstrap", "0", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    assert "accuracy_loss of 'spectral'" in capsys.readouterr().out
    assert len(list(tmp_path.glob("collapse-accuracy_loss-spectral-*.png"))) == 1


# ---------------------------------------------------------------------------
# swept studies: --size, --control, --at; one-line errors for every bad option


@pytest.fixture(scope="module")
def swept_file(tmp_path_factory) -> Path:
    from phasetrans.testing.studies import swept_study as make_swept_study

    path = tmp_path_factory.mktemp("study") / "swept.nc"
    make_swept_study(teacher_seeds=4, n_seeds=3).to_netcdf(path)
    return path


def test_collapse_of_an_order_parameter_across_input_dims(swept_file, tmp_path, capsys):
    from phasetrans.testing.studies import ALPHA_C, NU_ALPHA

    argv = ["collapse", str(swept_file), "--observable", "teacher_recovered",
            "--size", "input_dim", "--control", "alpha", "--fix", "zeta=0",
            "--bootstrap", "4", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert (
        "teacher_recovered of 'spectral' students, h_T = 2, student width 8, control alpha "
        "(training samples per teacher parameter) in [1.5, 2.5], input_dim 4, 8, 16, "
        "4 teacher seeds x 3 seeds"
    ) in text
    assert "4 two-level resamples (teachers, then students)" in text
    assert _estimate(text, "x_c") == pytest.approx(ALPHA_C, abs=0.02)
    assert _estimate(text, "nu") == pytest.approx(NU_ALPHA, rel=0.1)


def test_collapse_with_a_fixed_sweep_value_and_one_teacher(swept_file, tmp_path, capsys):
    argv = ["collapse", str(swept_file), "--at", "alpha=2,teacher_seed=1", "--at", "input_dim=8",
            "--bootstrap", "0", "--fix", "zeta=0", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "alpha = 2.0, teacher_seed = 1, input_dim = 8, h_T = 2" in text
    assert "width 4, 8, 3 seeds" in text
    name = "collapse-delta_mse-spectral-width-shift-alpha=2.0-teacher_seed=1-input_dim=8-hT=2"
    assert f"wrote {tmp_path / name}-fix_zeta=0-bootstrap=0.png" in text


def test_fit_of_an_order_parameter_against_alpha(swept_file, tmp_path, capsys):
    argv = ["fit", str(swept_file), "--observable", "teacher_recovered", "--size", "input_dim",
            "--control", "alpha", "--x-c", "2", "--side", "both", "--model", "step",
            "--bootstrap", "3", "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr()
    assert "h_T = 2, student width 8, input_dim 16, 4 teacher seeds x 3 seeds" in out.out
    center = float(re.search(r"center\s+([0-9.]+)", out.out).group(1))
    assert center == pytest.approx(2.0, abs=0.02)
    assert "two-level" in out.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["collapse", "{data}", "--nu", "0"], "--nu: '0' is not allowed; use a non-zero number"),
        (
            ["collapse", "{data}", "--nu", "0.015"],
            "--nu: '0.015' is not allowed; use a non-zero number with |nu| >= 0.02",
        ),  # |1/nu| beyond the optimiser's bound 50
        (["collapse", "{data}", "--seed", "-1"], "--seed: '-1' is not allowed; use a value >= 0"),
        (["fit", "{data}", "--seed", "-1"], "--seed: '-1' is not allowed"),
        (
            ["collapse", "{data}", "--x-c", "1e300"],
            "--x-c: '1e+300' is not allowed; use a number within the control range [-10, 86]",
        ),
        (["fit", "{data}", "--x-c", "1e300"], "--x-c: '1e+300' is not allowed"),
        (["collapse", "{data}", "--x-c", "nan"], "--x-c: 'nan' is not allowed"),
        (["collapse", "{data}", "--zeta", "1e9"], "--zeta: '1e+09' is not allowed"),
        (["collapse", "{data}", "--fix", "nu=0"], "--fix: 'nu=0' is not allowed"),
        (["collapse", "{data}", "--fix", "x_c=1e300"], "--fix: 'x_c=1e+300' is not allowed"),
        (
            ["collapse", "{data}", "--width", "12"],
            "--width: '12' is not allowed with --size width (it is the size variable)",
        ),
        (
            ["collapse", "{data}", "--size", "teacher_width"],
            "--size: 'teacher_width' is not allowed; use one of width",
        ),
        (["collapse", "{data}", "--control", "log"], "--control: 'log' is not allowed; use one"),
        (["collapse", "{data}", "--at", "alpha=2"], "--at: 'alpha=2' is not allowed"),
        (["collapse", "{data}", "--window", "1", "inf"], "--window: 1 inf is not allowed"),
        (["collapse", "{data}", "--workers", "0"], "--workers: '0' is not allowed"),
        (
            ["collapse", "{data}", "--observable", "teacher_recovered"],
            "--observable: 'teacher_recovered' is not allowed for this study",
        ),
        (["fit", "{data}", "--size", "depth"], "--size: 'depth' is not allowed"),
    ],
)
def test_more_bad_inputs_exit_2_with_one_line(study_file, capsys, argv, message):
    argv = [a.format(data=study_file) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["collapse", "{data}", "--control", "shift", "--observable", "dimension_ratio"],
         "--control: 'shift' is not allowed; use one of input_dim, alpha"),
        (["collapse", "{data}", "--at", "input_dim=5"], "--at input_dim: '5' is not allowed"),
        (["collapse", "{data}", "--at", "seed=0"], "--at: 'seed=0' is not allowed"),
        (["fit", "{data}", "--control", "alpha", "--observable", "teacher_cosine"],
         "--x-c is needed with --control alpha; use a number within the control range [1.5, 2.5]"),
        (["collapse", "{data}", "--size", "input_dim", "--control", "input_dim",
          "--observable", "teacher_cosine"], "--control: 'input_dim' is not allowed"),
    ],
)  # fmt: skip
def test_bad_swept_inputs_exit_2_with_one_line(swept_file, capsys, argv, message):
    argv = [a.format(data=swept_file) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1


def test_cli_choices_follow_the_analysis():
    from phasetrans.analysis import observables
    from phasetrans.cli import slicing as cli_collapse

    assert cli_collapse.OBSERVABLES == tuple(observables.OBSERVABLES)
    assert cli_collapse.CONTROLS == observables.CONTROLS


def test_every_option_has_help():
    from phasetrans.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("collapse", "fit", "topology"):
        for action in sub.choices[name]._actions:
            assert action.help, (name, action.dest)


def test_help_shows_the_analysis_defaults():
    from phasetrans.analysis.defaults import BOOTSTRAP, SEED, TRANSITION_BOOTSTRAP
    from phasetrans.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, default in (("collapse", BOOTSTRAP), ("fit", BOOTSTRAP),
                          ("transition", TRANSITION_BOOTSTRAP)):  # fmt: skip
        helps = {a.dest: a.help for a in sub.choices[name]._actions}
        assert (
            helps["bootstrap"].endswith(f"({default})")
            or f"default: {default})" in helps["bootstrap"]
        ), (name, helps["bootstrap"])
        assert f"({SEED})" in helps["seed"]
