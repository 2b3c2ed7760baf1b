"""Checks of the functions a post defines: its surfaces, gradients and optimizers.

Runs in the sandbox child, after the post's cells (the functions are the post's own objects).

- A **surface** is a function of two numbers ``f(x, y)``, or of one length-2 array ``loss(w)``,
  that returns one number. Called with SymPy symbols it gives its expression (decimals become
  exact rationals); one that cannot take symbols is noted as sampled numerically.
- A **gradient** returns two numbers. It is paired with a surface by name (``f``/``df``,
  ``loss``/``grad_loss``, ``f``/``grad_f``, ``f``/``gradient``), or else with the surface it
  fits best, and audited term by term (:func:`optverify.symbolic.audit.audit_gradient`).
- An **optimizer** is a function or class named after one (``adam``, ``sgd_momentum``,
  ``RMSpropOptimizer``, ``nesterov_update``) and is verified as that kind through the adapters,
  with its matched rule or dialect (:func:`optverify.verification.verify.verify`).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from optverify.review.findings import Finding
from optverify.review.recording import CELL_PREFIX, unwrap

__all__ = [
    "Definition",
    "GradientFunction",
    "SurfaceFunction",
    "check_gradient",
    "check_optimizer",
    "definitions",
    "find_functions",
    "optimizer_kind",
]

X, Y = sp.symbols("x y", real=True)

_EXTRA_WORDS = {
    "step",
    "update",
    "updater",
    "optimizer",
    "optimiser",
    "opt",
    "optim",
    "rule",
    "fn",
    "func",
    "apply",
    "my",
    "custom",
    "simple",
    "naive",
    "numpy",
    "np",
    "with",
    "gradient",
    "descent",
    "heavy",
    "ball",
    "nag",
    "accelerated",
    "vanilla",
    "plain",
    "basic",
    "the",
    "v1",
    "v2",
}
"""Words an optimizer's name may hold besides its kind (``adam_update``, ``SGDOptimizer``)."""


@dataclass(frozen=True)
class Definition:
    """A top-level function or class the post defines."""

    name: str
    obj: Any
    cell: int


@dataclass(frozen=True)
class SurfaceFunction:
    """A function of the post that is a surface: its expression, if it takes symbols."""

    name: str
    obj: Any
    one_argument: bool
    expr: sp.Expr | None
    reason: str = ""


@dataclass(frozen=True)
class GradientFunction:
    """A function of the post that returns two components."""

    name: str
    obj: Any
    one_argument: bool


def definitions(namespace: dict[str, Any]) -> list[Definition]:
    """The functions and classes the post's cells defined, in definition order."""
    found = []
    for name, value in namespace.items():
        obj = unwrap(value)
        code = getattr(obj, "__code__", None)
        if code is not None and code.co_filename.startswith(CELL_PREFIX):
            cell = int(code.co_filename[len(CELL_PREFIX) : -1])
            found.append(Definition(name, obj, cell))
        elif isinstance(obj, type) and obj.__module__ == "__main__":
            methods = [m for m in vars(obj).values() if hasattr(unwrap(m), "__code__")]
            cells = [
                int(unwrap(m).__code__.co_filename[len(CELL_PREFIX) : -1])
                for m in methods
                if unwrap(m).__code__.co_filename.startswith(CELL_PREFIX)
            ]
            if cells:
                found.append(Definition(name, obj, min(cells)))
    return found


def optimizer_kind(name: str) -> str | None:
    """The optimizer kind a definition's name says it is, if the name is an optimizer's:
    ``adam_update`` and ``RMSpropOptimizer`` are; ``run_adam`` and ``plot_sgd_path`` are
    drivers, not optimizers."""
    from optverify.adapters.resolve import kind_from_name
    from optverify.optim import REGISTRY

    record = kind_from_name(name)
    if record is None:
        return None
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    words = re.sub(r"[^a-z0-9]+", "_", words)
    kinds = set(REGISTRY.names())
    rest = [w for w in words.split("_") if w and w not in kinds and w not in _EXTRA_WORDS]
    return record.name if not rest else None


