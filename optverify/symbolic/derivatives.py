"""The gradient and Hessian of an expression, derived with SymPy (never written by hand)."""

from __future__ import annotations

import sympy as sp

from optverify.symbolic.expressions import X, Y

__all__ = ["derivatives"]


def derivatives(expr: sp.Expr) -> tuple[sp.Expr, list[sp.Expr], list[list[sp.Expr]]]:
    """Return ``(f, [f_x, f_y], [[f_xx, f_xy], [f_yx, f_yy]])`` of an expression in x, y."""
    gradient = [sp.diff(expr, v) for v in (X, Y)]
    hessian = [[sp.diff(g, v) for v in (X, Y)] for g in gradient]
    return expr, gradient, hessian
