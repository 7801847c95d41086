"""``phasetrans topology``: table, figures and one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from phasetrans.analysis import paths, pruned, topology
from phasetrans.cli import main
from phasetrans.cli import topology as cli_topology
from phasetrans.testing.topology import topology_study as make_study
from phasetrans.testing.topology import write_swept_topology_study as write_swept_study
from phasetrans.testing.topology import write_topology_study as write_study
from tests.analysis.topology_helpers import read_study


@pytest.fixture(scope="module")
def study_file(tmp_path_factory) -> Path:
    return write_study(tmp_path_factory.mktemp("cli") / "study.nc")


def rows(text: str, training: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line.startswith(training + " ")]


def test_table_and_figures(study_file, tmp_path, capsys):
    out = tmp_path / "figs"
    assert (
        main(["topology", str(study_file), "--retained", "spectral_dimension", "--out", str(out)])
        == 0
    )
    text = capsys.readouterr().out
    assert "retained = spectral_dimension" in text
    assert text.count("teacher_width = ") == 2
    spectral, direct = rows(text, "spectral"), rows(text, "direct")
    assert len(spectral) == len(direct) == 4  # 2 teacher widths × 2 widths
    # columns: method width seeds kept±  W1±  KS±  sW1±  sKS1±  sKS2±  recovered±  cos±
    for row, kept in zip(spectral, [3, 3, 4, 4], strict=True):
        assert row[2] == "3" and row[3] == f"{kept}.0"
        assert row[6] == "0.000"  # path W1 of the teacher's own nodes
        assert row[21] == f"{kept}.0" and row[24] == "1.000"  # all recovered
    for row, kept in zip(direct, [3, 3, 4, 4], strict=True):
        assert row[3] == f"{kept}.0"  # pruned to the spectral students' dimension
        assert float(row[6]) > 0.05 and row[21] == "0.0"
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 10
    retained = "retained=spectral_dimension"
    assert f"topology-paths-hT=3-{retained}.png" in names
    assert f"topology-matching-direct-hT=4-W=8-seed=0-{retained}.png" in names
    assert f"topology-strengths_hidden2-hT=4-W=8-{retained}.png" in names
    assert all((out / n).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for n in names)


def test_fixed_count_and_method_subset(study_file, tmp_path, capsys):
    argv = [
        "topology",
        str(study_file),
        "--retained",
        "2",
        "--training",
        "spectral",
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert not rows(text, "direct")
    spectral = rows(text, "spectral")
    assert [row[3] for row in spectral] == ["2.0"] * 4
    assert [row[21] for row in spectral] == ["2.0"] * 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--retained", "abc"],
            "--retained: 'abc' is not allowed; use dimension, "
            "spectral_dimension or a positive integer",
        ),
        (["--retained", "0"], "--retained: 0 is not allowed"),
        (["--threshold", "2"], "--threshold: 2.0 is not allowed; use a number in (-1, 1]"),
        (["--threshold", "x"], "--threshold: 'x' is not allowed"),
        (["--normalize", "median"], "--normalize: 'median' is not allowed; use one of max"),
        (
            ["--training", "lasso"],
            "--training: ['lasso'] is not allowed; the dataset holds spectral, direct",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(study_file, tmp_path, capsys, argv, message):
    assert main(["topology", str(study_file), "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("phasetrans topology: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_spectral_dimension_needs_spectral_students(tmp_path, capsys):
    root, weights, teacher = make_study()
    path = tmp_path / "direct_only.nc"
    root.sel({"training": ["direct"]}).to_netcdf(path)
    weights.sel({"training": ["direct"]}).to_netcdf(path, mode="a", group="weights")
    teacher.to_netcdf(path, mode="a", group="teacher")
    assert main(["topology", str(path), "--retained", "spectral_dimension"]) == 2
    assert "no 'spectral' training (available: direct)" in capsys.readouterr().err


def test_missing_and_unreadable_files(tmp_path, capsys):
    assert main(["topology", str(tmp_path / "nope.nc")]) == 2
    assert "no such study file" in capsys.readouterr().err
    bad = tmp_path / "bad.nc"
    bad.write_text("not netCDF")
    assert main(["topology", str(bad)]) == 2
    assert "is not a netCDF4 file" in capsys.readouterr().err


def test_cli_reads_the_merged_study(study_file):
    merged = cli_topology._open_study(str(study_file))
    reference = read_study(study_file)
    for name in ("importance", "dimension", "w1", "w2", "teacher_w1", "teacher_w2"):
        xr.testing.assert_identical(
            merged[name].reset_coords(drop=True), reference[name].reset_coords(drop=True)
        )
    assert np.isnan(merged["teacher_w1"].sel(teacher_width=3, teacher_node=3)).all()


def test_cli_choices_follow_the_analysis():
    # the CLI keeps its own copies so that building the parser imports no scipy
    assert cli_topology.RETAINED_CHOICES == pruned.RETAINED_CHOICES
    assert cli_topology.NORMALIZATIONS == paths.NORMALIZATIONS


def test_plot_functions_draw_what_they_promise(study_file):
    from matplotlib.figure import Figure

    from phasetrans.plots.topology import (
        plot_path_curves,
        plot_similarity_matrix,
        plot_strength_histograms,
    )

    ds = read_study(study_file)
    result = topology.compare_topology(ds, n_points=40)
    fig = plot_path_curves(result, teacher_width=4)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    teacher_line = fig.axes[0].lines[-1]
    np.testing.assert_allclose(
        teacher_line.get_ydata(), result.teacher_path_curve.sel(teacher_width=4)
    )
    assert len(fig.axes[0].lines) == 3  # two widths and the teacher
    fig = plot_strength_histograms(ds, width=6, teacher_width=3, training="direct")
    assert len(fig.axes) == 1
    match = topology.match_student(ds, training="spectral", teacher_width=4, width=8, seed=0)
    fig = plot_similarity_matrix(match)
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (4, 4)
    np.testing.assert_allclose(np.diag(image), 1.0)  # matched pairs on the diagonal
    assert "4/4 recovered" in fig.axes[0].get_title()


def test_swept_study_prints_its_table(tmp_path, capsys):
    """Two teacher seeds x two input dimensions (one padded): exit 0, a row per sweep value."""
    path = write_swept_study(tmp_path / "swept.nc")
    out = tmp_path / "figs"
    assert main(["topology", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    header = next(line for line in text.splitlines() if line.startswith("training"))
    assert header.split()[:4] == ["training", "width", "input_dim", "n"]
    spectral = rows(text, "spectral")
    assert len(spectral) == 2 * 2 * 2  # teacher widths x widths x input dims
    assert sorted({row[2] for row in spectral}) == ["4", "6"]
    for row in spectral:
        # 2 teachers x 3 seeds; every teacher node recovered, the same at both input dims
        assert row[3] == "6"
        assert row[22] == row[4] and row[22] in ("3.0", "4.0") and row[24] == "0.0"
    assert "± : standard error of the teacher means (ddof 1)" in text
    assert "(at teacher_seed = 0, input_dim = 6)" in text
    assert (out / "topology-paths-hT=4.png").exists()
