"""Property-based test: any study file gets an answer from ``status``, never a traceback.

Study files are generated from the schema (every table and key of
:class:`~phasetrans.config.Study`, plus unknown ones) with hostile values:
wrong types, extremes (0, -1, 2**64, 10**12), NaN and inf, empty and
duplicate lists, odd strings and paths. ``phasetrans status`` must accept the
study (exit 0) or refuse it in exactly one line on stderr (exit 2), within the
per-example deadline.
"""

from __future__ import annotations

import itertools
import json
import math

from hypothesis import given
from hypothesis import strategies as st

from phasetrans.cli import main as cli
from phasetrans.config import Study
from phasetrans.config.training import TrainingSpec
from tests.fuzzing import fuzz_settings

_counter = itertools.count()

SCALARS = st.one_of(
    st.sampled_from([0, 1, 2, -1, 3, 8, 2**63, 2**64, 10**12, 1e-6, 0.5, 1.0, 1e308]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["", "spectral", "direct", "auto", "full", "member", "cpu", "x" * 300]),
    st.text(max_size=12),
)
PATHS = st.sampled_from(
    ["", ".", "..", "/", "data", "out.nc", "notes.txt", "a/b/c.nc", "/nonexistent/x.nc", "~/x.nc"]
)


def _values(key: str) -> st.SearchStrategy:
    """Values for a key: hostile scalars, lists of them (empty, repeated), or small sane ones."""
    lists = st.one_of(
        st.lists(SCALARS, max_size=4),
        st.lists(st.sampled_from([1, 2, 4, 8]), min_size=1, max_size=4),  # duplicates likely
        st.lists(st.integers(0, 64), min_size=1, max_size=3, unique=True),
    )
    strategies = [SCALARS, lists]
    if key in ("output", "name", "description"):
        strategies.append(PATHS)
    return st.one_of(*strategies)


def _table(model: type, depth: int = 0) -> st.SearchStrategy:
    keys = list(model.model_fields)
    if model is Study:
        keys = [k for k in keys if k not in ("source", "base_dir")]
    keys.append("unknown_key")
    sub = {}
    for key in keys:
        annotation = model.model_fields[key].annotation if key in model.model_fields else None
        nested = getattr(annotation, "model_fields", None)
        sub[key] = _table(annotation, depth + 1) if nested and depth < 2 else _values(key)
    return st.dictionaries(st.sampled_from(keys), st.just(None), max_size=len(keys)).flatmap(
        lambda chosen: st.fixed_dictionaries({k: sub[k] for k in chosen})
    )


SANE = {
    "name": "fuzz",
    "teacher": {"widths": [4], "input_dim": 5, "hidden2": 3},
    "data": {"n_train": 20, "n_test": 10},
    "students": {"widths": [4, 8], "seeds": [0, 1]},
}


@st.composite
def studies(draw) -> dict:
    """A study dict: the sane study with some tables or keys replaced by generated ones."""
    study = json.loads(json.dumps(SANE))
    drawn = draw(_table(Study))
    for key, value in drawn.items():
        if isinstance(value, dict) and isinstance(study.get(key), dict) and draw(st.booleans()):
            study[key] = {**study[key], **value}
        else:
            study[key] = value
    if draw(st.booleans()):
        method = draw(st.sampled_from(["spectral", "direct", "group_lasso", "bogus"]))
        study["training"] = {method: draw(_table(TrainingSpec, depth=1))}
    return study


def toml(value: object, top: bool = False) -> str:
    """``value`` as TOML: a document of ``key = value`` lines, or an inline value."""
    if top:
        return "".join(f"{json.dumps(k)} = {toml(v)}\n" for k, v in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


@fuzz_settings(examples=40, seconds=20)
@given(study=studies())
def test_status_answers_every_study_file_in_one_line(study, tmp_path, capsys):
    path = tmp_path / f"study{next(_counter)}.toml"
    try:
        path.write_text(toml(study, top=True))
    except (UnicodeEncodeError, ValueError):  # a lone surrogate: not a file anyone can write
        return
    capsys.readouterr()
    code = cli(["status", str(path)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in (0, 2), err
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("phasetrans status: error: "), err
