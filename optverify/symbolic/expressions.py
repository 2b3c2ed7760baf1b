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
    expr, _ = _Builder(text).build(tree.body, depth=0)
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan, sp.I):
        raise _reject(text, "it is not finite and real (division by zero?)")
    return sp.sympify(expr)


Value = float | None
"""A constant subexpression's float value, or ``None`` where the expression depends on x, y."""

_MAX_CONSTANT = 1e300
"""Largest magnitude a constant subexpression may have (float64 overflows near 1.8e308)."""

_NUMERIC: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "abs": abs,
}
"""The float counterpart of each function, to bound constants before SymPy evaluates them."""

_FLOAT_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


class _Builder:
    """Builds the SymPy expression node by node, computing every constant subexpression in
    float64 first: a constant that overflows, is not real or is undefined is refused before
    SymPy sees it (SymPy would otherwise evaluate, say, ``sin(exp(exp(exp(5))))`` to
    astronomically many digits)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def build(self, node: ast.AST, depth: int) -> tuple[sp.Expr, Value]:
        if depth > _MAX_DEPTH:
            raise _reject(self.text, f"it nests deeper than {_MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id in _NAMES:
                value = None if node.id in ("x", "y") else float(sp.N(_NAMES[node.id]))
                return _NAMES[node.id], value
            if node.id.startswith("__"):
                raise _reject(self.text, f"dunder name {node.id!r} is not allowed")
            raise _reject(self.text, f"unknown name {node.id!r}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand, value = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -operand, None if value is None else -value
            return operand, value
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op is ast.BitXor:
                raise _reject(self.text, "'^' is not a power in Python syntax, write '**'")
            if op not in _BINARY:
                raise _reject(self.text, f"operator {op.__name__} is not allowed")
            left, left_value = self.build(node.left, depth + 1)
            right, right_value = self.build(node.right, depth + 1)
            if op is ast.Pow:
                self.check_power(right_value)
            value = None
            if left_value is not None and right_value is not None:
                value = self.bounded(
                    ast.unparse(node), lambda: _FLOAT_BINARY[op](left_value, right_value)
                )
            return _BINARY[op](left, right), value
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise _reject(self.text, self.describe(node))

    def bounded(self, shown: str, compute: Callable[[], Any]) -> float:
        """The float value of a constant subexpression, or a refusal saying what is wrong."""
        try:
            value = compute()
        except ZeroDivisionError:
            raise _reject(self.text, f"the constant {shown} divides by zero") from None
        except OverflowError:
            raise _reject(self.text, f"the constant {shown} overflows float64") from None
        except ValueError:
            raise _reject(self.text, f"the constant {shown} is not a real number") from None
        if isinstance(value, complex):
            raise _reject(self.text, f"the constant {shown} is not a real number")
        number = float(value)
        if not math.isfinite(number) or abs(number) > _MAX_CONSTANT:
            raise _reject(self.text, f"the constant {shown} overflows float64")
        return number

    def constant(self, node: ast.Constant) -> tuple[sp.Expr, Value]:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _reject(self.text, f"constant {value!r} is not a real number")
        if isinstance(value, int):
            if abs(value) > 10**_MAX_CONSTANT_LOG10:
                raise _reject(self.text, "an integer constant overflows float64")
            return sp.Integer(value), float(value)
        if not math.isfinite(value):
            raise _reject(self.text, f"constant {value!r} overflows float64")
        literal = ast.get_source_segment(self.text.strip(), node) or repr(value)
        return sp.Rational(literal.replace("_", "")), float(value)

    def check_power(self, exponent: Value) -> None:
        if exponent is not None and abs(exponent) > 100:
            raise _reject(self.text, f"exponent {exponent:g} is larger than 100 in magnitude")

    def call(self, node: ast.Call, depth: int) -> tuple[sp.Expr, Value]:
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
        argument, value = self.build(node.args[0], depth + 1)
        if value is not None:
            self.bounded(ast.unparse(node), lambda: _NUMERIC[name](value))
        return FUNCTIONS[name](argument), None if value is None else float(_NUMERIC[name](value))

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
