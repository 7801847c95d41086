"""Code rules of the layers from the study to the dataset: sizes and public names.

Backend, runner, config, store, ``names`` and ``errors`` (and the CLI commands
that run a study): no module over 400 lines, no function body over 80 lines
of code (docstrings, comments and blank lines apart), and no private name
(``_x``) imported from another module.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "phasetrans"
MODULES = sorted(
    [
        *PACKAGE.glob("backend/**/*.py"),
        *PACKAGE.glob("runner/*.py"),
        *PACKAGE.glob("config/*.py"),
        *PACKAGE.glob("store/*.py"),
        PACKAGE / "names.py",
        PACKAGE / "errors.py",
        *(PACKAGE / "cli" / f"{name}.py" for name in ("__init__", "status", "run", "combine")),
    ]
)
MAX_MODULE_LINES = 400
MAX_FUNCTION_CODE_LINES = 80


def _ids(paths):
    return [str(p.relative_to(PACKAGE)) for p in paths]


def _code_lines(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of ``node``'s body holding code: no docstring, comment-only or blank line."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            body = body[1:]
    if not body:
        return 0
    first, last = body[0].lineno, max(n.end_lineno or n.lineno for n in body)
    lines: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        kind = token.type
        if kind in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT):
            continue
        if kind in (tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        for line in range(token.start[0], token.end[0] + 1):
            if first <= line <= last:
                lines.add(line)
    return len(lines)


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_modules_and_functions_are_small(path):
    source = path.read_text()
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long = {
        node.name: n
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (n := _code_lines(source, node)) > MAX_FUNCTION_CODE_LINES
    }
    assert long == {}


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_no_private_name_is_imported_from_another_module(path):
    private = [
        f"from {node.module} import {alias.name}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert private == []


def test_the_code_line_count_skips_docstrings_comments_and_blank_lines():
    source = (
        'def f():\n    """Doc.\n\n    More.\n    """\n    # a comment\n\n'
        "    x = (1,\n         2)\n    return x\n"
    )
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    assert _code_lines(source, node) == 3
