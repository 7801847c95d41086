"""``phasetrans report``: the HTML page, its guarded sections, and a real browser render."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from matplotlib.image import imread

import phasetrans
from phasetrans.cli import main as cli
from phasetrans.cli.report import report_name
from phasetrans.errors import AnalysisInputError
from phasetrans.report import build as report_module
from phasetrans.report import build_report, write_report
from tests.report.pages import png_sizes_and_dpi

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def study_file(tmp_path_factory, tiny_study) -> Path:
    folder = tmp_path_factory.mktemp("report")
    path = tiny_study(folder, training={"spectral": {"epochs": 20}, "direct": {"epochs": 20}})
    assert cli(["run", str(path), "--scheduler", "sync", "--no-progress"]) == 0
    return folder / "data" / "tiny.nc"


@pytest.fixture(scope="module")
def page(study_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    return write_report(phasetrans.open_study(study_file), out, bootstrap=5)


def test_report_has_provenance_claims_and_figures(page, study_file):
    text = page.read_text()
    ds = xr.open_dataset(study_file)
    assert ds.attrs["study_hash"] in text and ds.attrs["torch_version"] in text
    assert "<th>claim</th><th>measured</th><th>value</th><th>verdict</th>" in text
    for claim in ("effective dimension ≈ h_T", "collapse", "jumps when fewer than h_T"):
        assert claim in text
    images = re.findall(r'<img src="data:image/png;base64,', text)
    assert len(images) >= 8
    assert "not available" not in text


def test_a_failing_analysis_is_a_labelled_row_and_an_alert(study_file, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("window holds no point")

    monkeypatch.setattr(report_module, "collapse_study", broken)
    report = build_report(phasetrans.open_study(study_file), bootstrap=0)
    collapse = next(c for c in report.claims if c.kind == "collapse")
    assert collapse.verdict == "not available: window holds no point"
    figure = next(p for p in report.figures if p.title == "Finite-size-scaling collapse")
    assert figure.figure == "not available: window holds no point"
    assert "The claim 'the curves collapse' could not be checked: window holds no point." in (
        report.alerts
    )
    assert (
        "The figure 'Finite-size-scaling collapse' could not be drawn: window holds no point."
        in report.alerts
    )
    page = report.to_html()
    assert "not available: window holds no point" in page and "ValueError" not in page


def test_no_exception_text_reaches_the_page(study_file, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("'training' is not a valid dimension or coordinate")

    monkeypatch.setattr(report_module, "fit_study", broken)
    report = build_report(phasetrans.open_study(study_file), bootstrap=0)
    fit = next(c for c in report.claims if c.kind == "fit")
    assert fit.verdict.startswith("not available: an unexpected failure inside phasetrans")
    page = report.to_html()
    assert "KeyError" not in page and "is not a valid dimension" not in page
    assert re.search(r"\w+Error:", page) is None and "Traceback" not in page
    assert any(a.startswith("The claim 'the transition's shape below h_T' could not be checked")
               for a in report.alerts)  # fmt: skip


def test_swept_study_gets_order_parameter_figures(study_file):
    ds = phasetrans.open_study(study_file).load()
    swept = xr.concat([ds, ds], dim=xr.DataArray([0.5, 5.0], dims="alpha", name="alpha"))
    swept.attrs = ds.attrs
    report = build_report(swept, bootstrap=0)
    figures = {p.title: p.figure for p in report.figures}
    assert not isinstance(figures["Order parameters against alpha"], str)
    assert any("alpha = 0.5" in n for n in report.notes)


def test_report_figures_are_at_least_150_dpi(page):
    sizes = png_sizes_and_dpi(page.read_text())
    assert len(sizes) >= 8
    for width, height, dpi in sizes:
        assert dpi == pytest.approx(150, abs=0.1)
        assert width >= 600 and height >= 300  # the 4-panel figure was 1188 x 288 at 90 dpi


def test_cli_report_shows_progress(study_file, tmp_path, capsys):
    assert cli(["report", str(study_file), "--out", str(tmp_path), "--bootstrap", "2"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "phasetrans report: loading the study"
    assert "phasetrans report: the curves collapse (2 bootstrap resamples)" in err
    assert err[-1].startswith("phasetrans report: drawing ") and err[-1].endswith(" at 150 dpi")


def test_cli_report_and_one_line_errors(study_file, tmp_path, capsys):
    assert cli(["report", str(study_file), "--out", str(tmp_path), "--bootstrap", "3"]) == 0
    assert (tmp_path / "report-bootstrap=3.html").exists()
    assert "wrote" in capsys.readouterr().out
    bad = tmp_path / "bad.nc"
    bad.write_text("not netcdf")
    for target in (bad, tmp_path, tmp_path / "missing.nc"):
        assert cli(["report", str(target), "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("phasetrans report: error:")
    for args in (["report"], ["report", str(study_file), "--shipped"]):
        assert cli(args) == 2
        err = capsys.readouterr().err
        assert err == "phasetrans report: error: give either DATA or --shipped\n"


def test_reports_with_other_options_do_not_overwrite_each_other(study_file, tmp_path, capsys):
    base = ["report", str(study_file), "--out", str(tmp_path)]
    assert cli([*base, "--bootstrap", "0"]) == 0
    assert cli([*base, "--bootstrap", "2", "--separate-figures"]) == 0
    wrote = [line.split()[1] for line in capsys.readouterr().out.splitlines()]
    names = ["report-bootstrap=0.html", "report-bootstrap=2-linked.html"]
    assert wrote == [str(tmp_path / n) for n in names]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "report-bootstrap=0.html",
        "report-bootstrap=2-linked-figures",
        "report-bootstrap=2-linked.html",
    ]
    linked = (tmp_path / names[1]).read_text()
    assert 'src="report-bootstrap=2-linked-figures/figure-01.png"' in linked
    defaults = argparse.Namespace(bootstrap=100, seed=0, separate_figures=False)
    assert report_name(defaults) == "report.html"  # and --shipped writes report.html


def test_write_report_refuses_a_name_with_a_folder(study_file, tmp_path):
    ds = phasetrans.open_study(study_file)
    for name in ("sub/report.html", "report.png", ".html"):
        with pytest.raises(AnalysisInputError, match="name="):
            write_report(ds, tmp_path, bootstrap=0, name=name)
    assert list(tmp_path.iterdir()) == []


def test_python_dash_m_phasetrans():
    done = subprocess.run(
        [sys.executable, "-m", "phasetrans", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("phasetrans ")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_chromium(page, tmp_path):
    browser = _chromium()
    if browser is None:
        print("chromium not installed (apt-get install chromium): browser render skipped")
        pytest.skip("chromium is not installed; .ci/run installs Debian's chromium")
    probe = tmp_path / "probe.html"
    script = (
        "<script>window.addEventListener('load', () => {"
        "const all = Array.from(document.images);"
        "const ok = all.filter(i => i.complete && i.naturalWidth > 0);"
        "document.body.setAttribute('data-images', all.length + '/' + ok.length);});</script>"
    )
    probe.write_text(page.read_text().replace("</body>", script + "</body>"))
    common = [browser, *CHROMIUM_FLAGS, "--virtual-time-budget=5000"]
    dom = subprocess.run(
        [*common, f"--user-data-dir={tmp_path / 'profile1'}", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'data-images="(\d+)/(\d+)"', dom.stdout)
    assert found, dom.stderr[-2000:]
    total, loaded = map(int, found.groups())
    assert total >= 8 and loaded == total
    shot = tmp_path / "page.png"
    subprocess.run(
        [
            *common,
            f"--user-data-dir={tmp_path / 'profile2'}",
            "--window-size=1250,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    image = imread(shot)
    assert image.shape[0] >= 2000
    assert np.std(image[..., :3]) > 0.05  # not a blank page
