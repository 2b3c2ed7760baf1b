"""Turn a surface's expression into plain NumPy source code, and compile it.

One printer serves both uses: ``optverify gradients`` writes the code of every registered
surface into :mod:`optverify.symbolic.generated` (so that running an optimizer on a registered
surface needs no SymPy), and a surface typed by a user (``--expr``) is compiled from the same
code at run time. The printer is SymPy's :class:`~sympy.printing.numpy.NumPyPrinter` (the one
``lambdify`` uses) after common-subexpression elimination (``lambdify(..., cse=True)``), with
two changes for readability: ``np.`` instead of ``numpy.``, and rationals whose decimal
expansion terminates printed as decimals (``0.8*x`` rather than ``(4/5)*x``).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from optverify.symbolic.expressions import X, Y, rational_text
from optverify.symbolic.surfaces import (
    CODEGEN_VERSION,
    NumericFunctions,
    Surface,
)

__all__ = [
    "GENERATED_PATH",
    "compile_functions",
    "derivatives",
    "function_source",
    "module_source",
]

GENERATED_PATH = Path(__file__).with_name("generated.py")
"""Where ``optverify gradients`` writes the generated module."""


class _Printer(NumPyPrinter):  # type: ignore[misc]
    def _module_format(self, fqn: str, register: bool = True) -> str:
        name: str = super()._module_format(fqn, register)
        return "np." + name[len("numpy.") :] if name.startswith("numpy.") else name

    def _print_Rational(self, expr: sp.Rational) -> str:  # noqa: N802 (SymPy printer API)
        return rational_text(expr)

    def _print_Half(self, expr: sp.Rational) -> str:  # noqa: N802 (SymPy printer API)
        return "0.5"


def derivatives(expr: sp.Expr) -> tuple[sp.Expr, list[sp.Expr], list[list[sp.Expr]]]:
    """Return ``(f, [f_x, f_y], [[f_xx, f_xy], [f_yx, f_yy]])`` of an expression in x, y."""
    gradient = [sp.diff(expr, v) for v in (X, Y)]
    hessian = [[sp.diff(g, v) for v in (X, Y)] for g in gradient]
    return expr, gradient, hessian


_PARENTHESIZED_DECIMAL = re.compile(r"\((\d+\.\d+)\)")


def _print(printer: _Printer, expr: sp.Expr) -> str:
    # The printer wraps rationals in parentheses because p/q is a division; a non-negative
    # decimal literal needs none.
    return _PARENTHESIZED_DECIMAL.sub(r"\1", printer.doprint(expr))


def _body(printer: _Printer, outputs: Sequence[sp.Expr], shape: str) -> list[str]:
    replacements, reduced = sp.cse(list(outputs), symbols=sp.numbered_symbols("t"))
    lines = [f"    {symbol} = {_print(printer, value)}" for symbol, value in replacements]
    printed = [_print(printer, e) for e in reduced]
    if shape == "scalar":
        lines.append(f"    return {printed[0]}")
    elif shape == "vector":
        lines.append("    return (")
        lines.extend(f"        {p}," for p in printed)
        lines.append("    )")
    else:
        xx, xy, _, yy = printed
        lines.append("    return (")
        lines.append(f"        ({xx}, {xy}),")
        lines.append(f"        ({xy}, {yy}),")
        lines.append("    )")
    return lines


def function_source(
    expr: sp.Expr,
    names: tuple[str, str, str] = ("f", "df", "d2f"),
    *,
    annotate: bool = True,
    label: str = "f",
) -> str:
    """Return Python source defining value, gradient and Hessian functions of ``expr``.

    The functions take ``x`` and ``y`` (floats or NumPy arrays of one shape) and return the
    value, the tuple ``(df/dx, df/dy)`` and the nested tuple
    ``((d2f/dx2, d2f/dxdy), (d2f/dydx, d2f/dy2))``.
    """
    printer = _Printer({"fully_qualified_modules": True, "allow_unknown_functions": False})
    value, gradient, hessian = derivatives(expr)
    args = "x: Array, y: Array" if annotate else "x, y"
    returns = (
        (
            " -> Array",
            " -> tuple[Array, Array]",
            " -> tuple[tuple[Array, Array], tuple[Array, Array]]",
        )
        if annotate
        else ("", "", "")
    )
    blocks = []
    docs = (
        f"Value of {label}.",
        f"Gradient of {label}: (df/dx, df/dy).",
        f"Hessian of {label}: ((d2f/dx2, d2f/dxdy), (d2f/dydx, d2f/dy2)).",
    )
    outputs: list[tuple[list[sp.Expr], str]] = [
        ([value], "scalar"),
        (gradient, "vector"),
        ([e for row in hessian for e in row], "matrix"),
    ]
    for name, ret, doc, (exprs, shape) in zip(names, returns, docs, outputs, strict=True):
        lines = [f"def {name}({args}){ret}:", f'    """{doc}"""', *_body(printer, exprs, shape)]
        blocks.append("\n".join(lines))
    return "\n\n\n".join(blocks) + "\n"


def _identifier(name: str) -> str:
    return name.replace("-", "_")


def module_source(surfaces: Iterable[Surface]) -> str:
    """Return the source of :mod:`optverify.symbolic.generated` for ``surfaces``.

    The output depends only on the surfaces' names and expressions, so it is the same bytes on
    every run.
    """
    surfaces = sorted(surfaces, key=lambda s: s.name)
    header = [
        "# GENERATED by `optverify gradients` from the surface registry in",
        "# optverify/symbolic/surfaces.py. Do not edit by hand: change the expression in the",
        "# registry and run `optverify gradients` (CI runs `optverify gradients --check`).",
        f"# Code generator version {CODEGEN_VERSION}, SymPy {sp.__version__.split('.')[0]}.x.",
        '"""Value, gradient and Hessian of every registered surface, as plain NumPy code.',
        "",
        "Each entry of :data:`FUNCTIONS` maps a surface's name to the digest of the expression",
        "it was generated from and its three functions. A surface whose expression no longer",
        "matches its digest is derived again from SymPy at run time.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Callable",
        "from typing import Any",
        "",
        "import numpy as np",
        "",
        "Array = Any  # a float or a NumPy array; every argument of a call has one shape",
        "",
    ]
    blocks = []
    table = []
    for surface in surfaces:
        ident = _identifier(surface.name)
        names = (f"{ident}_value", f"{ident}_gradient", f"{ident}_hessian")
        comment = _wrap_comment(f"{surface.name}: f(x, y) = {surface.source}")
        code = function_source(surface.expr, names, label=f"the {surface.name} surface")
        blocks.append(comment + "\n\n\n" + code)
        table.append(f'    "{surface.name}": ("{surface.digest}", {", ".join(names)}),')
    footer = [
        "Entry = tuple[str, Callable[..., Any], Callable[..., Any], Callable[..., Any]]",
        "",
        "FUNCTIONS: dict[str, Entry] = {",
        *table,
        "}",
    ]
    # np is used by some surfaces only; keep the import meaningful for linters.
    body = "\n\n".join(blocks)
    text = "\n".join(header) + "\n" + body + "\n\n" + "\n".join(footer) + "\n"
    if "np." not in body:
        text = text.replace("import numpy as np\n\n", "")
    return text


def _wrap_comment(text: str, width: int = 96) -> str:
    return "\n".join(textwrap.wrap(text, width, initial_indent="# ", subsequent_indent="#     "))


def compile_functions(expr: sp.Expr) -> NumericFunctions:
    """Compile the value, gradient and Hessian of ``expr`` into NumPy functions.

    The code is the same that :func:`function_source` prints; it is built from a parsed
    expression, never from user text, so executing it runs nothing but arithmetic.
    """
    source = function_source(expr, ("value", "gradient", "hessian"))
    namespace: dict[str, Any] = {"np": np, "Array": Any}
    exec(compile(source, "<optverify surface>", "exec"), namespace)
    return NumericFunctions(namespace["value"], namespace["gradient"], namespace["hessian"])
