"""What a post's prose says about its surface's convexity and minima, found and checked exactly.

:func:`find_statements` (in :mod:`optverify.review.statements`, re-exported here) finds the
statements; the heuristics and their limits are described there.

:func:`check_statements` checks convexity over the plotted window (exactly for polynomials
where possible, else on a grid), and matches a written point to a critical point within 1.5
units of its last written digit (at least 1e-6) per coordinate; an approximate point may
instead mean the nearest critical point.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from optverify.review.findings import Finding
from optverify.review.statements import Statement, find_statements
from optverify.symbolic.analysis import ConvexityReport, CriticalPoint, classify, convexity
from optverify.symbolic.analysis import critical_points as find_critical_points
from optverify.symbolic.surfaces import Surface, Window

__all__ = ["Statement", "check_statements", "find_statements"]

# --- Checking ------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _pt(point: Any) -> str:
    return f"({float(point[0]):.6g}, {float(point[1]):.6g})"


def _matrix(h: Any) -> str:
    return f"[[{_fmt(h[0][0])}, {_fmt(h[0][1])}], [{_fmt(h[1][0])}, {_fmt(h[1][1])}]]"


_Points = Callable[[], list[CriticalPoint]]
_Reports = Callable[[Window], ConvexityReport]


def _check_convexity(s: Statement, surface: Surface, window: Window, report: _Reports) -> Finding:
    result = report(window)
    if result.convex and not result.exact and s.negated:  # look further before calling it wrong
        x0, x1, y0, y1 = window
        wider = Window(2 * x0 - x1, 2 * x1 - x0, 2 * y0 - y1, 2 * y1 - y0)  # 3 times as wide
        result = next((r for r in map(report, (surface.window, wider)) if not r.convex), result)
    evidence = {"quote": s.quote, "negated": s.negated, "section": s.section, **result._asdict()}
    evidence["window"] = list(result.window)
    verdict = "wrong" if result.convex == s.negated else "holds"
    if not result.convex:
        how = "exact arithmetic" if result.exact else "floating point"
        summary = f"not convex on {result.window}: at {_pt(result.witness)} the Hessian "
        summary += f"{_matrix(result.witness_hessian)} has eigenvalue "
        summary += f"{_fmt(result.min_eigenvalue)} < 0 ({how})"
    elif result.exact:
        h = surface.hessian(np.zeros(2))
        low, high = (float(v) for v in np.linalg.eigvalsh(h))
        evidence |= {"hessian": h.tolist(), "eigenvalues": [low, high]}
        summary = f"convex everywhere: the Hessian is the constant {_matrix(h)}, positive "
        summary += f"semidefinite with eigenvalues {_fmt(low)} and {_fmt(high)} (shown exactly)"
    else:
        summary = f"no negative curvature on {result.window}: the smallest Hessian eigenvalue at "
        summary += f"{result.samples} grid points is {_fmt(result.min_eigenvalue)} (sampled)"
    return Finding("convexity", s.quote, verdict, summary, evidence)


def _tolerances(written: str) -> tuple[float, float]:
    """1.5 units of the last written digit of each coordinate, at least 1e-6."""
    point = r"[.,]" if ";" in written else r"\."
    numbers = re.findall(rf"\d+(?:{point}\d+)?", written)[-2:]
    places = [len(re.split(point, n)[1]) if re.search(point, n) else 0 for n in numbers]
    tx, ty = (max(1.5 * 10.0**-p, 1e-6) for p in places)
    return tx, ty


def _refine(surface: Surface, point: tuple[float, float]) -> tuple[float, float] | None:
    """Newton's method from the written point: a critical point the search may have missed."""
    p = np.asarray(point, dtype=float)
    for _ in range(30):
        g, h = surface.gradient(p), surface.hessian(p)
        if not np.all(np.isfinite(h)) or abs(np.linalg.det(h)) < 1e-14:
            return None
        p = p - np.linalg.solve(h, g)
    scale = 1 + abs(float(surface.value(p)))
    ok = np.all(np.isfinite(p)) and float(np.linalg.norm(surface.gradient(p))) < 1e-8 * scale
    return (float(p[0]), float(p[1])) if ok else None


def _critical(surface: Surface, point: tuple[float, float], method: str) -> CriticalPoint:
    kind, eigenvalues, degenerate = classify(surface, point)
    value = float(surface.value(np.asarray(point)))
    return CriticalPoint(point, value, kind, eigenvalues, degenerate, method)


def _describe(c: CriticalPoint, p: tuple[float, float]) -> dict[str, Any]:
    out = {"point": list(c.point), "kind": c.kind, "value": c.value, "method": c.method}
    return out | {"eigenvalues": list(c.eigenvalues), "distance": math.dist(c.point, p)}


