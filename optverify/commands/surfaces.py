"""Commands about surfaces: ``surfaces``, ``analyze``, ``audit-gradient``, ``gradients``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from optverify.commands.options import (
    EXIT_OK,
    EXIT_WRONG,
    add_format,
    add_surface_options,
    command,
    console,
    print_json,
    resolve_surface,
    typed,
)
from optverify.errors import InvalidArgument
from optverify.symbolic import surfaces
from optverify.symbolic.surfaces import Surface

__all__ = ["add_commands"]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _convexity_word(surface: Surface) -> str:
    from optverify.symbolic.analysis import convexity

    report = convexity(surface)
    if not report.convex:
        return "no"
    return "yes" if report.exact else "no negative curvature seen"


def _surfaces_command(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    for surface in surfaces.all_surfaces():
        if surface.minima is None:
            minimum, value = "unknown", "unknown"
        elif not surface.minima:
            minimum, value = "none (unbounded below)", "-inf"
        else:
            minimum = "; ".join(f"({_fmt(m.point[0])}, {_fmt(m.point[1])})" for m in surface.minima)
            value = _fmt(min(m.value for m in surface.minima))
        rows.append(
            {
                "name": surface.name,
                "expression": surface.source,
                "window": list(surface.window),
                "minima": None
                if surface.minima is None
                else [
                    {"point": list(m.point), "value": m.value, "smooth": m.smooth}
                    for m in surface.minima
                ],
                "minimum": minimum,
                "value": value,
                "convex": _convexity_word(surface),
                "description": surface.description,
                "reference": surface.reference,
            }
        )
    if args.format == "json":
        print_json(
            [{k: v for k, v in row.items() if k not in ("minimum", "value")} for row in rows]
        )
        return EXIT_OK
    if args.format == "markdown":
        print("| name | global minimum | value | convex on its window | description |")
        print("|---|---|---|---|---|")
        for row in rows:
            print(
                f"| `{row['name']}` | {row['minimum']} | {row['value']} | {row['convex']} "
                f"| {row['description']} |"
            )
        return EXIT_OK
    from rich.table import Table

    table = Table(title="Registered surfaces")
    for column in ("name", "global minimum", "value", "convex", "description"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(row[k]) for k in ("name", "minimum", "value", "convex", "description")))
    console().print(table)
    return EXIT_OK


# --- analyze ----------------------------------------------------------------------------------


def _analyze_command(args: argparse.Namespace) -> int:
    from optverify.symbolic.analysis import analyze

    surface = resolve_surface(args)
    analysis = analyze(surface, surface.window)
    lowest = analysis.lowest_minimum
    if args.format == "json":
        print_json(analysis.to_json())
        return EXIT_OK
    method = analysis.method
    where = "in the plane" if method == "symbolic" else f"in {analysis.window}"
    print(f"Surface {surface.name!r}: f(x, y) = {surface.source}")
    if not analysis.smooth:
        print(
            "Note: f has kinks (abs), where its Hessian is undefined (NaN); a minimum at a "
            "kink is not a critical point, so it may not be listed."
        )
    print(f"Critical points {where} ({method}): {len(analysis.critical_points)}")
    for c in analysis.critical_points[:40]:
        inside = "inside" if analysis.window.contains(c.point) else "OUTSIDE"
        note = ", degenerate Hessian" if c.degenerate else ""
        print(
            f"  {c.kind:8s} at ({c.point[0]:.6g}, {c.point[1]:.6g})  f = {c.value:.6g}  "
            f"Hessian eigenvalues ({c.eigenvalues[0]:.4g}, {c.eigenvalues[1]:.4g}){note}  "
            f"[{inside} {analysis.window}]"
        )
    if len(analysis.critical_points) > 40:
        print(f"  ... and {len(analysis.critical_points) - 40} more (use --format json)")
    if lowest is not None:
        where = "inside" if analysis.window.contains(lowest.point) else "OUTSIDE"
        print(
            f"Lowest minimum found: ({lowest.point[0]:.6g}, {lowest.point[1]:.6g}), "
            f"f = {lowest.value:.6g}, {where} the window "
            f"{analysis.window}"
        )
    print(f"Convexity: {analysis.convexity.summary()}")
    return EXIT_OK


# --- audit-gradient ---------------------------------------------------------------------------


def _audit_command(args: argparse.Namespace) -> int:
    from optverify.symbolic.audit import audit_gradient

    surface = resolve_surface(args)
    if args.gradient is None:
        if surface.name != "seed":
            raise InvalidArgument(
                f"gradient is missing: pass --gradient MODULE:FUNC to audit a gradient of "
                f"{surface.name!r} (the built-in specimen, the post's df, belongs to 'seed')."
            )
        from optverify.seed import specimens

        hand, label = specimens.df, "optverify.seed.specimens:df (the post's hand-derived df)"
    else:
        from optverify.adapters.loading import load_object

        hand, label = load_object(args.gradient, "gradient"), args.gradient
        if not callable(hand):
            raise InvalidArgument(f"gradient={args.gradient!r} is invalid: it is not callable.")
    audit = audit_gradient(surface, hand, max_examples=args.examples)
    if args.format == "json":
        print_json({"gradient": label, **audit.to_json()})
    else:
        print(f"Auditing {label}")
        print(audit.report())
    return EXIT_OK if audit.correct else EXIT_WRONG


# --- gradients --------------------------------------------------------------------------------


def _gradients_command(args: argparse.Namespace) -> int:
    from optverify.files import write_text_atomically
    from optverify.symbolic import codegen

    if args.print:
        print(codegen.standalone_source(resolve_surface(args)), end="")
        return EXIT_OK
    if args.surface or args.expr:
        raise InvalidArgument(
            "surface and expr go with --print: `optverify gradients` regenerates the module "
            "for every registered surface."
        )
    text = codegen.module_source(surfaces.all_surfaces())
    path = codegen.GENERATED_PATH
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        if current == text:
            print(f"{path} is up to date.")
            return EXIT_OK
        print(
            f"{path} is out of date with the surface registry: run `optverify gradients`.",
            file=sys.stderr,
        )
        return EXIT_WRONG
    if current == text:
        print(f"{path} is already up to date ({len(text)} bytes).")
        return EXIT_OK
    write_text_atomically(path, text)
    print(f"wrote {path} ({len(text)} bytes, {len(surfaces.names())} surfaces).")
    return EXIT_OK


def _examples(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InvalidArgument(f"examples={text!r} is invalid: it must be an integer.") from None
    if not 1 <= value <= 100_000:
        raise InvalidArgument(f"examples={value} is invalid: it must lie in [1, 100000].")
    return value


def add_commands(commands: Any) -> None:
    """Add this group's subcommands."""
    p = command(
        commands,
        "surfaces",
        "List the registered surfaces: global minima, values, convexity.",
        "optverify surfaces --format json",
        _surfaces_command,
    )
    add_format(p, ("table", "json", "markdown"))

    p = command(
        commands,
        "analyze",
        "Find a surface's critical points, classify them, and check convexity over a window.",
        "optverify analyze --surface seed --window -1:2,-2:1",
        _analyze_command,
    )
    add_surface_options(p)
    add_format(p, ("text", "json"))

    p = command(
        commands,
        "audit-gradient",
        "Audit a hand-written gradient against the surface's symbolic gradient, term by term.",
        "optverify audit-gradient --surface seed --gradient mygrad:df --format json",
        _audit_command,
    )
    add_surface_options(p)
    p.add_argument(
        "--gradient",
        metavar="MODULE:FUNC",
        help="the function df(x, y) -> (df/dx, df/dy) to audit, imported from the current "
        "directory (default on the seed surface: the post's df)",
    )
    p.add_argument(
        "--examples",
        type=typed(_examples, "examples"),
        default=300,
        metavar="N",
        help="points to try when the function cannot take symbols (default: 300)",
    )
    add_format(p, ("text", "json"))

    p = command(
        commands,
        "gradients",
        "Regenerate the NumPy value/gradient/Hessian module from the symbolic surfaces.",
        "optverify gradients --surface seed --print",
        _gradients_command,
    )
    p.add_argument(
        "--check", action="store_true", help="exit 1 if the committed module is out of date"
    )
    p.add_argument(
        "--print",
        action="store_true",
        help="print standalone code for one surface (--surface or --expr) instead",
    )
    add_surface_options(p, default_seed=False)
