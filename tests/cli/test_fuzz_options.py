"""Property-based test: any options of the analysis subcommands get an answer, never a traceback.

For ``collapse``, ``fit``, ``plot``, ``info``, ``topology`` and ``transition``
on the packaged sample study, the options are read from each subcommand's own
parser and given values drawn from a hostile pool (numbers out of range, NaN,
inf, words, names of dimensions that exist and do not, repeated and malformed
``NAME=VALUE``). The command must succeed (exit 0) or refuse in exactly one
error line (exit 2); warnings (``phasetrans CMD: warning: ...``), progress
bars and the heartbeat of a long analysis may come before it.
"""

from __future__ import annotations

import argparse
import itertools
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from phasetrans.cli import build_parser
from phasetrans.cli import main as cli
from tests.fuzzing import fuzz_settings

SAMPLE = Path(__file__).resolve().parents[2] / "phasetrans" / "data" / "sample_quick.nc"
COMMANDS = ("collapse", "fit", "plot", "info", "topology", "transition")

WORDS = [
    "0", "1", "-1", "2", "8", "16", "0.5", "1e400", "nan", "inf", "-inf", "x", "",
    "width", "teacher_width", "input_dim", "alpha", "seed", "retained", "spectral", "direct",
    "shift", "ratio", "delta_mse", "teacher_recovered", "dimension", "power", "aic", "below",
    "x_c=0", "nu=inf", "zeta=0", "nu=1,nu=2", "b=1", "=", "alpha=2", "teacher_seed=0",
    "width=16", "width=7", "seed=0", "training=direct", "spectral,direct",
]  # fmt: skip
#: Options whose big values cost time or processes: drawn from a short, safe list.
SAFE = {
    "--bootstrap": ["0", "-1", "x", "1000000000", "nan", "2"],
    "--workers": ["1", "0", "x", "100000"],
}
#: Lines that are not the answer: warnings, progress bars, the heartbeat of a long analysis.
PROGRESS = re.compile(r": warning: |%\||\.\.\. \d+ s$")
_counter = itertools.count()


def _options(command: str) -> list[argparse.Action]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [a for a in sub.choices[command]._actions if a.option_strings and a.dest != "help"]


@st.composite
def command_lines(draw) -> list[str]:
    """``[command, DATA, options...]``: some of the command's options, with drawn values."""
    command = draw(st.sampled_from(COMMANDS))
    argv = [command, str(SAMPLE)]
    actions = _options(command)
    chosen = draw(st.lists(st.sampled_from(actions), max_size=4)) if actions else []
    for action in chosen:
        option = action.option_strings[0]
        if option == "--out":
            continue
        argv.append(option)
        count = action.nargs if isinstance(action.nargs, int) else 1
        pool = SAFE.get(option, WORDS)
        argv += [draw(st.sampled_from(pool)) for _ in range(count)]
    if command in ("collapse", "fit", "transition") and "--bootstrap" not in argv:
        argv += ["--bootstrap", "0"]  # the resamples are the slow part, and tested elsewhere
    return argv


@fuzz_settings(examples=25, seconds=30)
@given(argv=command_lines())
def test_analysis_options_get_an_answer_in_one_line(argv, tmp_path, capsys):
    if argv[0] != "info":
        argv = [*argv, "--out", str(tmp_path / f"out{next(_counter)}")]
    capsys.readouterr()
    try:
        code = cli(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert code in (0, 2), (argv, err)
    if code == 2:
        lines = [
            line
            for line in err.replace("\r", "\n").splitlines()
            if line.strip() and not PROGRESS.search(line)
        ]
        assert len(lines) == 1, (argv, err)
        assert ": error: " in lines[0], (argv, err)