def _positional(obj: Any) -> int | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    required = [
        p
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(required)


def _symbolic_call(obj: Any, one_argument: bool) -> Any:
    from optverify.budget import time_limit
    from optverify.limits import SYMBOLIC_SECONDS
    from optverify.usercode import call

    with time_limit(SYMBOLIC_SECONDS):
        if one_argument:
            return call("the function", obj, np.array([X, Y], dtype=object))
        return call("the function", obj, X, Y)


def _scalar(value: Any) -> sp.Expr | None:
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None  # a constant is no surface
    if isinstance(value, sp.Expr) and value.free_symbols and value.free_symbols <= {X, Y}:
        return value
    return None


def _pair(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return bool(value.shape == (2,) and value.dtype == object)
    return isinstance(value, tuple | list) and len(value) == 2


def rational(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every float the exact rational its decimal spells (0.3 is 3/10)."""
    floats = {f: sp.Rational(str(f)) for f in expr.atoms(sp.Float)}
    return sp.expand(expr.xreplace(floats)) if floats else expr


def find_functions(
    found: list[Definition],
) -> tuple[list[SurfaceFunction], list[GradientFunction]]:
    """The definitions that are surfaces and those that are gradients (optimizers excluded)."""
    surfaces: list[SurfaceFunction] = []
    gradients: list[GradientFunction] = []
    for d in found:
        if isinstance(d.obj, type) or optimizer_kind(d.name) is not None:
            continue
        count = _positional(d.obj)
        if count not in (1, 2):
            continue
        one = count == 1
        try:
            value = _symbolic_call(d.obj, one)
        except BaseException as error:  # the post's function cannot take symbols
            reason = f"it cannot take symbols ({type(error).__name__}: {str(error)[:80]})"
            if not one and _numeric_scalar(d.obj):
                surfaces.append(SurfaceFunction(d.name, d.obj, one, None, reason))
            continue
        expr = _scalar(value)
        if expr is not None:
            surfaces.append(SurfaceFunction(d.name, d.obj, one, rational(expr)))
        elif _pair(value):
            gradients.append(GradientFunction(d.name, d.obj, one))
    return surfaces, gradients


def _numeric_scalar(obj: Any) -> bool:
    from optverify.usercode import call

    try:
        value = call("the function", obj, 0.3, -0.7)
        return bool(np.ndim(value) == 0 and np.isfinite(float(value)))
    except BaseException:
        return False


_STEMS = re.compile(r"^(d|grad_?|gradient_?|nabla_?)(.*?)(_?(grad|gradient|prime|deriv))?$")


def _stem(name: str) -> str:
    lowered = name.lower()
    match = _STEMS.match(lowered)
    if match and match.group(2):
        return match.group(2)
    return re.sub(r"_?(grad|gradient|prime|deriv)$", "", lowered)


def pair_gradient(gradient: GradientFunction, surfaces: list[SurfaceFunction]) -> list[Any]:
    """The surfaces ``gradient`` may belong to, most likely first: the one its name names
    (``df`` → ``f``, ``grad_loss`` → ``loss``), then the others in definition order."""
    symbolic = [s for s in surfaces if s.expr is not None]
    stem = _stem(gradient.name)
    named = [s for s in symbolic if s.name.lower() == stem]
    if gradient.name.lower() in ("gradient", "grad", "df", "dloss"):
        named = named or symbolic[:1]
    return named + [s for s in symbolic if s not in named]


def hand_gradient(gradient: GradientFunction) -> Callable[[Any, Any], Any]:
    """The gradient as a function of ``x, y`` (a one-argument gradient gets ``[x, y]``)."""
    if not gradient.one_argument:
        return gradient.obj  # type: ignore[no-any-return]

    def of_two(x: Any, y: Any) -> Any:
        if isinstance(x, sp.Basic) or isinstance(y, sp.Basic):
            return gradient.obj(np.array([x, y], dtype=object))
        return gradient.obj(np.array([x, y], dtype=float))

    return of_two


def check_gradient(
    gradient: GradientFunction, surfaces: list[SurfaceFunction], window: Any
) -> tuple[Finding, SurfaceFunction | None]:
    """Audit ``gradient`` against the surface it belongs to; the finding and that surface."""
    from optverify.symbolic.audit import audit_gradient
    from optverify.symbolic.surfaces import from_expression

    candidates = pair_gradient(gradient, surfaces)
    if not candidates:
        return Finding(
            "gradient",
            gradient.name,
            "unchecked",
            "no surface of the post takes symbols, so there is no exact gradient "
            "to compare it with.",
        ), None
    best = None
    for surface_function in candidates:
        surface = from_expression(str(surface_function.expr), window, name=surface_function.name)
        try:
            audit = audit_gradient(surface, hand_gradient(gradient))
        except BaseException as error:
            reason = f"the audit failed: {type(error).__name__}: {str(error)[:100]}"
            return Finding("gradient", gradient.name, "unchecked", reason), surface_function
        wrong = sum(len(c.findings) or (not c.correct) for c in audit.components)
        if best is None or wrong < best[0]:
            best = (wrong, audit, surface_function)
        if audit.correct or (surface_function is candidates[0] and _named(gradient, candidates)):
            break
    assert best is not None
    _, audit, surface_function = best
    if audit.correct:
        summary = (
            f"{gradient.name} is exactly the gradient of {surface_function.name} "
            f"({audit.method} comparison)."
        )
        return Finding("gradient", gradient.name, "holds", summary, audit.to_json()), (
            surface_function
        )
    summary = "; ".join(audit.findings()) or audit.report().splitlines()[0]
    fix = gradient_source(surface_function, gradient)
    finding = Finding(
        "gradient",
        gradient.name,
        "wrong",
        f"{gradient.name} is not the gradient of {surface_function.name}: {summary}",
        {**audit.to_json(), "surface": surface_function.name},
        fix,
    )
    return finding, surface_function


def _named(gradient: GradientFunction, candidates: list[SurfaceFunction]) -> bool:
    return bool(candidates) and candidates[0].name.lower() == _stem(gradient.name)


def gradient_source(surface: SurfaceFunction, gradient: GradientFunction) -> str:
    """The corrected gradient, with the post's name and signature (from the exact one)."""
    assert surface.expr is not None
    dx, dy = (sp.diff(surface.expr, v) for v in (X, Y))
    from sympy.printing.numpy import NumPyPrinter

    printer = NumPyPrinter({"fully_qualified_modules": False})
    ex, ey = printer.doprint(dx), printer.doprint(dy)
    header = f"# the exact gradient of {surface.name}, derived by optverify from its expression"
    if gradient.one_argument:
        return (
            f"{header}\ndef {gradient.name}(w):\n    x, y = w[0], w[1]\n"
            f"    return np.array([{ex}, {ey}])\n"
        )
    return (
        f"{header}\ndef {gradient.name}(x, y):\n    dx = {ex}\n    dy = {ey}\n    return dx, dy\n"
    )


def check_optimizer(definition: Definition, kind: str, profile: str) -> tuple[Finding, Any]:
    """Verify the post's optimizer as ``kind``; the finding and the report (or ``None``)."""
    from optverify.budget import OutOfTime, time_limit
    from optverify.verification.verify import verify

    try:
        with time_limit(120):
            report = verify(definition.obj, kind, profile=profile, label=definition.name)
    except OutOfTime:
        return Finding(
            "optimizer",
            definition.name,
            "unchecked",
            "its verification did not finish within 120 s.",
        ), None
    except BaseException as error:
        first = (str(error).splitlines() or [type(error).__name__])[0][:200]
        return Finding(
            "optimizer",
            definition.name,
            "unchecked",
            f"it could not be verified as {kind}: {first}",
        ), None
    verdict = {"correct": "holds", "variant": "variant"}.get(report.verdict, "wrong")
    evidence = report.to_json()
    evidence["results"] = [r for r in evidence["results"] if r["status"] != "not applicable"]
    summary = f"as {kind}, {report.verdict_sentence()}"
    return Finding("optimizer", definition.name, verdict, summary, evidence), report
