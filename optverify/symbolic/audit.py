"""Audit a hand-written gradient against the one derived from the surface's expression.

:func:`audit_gradient` first calls the hand-written function with SymPy symbols. Where that
works the comparison is exact: floats become the simplest rationals that round to them
(``0.31`` is ``31/100``, the float ``1/3`` is ``1/3``),
each component is compared with the symbolic derivative, and a wrong component is explained
term by term, using the terms as they are written in the hand-written code (SymPy's automatic
simplification is switched off while the function runs, so ``0.6*y - 0.5*y`` stays two terms).

Where the function cannot take symbols (it calls NumPy functions, branches on values, ...), the
audit falls back to comparing numbers at points Hypothesis draws from the surface's window,
steering towards the largest error, and reports the worst point.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from optverify.budget import OutOfTime, time_limit
from optverify.errors import InvalidArgument, UserCodeError
from optverify.limits import SYMBOLIC_SECONDS, USER_CODE_SECONDS
from optverify.symbolic.derivatives import derivatives
from optverify.symbolic.expressions import X, Y, rational_text
from optverify.symbolic.surfaces import Surface, as_surface
from optverify.usercode import call

__all__ = [
    "ComponentAudit",
    "GradientAudit",
    "NumericAudit",
    "TermFinding",
    "audit_gradient",
    "format_term",
]

HandGradient = Callable[[Any, Any], Any]

_COMPONENTS = ("x", "y")
RELATIVE_TOLERANCE = 1e-6


class TermFinding(NamedTuple):
    """One wrong term of a component.

    ``kind`` is ``"wrong term"`` (a written term where the derivative has a different one),
    ``"wrong coefficient"`` (the right monomial with the wrong coefficient), ``"missing"`` or
    ``"extra"``. ``written`` and ``expected`` are exact SymPy terms; ``origin`` is the term of
    f whose derivative gives ``expected``.
    """

    kind: str
    written: sp.Expr | None
    expected: sp.Expr | None
    origin: sp.Expr | None

    def sentence(self, component: str) -> str:
        """The finding in words, e.g. ``0.6*y where the derivative has 0.6*x*y``."""
        origin = f" (from d/d{component} of {format_term(self.origin)})" if self.origin else ""
        if self.kind == "missing":
            return f"missing {format_term(self.expected)}{origin}"
        if self.kind == "extra":
            return f"extra {format_term(self.written)}, which the derivative does not have"
        return (
            f"{format_term(self.written)} where the derivative has "
            f"{format_term(self.expected)}{origin}"
        )


class ComponentAudit(NamedTuple):
    """The exact audit of one component, df/dx (``"x"``) or df/dy (``"y"``)."""

    component: str
    correct: bool
    written: sp.Expr
    expected: sp.Expr
    difference: sp.Expr
    findings: tuple[TermFinding, ...]


class NumericAudit(NamedTuple):
    """The numeric comparison used when the function cannot be called with symbols."""

    reason: str
    examples: int
    worst_point: tuple[float, float]
    worst_relative_error: float
    written_at_worst: tuple[float, float] | None
    expected_at_worst: tuple[float, float]
    error: str | None


class GradientAudit(NamedTuple):
    """The verdict of :func:`audit_gradient`.

    ``method`` is ``"symbolic"`` (then ``components`` holds the exact audit of each component)
    or ``"numeric"`` (then ``numeric`` holds the worst point found).
    """

    surface: Surface
    method: str
    correct: bool
    components: tuple[ComponentAudit, ...]
    numeric: NumericAudit | None
    swapped: bool

    def findings(self) -> list[str]:
        """Every finding as a sentence prefixed by its component."""
        lines = []
        if self.swapped:
            lines.append("the components are swapped: df/dx and df/dy are each other's")
        for c in self.components:
            lines.extend(f"d/d{c.component}: {f.sentence(c.component)}" for f in c.findings)
        return lines

    def to_markdown(self) -> str:
        """The audit as Markdown: the verdict, then each component written and expected, with
        the wrong terms."""
        verdict = "right" if self.correct else "**wrong**"
        lines = [
            f"**Gradient audit** of f(x, y) = `{self.surface.source}`: {verdict} "
            f"(compared {self.method}ally)",
            "",
        ]
        if self.components:
            lines += ["| component | verdict | written | exact |", "|---|---|---|---|"]
            for c in self.components:
                shown = "right" if c.correct else "**wrong**"
                lines.append(f"| df/d{c.component} | {shown} | `{c.written}` | `{c.expected}` |")
            lines.append("")
        lines += [f"- {finding}" for finding in self.findings()]
        if self.numeric is not None:
            lines.append(f"- symbols could not be used: {self.numeric.reason}")
        return "\n".join(lines).rstrip() + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from optverify.display import markdown_to_html

        return markdown_to_html(self.to_markdown())

    def report(self) -> str:
        """A human-readable report."""
        head = f"Gradient audit on surface {self.surface.name!r}: f(x, y) = {self.surface.source}"
        verdict = "RIGHT" if self.correct else "WRONG"
        lines = [head, f"verdict: {verdict} (compared {self.method}ally)"]
        if self.numeric is not None:
            n = self.numeric
            lines.append(f"  symbols could not be used: {n.reason}")
            lines.append(
                f"  {n.examples} points drawn by Hypothesis from {self.surface.window}; worst at "
                f"(x, y) = ({n.worst_point[0]!r}, {n.worst_point[1]!r}) "
                f"with relative error {n.worst_relative_error:.3g}"
            )
            if n.error:
                lines.append(f"  the function raised there: {n.error}")
            elif n.written_at_worst is not None:
                lines.append(f"  written  {_fmt_pair(n.written_at_worst)}")
                lines.append(f"  expected {_fmt_pair(n.expected_at_worst)}")
        if self.swapped:
            lines.append("  the components are swapped: df/dx and df/dy are each other's")
        for c in self.components:
            mark = "ok" if c.correct else "WRONG"
            lines.append(f"  d/d{c.component}: {mark}")
            if not c.correct:
                lines.append(f"    written:    {format_expression(c.written)}")
                lines.append(f"    derivative: {format_expression(c.expected)}")
                lines.append(f"    difference (written - derivative): {c.difference}")
                lines.extend(f"    - {f.sentence(c.component)}" for f in c.findings)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; expressions are strings SymPy can parse."""
        out: dict[str, Any] = {
            "surface": self.surface.name,
            "expression": self.surface.source,
            "method": self.method,
            "correct": self.correct,
            "swapped": self.swapped,
            "components": [
                {
                    "component": c.component,
                    "correct": c.correct,
                    "written": str(c.written),
                    "expected": str(c.expected),
                    "difference": str(c.difference),
                    "findings": [
                        {
                            "kind": f.kind,
                            "written": None if f.written is None else str(f.written),
                            "expected": None if f.expected is None else str(f.expected),
                            "origin": None if f.origin is None else str(f.origin),
                            "sentence": f.sentence(c.component),
                        }
                        for f in c.findings
                    ],
                }
                for c in self.components
            ],
        }
        if self.numeric is not None:
            out["numeric"] = self.numeric._asdict()
        return out


