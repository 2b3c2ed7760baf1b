"""Notebooks and Python scripts, read into pieces for :func:`optverify.review.sources.parse_post`.

- **notebook**: markdown cells as markdown, code cells as code with IPython magics made
  harmless (``pass  # %matplotlib inline``); ``%%bash``-like cells and raw cells are skipped.
- **python**: one code block per ``# %%`` cell (the whole file without markers), markdown
  cells as markdown; prose and maths also from comments and docstrings.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from optverify.review.pysource import ipython_to_python, try_parse
from optverify.review.sources import Piece, fail, markdown_pieces, plain_pieces

__all__ = ["notebook_pieces", "python_pieces"]


def _reads(text: str) -> dict[str, Any]:
    """``nbformat.reads(text, as_version=4)``, typed (nbformat has no annotations)."""
    import nbformat

    reads = cast("Callable[..., dict[str, Any]]", nbformat.reads)
    return reads(text, as_version=4)


# --- notebooks -------------------------------------------------------------------------------


def notebook_pieces(text: str, path: Path) -> list[Piece]:
    """Markdown cells through the markdown reader, code cells as code (magics made harmless),
    raw cells and cells in another language skipped. Lines count inside each cell."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        fail(path, f"it is not a notebook (JSON error at line {error.lineno})")
    except RecursionError:
        fail(path, "it is not a notebook (its JSON is nested too deeply)")
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        fail(path, "it is not a notebook (its JSON has no nbformat version)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = _reads(text)
        cells = list(notebook["cells"])
        metadata = notebook.get("metadata", {})
    except Exception as error:
        reason = " ".join(str(error).split())[:100] or type(error).__name__
        fail(path, f"it is not a notebook ({reason})")
    language = str(
        metadata.get("kernelspec", {}).get("language")
        or metadata.get("language_info", {}).get("name")
        or "python"
    )
    python = language.lower().startswith(("python", "ipython"))
    pieces = []
    for index, cell in enumerate(cells):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown":
            pieces += markdown_pieces(source, cell=index)
        elif cell.get("cell_type") == "code" and python and source.strip():
            converted = ipython_to_python(source)
            if converted is not None and converted[0].strip():
                pieces.append(Piece(index, 1 + converted[1], "code", converted[0]))
    return pieces


# --- Python scripts --------------------------------------------------------------------------

_MARKER = re.compile(r"#\s*%%(?!%)\s*(?:\[(\w+)\])?")
_RULE = re.compile(r"[\W_]*")
_PRAGMA = re.compile(r"(!|-\*-|noqa|type:|pragma|fmt:|pylint:|ruff:|mypy:)")


def python_pieces(text: str) -> list[Piece]:
    """One cell per ``# %%`` marker (jupytext percent format, VS Code), the whole file
    without markers. The jupytext header is metadata and no cell."""
    lines = text.split("\n")
    start = 0
    if lines[0].startswith("# ---"):
        start = next((i + 1 for i in range(1, len(lines)) if lines[i].startswith("# ---")), 0)
    markers = [(i, m[1]) for i in range(start, len(lines)) if (m := _MARKER.match(lines[i]))]
    bounds = [i for i, _ in markers] + [len(lines)]
    cells = [(kind, i + 1, bounds[n + 1]) for n, (i, kind) in enumerate(markers)]
    if "".join(lines[start : bounds[0]]).strip():
        cells.insert(0, (None, start, bounds[0]))
    pieces = []
    for index, (kind, begin, end) in enumerate(cells):
        if kind in ("markdown", "md"):
            uncommented = [re.sub(r"^# ?", "", line) for line in lines[begin:end]]
            pieces += markdown_pieces("\n".join(uncommented), cell=index, offset=begin)
        elif kind is None:
            pieces += _script_pieces(lines, begin, end, index)
    return pieces


def _script_pieces(lines: list[str], begin: int, end: int, cell: int) -> list[Piece]:
    """The code of lines ``begin:end`` unchanged, and the prose and maths of its comments and
    docstrings."""
    while begin < end and not lines[begin].strip():
        begin += 1
    while end > begin and not lines[end - 1].strip():
        end -= 1
    if begin == end:
        return []
    source = "\n".join(lines[begin:end]) + "\n"
    module = try_parse(source)[0]
    pieces = (
        [] if module is not None and not module.body else [Piece(cell, begin + 1, "code", source)]
    )
    for first, comments in _comment_runs(source):
        texts = ["" if _RULE.fullmatch(c) or _PRAGMA.match(c) else c for c in comments]
        words = [t for t in texts if t.strip()]
        banner = any(len(c.strip()) > 2 and _RULE.fullmatch(c) for c in comments)
        if banner and len(words) == 1 and not words[0].rstrip().endswith("."):
            heading = words[0].strip()  # a one-line banner between rules
            pieces.append(Piece(cell, begin + first + texts.index(words[0]), "heading", heading))
        else:
            pieces += plain_pieces("\n".join(texts), cell, begin + first)
    for body, first in _docstrings(source, module):
        pieces += plain_pieces(body, cell, begin + first)
    return pieces


def _comment_runs(source: str) -> list[tuple[int, list[str]]]:
    """Runs of whole-line comments: (1-based first line, their texts after ``# ``)."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(source).readline)
        found = [
            (t.start[0], t.string)
            for t in tokens
            if t.type == tokenize.COMMENT and not t.line[: t.start[1]].strip()
        ]
    except (tokenize.TokenError, SyntaxError):
        found = [
            (number, line.strip())
            for number, line in enumerate(source.split("\n"), 1)
            if line.lstrip().startswith("#")
        ]
    runs: list[tuple[int, list[str]]] = []
    for number, comment in found:
        text = comment[2:] if comment.startswith("# ") else comment[1:]
        if runs and runs[-1][0] + len(runs[-1][1]) == number:
            runs[-1][1].append(text)
        else:
            runs.append((number, [text]))
    return runs


def _docstrings(source: str, module: ast.Module | None) -> Iterator[tuple[str, int]]:
    """Docstrings and module-level bare strings as written, each with its 1-based first line.

    Outside raw strings a doubled backslash reads as one and every other backslash stays: a
    single-backslash nabla in a plain docstring is LaTeX written carelessly, not a line break.
    """
    if module is None:
        return
    strings = [s.value for s in module.body if isinstance(s, ast.Expr)]
    for node in ast.walk(module):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0]
            strings += [first.value] if isinstance(first, ast.Expr) else []
    for node in strings:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        segment = ast.get_source_segment(source, node) or ""
        opening = re.match(r"([rRuU]?)('''|\"\"\"|'|\")", segment)
        body = node.value
        if opening and segment.endswith(opening[2]):
            inner = segment[len(opening[0]) : len(segment) - len(opening[2])]
            if opening[2] not in re.sub(r"\\.", "", inner, flags=re.S):  # one literal
                body = inner if opening[1] in ("r", "R") else _unescape(inner)
        yield body, node.lineno


def _unescape(text: str) -> str:
    kept = {"\\": "\\", "'": "'", '"': '"', "\n": ""}
    return re.sub(r"\\(.)", lambda m: kept.get(m[1], m[0]), text, flags=re.S)
