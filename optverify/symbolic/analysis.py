"""What a surface's derivatives say about it: critical points, their kinds, convexity.

Critical points come from a symbolic solve where SymPy can do one (a polynomial surface:
lex Gröbner bases give univariate polynomials in x and in y whose real roots are isolated
exactly; the pairs where the gradient vanishes are kept), and otherwise from multi-start Newton
iterations on the symbolic gradient and Hessian over a window. Each point is classified by its
Hessian's eigenvalues; a degenerate Hessian (a zero eigenvalue) is settled by looking at f on
a small circle around the point.

Convexity over a window is checked by the smallest Hessian eigenvalue on a grid. A negative one
refutes convexity with a witness point, re-checked exactly in rational arithmetic; a constant
Hessian is decided exactly; otherwise the answer is "no negative curvature on the grid".
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from optverify.budget import OutOfTime, time_limit
from optverify.limits import SYMBOLIC_SECONDS
from optverify.symbolic.derivatives import derivatives, is_smooth
from optverify.symbolic.expressions import X, Y
from optverify.symbolic.surfaces import Array, Surface, Window, as_surface

__all__ = [
    "Analysis",
    "ConvexityReport",
    "CriticalPoint",
    "analyze",
    "classify",
    "convexity",
    "critical_points",
]


class CriticalPoint(NamedTuple):
    """A point where the gradient vanishes, with its kind.

    ``kind`` is ``"minimum"``, ``"maximum"`` or ``"saddle"``; ``degenerate`` says the Hessian
    has a zero eigenvalue so the kind came from the values of f around the point; ``method`` is
    ``"symbolic"`` or ``"newton"``.
    """

    point: tuple[float, float]
    value: float
    kind: str
    eigenvalues: tuple[float, float]
    degenerate: bool
    method: str


class ConvexityReport(NamedTuple):
    """The verdict of :func:`convexity` over ``window``.

    ``convex`` is False when a ``witness`` with a negative Hessian eigenvalue was found (then
    ``exact`` says the eigenvalue was re-checked in exact arithmetic); True with ``exact`` when
    the Hessian is a constant positive semi-definite matrix; True without ``exact`` when no
    negative curvature was seen at any of the ``samples`` grid points.
    """

    convex: bool
    exact: bool
    window: Window
    witness: tuple[float, float] | None
    witness_hessian: tuple[tuple[float, float], tuple[float, float]] | None
    min_eigenvalue: float
    samples: int

    def summary(self) -> str:
        """One sentence for people."""
        if not self.convex:
            assert self.witness is not None
            assert self.witness_hessian is not None
            (a, b), (_, c) = self.witness_hessian
            checked = "" if self.exact else " (in floating point; the exact check ran out of time)"
            return (
                f"not convex on {self.window}: at (x, y) = {_fmt_point(self.witness)} the Hessian "
                f"[[{a:.6g}, {b:.6g}], [{b:.6g}, {c:.6g}]] has eigenvalue "
                f"{self.min_eigenvalue:.6g} < 0{checked}"
            )
        if self.exact:
            return "convex everywhere: the Hessian is a constant positive semi-definite matrix"
        return (
            f"no negative curvature at {self.samples} grid points of {self.window} "
            f"(smallest Hessian eigenvalue {self.min_eigenvalue:.6g})"
        )


class Analysis(NamedTuple):
    """Critical points and convexity of a surface, judged against a window."""

    surface: Surface
    window: Window
    critical_points: list[CriticalPoint]
    convexity: ConvexityReport
    method: str = "symbolic"

    @property
    def smooth(self) -> bool:
        """Whether f has no kinks; where it has (``abs``) the Hessian is undefined, and a
        minimum at a kink is not a critical point."""
        return is_smooth(self.surface.expr)

    @property
    def minima(self) -> list[CriticalPoint]:
        """The critical points that are minima, lowest first."""
        return sorted(
            (c for c in self.critical_points if c.kind == "minimum"), key=lambda c: c.value
        )

    @property
    def lowest_minimum(self) -> CriticalPoint | None:
        """The lowest minimum found, if any."""
        minima = self.minima
        return minima[0] if minima else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (see :func:`optverify.serialize.dumps`)."""
        lowest = self.lowest_minimum
        return {
            "surface": self.surface.name,
            "expression": self.surface.source,
            "window": list(self.window),
            "critical_points": [
                {
                    "point": list(c.point),
                    "value": c.value,
                    "kind": c.kind,
                    "eigenvalues": list(c.eigenvalues),
                    "degenerate": c.degenerate,
                    "method": c.method,
                    "in_window": self.window.contains(c.point),
                }
                for c in self.critical_points
            ],
            "lowest_minimum": None if lowest is None else list(lowest.point),
            "lowest_minimum_in_window": None
            if lowest is None
            else self.window.contains(lowest.point),
            "method": self.method,
            "smooth": self.smooth,
            "convex": self.convexity.convex,
            "convexity": self.convexity.summary(),
            "witness": self.convexity.witness,
        }


