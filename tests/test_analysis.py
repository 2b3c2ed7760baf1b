from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from optverify.seed import specimens
from optverify.symbolic import surfaces
from optverify.symbolic.analysis import analyze, classify, convexity, critical_points
from optverify.symbolic.codegen import derivatives
from optverify.symbolic.expressions import X, Y


def test_seed_has_one_critical_point_the_global_minimum_outside_the_posts_window() -> None:
    seed = surfaces.get("seed")
    analysis = analyze(seed, specimens.PLOT_WINDOW)
    [point] = analysis.critical_points
    assert point.kind == "minimum"
    assert point.method == "symbolic"
    assert point.point == pytest.approx((0.48238, -4.25597), abs=5e-6)
    assert point.value == pytest.approx(-4.96220, abs=5e-6)
    assert not specimens.PLOT_WINDOW.contains(point.point)
    assert analysis.lowest_minimum == point


def test_seed_is_not_convex_on_the_posts_window_and_the_witness_is_exact() -> None:
    seed = surfaces.get("seed")
    report = convexity(seed, specimens.PLOT_WINDOW)
    assert not report.convex
    assert report.exact
    assert report.witness is not None
    assert specimens.PLOT_WINDOW.contains(report.witness)
    _, _, hessian = derivatives(seed.expr)
    wx, wy = (sp.Rational(repr(v)) for v in report.witness)
    exact = sp.Matrix(hessian).subs({X: wx, Y: wy})
    assert min(exact.eigenvals()) < 0
    assert exact.det() < 0  # one negative and one positive eigenvalue
    assert "not convex" in report.summary()


@pytest.mark.parametrize("name", ["bowl", "booth", "matyas"])
def test_convex_quadratics_are_confirmed_convex_exactly(name: str) -> None:
    report = convexity(surfaces.get(name))
    assert report.convex
    assert report.exact
    assert report.witness is None


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("himmelblau", {"minimum": 4, "maximum": 1, "saddle": 4}),
        ("saddle", {"saddle": 1}),
        ("monkey-saddle", {"saddle": 1}),
        ("rosenbrock", {"minimum": 1}),
        ("three-hump-camel", {"minimum": 3, "saddle": 2}),
        ("six-hump-camel", {"minimum": 6, "maximum": 2, "saddle": 7}),
        ("styblinski-tang", {"minimum": 4, "maximum": 1, "saddle": 4}),
    ],
)
def test_critical_points_are_found_and_classified(name: str, kinds: dict[str, int]) -> None:
    points = critical_points(surfaces.get(name))
    counted: dict[str, int] = {}
    for p in points:
        counted[p.kind] = counted.get(p.kind, 0) + 1
    assert counted == kinds


def test_a_zero_hessian_is_settled_by_the_values_around_the_point() -> None:
    kind, eigenvalues, degenerate = classify(surfaces.get("monkey-saddle"), (0.0, 0.0))
    assert (kind, degenerate) == ("saddle", True)
    assert eigenvalues == (0.0, 0.0)
    flat_bottom = surfaces.from_expression("x**4 + y**4")
    assert classify(flat_bottom, (0.0, 0.0))[0] == "minimum"


def test_newton_finds_critical_points_of_non_polynomial_surfaces_in_the_window() -> None:
    rastrigin = surfaces.get("rastrigin")
    points = critical_points(rastrigin, surfaces.Window(-1.2, 1.2, -1.2, 1.2), grid=30)
    assert {p.method for p in points} == {"newton"}
    minima = [p for p in points if p.kind == "minimum"]
    assert min(minima, key=lambda p: p.value).point == pytest.approx((0.0, 0.0), abs=1e-9)
    for p in points:
        assert np.linalg.norm(rastrigin.gradient(np.asarray(p.point))) < 1e-7
