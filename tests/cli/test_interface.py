"""One interface across subcommands: ``--training``, ``--out DIR``, one metavar style.

Every subcommand that chooses a training spells it ``--training`` (the
dataset's dimension), every one that writes files takes ``--out DIR`` and
names its files after the options that change them, and every metavar is an
upper-case noun of :data:`phasetrans.cli.options.METAVARS`.
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import pytest

from phasetrans.cli import build_parser, main
from phasetrans.cli.options import METAVARS, file_name
from phasetrans.testing.studies import pruning_study

SAMPLE = Path(__file__).parents[2] / "data" / "sample_quick.nc"
PNG = b"\x89PNG\r\n\x1a\n"
#: Subcommands that choose a training, and those that write files into --out DIR.
CHOOSE_TRAINING = ("collapse", "fit", "topology", "transition")
WRITE_FILES = ("report", "plot", "collapse", "fit", "topology", "transition")
SUBCOMMANDS = next(a for a in build_parser()._actions if a.dest == "command").choices


def _help(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def _options(text: str) -> dict[str, str]:
    """``{option: metavar as shown}`` from the option list of a help text."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"\s{2}(?:-\w, )?(--[\w-]+)((?: \S+)*?)(?:\s{2,}|$)", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def _positionals(text: str) -> list[str]:
    section = text.split("positional arguments:\n")[1].split("\n\n")[0]
    return re.findall(r"^\s{2}(\S+)", section, flags=re.M)


def test_every_subcommand_is_covered():
    assert set(SUBCOMMANDS) == {
        "run", "status", "unlock", "combine", "info", "plot", "collapse", "fit",
        "transition", "topology", "overlaps", "report",
    }  # fmt: skip


@pytest.mark.parametrize("command", CHOOSE_TRAINING)
def test_training_is_named_after_the_dimension(command, capsys):
    options = _options(_help(command, capsys))
    assert options["--training"] in ("NAME", "NAME[,NAME...]")
    assert "--method" not in options  # the old spelling is a hidden alias


@pytest.mark.parametrize("command", WRITE_FILES)
def test_files_go_to_out_dir(command, capsys):
    text = _help(command, capsys)
    options = _options(text)
    assert options["--out"] == "DIR"
    assert "--out-dir" not in options
    assert "out/<DATA file name without .nc>/" in " ".join(text.split())


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_metavars_are_upper_case_nouns_of_one_vocabulary(command, capsys):
    text = _help(command, capsys)
    shown = [m for m in _options(text).values() if m] + _positionals(text)
    assert shown, text
    for metavar in shown:
        nouns = [w for w in re.split(r"[^A-Za-z]+", metavar) if w]
        assert nouns and all(w in METAVARS for w in nouns), (command, metavar)
    # and every option that takes a value has its metavar written by hand
    for action in SUBCOMMANDS[command]._actions:
        shown_in_help = action.help != argparse.SUPPRESS
        if action.option_strings and action.nargs != 0 and shown_in_help:
            assert action.metavar is not None, (command, action.option_strings)


def test_method_is_a_deprecated_alias_of_training(capsys):
    args = build_parser().parse_args(["fit", "x.nc", "--method", "direct"])
    assert args.training == "direct"
    assert "phasetrans fit: warning: --method is deprecated; use --training" in (
        capsys.readouterr().err
    )


@pytest.fixture(scope="module")
def study_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("study") / "synthetic.nc"
    pruning_study(widths=(12, 24, 48), n_seeds=4, noise=0.01).to_netcdf(path)
    return path


def _written(text: str) -> list[Path]:
    return [
        Path(line.removeprefix("wrote ")) for line in text.splitlines() if line.startswith("wrote ")
    ]


def test_fits_with_other_options_write_other_files(study_file, tmp_path, capsys):
    base = ["fit", str(study_file), "--bootstrap", "0", "--out", str(tmp_path)]
    runs = [[], ["--model", "exponential"], ["--training", "direct"], ["--window", "-6", "0"]]
    paths = []
    for extra in runs:
        assert main([*base, *extra]) == 0
        (path,) = _written(capsys.readouterr().out)
        assert path.parent == tmp_path and path.read_bytes()[:8] == PNG
        paths.append(path)
    assert len(set(paths)) == len(runs)
    assert sorted(tmp_path.iterdir()) == sorted(paths)  # nothing overwritten, nothing else
    first = paths[0].read_bytes()
    assert main([*base, "--side", "below"]) == 0  # the default, given: the same figure
    assert _written(capsys.readouterr().out) == [paths[0]]
    assert paths[0].read_bytes() == first


def test_collapses_against_other_controls_write_other_files(study_file, tmp_path, capsys):
    base = ["collapse", str(study_file), "--bootstrap", "0", "--fix", "zeta=0"]
    names = []
    for control in ("shift", "ratio"):
        assert main([*base, "--control", control, "--out", str(tmp_path)]) == 0
        (path,) = _written(capsys.readouterr().out)
        names.append(path.name)
    assert names == [
        "collapse-delta_mse-spectral-width-shift-hT=10-fix_zeta=0-bootstrap=0.png",
        "collapse-delta_mse-spectral-width-ratio-hT=10-fix_zeta=0-bootstrap=0.png",
    ]


def test_plot_writes_where_its_help_says(tmp_path, monkeypatch, capsys):
    data = tmp_path / "renamed.nc"  # the file name, not the study's name, picks the folder
    shutil.copy(SAMPLE, data)
    monkeypatch.chdir(tmp_path)
    assert main(["plot", str(data)]) == 0
    written = _written(capsys.readouterr().out)
    folder = Path("out") / "renamed"
    assert written == [folder / f"plot-{n}-hT=8.png" for n in ("pruning_curves", "dimension",
                                                                "training_loss")]  # fmt: skip
    assert all(p.read_bytes()[:8] == PNG for p in written)


@pytest.mark.parametrize("command", WRITE_FILES)
def test_out_naming_a_file_is_one_line_before_any_work(command, tmp_path, capsys):
    existing = tmp_path / "taken.png"
    existing.write_bytes(b"")
    assert main([command, str(tmp_path / "nope.nc"), "--out", str(existing)]) == 2
    err = capsys.readouterr().err
    assert err == f"phasetrans {command}: error: --out: '{existing}' is a file; use a folder\n"


def test_out_with_a_file_suffix_warns_and_writes_into_that_folder(study_file, tmp_path, capsys):
    folder = tmp_path / "figure.png"
    argv = ["fit", str(study_file), "--bootstrap", "0", "--model", "power", "--out", str(folder)]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "phasetrans fit: warning: --out" in err and "is a folder" in err
    (path,) = _written(out)
    assert folder.is_dir() and path.parent == folder and path.exists()


def test_file_name_rules():
    options = {"window": (-8.0, 6.5), "fix_nu": float("inf"), "seed": None, "corrections": True}
    assert file_name("collapse", ("delta_mse", "a b/c", "hT=8"), options) == (
        "collapse-delta_mse-a_b_c-hT=8-window=-8,6.5-fix_nu=inf-corrections.png"
    )
    assert file_name("transition", ("x", None), {"no_systematics": False}, ".nc") == (
        "transition-x.nc"
    )