def _fmt_pair(pair: tuple[float, float]) -> str:
    return f"({pair[0]!r}, {pair[1]!r})"


def format_term(term: sp.Expr | None) -> str:
    """A term as a person writes it: ``0.6*x*y``, ``-0.25*y**2``, ``1/3*x``."""
    if term is None:
        return "0"
    coefficient, monomial = sp.sympify(term).as_coeff_Mul()
    if monomial == 1:
        return _number(coefficient)
    if coefficient == 1:
        return str(monomial)
    if coefficient == -1:
        return f"-{monomial}"
    return f"{_number(coefficient)}*{monomial}"


def _number(value: sp.Expr) -> str:
    if isinstance(value, sp.Rational):
        return rational_text(value)
    return str(value)


def format_expression(expr: sp.Expr) -> str:
    """An expression as a sum of :func:`format_term` terms."""
    terms = [format_term(t) for t in sp.expand(expr).as_ordered_terms()]
    text = " + ".join(terms) if terms else "0"
    return text.replace("+ -", "- ")


ROUNDING_ULPS = 4
"""How far (in units in the last place) a float may be from the simple rational it stands for:
a constant computed in floating point from the post's data (``2*np.mean(r)`` giving
``-10.040000000000001``) is that rational, not a wrong term."""


def _rational(value: float) -> sp.Rational:
    """The simplest rational that rounds to ``value``, give or take :data:`ROUNDING_ULPS`:
    0.31 is 31/100, 1/3 (a float) is 1/3, 0.30000000000000004 is 3/10."""
    spelled = Fraction(repr(value))
    simple = Fraction(value).limit_denominator(10**6)
    close = abs(float(simple) - value) <= ROUNDING_ULPS * math.ulp(value)
    best = simple if close and simple.denominator < spelled.denominator else spelled
    return sp.Rational(best.numerator, best.denominator)


