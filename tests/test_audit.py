from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp

from optverify.errors import InvalidArgument
from optverify.seed import specimens
from optverify.symbolic import surfaces
from optverify.symbolic.audit import audit_gradient, format_term
from optverify.symbolic.codegen import function_source

SEED = surfaces.get("seed")


def test_the_posts_df_has_exactly_the_three_wrong_terms() -> None:
    audit = audit_gradient(SEED, specimens.df)
    assert audit.method == "symbolic"
    assert not audit.correct
    dx, dy = audit.components
    found = {
        (c.component, f.kind, format_term(f.written), format_term(f.expected))
        for c in (dx, dy)
        for f in c.findings
    }
    assert found == {
        ("x", "wrong term", "0.6*y", "0.6*x*y"),
        ("x", "wrong term", "-0.5*y", "-0.25*y**2"),
        ("y", "wrong coefficient", "0.6*x**2", "0.3*x**2"),
    }
    assert audit.findings() == [
        "d/dx: 0.6*y where the derivative has 0.6*x*y (from d/dx of 0.3*x**2*y)",
        "d/dx: -0.5*y where the derivative has -0.25*y**2 (from d/dx of -0.25*x*y**2)",
        "d/dy: 0.6*x**2 where the derivative has 0.3*x**2 (from d/dy of 0.3*x**2*y)",
    ]


def test_the_difference_is_exact_and_parses_back_in_sympy() -> None:
    audit = audit_gradient(SEED, specimens.df)
    data = audit.to_json()
    x, y = sp.symbols("x y")
    dx = sp.sympify(data["components"][0]["difference"])
    dy = sp.sympify(data["components"][1]["difference"])
    assert sp.expand(dx - (sp.Rational(1, 10) * y - sp.Rational(3, 5) * x * y + y**2 / 4)) == 0
    assert sp.expand(dy - sp.Rational(3, 10) * x**2) == 0