def _fmt_point(point: tuple[float, float]) -> str:
    return f"({point[0]:.6g}, {point[1]:.6g})"


def _min_eigenvalue(h: Array) -> Array:
    a, b, c = h[..., 0, 0], h[..., 0, 1], h[..., 1, 1]
    return np.asarray((a + c) / 2 - np.hypot((a - c) / 2, b))


def classify(surface: Surface, point: tuple[float, float]) -> tuple[str, tuple[float, float], bool]:
    """Classify a critical point: ``(kind, eigenvalues, degenerate)``."""
    h = surface.hessian(np.asarray(point))
    if np.all(np.isfinite(h)):
        eigenvalues = np.linalg.eigvalsh(h)
        low, high = float(eigenvalues[0]), float(eigenvalues[1])
    else:  # a kink (abs): the Hessian is undefined here, so the values around decide
        low = high = math.nan
    tol = 1e-9 * max(1.0, abs(low), abs(high)) if math.isfinite(low) else math.inf
    if low > tol:
        return "minimum", (low, high), False
    if high < -tol:
        return "maximum", (low, high), False
    if low < -tol and high > tol:
        return "saddle", (low, high), False
    radius = 1e-2 * max(1.0, math.hypot(*point))
    angles = np.linspace(0.0, 2 * np.pi, 72, endpoint=False)
    ring = np.asarray(point) + radius * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    change = surface.value(ring) - surface.value(np.asarray(point))
    scale = 1e-14 * max(1.0, abs(float(surface.value(np.asarray(point)))))
    if np.all(change > scale):
        kind = "minimum"
    elif np.all(change < -scale):
        kind = "maximum"
    else:
        kind = "saddle"
    return kind, (low, high), True


def _symbolic_candidates(expr: sp.Expr) -> list[tuple[float, float]] | None:
    """All real critical points of a polynomial, or None when SymPy cannot solve it here."""
    if not expr.is_polynomial(X, Y):
        return None
    _, (fx, fy), _ = derivatives(expr)
    if sp.Poly(fx, X, Y).total_degree() > 8 or sp.Poly(fy, X, Y).total_degree() > 8:
        return None
    if fx == 0 and fy == 0:
        return None
    roots: dict[sp.Symbol, list[sp.Expr]] = {}
    for first, last in ((X, Y), (Y, X)):
        basis = sp.groebner([fx, fy], first, last, order="lex")
        if not basis.is_zero_dimensional:
            return None
        univariate = [g for g in basis.exprs if g.free_symbols <= {last}]
        if not univariate:
            return None
        roots[last] = [r.evalf(40) for r in sp.Poly(univariate[-1], last).real_roots()]
    found = []
    for x0 in dict.fromkeys(roots[X]):
        for y0 in dict.fromkeys(roots[Y]):
            residual = abs(fx.subs({X: x0, Y: y0})) + abs(fy.subs({X: x0, Y: y0}))
            if residual < sp.Float(10) ** -25 * (1 + abs(x0) + abs(y0)) ** 8:
                found.append((float(x0), float(y0)))
    return found


