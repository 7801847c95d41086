"""The house rules on the package's shape, checked on its source (issue 18).

- the layer contract of pyproject.toml holds (`lint-imports`);
- no private name (``_x``) is imported from another module;
- only the top-level lazy API defines a module ``__getattr__``;
- no module is over 400 lines and no function body over 80 lines of code
  (docstrings, comments and blank lines not counted).
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "phasetrans"
MAX_MODULE_LINES = 400
MAX_FUNCTION_CODE_LINES = 80


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> int:
    """Lines of code in a function: its docstring, comments and blank lines not counted."""
    skip: set[int] = set()
    for inner in ast.walk(node):
        body = getattr(inner, "body", None)
        if (
            isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            skip.update(range(body[0].lineno, body[0].end_lineno + 1))
    count = 0
    for number in range(node.lineno, node.end_lineno + 1):
        text = lines[number - 1].strip()
        if number not in skip and text and not text.startswith("#"):
            count += 1
    return count


def test_code_lines_counts_code_only() -> None:
    source = (
        'def f(x):\n    """Doc.\n\n    More.\n    """\n    # comment\n\n    y = x\n    return y\n'
    )
    node = ast.parse(source).body[0]
    assert code_lines(node, source.splitlines()) == 3


def test_no_private_name_imported_across_modules() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level or (node.module or "").startswith("phasetrans"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}")
    assert offenders == []


def test_module_getattr_only_in_the_lazy_top_level_api() -> None:
    found = [
        str(path.relative_to(ROOT))
        for path in _modules()
        for node in _tree(path).body
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
    ]
    assert found == ["phasetrans/__init__.py"]


def test_no_module_over_the_line_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_the_code_line_limit() -> None:
    long = {}
    for path in _modules():
        lines = path.read_text().splitlines()
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if (n := code_lines(node, lines)) > MAX_FUNCTION_CODE_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = n
    assert long == {}


def test_layer_contract_holds() -> None:
    executable = shutil.which("lint-imports")
    if executable is None:
        pytest.fail("lint-imports is missing: install the test extras (pip install -e '.[test]')")
    done = subprocess.run(
        [executable, str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:]
