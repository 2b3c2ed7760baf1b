"""Parse user expressions into SymPy without executing code.

The text is parsed by :mod:`ast` and walked node by node; only numbers, the names ``x`` and
``y``, the constants ``pi`` and ``e``, arithmetic operators and the functions in
:data:`FUNCTIONS` are allowed. SymPy never sees the string, so nothing in it can run: the
expression is built from SymPy objects by the walker itself.

Decimal literals become exact rationals (``0.31`` is ``31/100``), so derivatives and audits are
exact.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

import sympy as sp

from optverify.errors import InvalidArgument

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_LENGTH",
    "X",
    "Y",
    "parse_expression",
    "rational_text",
]

X = sp.Symbol("x", real=True)
Y = sp.Symbol("y", real=True)

MAX_LENGTH = 1000
"""Longest expression text accepted, in characters."""

_MAX_NODES = 400
_MAX_DEPTH = 40
_MAX_CONSTANT_LOG10 = 300.0

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
}
"""Functions an expression may call, each with one argument."""

CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "e": sp.E}

_NAMES: dict[str, sp.Expr] = {"x": X, "y": Y, **CONSTANTS}

_BINARY: dict[type[ast.operator], Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}

_ALLOWED = "numbers, x, y, pi, e, + - * / **, parentheses and " + ", ".join(FUNCTIONS)


def _reject(text: str, why: str) -> InvalidArgument:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return InvalidArgument(f"expression {shown!r} is invalid: {why} (allowed: {_ALLOWED}).")


def parse_expression(text: str) -> sp.Expr:
    """Return the SymPy expression in ``x`` and ``y`` that ``text`` spells.

    Args:
      text: a Python-syntax arithmetic expression such as ``"x**2 + 10*y**2"``.

    Raises:
      InvalidArgument: the text is too long, is not an expression, or uses anything outside
        the allowed grammar (attributes, subscripts, lambdas, keywords, unknown names or
        functions, constants that overflow float64, a non-finite result).
    """
    if not isinstance(text, str):
        raise InvalidArgument(f"expression={text!r} is invalid: it must be a string.")
    if len(text) > MAX_LENGTH:
        raise _reject(text, f"it is {len(text)} characters long, the limit is {MAX_LENGTH}")
    if not text.strip():
        raise _reject(text, "it is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise _reject(text, f"it is not valid syntax ({error.msg})") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > _MAX_NODES:
        raise _reject(text, f"it has {nodes} syntax nodes, the limit is {_MAX_NODES}")
    expr = _Builder(text).build(tree.body, depth=0)
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise _reject(text, "it is not finite (division by zero?)")
    return sp.sympify(expr)


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > _MAX_DEPTH:
            raise _reject(self.text, f"it nests deeper than {_MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id in _NAMES:
                return _NAMES[node.id]
            if node.id.startswith("__"):
                raise _reject(self.text, f"dunder name {node.id!r} is not allowed")
            raise _reject(self.text, f"unknown name {node.id!r}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.build(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op is ast.BitXor:
                raise _reject(self.text, "'^' is not a power in Python syntax, write '**'")
            if op not in _BINARY:
                raise _reject(self.text, f"operator {op.__name__} is not allowed")
            left = self.build(node.left, depth + 1)
            right = self.build(node.right, depth + 1)
            if op is ast.Pow:
                self.check_power(left, right)
            return _BINARY[op](left, right)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise _reject(self.text, self.describe(node))

    def constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _reject(self.text, f"constant {value!r} is not a real number")
        if isinstance(value, int):
            if abs(value) > 10**_MAX_CONSTANT_LOG10:
                raise _reject(self.text, "an integer constant overflows float64")
            return sp.Integer(value)
        if not math.isfinite(value):
            raise _reject(self.text, f"constant {value!r} overflows float64")
        literal = ast.get_source_segment(self.text.strip(), node) or repr(value)
        return sp.Rational(literal.replace("_", ""))

    def check_power(self, base: sp.Expr, exponent: sp.Expr) -> None:
        if not exponent.is_number:
            return
        size = abs(float(exponent))
        if size > 100:
            raise _reject(self.text, f"exponent {exponent} is larger than 100 in magnitude")
        if base.is_number and base != 0:
            magnitude = abs(float(sp.log(sp.Abs(base), 10))) if base.is_finite else math.inf
            if magnitude * size > _MAX_CONSTANT_LOG10:
                raise _reject(self.text, "a constant power overflows float64")

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise _reject(self.text, self.describe(node.func))
        name = node.func.id
        if name not in FUNCTIONS:
            if name.startswith("__"):
                raise _reject(self.text, f"dunder name {name!r} is not allowed")
            raise _reject(self.text, f"unknown function {name!r}")
        if node.keywords:
            raise _reject(self.text, f"{name}() takes no keyword arguments")
        if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise _reject(self.text, f"{name}() takes exactly one argument")
        return FUNCTIONS[name](self.build(node.args[0], depth + 1))

    @staticmethod
    def describe(node: ast.AST) -> str:
        phrases: dict[type[ast.AST], str] = {
            ast.Attribute: "attribute access is not allowed",
            ast.Subscript: "subscripts are not allowed",
            ast.Lambda: "lambdas are not allowed",
            ast.Compare: "comparisons are not allowed",
            ast.BoolOp: "boolean operators are not allowed",
            ast.IfExp: "conditional expressions are not allowed",
            ast.Tuple: "tuples are not allowed",
            ast.List: "lists are not allowed",
            ast.Dict: "dicts are not allowed",
            ast.Set: "sets are not allowed",
            ast.ListComp: "comprehensions are not allowed",
            ast.GeneratorExp: "comprehensions are not allowed",
            ast.JoinedStr: "f-strings are not allowed",
            ast.NamedExpr: "assignment expressions are not allowed",
            ast.Starred: "starred arguments are not allowed",
        }
        for kind, phrase in phrases.items():
            if isinstance(node, kind):
                return phrase
        return f"{type(node).__name__} is not allowed"


def rational_text(value: sp.Rational) -> str:
    """A rational as a person writes it: ``0.31`` when its decimal expansion ends, else ``1/3``.

    The decimal form is exact (no float rounding), so parsing it gives back the same rational.
    """
    p, q = int(value.p), int(value.q)
    rest = q
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest != 1:
        return f"{p}/{q}"
    with localcontext() as context:
        context.prec = len(str(p)) + len(str(q)) + 10
        return format(Decimal(p) / Decimal(q), "f")