def _rationalize(expr: sp.Expr) -> sp.Expr:
    floats = {f: _rational(float(f)) for f in expr.atoms(sp.Float)}
    return expr.xreplace(floats) if floats else expr


def _evaluate(expr: sp.Basic) -> sp.Expr:
    """Rebuild an expression built under ``evaluate(False)`` with evaluation on."""
    if not expr.args:
        return sp.sympify(expr)
    return expr.func(*(_evaluate(a) for a in expr.args))


def _written_terms(expr: sp.Basic) -> list[sp.Basic]:
    if isinstance(expr, sp.Add):
        return [t for a in expr.args for t in _written_terms(a)]
    return [expr]


def _monomials(expr: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    """``[(monomial, coefficient), ...]`` of an expanded expression."""
    expanded = sp.expand(expr)
    if expanded == 0:
        return []
    out = []
    for term in sp.Add.make_args(expanded):
        coefficient, monomial = term.as_coeff_Mul()
        out.append((monomial, coefficient))
    return out


def _call_symbolically(hand: HandGradient) -> tuple[tuple[sp.Expr, sp.Expr], list[list[Any]]]:
    """Call ``hand`` with symbols; return the exact components and their written terms."""
    try:
        with sp.evaluate(False):
            raw = call("the gradient", hand, X, Y)
        unevaluated = True
    except Exception:
        raw = call("the gradient", hand, X, Y)
        unevaluated = False
    components = two_components(raw)
    exact = []
    written = []
    for component in components:
        if not isinstance(component, sp.Basic):
            component = sp.sympify(component)
        if component.free_symbols - {X, Y}:
            raise TypeError(f"it returned symbols other than x and y: {component.free_symbols}")
        evaluated = _evaluate(component) if unevaluated else component
        exact.append(sp.expand(_rationalize(evaluated)))
        terms = _written_terms(component) if unevaluated else list(sp.Add.make_args(evaluated))
        written.append([_rationalize(_evaluate(t)) for t in terms])
    return (exact[0], exact[1]), written


def two_components(raw: Any) -> tuple[Any, Any]:
    """The two components of what a gradient returned (reading at most three, so that an
    endless iterator is refused rather than consumed)."""
    if isinstance(raw, str | bytes) or raw is None:
        items = None
    else:
        try:
            items = list(itertools.islice(iter(raw), 3))
        except TypeError:
            items = None
    if items is None:
        raise InvalidArgument(
            f"the gradient returned {type(raw).__name__}: it must return two components "
            "(df/dx, df/dy)."
        )
    if len(items) != 2:
        many = "3 or more" if len(items) == 3 else str(len(items))
        raise InvalidArgument(
            f"the gradient returned {many} components: it must return two (df/dx, df/dy)."
        )
    for item in items:
        if isinstance(item, bool | np.bool_) or (
            isinstance(item, np.ndarray) and item.dtype == np.bool_
        ):
            raise InvalidArgument(
                f"the gradient returned {item!r}: a component must be a number, not a boolean."
            )
    return items[0], items[1]


def _origins(surface: Surface, variable: sp.Symbol) -> dict[sp.Expr, sp.Expr]:
    """For each monomial of the derivative, the term of f whose derivative gives it."""
    out: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(surface.expr)):
        for monomial, _ in _monomials(sp.diff(term, variable)):
            out.setdefault(monomial, term)
    return out


