"""Telling Python source from prose: what parses, what is real code, IPython made harmless.

Shared by the readers of every post format (:mod:`optverify.review.sources`,
:mod:`optverify.review.notebooks`, :mod:`optverify.review.textposts`) and by the claims finder,
which drops code from prose.
"""

from __future__ import annotations

import ast
import codeop
import re
import warnings

__all__ = ["ipython_to_python", "is_real", "is_trivial", "try_parse"]

_INCOMPLETE_FLAGS: int = getattr(codeop, "PyCF_ALLOW_INCOMPLETE_INPUT", 0x4000) | getattr(
    codeop, "PyCF_DONT_IMPLY_DEDENT", 0x200
)

_REAL_STATEMENTS = (
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AugAssign,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
)
_EFFECTS = (ast.Call, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)


def try_parse(source: str) -> tuple[ast.Module | None, bool]:
    """``(module, False)`` for Python source, ``(None, True)`` when lines are missing at the end
    (an open bracket, a ``def`` line without its body), ``(None, False)`` when it is not Python.

    Warnings are silenced: ``"\\d"`` in a string is still Python, even where warnings are errors.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(source), False
        except (SyntaxError, ValueError):
            pass
        try:
            compile(source, "<post>", "exec", _INCOMPLETE_FLAGS | ast.PyCF_ONLY_AST, True)
        except SyntaxError as error:
            return None, error.msg == "incomplete input"
        except ValueError:
            return None, False
        return None, True


def is_trivial(statement: ast.stmt) -> bool:
    """A statement prose can be mistaken for: ``Adam``, ``0``, ``6/12``, ``Note: this``."""
    if isinstance(statement, ast.AnnAssign):
        return statement.value is None
    return isinstance(statement, ast.Expr) and not any(
        isinstance(node, _EFFECTS) for node in ast.walk(statement)
    )


def is_real(statement: ast.stmt) -> bool:
    """A statement only code has: an import, a definition, an assignment, a loop, a call."""
    if isinstance(statement, ast.Expr):
        return any(isinstance(node, ast.Call) for node in ast.walk(statement))
    return isinstance(statement, _REAL_STATEMENTS) or (
        isinstance(statement, ast.AnnAssign) and statement.value is not None
    )


_NOT_PYTHON_CELLS = frozenset(
    [
        "bash",
        "sh",
        "html",
        "javascript",
        "js",
        "writefile",
        "script",
        "latex",
        "markdown",
        "svg",
        "perl",
        "ruby",
        "system",
    ]
)


def ipython_to_python(source: str) -> tuple[str, int] | None:
    """``(python, lines dropped at the top)`` for an IPython cell, None if it is not Python.

    A cell magic line (``%%time``) is dropped and its body kept, except for magics whose body
    is another language (``%%bash``); line magics and shell escapes become ``pass`` with the
    original as a comment, so line numbers stay put.
    """
    lines = source.split("\n")
    dropped = 0
    if lines[0].startswith("%%"):
        words = lines[0][2:].split()
        if not words or words[0] in _NOT_PYTHON_CELLS:
            return None
        lines, dropped = lines[1:], 1
    python = "\n".join(lines)
    if try_parse(python)[0] is None:
        python = re.sub(r"(?m)^([ \t]*)([%!].*)$", r"\1pass  # \2", python)
    return python, dropped


# --- maths in text ---------------------------------------------------------------------------