def _newton_candidates(
    surface: Surface, window: Window, grid: int, iterations: int = 60
) -> list[tuple[float, float]]:
    xs = np.linspace(window.xmin, window.xmax, grid)
    ys = np.linspace(window.ymin, window.ymax, grid)
    p = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    size = math.hypot(window.xmax - window.xmin, window.ymax - window.ymin)
    for _ in range(iterations):
        g = surface.gradient(p)
        h = surface.hessian(p)
        ok = np.all(np.isfinite(g), axis=-1) & np.all(np.isfinite(h), axis=(-2, -1))
        g = np.where(ok[:, None], g, 0.0)
        h = np.where(ok[:, None, None], h, np.eye(2))
        eigenvalues, vectors = np.linalg.eigh(h)
        scale = np.max(np.abs(eigenvalues), axis=-1, keepdims=True)
        usable = np.abs(eigenvalues) > 1e-12 * (1 + scale)
        inverse = np.divide(1.0, eigenvalues, out=np.zeros_like(eigenvalues), where=usable)
        coords = np.einsum("nji,nj->ni", vectors, g) * inverse
        step = np.einsum("nij,nj->ni", vectors, coords)
        length = np.linalg.norm(step, axis=-1, keepdims=True)
        step = np.where(length > size / 8, step * (size / 8) / np.maximum(length, 1e-300), step)
        p = np.where(ok[:, None], p - step, np.nan)
    g = surface.gradient(p)
    scale = 1 + np.abs(surface.value(p))
    good = np.all(np.isfinite(p), axis=-1) & (np.linalg.norm(g, axis=-1) < 1e-8 * scale)
    margin = 1e-9 * size
    inside = (
        (p[:, 0] >= window.xmin - margin)
        & (p[:, 0] <= window.xmax + margin)
        & (p[:, 1] >= window.ymin - margin)
        & (p[:, 1] <= window.ymax + margin)
    )
    return [(float(a), float(b)) for a, b in p[good & inside]]


def _polish(surface: Surface, point: tuple[float, float]) -> tuple[float, float]:
    p = np.asarray(point, dtype=float)
    for _ in range(5):
        g = surface.gradient(p)
        h = surface.hessian(p)
        if not np.all(np.isfinite(h)) or abs(np.linalg.det(h)) < 1e-14:
            break
        p = p - np.linalg.solve(h, g)
    return float(p[0]), float(p[1])


