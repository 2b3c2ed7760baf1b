from __future__ import annotations

import pytest
import sympy as sp

from optverify.errors import InvalidArgument
from optverify.symbolic.expressions import MAX_LENGTH, X, Y, parse_expression, rational_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x**2 + 10*y**2", X**2 + 10 * Y**2),
        ("0.31*x*y", sp.Rational(31, 100) * X * Y),
        ("1e-3*x", X / 1000),
        ("-x + +y", -X + Y),
        ("sin(x) * exp(-y) / 2", sp.sin(X) * sp.exp(-Y) / 2),
        ("sqrt(x**2 + y**2)", sp.sqrt(X**2 + Y**2)),
        ("abs(x) + tanh(y) + log(1 + x**2)", sp.Abs(X) + sp.tanh(Y) + sp.log(1 + X**2)),
        ("cos(2*pi*x) + e", sp.cos(2 * sp.pi * X) + sp.E),
        ("2**x", 2**X),
        ("7", sp.Integer(7)),
    ],
)
def test_parses_allowed_expressions_exactly(text: str, expected: sp.Expr) -> None:
    assert sp.simplify(parse_expression(text) - expected) == 0


def test_decimals_become_the_exact_rationals_they_spell() -> None:
    expr = parse_expression("0.1*x + 0.2*x")
    assert expr == sp.Rational(3, 10) * X


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("__import__('os').system('echo hacked')", "attribute access"),
        ("__import__('os')", "dunder name '__import__'"),
        ("x.__class__", "attribute access"),
        ("().__class__.__bases__[0].__subclasses__()", "attribute access"),
        ("(lambda: 1)()", "lambdas"),
        ("x[0]", "subscripts"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("eval('1')", "unknown function 'eval'"),
        ("exec('import os')", "unknown function 'exec'"),
        ("getattr(x, 'y')", "unknown function 'getattr'"),
        ("foo(x)", "unknown function 'foo'"),
        ("z + 1", "unknown name 'z'"),
        ("__builtins__", "dunder name"),
        ("sin(x, y)", "exactly one argument"),
        ("sin(x=1)", "no keyword arguments"),
        ("x if y else 1", "conditional expressions"),
        ("x < y", "comparisons"),
        ("x and y", "boolean operators"),
        ("[x, y]", "lists"),
        ("(x, y)", "tuples"),
        ("f'{x}'", "f-strings"),
        ("'text'", "not a real number"),
        ("True", "not a real number"),
        ("1j*x", "not a real number"),
        ("x ^ 2", "write '**'"),
        ("x // 2", "FloorDiv"),
        ("x % 2", "Mod"),
        ("(y := 2)", "assignment expressions"),
        ("x +", "not valid syntax"),
        ("import os", "not valid syntax"),
        ("", "empty"),
        ("   ", "empty"),
        ("1/0", "divides by zero"),
        ("x**1000", "exponent 1000"),
        ("2**2**2**2**2", "exponent 65536"),
        ("10**99**2", "exponent 9801"),
        ("1e400*x", "overflows float64"),
        ("sin(" * 60 + "x" + ")" * 60, "nests deeper"),
        ("x" + "+x" * 600, "characters long"),
    ],
    ids=lambda value: value[:30] if isinstance(value, str) else None,
)
def test_rejects_everything_outside_the_grammar_with_one_clear_line(text: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_expression(text)
    message = str(info.value)
    assert reason in message
    assert "\n" not in message


def test_overlong_input_is_rejected_before_parsing() -> None:
    with pytest.raises(InvalidArgument, match=f"limit is {MAX_LENGTH}"):
        parse_expression("x" * (MAX_LENGTH + 1))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (sp.Rational(31, 100), "0.31"),
        (sp.Rational(-1, 4), "-0.25"),
        (sp.Rational(21, 10), "2.1"),
        (sp.Rational(1, 3), "1/3"),
        (sp.Integer(5), "5"),
        (sp.Rational(1, 1024), "0.0009765625"),
    ],
)
def test_rational_text_is_exact_and_readable(value: sp.Rational, text: str) -> None:
    assert rational_text(value) == text
    assert sp.Rational(text) == value