def _generated_df(surface: surfaces.Surface) -> Callable[[Any, Any], Any]:
    namespace: dict[str, Any] = {"np": np}
    exec(function_source(surface.expr, annotate=False), namespace)
    return namespace["df"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", surfaces.names())
def test_generated_gradients_pass_the_audit(name: str) -> None:
    surface = surfaces.get(name)
    audit = audit_gradient(surface, _generated_df(surface), max_examples=30)
    assert audit.correct, audit.report()


def correct_seed_df(x: Any, y: Any) -> tuple[Any, Any]:
    dx = 0.8 * x * y**2 + 0.6 * x * y + 0.6 * x - 0.25 * y**2 + 0.31 * y - 0.2
    dy = 0.8 * x**2 * y + 0.3 * x**2 + 0.6 * y - 0.5 * x * y + 0.31 * x + 2.1
    return dx, dy


def dropped_term(x: Any, y: Any) -> tuple[Any, Any]:
    dx = 0.8 * x * y**2 + 0.6 * x * y + 0.6 * x - 0.25 * y**2 + 0.31 * y - 0.2
    dy = 0.8 * x**2 * y + 0.3 * x**2 + 0.6 * y - 0.5 * x * y + 2.1
    return dx, dy


def flipped_sign(x: Any, y: Any) -> tuple[Any, Any]:
    dx = 0.8 * x * y**2 + 0.6 * x * y + 0.6 * x + 0.25 * y**2 + 0.31 * y - 0.2
    dy = 0.8 * x**2 * y + 0.3 * x**2 + 0.6 * y - 0.5 * x * y + 0.31 * x + 2.1
    return dx, dy


def wrong_coefficient(x: Any, y: Any) -> tuple[Any, Any]:
    dx = 0.8 * x * y**2 + 0.6 * x * y + 0.6 * x - 0.25 * y**2 + 0.31 * y - 0.2
    dy = 0.4 * x**2 * y + 0.3 * x**2 + 0.6 * y - 0.5 * x * y + 0.31 * x + 2.1
    return dx, dy


def swapped_components(x: Any, y: Any) -> tuple[Any, Any]:
    dx, dy = correct_seed_df(x, y)
    return dy, dx


def extra_term(x: Any, y: Any) -> tuple[Any, Any]:
    dx, dy = correct_seed_df(x, y)
    return dx + 0.1 * x**3, dy


def numpy_with_a_bug(x: Any, y: Any) -> tuple[Any, Any]:
    dx = 0.8 * x * np.square(y) + 0.6 * x * y + 0.6 * x - 0.25 * np.square(y) + 0.31 * y - 0.2
    dy = 0.8 * np.square(x) * y + 0.3 * np.square(x) + 0.6 * y - 0.5 * x * y + 0.31 * x + 2.1
    return dx, dy + (0.05 if x > 1.5 else 0.0)


def numpy_and_correct(x: Any, y: Any) -> tuple[Any, Any]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    dx = 0.8 * x * np.square(y) + 0.6 * x * y + 0.6 * x - 0.25 * np.square(y) + 0.31 * y - 0.2
    dy = 0.8 * np.square(x) * y + 0.3 * np.square(x) + 0.6 * y - 0.5 * x * y + 0.31 * x + 2.1
    return dx, dy


def written_in_pieces(x: Any, y: Any) -> tuple[Any, Any]:
    # 0.3*y + 0.01*y == 0.31*y: splitting a term is not a mistake.
    dx = 0.8 * x * y**2 + 0.6 * x * y + 0.6 * x - 0.25 * y**2 + 0.3 * y + 0.01 * y - 0.2
    dy = 0.8 * x**2 * y + 0.3 * x**2 + 0.6 * y - 0.5 * x * y + 0.31 * x + 2.1
    return dx, dy


@pytest.mark.parametrize(
    ("hand", "method", "expected"),
    [
        (correct_seed_df, "symbolic", set()),
        (written_in_pieces, "symbolic", set()),
        (dropped_term, "symbolic", {("y", "missing", "0", "0.31*x")}),
        (flipped_sign, "symbolic", {("x", "wrong coefficient", "0.25*y**2", "-0.25*y**2")}),
        (wrong_coefficient, "symbolic", {("y", "wrong coefficient", "0.4*x**2*y", "0.8*x**2*y")}),
        (extra_term, "symbolic", {("x", "extra", "0.1*x**3", "0")}),
        (swapped_components, "symbolic", {"swapped"}),
        (numpy_and_correct, "numeric", set()),
        (numpy_with_a_bug, "numeric", {"numeric"}),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_the_audit_catches_each_broken_gradient(
    hand: Callable[[Any, Any], Any], method: str, expected: set[Any]
) -> None:
    audit = audit_gradient(SEED, hand, max_examples=200)
    assert audit.method == method
    assert audit.correct == (not expected), audit.report()
    if method == "symbolic" and "swapped" not in expected:
        found = {
            (c.component, f.kind, format_term(f.written), format_term(f.expected))
            for c in audit.components
            for f in c.findings
        }
        assert found == expected
    if "swapped" in expected:
        assert audit.swapped
        assert "swapped" in audit.report()


def test_the_numeric_fallback_reports_the_worst_point_and_its_error() -> None:
    audit = audit_gradient(SEED, numpy_with_a_bug, max_examples=200)
    assert audit.numeric is not None
    assert "truth value" in audit.numeric.reason or "ufunc" in audit.numeric.reason
    assert audit.numeric.worst_point[0] > 1.5
    written, expected = audit.numeric.written_at_worst, audit.numeric.expected_at_worst
    assert written is not None
    assert math.isclose(written[1] - expected[1], 0.05, rel_tol=1e-6)


def test_a_gradient_that_raises_at_some_point_is_wrong() -> None:
    def fragile(x: Any, y: Any) -> tuple[Any, Any]:
        if x > 2:
            raise ZeroDivisionError("boom")
        return correct_seed_df(x, y)

    audit = audit_gradient(SEED, fragile, max_examples=200)
    assert not audit.correct
    assert audit.numeric is not None
    assert audit.numeric.error == "ZeroDivisionError: boom"


@pytest.mark.parametrize(
    ("hand", "message"),
    [
        (lambda x, y: x, "it must return two"),
        (lambda x, y: (x, y, x), "3 or more components"),
        ("not callable", "must be callable"),
    ],
    ids=["one component", "three components", "not callable"],
)
def test_gradients_of_the_wrong_shape_are_invalid_arguments(hand: Any, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        audit_gradient(SEED, hand)


X_DATA = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
Y_DATA = np.array([1.1, 2.9, 5.2, 6.8, 9.1])
LINE_FIT = surfaces.from_expression(
    "(x*0 + y - 1.1)**2/5 + (x + y - 2.9)**2/5 + (2*x + y - 5.2)**2/5 + (3*x + y - 6.8)**2/5"
    " + (4*x + y - 9.1)**2/5"
)


def _line_fit_gradient(slip: float) -> Callable[[Any, Any], tuple[Any, Any]]:
    def gradient(x: Any, y: Any) -> tuple[Any, Any]:
        residual = x * X_DATA + y - Y_DATA
        return 2 * np.mean(residual * X_DATA), 2 * np.mean(residual) + slip

    return gradient


@pytest.mark.parametrize(
    ("slip", "correct"),
    [(0.0, True), (1e-3, False), (1e-9, False)],
    ids=["float arithmetic on the data", "a slip of 1e-3", "a slip of 1e-9"],
)
def test_constants_computed_in_floating_point_are_not_wrong_terms_but_slips_are(
    slip: float, correct: bool
) -> None:
    # 2*mean(residual) of these data is -10.040000000000001 in floating point: that is -10.04
    assert audit_gradient(LINE_FIT, _line_fit_gradient(slip)).correct is correct
