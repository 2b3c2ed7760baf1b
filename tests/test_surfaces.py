from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from optverify.errors import InvalidArgument
from optverify.symbolic import surfaces
from optverify.symbolic.codegen import compile_functions
from optverify.symbolic.surfaces import Surface, Window

SURFACES = [surfaces.get(name) for name in surfaces.names()]
IDS = [s.name for s in SURFACES]

EXPECTED_NAMES = {
    "seed",
    "bowl",
    "rosenbrock",
    "beale",
    "himmelblau",
    "booth",
    "matyas",
    "three-hump-camel",
    "six-hump-camel",
    "goldstein-price",
    "mccormick",
    "styblinski-tang",
    "rastrigin",
    "ackley",
    "saddle",
    "monkey-saddle",
}


def test_the_registry_holds_every_surface_the_toolkit_promises() -> None:
    assert set(surfaces.names()) == EXPECTED_NAMES


def points_in(window: Window) -> st.SearchStrategy[tuple[float, float]]:
    return st.tuples(
        st.floats(window.xmin, window.xmax, allow_nan=False),
        st.floats(window.ymin, window.ymax, allow_nan=False),
    )


def _near_nonsmooth_minimum(surface: Surface, point: tuple[float, float]) -> bool:
    return any(not m.smooth and math.dist(m.point, point) < 1e-3 for m in (surface.minima or ()))


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
@given(data=st.data())
def test_symbolic_gradient_matches_central_finite_differences(
    surface: Surface, data: st.DataObject
) -> None:
    point = data.draw(points_in(surface.window))
    assume(not _near_nonsmooth_minimum(surface, point))
    p = np.asarray(point)
    grad = surface.gradient(p)
    h = 1e-6 * (1 + np.abs(p))
    numeric = np.array(
        [
            (surface.value(p + h[i] * e) - surface.value(p - h[i] * e)) / (2 * h[i])
            for i, e in enumerate(np.eye(2))
        ]
    )
    scale = 1 + np.abs(surface.value(p)) + np.linalg.norm(grad)
    assert np.allclose(grad, numeric, rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
@given(data=st.data())
def test_symbolic_hessian_matches_finite_differences_of_the_gradient(
    surface: Surface, data: st.DataObject
) -> None:
    point = data.draw(points_in(surface.window))
    assume(not _near_nonsmooth_minimum(surface, point))
    p = np.asarray(point)
    hess = surface.hessian(p)
    h = 1e-6 * (1 + np.abs(p))
    numeric = np.stack(
        [
            (surface.gradient(p + h[i] * e) - surface.gradient(p - h[i] * e)) / (2 * h[i])
            for i, e in enumerate(np.eye(2))
        ],
        axis=-1,
    )
    scale = 1 + np.linalg.norm(surface.gradient(p)) + np.abs(hess).max()
    assert np.allclose(hess, numeric, rtol=1e-4, atol=1e-5 * scale)
    assert hess[0, 1] == hess[1, 0]


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
@pytest.mark.parametrize("batch", [(), (1,), (7,), (3, 4), (2, 1, 5)])
def test_numeric_functions_accept_any_leading_batch_shape(
    surface: Surface, batch: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(0)
    w = surface.window
    points = np.stack(
        [rng.uniform(w.xmin, w.xmax, batch), rng.uniform(w.ymin, w.ymax, batch)], axis=-1
    )
    value, grad, hess = surface.value(points), surface.gradient(points), surface.hessian(points)
    assert value.shape == batch
    assert grad.shape == (*batch, 2)
    assert hess.shape == (*batch, 2, 2)
    flat = points.reshape(-1, 2)
    for i, p in enumerate(flat):  # the batch equals its members one by one
        assert surface.value(p) == value.reshape(-1)[i]
        assert np.array_equal(surface.gradient(p), grad.reshape(-1, 2)[i])


MINIMA = [(s, m) for s in SURFACES for m in (s.minima or ())]


@pytest.mark.parametrize(
    ("surface", "minimum"), MINIMA, ids=[f"{s.name}-{m.point}" for s, m in MINIMA]
)
def test_every_stated_minimum_is_a_minimum_with_the_stated_value(
    surface: Surface, minimum: surfaces.Minimum
) -> None:
    p = np.asarray(minimum.point)
    value = float(surface.value(p))
    assert value == pytest.approx(minimum.value, rel=1e-12, abs=1e-12)
    if minimum.smooth:
        scale = 1 + np.abs(surface.hessian(p)).max()
        assert np.linalg.norm(surface.gradient(p)) < 1e-9 * scale
        assert np.linalg.eigvalsh(surface.hessian(p)).min() >= -1e-9 * scale
    else:  # a kink: f rises in every direction
        angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        ring = p + 1e-4 * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
        assert np.all(surface.value(ring) > value)


@pytest.mark.parametrize("surface", [s for s in SURFACES if s.minima], ids=lambda s: s.name)
def test_no_point_of_a_fine_grid_lies_below_the_stated_global_minimum(surface: Surface) -> None:
    w = surface.window
    grid = np.stack(
        np.meshgrid(np.linspace(w.xmin, w.xmax, 401), np.linspace(w.ymin, w.ymax, 401)), axis=-1
    )
    assert surface.minimum_value is not None
    assert surface.value(grid).min() >= surface.minimum_value - 1e-9


def test_surfaces_without_a_global_minimum_are_unbounded_below() -> None:
    for name in ("saddle", "monkey-saddle"):
        surface = surfaces.get(name)
        assert surface.minima == ()
        assert (
            surface.value(np.array([0.0, 1e6])) < -1e11
            or surface.value(np.array([-1e6, 0.0])) < -1e11
        )


@pytest.mark.parametrize("surface", SURFACES, ids=IDS)
def test_generated_code_agrees_with_code_derived_at_run_time(surface: Surface) -> None:
    assert not surface.derived_at_run_time, "run `optverify gradients`"
    derived = compile_functions(surface.expr)
    rng = np.random.default_rng(1)
    w = surface.window
    x, y = rng.uniform(w.xmin, w.xmax, 50), rng.uniform(w.ymin, w.ymax, 50)
    generated = surface.functions
    with np.errstate(all="ignore"):
        assert np.array_equal(generated.value(x, y), derived.value(x, y))
        assert np.array_equal(
            np.asarray(generated.gradient(x, y)), np.asarray(derived.gradient(x, y))
        )


def test_seed_coefficients_are_exact_rationals() -> None:
    import sympy as sp

    from optverify.symbolic.expressions import X, Y

    expr = surfaces.get("seed").expr
    assert expr.coeff(X * Y) == sp.Rational(31, 100)
    assert expr.coeff(X, 2).coeff(Y, 2) == sp.Rational(2, 5)
    assert not expr.atoms(sp.Float)


def test_a_user_expression_becomes_a_surface_with_derived_functions() -> None:
    surface = surfaces.from_expression("x**2 + 10*y**2", Window(-1, 1, -2, 2))
    assert surface.derived_at_run_time
    assert np.array_equal(surface.gradient(np.array([1.0, -2.0])), [2.0, -40.0])
    assert np.array_equal(surface.hessian(np.array([0.5, 0.5])), [[2.0, 0.0], [0.0, 20.0]])


def test_a_surface_that_diverges_returns_inf_or_nan_without_warnings() -> None:
    surface = surfaces.get("rosenbrock")
    assert not np.isfinite(surface.value(np.array([1e200, 1e200])))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: surfaces.get("banana"), "surface='banana' is unknown"),
        (lambda: surfaces.resolve("seed", "x**2"), "not both"),
        (lambda: surfaces.from_expression("x.y"), "attribute access"),
        (lambda: surfaces.get("seed").value(np.zeros(3)), "size 2"),
        (lambda: surfaces.get("seed").gradient(1.0), "size 2"),
        (lambda: Window.parse("1:0,0:1"), "xmin < xmax"),
        (lambda: Window.parse("nonsense"), "XMIN:XMAX,YMIN:YMAX"),
        (lambda: Window.parse("0:1,0:inf"), "finite"),
        (lambda: surfaces.register(surfaces.get("seed")), "already registered"),
    ],
    ids=[
        "unknown surface",
        "surface and expr",
        "bad expression",
        "points of size 3",
        "a scalar point",
        "empty window",
        "unreadable window",
        "infinite window",
        "duplicate name",
    ],
)
def test_invalid_arguments_raise_one_clear_line(call: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(")) as info:
        call()  # type: ignore[operator]
    assert "\n" not in str(info.value)
