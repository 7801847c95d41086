"""Results reach their figures through a registry: the analysis never imports the plots."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import phasetrans
from phasetrans.analysis import plotting
from phasetrans.errors import PhasetransError

ANALYSIS = Path(phasetrans.__file__).parent / "analysis"


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at the top or inside functions."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_no_analysis_module_imports_the_plots():
    upward = {
        str(path.relative_to(ANALYSIS)): name
        for path in ANALYSIS.rglob("*.py")
        for name in _imports(path)
        if name == "phasetrans.plots" or name.startswith("phasetrans.plots.")
    }
    assert upward == {}


def test_plot_works_after_a_plain_import_of_the_package():
    # a fresh interpreter: the figure module is imported on the first figure only
    code = (
        "import sys, numpy as np, xarray as xr\n"
        "import phasetrans\n"
        "from phasetrans.analysis.scaling import collapse\n"
        "L = np.array([8.0, 16.0, 32.0]); x = np.linspace(-1, 1, 15)\n"
        "y = np.tanh((x[None, :] - 0.1) * L[:, None] ** 0.5)\n"
        "res = collapse(xr.DataArray(y, dims=('L', 'x'), coords={'L': L, 'x': x}), 'L', 'x')\n"
        "assert 'phasetrans.plots' not in sys.modules\n"
        "fig = res.plot()\n"
        "assert 'phasetrans.plots' in sys.modules and len(fig.axes) == 3\n"
        "print(type(fig).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "StudyFigure"


def test_a_result_without_a_figure_says_so_in_one_line():
    class Unplotted:
        pass

    with pytest.raises(PhasetransError, match="no figure registered for Unplotted; import") as info:
        plotting.plot(Unplotted())
    assert "\n" not in str(info.value)


def test_a_subclass_uses_its_parents_figure():
    class Base:
        pass

    class Child(Base):
        pass

    drawn = []
    plotting.register(Base, lambda result, *, ax=None, title=None: drawn.append((result, title)))
    child = Child()
    plotting.plot(child, title="t")
    assert drawn == [(child, "t")]