def _check_minimum(s: Statement, surface: Surface, points: _Points) -> Finding:
    assert s.point is not None
    p, known = s.point, list(points())
    g, f_p = surface.gradient(np.asarray(p)), float(surface.value(np.asarray(p)))
    refined = _refine(surface, p)
    if refined is not None and all(math.dist(refined, c.point) > 1e-7 for c in known):
        known.append(_critical(surface, refined, "newton from the written point"))
    flat = not np.all(np.isfinite(g)) or float(np.linalg.norm(g)) < 1e-8 * (1 + abs(f_p))
    if flat and all(math.dist(p, c.point) > 1e-7 for c in known):  # a kink, or exactly critical
        known.append(_critical(surface, p, "classified at the written point"))
    tx, ty = _tolerances(s.written)
    within = [c for c in known if abs(c.point[0] - p[0]) <= tx and abs(c.point[1] - p[1]) <= ty]
    minima = sorted((c for c in known if c.kind == "minimum"), key=lambda c: c.value)
    lowest = minima[0] if minima else None
    nearest = min(known, key=lambda c: math.dist(c.point, p), default=None)
    nearest_min = min(minima, key=lambda c: math.dist(c.point, p), default=None)
    evidence: dict[str, Any] = {"quote": s.quote, "point": list(p), "scope": s.scope}
    evidence |= {"section": s.section, "approximate": s.approximate, "tolerance": [tx, ty]}
    evidence |= {"value_at_point": f_p, "gradient_at_point": [float(v) for v in g]}
    evidence["nearest_critical_point"] = nearest and _describe(nearest, p)
    evidence["global_minimum"] = lowest and _describe(lowest, p)
    evidence["minima"] = [_describe(c, p) for c in minima]

    def is_lowest(c: CriticalPoint) -> bool:
        return lowest is not None and c.value <= lowest.value + 1e-9 * (1 + abs(lowest.value))

    def found(verdict: str, summary: str) -> Finding:
        return Finding("minimum", s.written, verdict, summary, evidence)

    where = lowest and f"; the global minimum is {_pt(lowest.point)}, f = {_fmt(lowest.value)}"
    other = nearest_min and f"; the nearest minimum is {_pt(nearest_min.point)}, " + (
        f"{_fmt(math.dist(nearest_min.point, p))} away, f = {_fmt(nearest_min.value)}"
    )
    match = min(within, key=lambda c: math.dist(c.point, p), default=None)
    if match is None and s.approximate and nearest is not None and nearest.kind == "minimum":
        match = nearest  # "near (x, y)": the nearest critical point is the one meant
    if match is None and nearest_min is None:
        return found("wrong", f"not a minimum: f has no minimum among {len(known)} critical points")
    if match is None:
        summary = f"not a critical point: the gradient at {s.written} is {_pt(g)} and f = "
        return found("wrong", f"{summary}{_fmt(f_p)}{other}{where}")
    evidence["matched_critical_point"] = _describe(match, p)
    eig = f"Hessian eigenvalues {_fmt(match.eigenvalues[0])} and {_fmt(match.eigenvalues[1])}"
    at = f"at {_pt(match.point)}, f = {_fmt(match.value)}"
    if match.kind != "minimum":
        kind = "a saddle point" if match.kind == "saddle" else "a maximum"
        return found("wrong", f"{kind}, not a minimum: {eig} {at}{other or ''}")
    if s.scope == "global" and not is_lowest(match):
        return found("wrong", f"a local minimum, not the global one: {at}{where}")
    several = sum(is_lowest(c) for c in minima) > 1
    kind = f"{'a' if several else 'the'} global minimum" if is_lowest(match) else "a local minimum"
    if match not in within:
        kind += f", the nearest critical point ({_fmt(math.dist(match.point, p))} away)"
    return found("holds", f"{kind}: the gradient vanishes {at}, {eig} ({match.method})")


_STRICTNESS = {"global": 0, "local": 1, "any": 2}


def _distinct(statements: Sequence[Statement]) -> list[Statement]:
    """Each statement once, in order of first appearance: a convexity quote once per polarity,
    a point as written once, with its strictest scope (the finding's subject is the point, so
    two findings for one point would be ambiguous)."""
    chosen: dict[tuple[str, str, bool], Statement] = {}
    for s in statements:
        key = (s.kind, s.quote, s.negated) if s.kind == "convexity" else (s.kind, s.written, False)
        old = chosen.get(key)
        if old is None or _STRICTNESS[s.scope] < _STRICTNESS[old.scope]:
            chosen[key] = s
    return list(chosen.values())


def check_statements(
    statements: Sequence[Statement], surface: Surface, window: Window | None
) -> list[Finding]:
    """One finding per statement, checked on ``surface``: convexity over the plotted ``window``
    (default: the surface's window), minima against the critical points (all of them for a
    polynomial, else those Newton's method finds in the window). Repeated statements give one
    finding; a point stated twice is checked once, with the strictest scope it is given (global,
    then local, then any). A statement whose analysis fails or runs out of time is
    ``unchecked``, with the reason."""
    window = window or surface.window
    points: _Points = functools.cache(lambda: find_critical_points(surface, window))
    report: _Reports = functools.cache(lambda w: convexity(surface, w))
    findings: list[Finding] = []
    for s in _distinct(statements):
        subject = s.quote if s.kind == "convexity" else s.written
        try:
            if s.kind == "convexity":
                finding = _check_convexity(s, surface, window, report)
            else:
                finding = _check_minimum(s, surface, points)
        except Exception as exc:  # the analysis failed or ran out of time: say so, go on
            reason = f"could not be checked: {type(exc).__name__}: {exc}"
            finding = Finding(s.kind, subject, "unchecked", reason, {"quote": s.quote})
        findings.append(finding)
    return findings
