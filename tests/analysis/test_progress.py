"""Progress bars: a widget only where ipywidgets exists, plain text otherwise, never a warning."""

from __future__ import annotations

import importlib.util
import warnings

import tqdm.auto
import tqdm.std

from phasetrans.analysis import progress


def test_plain_tqdm_without_ipywidgets(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ipywidgets" else real(name, *a),
    )
    assert progress.bar_class() is tqdm.std.tqdm


def test_tqdm_auto_with_ipywidgets_and_no_warning(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "ipywidgets" else real(name, *a),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert progress.bar_class() is tqdm.auto.tqdm


def test_shown_by_default_in_jupyter_only(monkeypatch):
    assert not progress.in_jupyter()  # pytest is no Jupyter kernel
    assert progress.wanted(None) is False and progress.wanted(True) is True
    monkeypatch.setattr(progress, "in_jupyter", lambda: True)
    assert progress.wanted(None) is True and progress.wanted(False) is False


def test_a_disabled_bar_writes_nothing(capsys):
    with progress.progress_bar(3, "bootstrap", "resample", False) as bar:
        for _ in range(3):
            bar.update()
    assert capsys.readouterr().err == ""
