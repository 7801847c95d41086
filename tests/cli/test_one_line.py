"""Bad inputs of the analysis subcommands answer in one line (exit 2), and ``info`` never
reports a quantity at a count that does not exist.

The datasets are the packaged sample study with one thing broken: a variable
missing or all NaN, or a teacher wider than every student.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from phasetrans.cli import main as cli
from phasetrans.summary import ABSENT

SAMPLE = Path(__file__).resolve().parents[2] / "phasetrans" / "data" / "sample_quick.nc"


def _save(ds: xr.Dataset, path: Path) -> Path:
    ds.to_netcdf(path, mode="w")
    for group in ("weights", "teacher"):
        with xr.open_dataset(SAMPLE, group=group) as g:
            g.load().to_netcdf(path, group=group, mode="a")
    return path


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("broken")
    with xr.open_dataset(SAMPLE) as ds:
        ds = ds.load()
    nan_mse, nan_dim = ds.copy(), ds.copy()
    nan_mse["test_mse"] = nan_mse["test_mse"] * np.nan
    nan_dim["dimension"] = nan_dim["dimension"] * np.nan
    all_nan = ds.copy()
    for name in ("test_mse", "dimension", "teacher_recovered", "teacher_cosine", "train_loss"):
        all_nan[name] = all_nan[name] * np.nan
    variants = {
        "all_nan": all_nan,
        "no_dimension": ds.drop_vars("dimension"),
        "no_loss": ds.drop_vars("train_loss"),
        "nan_mse": nan_mse,
        "nan_dimension": nan_dim,
        # students 16..128 wide: h_T = 40 above 16 and 32, h_T/2 = 20 above 16
        "narrow": ds.assign_coords(teacher_width=[40]),
        # h_T = 300 and h_T/2 = 150 above every width (and every retained count)
        "wide": ds.assign_coords(teacher_width=[300]),
    }
    return {name: _save(v, tmp / f"{name}.nc") for name, v in variants.items()}


def _one_line(capsys, argv: list[str]) -> str:
    assert cli(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["collapse"], "phasetrans collapse: error: the following arguments are required: DATA"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["info", str(SAMPLE), "--bogus"], "unrecognized arguments: --bogus"),
        (["plot", str(SAMPLE), "--teacher-width", "x"], "invalid int value: 'x'"),
    ],
)
def test_usage_errors_are_one_line_pointing_to_help(capsys, argv, text):
    with pytest.raises(SystemExit) as info:
        cli(argv)
    assert info.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and text in lines[0] and lines[0].endswith("--help)")


def test_a_parameter_fixed_twice_is_refused(capsys, tmp_path):
    line = _one_line(
        capsys, ["collapse", str(SAMPLE), "--fix", "nu=1", "--fix", "nu=2", "--out", str(tmp_path)]
    )
    assert line == "phasetrans collapse: error: --fix: nu is given twice; give each parameter once"
    assert not list(tmp_path.iterdir())


def test_a_window_without_two_sizes_blames_the_window(capsys, tmp_path):
    argv = ["collapse", str(SAMPLE), "--window", "100", "200", "--bootstrap", "0"]
    line = _one_line(capsys, [*argv, "--out", str(tmp_path)])
    assert line.startswith("phasetrans collapse: error: --window: only 1 size(s)")
    assert "--size" not in line


@pytest.mark.parametrize("command", ["collapse", "fit", "transition", "report"])
def test_bootstrap_is_bounded(capsys, tmp_path, command):
    from phasetrans.config.bounds import MAX_BOOTSTRAP

    argv = [command, str(SAMPLE), "--bootstrap", "1000000000", "--out", str(tmp_path / "o")]
    line = _one_line(capsys, argv)
    assert "--bootstrap" in line and f"{MAX_BOOTSTRAP:,}" in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("no_dimension", "has no variable 'dimension', which the dimension figure needs"),
        ("no_loss", "has no variable 'train_loss', which the training_loss figure needs"),
        ("nan_mse", "test_mse has no finite value at teacher width 8"),
        ("nan_dimension", "dimension has no finite value at teacher width 8"),
    ],
)
def test_plot_says_what_is_missing_before_drawing_anything(broken, capsys, tmp_path, name, text):
    line = _one_line(capsys, ["plot", str(broken[name]), "--out", str(tmp_path / "o")])
    assert text in line
    assert not (tmp_path / "o").exists()


def test_report_on_nan_data_says_so(broken, capsys, tmp_path):
    argv = ["report", str(broken["all_nan"]), "--bootstrap", "0", "--out", str(tmp_path / "o")]
    line = _one_line(capsys, argv)
    assert "test_mse has no finite value (all NaN or infinite)" in line
    assert "<= 0" not in line


def test_info_without_dimension_is_one_line(broken, capsys):
    line = _one_line(capsys, ["info", str(broken["no_dimension"])])
    assert "no variable 'dimension'" in line


def _table(out: str) -> list[list[str]]:
    rows = []
    for line in out.splitlines():
        words = line.split()
        if words and words[0] in ("spectral", "direct") and len(words) > 10:
            rows.append(words)
    return rows


def test_info_shows_no_value_at_a_count_above_the_width(broken, capsys):
    assert cli(["info", str(broken["narrow"])]) == 0
    out = capsys.readouterr().out
    rows = {(r[0], int(r[2])): r for r in _table(out)}
    # columns: ... MSE(all) MSE(h_T) MSE(h_T/2) x(h_T) x(h_T/2) are the last five
    assert rows["spectral", 16][-4:] == [ABSENT] * 4  # 40 and 20 above 16
    assert rows["spectral", 32][-4] == ABSENT and rows["spectral", 32][-2] == ABSENT
    assert rows["spectral", 32][-3] != ABSENT  # h_T/2 = 20 <= 32
    assert ABSENT not in rows["spectral", 64]
    assert f"{ABSENT} : no such count" in out


def test_info_with_half_teacher_above_every_width_does_not_crash(broken, capsys):
    assert cli(["info", str(broken["wide"])]) == 0
    rows = _table(capsys.readouterr().out)
    assert len(rows) == 8 and all(r[-4:] == [ABSENT] * 4 for r in rows)
    assert all(float(r[-5]) > 0 for r in rows)  # MSE(all) is still there


def test_info_explains_an_all_nan_dimension(broken, capsys):
    assert cli(["info", str(broken["nan_dimension"])]) == 0
    out = capsys.readouterr().out
    assert not _table(out)
    assert "(no rows: no cell has a student with a finite effective dimension" in out