def _deduplicate(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    kept: list[tuple[float, float]] = []
    for point in sorted(points):
        if all(math.dist(point, other) > tolerance for other in kept):
            kept.append(point)
    return kept


def critical_points(
    surface: Surface, window: Window | None = None, *, grid: int = 40
) -> list[CriticalPoint]:
    """The critical points of ``surface``, sorted by value.

    For a polynomial surface SymPy finds every real critical point in the plane (``window``
    is not used to search, only to judge later). Otherwise Newton's method runs from a
    ``grid`` x ``grid`` lattice of starts over ``window`` (default: the surface's window) and
    the points it converges to inside the window are returned.
    """
    return _critical_points(surface, window or surface.window, grid)[1]


def _critical_points(
    surface: Surface, window: Window, grid: int
) -> tuple[str, list[CriticalPoint]]:
    """(how they were found, the critical points)."""
    method = "newton"
    try:
        with time_limit(SYMBOLIC_SECONDS):
            symbolic = _symbolic_candidates(surface.expr)
    except OutOfTime:
        symbolic = None
        method = f"newton (solving symbolically took over {SYMBOLIC_SECONDS:g} s)"
    if symbolic is not None:
        method, candidates = "symbolic", [_polish(surface, p) for p in symbolic]
    else:
        candidates = _newton_candidates(surface, window, grid)
    size = math.hypot(window.xmax - window.xmin, window.ymax - window.ymin)
    found = []
    for point in _deduplicate(candidates, 1e-6 * size):
        kind, eigenvalues, degenerate = classify(surface, point)
        value = float(surface.value(np.asarray(point)))
        found.append(CriticalPoint(point, value, kind, eigenvalues, degenerate, method))
    return method, sorted(found, key=lambda c: (c.value, c.point))


def _nice_rational(value: float) -> sp.Rational:
    return sp.Rational(f"{value:.3g}")


def convexity(
    surface: Surface, window: Window | None = None, *, grid: int = 201
) -> ConvexityReport:
    """Check whether ``surface`` is convex over ``window`` (default: its own window)."""
    window = window or surface.window
    _, _, hessian = derivatives(surface.expr)
    matrix = sp.Matrix(hessian)
    if not matrix.free_symbols and not matrix.has(sp.nan, sp.Piecewise):
        low = min(float(sp.re(e)) for e in matrix.eigenvals())
        if low >= 0:
            return ConvexityReport(True, True, window, None, None, low, 0)
    xs = np.linspace(window.xmin, window.xmax, grid)
    ys = np.linspace(window.ymin, window.ymax, grid)
    points = np.stack(np.meshgrid(xs, ys), axis=-1)
    lows = _min_eigenvalue(surface.hessian(points))
    lows = np.where(np.isfinite(lows), lows, np.inf)
    index = np.unravel_index(int(np.argmin(lows)), lows.shape)
    low = float(lows[index])
    if low >= -1e-12:
        return ConvexityReport(True, False, window, None, None, low, grid * grid)
    worst = points[index]
    try:
        with time_limit(SYMBOLIC_SECONDS):
            witness, h, exact_low = _exact_witness(matrix, worst)
    except OutOfTime:  # keep the floating-point witness, and say it was not re-checked
        h_float = surface.hessian(worst)
        h = (
            (float(h_float[0, 0]), float(h_float[0, 1])),
            (float(h_float[1, 0]), float(h_float[1, 1])),
        )
        point = (float(worst[0]), float(worst[1]))
        return ConvexityReport(False, False, window, point, h, low, grid * grid)
    return ConvexityReport(False, True, window, witness, h, exact_low, grid * grid)


def _exact_witness(
    matrix: sp.Matrix, worst: Array
) -> tuple[tuple[float, float], tuple[tuple[float, float], tuple[float, float]], float]:
    """A point near ``worst`` with a negative Hessian eigenvalue, re-checked exactly."""
    witness = (_nice_rational(float(worst[0])), _nice_rational(float(worst[1])))
    exact = matrix.subs({X: witness[0], Y: witness[1]})
    exact_low = min(sp.re(e) for e in exact.eigenvals())
    if not exact_low < 0:  # rounding moved the point onto positive curvature: keep the grid point
        witness = (sp.Rational(float(worst[0])), sp.Rational(float(worst[1])))
        exact = matrix.subs({X: witness[0], Y: witness[1]})
        exact_low = min(sp.re(e) for e in exact.eigenvals())
    h = ((float(exact[0, 0]), float(exact[0, 1])), (float(exact[1, 0]), float(exact[1, 1])))
    return (float(witness[0]), float(witness[1])), h, float(exact_low)


def analyze(surface: Surface | str, window: Window | tuple[float, ...] | None = None) -> Analysis:
    """Critical points and convexity of ``surface`` (a Surface or a registered name), judged
    against ``window`` (a Window or ``(xmin, xmax, ymin, ymax)``; default: its own)."""
    surface = as_surface(surface)
    window = Window.coerce(window) if window is not None else surface.window
    method, points = _critical_points(surface, window, 40)
    return Analysis(surface, window, points, convexity(surface, window), method)
