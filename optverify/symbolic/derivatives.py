"""The gradient and Hessian of an expression, derived with SymPy (never written by hand)."""

from __future__ import annotations

import sympy as sp

from optverify.symbolic.expressions import X, Y

__all__ = ["derivatives", "is_smooth"]


def _undefined_at_kinks(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every Dirac delta (the derivative of a kink such as ``sign(x)``) replaced
    by NaN where its argument is 0 and 0 elsewhere: away from the kink the delta vanishes, at
    the kink the derivative does not exist, and NaN says so."""
    if not expr.has(sp.DiracDelta):
        return expr
    return expr.replace(
        lambda e: isinstance(e, sp.DiracDelta),
        lambda e: sp.Piecewise((sp.nan, sp.Eq(e.args[0], 0)), (0, True)),
    )


def derivatives(expr: sp.Expr) -> tuple[sp.Expr, list[sp.Expr], list[list[sp.Expr]]]:
    """Return ``(f, [f_x, f_y], [[f_xx, f_xy], [f_yx, f_yy]])`` of an expression in x, y.

    Where f has a kink (``abs``), its gradient uses ``sign`` (0 at the kink, a subgradient)
    and its Hessian is NaN at the kink, where it is undefined, and exact elsewhere.
    """
    gradient = [sp.diff(expr, v) for v in (X, Y)]
    hessian = [[_undefined_at_kinks(sp.diff(g, v)) for v in (X, Y)] for g in gradient]
    return expr, gradient, hessian


def is_smooth(expr: sp.Expr) -> bool:
    """Whether f has no kink (no ``abs``): its Hessian is then defined wherever f is."""
    return not expr.has(sp.Abs)