def _findings(
    written_terms: Iterable[sp.Expr], expected: sp.Expr, origins: dict[sp.Expr, sp.Expr]
) -> tuple[TermFinding, ...]:
    written = [m for term in written_terms for m in _monomials(term)]
    truth = _monomials(expected)
    for item in list(written):  # terms written exactly right
        if item in truth:
            truth.remove(item)
            written.remove(item)
    findings: list[TermFinding] = []
    shared = dict.fromkeys(m for m, _ in written if m in {t for t, _ in truth})
    for monomial in shared:  # the right monomial, the wrong total coefficient
        mine = [c for m, c in written if m == monomial]
        theirs = [c for m, c in truth if m == monomial]
        written = [(m, c) for m, c in written if m != monomial]
        truth = [(m, c) for m, c in truth if m != monomial]
        if sum(mine) != sum(theirs):
            findings.append(
                TermFinding(
                    "wrong coefficient",
                    sum(mine) * monomial,
                    sum(theirs) * monomial,
                    origins.get(monomial),
                )
            )
    for item in list(written):  # the right coefficient on the wrong monomial
        match = next(((m, c) for m, c in truth if c == item[1]), None)
        if match is not None:
            written.remove(item)
            truth.remove(match)
            findings.append(
                TermFinding(
                    "wrong term", item[1] * item[0], match[1] * match[0], origins.get(match[0])
                )
            )
    if len(written) == len(truth):
        pairs = sorted(written, key=_sign_order), sorted(truth, key=_sign_order)
        findings.extend(
            TermFinding("wrong term", c * m, d * n, origins.get(n))
            for (m, c), (n, d) in zip(*pairs, strict=True)
        )
    else:
        findings.extend(TermFinding("extra", c * m, None, None) for m, c in written)
        findings.extend(TermFinding("missing", None, c * m, origins.get(m)) for m, c in truth)
    return tuple(findings)


def _sign_order(item: tuple[sp.Expr, sp.Expr]) -> tuple[bool, str]:
    return (bool(item[1] < 0), sp.default_sort_key(item[0]).__repr__())


def _is_zero(expr: sp.Expr) -> bool:
    if expr == 0:
        return True
    simplified = sp.simplify(expr)
    return bool(simplified == 0)


def audit_gradient(
    surface: Surface | str,
    hand_gradient: HandGradient,
    *,
    max_examples: int = 300,
) -> GradientAudit:
    """Compare ``hand_gradient(x, y) -> (df/dx, df/dy)`` with the surface's symbolic gradient.

    Args:
      surface: the surface whose gradient the function claims to compute.
      hand_gradient: a function of ``x`` and ``y`` returning the two components, written the
        way tutorials write them (floats or NumPy arrays in, a pair out).
      max_examples: points Hypothesis draws in the numeric fallback.

    Returns:
      A :class:`GradientAudit`; ``.correct`` is the verdict and ``.report()`` explains it.
    """
    surface = as_surface(surface)
    if not callable(hand_gradient):
        raise InvalidArgument(f"hand_gradient={hand_gradient!r} is invalid: it must be callable.")
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise InvalidArgument(f"max_examples={max_examples!r} is invalid: it must be >= 1.")
    _, expected, _ = derivatives(surface.expr)
    try:
        with time_limit(SYMBOLIC_SECONDS):
            return _symbolic_audit(surface, hand_gradient, expected)
    except InvalidArgument:
        raise
    except OutOfTime:
        reason = f"the exact comparison took over {SYMBOLIC_SECONDS:g} s"
    except Exception as error:
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
    try:
        from optverify.symbolic.sampled_audit import sampled_audit

        with time_limit(USER_CODE_SECONDS):
            return sampled_audit(surface, hand_gradient, reason, max_examples)
    except OutOfTime:
        raise UserCodeError(
            f"the gradient did not finish {max_examples} calls within {USER_CODE_SECONDS:g} s."
        ) from None


def _symbolic_audit(
    surface: Surface, hand_gradient: HandGradient, expected: list[sp.Expr]
) -> GradientAudit:
    (written_x, written_y), written_terms = _call_symbolically(hand_gradient)
    components = []
    for name, variable, written, terms, truth in zip(
        _COMPONENTS, (X, Y), (written_x, written_y), written_terms, expected, strict=True
    ):
        difference = sp.expand(written - truth)
        correct = _is_zero(difference)
        findings = () if correct else _findings(terms, truth, _origins(surface, variable))
        components.append(ComponentAudit(name, correct, written, truth, difference, findings))
    swapped = (
        not components[0].correct
        and not components[1].correct
        and _is_zero(written_x - expected[1])
        and _is_zero(written_y - expected[0])
    )
    if swapped:
        components = [c._replace(findings=()) for c in components]
    return GradientAudit(
        surface,
        "symbolic",
        all(c.correct for c in components),
        tuple(components),
        None,
        swapped,
    )
