"""The ``optverify`` command: one thin layer over the library.

Exit status: 0 success, 1 a verdict of "wrong" (a wrong gradient, a failed property, a stale
generated module), 2 bad input. Bad input is reported in one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from optverify.errors import InvalidArgument
from optverify.symbolic import surfaces as surface_registry
from optverify.symbolic.surfaces import Surface, Window

__all__ = ["main"]

EXIT_OK, EXIT_WRONG, EXIT_BAD_INPUT = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_surface_options(parser: argparse.ArgumentParser, *, default_seed: bool = True) -> None:
    group = parser.add_argument_group("surface (one of)")
    group.add_argument(
        "--surface",
        metavar="NAME",
        help="a registered surface (see `optverify surfaces`)"
        + ("; default: seed" if default_seed else ""),
    )
    group.add_argument(
        "--expr",
        metavar="EXPR",
        help='an expression in x and y, e.g. "x**2 + 10*y**2" (parsed safely, never executed)',
    )
    group.add_argument(
        "--window",
        metavar="XMIN:XMAX,YMIN:YMAX",
        help="the window to use instead of the surface's own, e.g. -1:2,-2:1",
    )


def _add_optimizer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--optimizer",
        metavar="NAME",
        default="adam",
        help="a registered optimizer: sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, "
        "amsgrad, adamw, adamax, nadam, radam, or the post's seed-adam (default: adam)",
    )
    parser.add_argument("--lr", type=float, metavar="LR", help="the learning rate")
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="another hyperparameter, e.g. --set b1=0.8 --set eps=1e-6 (repeatable)",
    )


def _surface(args: argparse.Namespace) -> Surface:
    window = Window.parse(args.window) if args.window else None
    return surface_registry.resolve(args.surface, args.expr, window)


def _add_format(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    parser.add_argument(
        "--format",
        choices=choices,
        default=choices[0],
        help=f"output format (default: {choices[0]})",
    )


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, allow_nan=True))


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


# --- surfaces ---------------------------------------------------------------------------------


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
    for surface in surface_registry.all_surfaces():
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
        _print_json(
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
    _console().print(table)
    return EXIT_OK


# --- analyze ----------------------------------------------------------------------------------


def _analyze_command(args: argparse.Namespace) -> int:
    from optverify.symbolic.analysis import analyze

    surface = _surface(args)
    analysis = analyze(surface, surface.window)
    lowest = analysis.lowest_minimum
    data: dict[str, Any] = {
        "surface": surface.name,
        "expression": surface.source,
        "window": list(analysis.window),
        "critical_points": [
            {
                "point": list(c.point),
                "value": c.value,
                "kind": c.kind,
                "eigenvalues": list(c.eigenvalues),
                "degenerate": c.degenerate,
                "method": c.method,
                "in_window": analysis.window.contains(c.point),
            }
            for c in analysis.critical_points
        ],
        "lowest_minimum": None if lowest is None else list(lowest.point),
        "lowest_minimum_in_window": None
        if lowest is None
        else analysis.window.contains(lowest.point),
        "convex": analysis.convexity.convex,
        "convexity": analysis.convexity.summary(),
        "witness": analysis.convexity.witness,
    }
    if args.format == "json":
        _print_json(data)
        return EXIT_OK
    method = analysis.critical_points[0].method if analysis.critical_points else "symbolic"
    where = "in the plane" if method == "symbolic" else f"in {analysis.window}"
    print(f"Surface {surface.name!r}: f(x, y) = {surface.source}")
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

    surface = _surface(args)
    if args.gradient is None:
        if surface.name != "seed":
            raise InvalidArgument(
                f"gradient is missing: pass --gradient MODULE:FUNC to audit a gradient of "
                f"{surface.name!r} (the built-in specimen, the post's df, belongs to 'seed')."
            )
        from optverify import specimens

        hand, label = specimens.df, "optverify.specimens:df (the post's hand-derived df)"
    else:
        from optverify.loading import load_object

        hand, label = load_object(args.gradient, "gradient"), args.gradient
        if not callable(hand):
            raise InvalidArgument(f"gradient={args.gradient!r} is invalid: it is not callable.")
    audit = audit_gradient(surface, hand, max_examples=args.examples)
    if args.format == "json":
        _print_json({"gradient": label, **audit.to_json()})
    else:
        print(f"Auditing {label}")
        print(audit.report())
    return EXIT_OK if audit.correct else EXIT_WRONG


# --- gradients --------------------------------------------------------------------------------


def _gradients_command(args: argparse.Namespace) -> int:
    from optverify.files import write_text_atomically
    from optverify.symbolic import codegen

    if args.print:
        surface = _surface(args)
        names = ("f", "df", "d2f")
        print(f"# f(x, y) = {surface.source}")
        print(f"# generated by `optverify gradients --print` from the {surface.name!r} surface")
        print("import numpy as np\n\n")
        print(codegen.function_source(surface.expr, names, annotate=False, label="f"), end="")
        return EXIT_OK
    if args.surface or args.expr:
        raise InvalidArgument(
            "surface and expr go with --print: `optverify gradients` regenerates the module "
            "for every registered surface."
        )
    text = codegen.module_source(surface_registry.all_surfaces())
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
    print(f"wrote {path} ({len(text)} bytes, {len(surface_registry.names())} surfaces).")
    return EXIT_OK


# --- trace ------------------------------------------------------------------------------------


def _parse_value(text: str) -> bool | float | str:
    """A hyperparameter value from the command line: true/false, a number, or a word."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(text)
    except ValueError:
        return text.strip()


def _parse_settings(pairs: Sequence[str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidArgument(f"set={pair!r} is invalid: write it as KEY=VALUE, e.g. b1=0.8.")
        settings[key.strip()] = _parse_value(value)
    return settings


def _parse_point(text: str, what: str = "start") -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidArgument(
            f"{what}={text!r} is invalid: write it as X,Y, e.g. -1.2,1.0."
        ) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InvalidArgument(f"{what}={text!r} is invalid: the coordinates must be finite.")
    return x, y


def _default_start(surface: Surface, given: str | None) -> tuple[float, float]:
    if given is not None:
        return _parse_point(given)
    if surface.name == "seed":
        from optverify import specimens

        return specimens.START
    raise InvalidArgument(
        f"start is missing: pass --start X,Y for surface {surface.name!r} "
        "(only the seed surface has a default start, the post's (0.5, 5.8))."
    )


def _build_optimizer(name: str, lr: float | None, settings: dict[str, Any]) -> Any:
    from optverify.optim.base import get

    if lr is not None:
        settings = {**settings, "lr": lr}
    return get(name, **settings)


def _steps(value: int) -> int:
    if value < 0:
        raise InvalidArgument(f"steps={value} is invalid: it must be >= 0.")
    return value


def _json_number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _trace_command(args: argparse.Namespace) -> int:
    from optverify.optim.run import run

    surface = _surface(args)
    start = _default_start(surface, args.start)
    optimizer = _build_optimizer(args.optimizer, args.lr, _parse_settings(args.set or []))
    trajectory = run(optimizer, surface, start, _steps(args.steps))
    diverged = int(trajectory.diverged_at)
    last = len(trajectory.steps) if diverged < 0 else diverged + 1
    rows = [
        (int(step), float(point[0]), float(point[1]), float(loss))
        for step, point, loss in zip(
            trajectory.steps[:last], trajectory.points[:last], trajectory.losses[:last], strict=True
        )
    ]
    if args.format == "json":
        text = json.dumps(
            {
                "surface": surface.name,
                "expression": surface.source,
                "optimizer": optimizer.name,
                "hyperparameters": dict(optimizer.hyperparameters),
                "start": list(start),
                "steps": args.steps,
                "diverged_at": None if diverged < 0 else diverged,
                "trajectory": [
                    {"step": s, "x": _json_number(x), "y": _json_number(y), "loss": _json_number(f)}
                    for s, x, y, f in rows
                ],
            },
            indent=1,
        )
    else:
        lines = ["step,x,y,loss"]
        lines.extend(f"{s},{x!r},{y!r},{f!r}" for s, x, y, f in rows)
        text = "\n".join(lines)
    if args.out:
        from optverify.files import write_text_atomically

        write_text_atomically(args.out, text + "\n")
        print(f"wrote {args.out} ({len(rows)} rows)", file=sys.stderr)
    else:
        print(text)
    if diverged >= 0:
        print(
            f"optverify trace: the run diverged at step {diverged} (the point or its gradient "
            "was no longer finite); the trace stops there.",
            file=sys.stderr,
        )
    return EXIT_OK


# --- verify -----------------------------------------------------------------------------------


def _progress(total: int, enabled: bool) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not enabled,
    )


def _replay_command(args: argparse.Namespace, optimizer: str) -> str:
    parts = ["optverify verify", f"--optimizer {optimizer}"]
    if args.kind:
        parts.append(f"--as {args.kind}")
    parts.append(f"--profile {args.profile}")
    return " ".join(parts)


def _verify_command(args: argparse.Namespace) -> int:
    from optverify.optim.base import names
    from optverify.verification.properties import PROPERTIES, by_name
    from optverify.verification.verify import Report, verify

    specs = [args.optimizer] if args.optimizer else names()
    if args.kind and not args.optimizer:
        raise InvalidArgument("as is given without optimizer: --as goes with --optimizer.")
    if args.replay and (not args.optimizer or len(args.property or []) != 1):
        raise InvalidArgument(
            "replay needs the run it came from: pass --optimizer and exactly one --property."
        )
    chosen = args.property or [p.name for p in PROPERTIES]
    for name in chosen:
        by_name(name)
    reports: list[Report] = []
    show = args.format == "table" and sys.stderr.isatty()
    with _progress(len(specs) * len(chosen), show) as progress:
        task = progress.add_task("verifying", total=len(specs) * len(chosen))
        for spec in specs:
            progress.update(task, description=f"verifying {spec}")
            reports.append(
                verify(
                    spec,
                    args.kind,
                    profile=args.profile,
                    properties=chosen,
                    replay=args.replay,
                    command=_replay_command(args, spec),
                    on_result=lambda _: progress.advance(task),
                )
            )
    passed = all(r.passed for r in reports)
    if args.format == "json":
        _print_json({"passed": passed, "reports": [r.to_json() for r in reports]})
    elif args.format == "markdown":
        print("\n".join(r.to_markdown() for r in reports))
    else:
        _print_verify_tables(reports, detailed=args.optimizer is not None)
    return EXIT_OK if passed else EXIT_WRONG


def _print_verify_tables(reports: Sequence[Any], *, detailed: bool) -> None:
    from rich.table import Table

    console = _console()
    if detailed:
        for report in reports:
            table = Table(title=f"{report.optimizer} verified as {report.kind} ({report.profile})")
            for column in ("property", "result", "examples", "seconds"):
                table.add_column(column, overflow="fold")
            for r in report.results:
                style = {"passed": "green", "failed": "bold red"}.get(r.status, "dim")
                shown = r.status if r.status != "not applicable" else f"n/a: {r.reason}"
                table.add_row(r.name, f"[{style}]{shown}[/]", str(r.examples), f"{r.seconds:.2f}")
            console.print(table)
    else:
        table = Table(title=f"optverify verify ({reports[0].profile if reports else ''})")
        for column in ("optimizer", "passed", "failed", "n/a", "examples", "seconds"):
            table.add_column(column)
        for report in reports:
            counts = {
                s: sum(r.status == s for r in report.results)
                for s in ("passed", "failed", "not applicable")
            }
            table.add_row(
                report.optimizer,
                str(counts["passed"]),
                f"[bold red]{counts['failed']}[/]" if counts["failed"] else "0",
                str(counts["not applicable"]),
                str(report.examples),
                f"{sum(r.seconds for r in report.results):.1f}",
            )
        console.print(table)
    for report in reports:
        for r in report.failures:
            console.print(f"\n[bold red]FAILED[/] {report.optimizer}: {r.name}")
            console.print(f"  claim: {r.statement}")
            console.print(f"  why:   {r.explanation}")
            if r.counterexample:
                shown = ", ".join(f"{k} = {v}" for k, v in r.counterexample.items())
                console.print(f"  shrunk counterexample: {shown}")
            if r.replay:
                console.print(f"  replay: {r.replay}")
    total = sum(report.examples for report in reports)
    failed = sum(len(report.failures) for report in reports)
    verdict = (
        "all properties hold"
        if not failed
        else f"{failed} propert{'y' if failed == 1 else 'ies'} failed"
    )
    console.print(f"\n{verdict}; {total} examples run.")


# --- claims -----------------------------------------------------------------------------------


def _claims_command(args: argparse.Namespace) -> int:
    from optverify.verification.claims import CHECKS, ledger, to_markdown

    show = args.format == "text" and sys.stderr.isatty()
    with _progress(len(CHECKS), show) as progress:
        task = progress.add_task("checking the post's claims", total=len(CHECKS))
        claims = ledger(args.profile, on_claim=lambda _: progress.advance(task))
    if args.format == "json":
        _print_json([c.to_json() for c in claims])
    elif args.format == "markdown":
        text = to_markdown(claims)
        if args.out:
            from optverify.files import write_text_atomically

            write_text_atomically(args.out, text)
            print(f"wrote {args.out}", file=sys.stderr)
        else:
            print(text, end="")
    else:
        for c in claims:
            print(f"[{c.verdict.upper()}] {c.statement}")
            print(f"    {c.summary}")
    return EXIT_OK


# --- animate, basin, sweep --------------------------------------------------------------------


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InvalidArgument(f"size={text!r} is invalid: write it as WxH, e.g. 640x480.") from None
    if not (80 <= width <= 4000 and 80 <= height <= 4000):
        raise InvalidArgument(f"size={text!r} is invalid: width and height must lie in [80, 4000].")
    return width, height


def _split_settings(pairs: Sequence[str], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``--set lr=0.1`` applies to every optimizer; ``--set adam.lr=0.05`` to adam only."""
    general = {}
    specific: dict[str, dict[str, Any]] = {name: {} for name in names}
    for key, value in _parse_settings(pairs).items():
        owner, dot, name = key.partition(".")
        if dot:
            if owner not in specific:
                raise InvalidArgument(
                    f"set={key}={value!r} is invalid: {owner!r} is not among the optimizers "
                    f"({', '.join(names)})."
                )
            specific[owner][name] = value
        else:
            general[key] = value
    return {name: {**general, **specific[name]} for name in names}


class _FrameProgress:
    """A progress bar over frames, on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar = _progress(1, sys.stderr.isatty())
        self.task: Any = None

    def __enter__(self) -> _FrameProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)

    def start(self, label: str) -> Any:
        self.task = self.bar.add_task(f"rendering {label}", total=None)

        def report(done: int, total: int) -> None:
            self.bar.update(self.task, completed=done, total=total)

        return report


def _report_files(written: Sequence[Any]) -> None:
    total = 0
    for animation in written:
        size = animation.path.stat().st_size
        total += size
        print(f"{animation.path!s:40s} {size / 1024:7.0f} KiB  {animation.frames:4d} frames")
    if len(written) > 1:
        print(f"{len(written)} files, {total / 1024 / 1024:.1f} MiB in all")


def _animate_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from optverify.animation.animate import animate, render_spec
    from optverify.animation.specs import gallery_specs, load_spec

    adhoc = any(v is not None for v in (args.surface, args.expr, args.optimizers, args.start))
    if args.specs and adhoc:
        raise InvalidArgument(
            "specs and options were both given: render SPEC.toml files, or describe one "
            "animation with options, not both."
        )
    written = []
    with _FrameProgress() as progress:
        if adhoc:
            names = [n.strip() for n in (args.optimizers or "adam").split(",") if n.strip()]
            settings = _split_settings(args.set or [], names)
            starts = [_parse_point(s) for s in args.start] if args.start else None
            window = Window.parse(args.window) if args.window else None
            out = args.out or f"optverify-{args.surface or 'expr'}.gif"
            written.append(
                animate(
                    None if args.expr is not None else (args.surface or "seed"),
                    settings,
                    expr=args.expr,
                    start=starts,
                    steps=_steps(args.steps if args.steps is not None else 100),
                    lr=args.lr,
                    fps=args.fps,
                    size=_parse_size(args.size),
                    window=window,
                    title=args.title,
                    out=out,
                    progress=progress.start(out),
                )
            )
        elif args.specs:
            specs = [(Path(p), load_spec(p)) for p in args.specs]  # validate all before rendering
            for path, spec in specs:
                out = path.with_suffix(".gif")
                written.append(render_spec(spec, out, progress.start(str(out))))
        else:
            folder = Path(args.dir)
            folder.mkdir(parents=True, exist_ok=True)
            specs_found = sorted(folder.glob("*.toml"))
            loaded = [(p, load_spec(p)) for p in specs_found]
            for stem, spec in gallery_specs().items():
                out = folder / f"{stem}.gif"
                written.append(render_spec(spec, out, progress.start(str(out))))
            for path, spec in loaded:
                out = path.with_suffix(".gif")
                written.append(render_spec(spec, out, progress.start(str(out))))
    _report_files(written)
    return EXIT_OK


def _basin_command(args: argparse.Namespace) -> int:
    from optverify.animation.pictures import basin

    surface = _surface(args)
    optimizer = _build_optimizer(args.optimizer, args.lr, _parse_settings(args.set or []))
    out = args.out or f"basin-{surface.name}-{args.optimizer}.png"
    result = basin(surface, optimizer, grid=args.grid, steps=_steps(args.steps), out=out)
    print(
        f"{args.grid}x{args.grid} starts x {args.steps} steps of {args.optimizer} in "
        f"{result.seconds:.2f} s"
    )
    for label, count in result.counts().items():
        print(f"  {label}: {count:,}")
    print(f"wrote {result.path}")
    return EXIT_OK


def _sweep_command(args: argparse.Namespace) -> int:
    from optverify.animation.pictures import sweep

    surface = _surface(args)
    try:
        low, high = (float(v) for v in args.lr_range.split(":"))
    except ValueError:
        raise InvalidArgument(
            f"lr-range={args.lr_range!r} is invalid: write it as A:B, e.g. 1e-4:1."
        ) from None
    names = [n.strip() for n in args.optimizers.split(",") if n.strip()]
    settings = _split_settings(args.set or [], names)
    for name, hyper in settings.items():
        _build_optimizer(name, 0.01, hyper)  # validate names and values before the sweep
    start = _default_start(surface, args.start)
    out = args.out or f"sweep-{surface.name}.png"
    result = sweep(
        surface,
        names,
        lr_range=(low, high),
        points=args.points,
        steps=_steps(args.steps),
        start=start,
        hyperparameters=settings,
        out=out,
    )
    for name, (lr, loss) in result.best().items():
        print(f"  {name:10s} best lr {lr:.3g}: final f = {loss:.6g}")
    print(f"wrote {result.path}")
    return EXIT_OK


# --- the parser -------------------------------------------------------------------------------


def _subcommand(
    commands: Any, name: str, help_text: str, example: str, handler: Handler
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The ``optverify`` argument parser."""
    parser = _Parser(
        prog="optverify",
        description="Make gradient-descent tutorials correct and visible.",
        epilog="example:\n  optverify animate",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from optverify import __version__

    parser.add_argument("--version", action="version", version=f"optverify {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    p = _subcommand(
        commands,
        "surfaces",
        "List the registered surfaces: global minima, values, convexity.",
        "optverify surfaces --format json",
        _surfaces_command,
    )
    _add_format(p, ("table", "json", "markdown"))

    p = _subcommand(
        commands,
        "analyze",
        "Find a surface's critical points, classify them, and check convexity over a window.",
        "optverify analyze --surface seed --window -1:2,-2:1",
        _analyze_command,
    )
    _add_surface_options(p)
    _add_format(p, ("text", "json"))

    p = _subcommand(
        commands,
        "audit-gradient",
        "Audit a hand-written gradient against the surface's symbolic gradient, term by term.",
        "optverify audit-gradient --surface seed --gradient mygrad:df --format json",
        _audit_command,
    )
    _add_surface_options(p)
    p.add_argument(
        "--gradient",
        metavar="MODULE:FUNC",
        help="the function df(x, y) -> (df/dx, df/dy) to audit, imported from the current "
        "directory (default on the seed surface: the post's df)",
    )
    p.add_argument(
        "--examples",
        type=int,
        default=300,
        metavar="N",
        help="points to try when the function cannot take symbols (default: 300)",
    )
    _add_format(p, ("text", "json"))

    p = _subcommand(
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
    p.add_argument("--surface", metavar="NAME", help="with --print: a registered surface")
    p.add_argument("--expr", metavar="EXPR", help="with --print: an expression in x and y")
    p.set_defaults(window=None)

    p = _subcommand(
        commands,
        "trace",
        "Run one optimizer from one start and print the trajectory (CSV or JSON).",
        "optverify trace --surface rosenbrock --optimizer adam --lr 0.05 --start -1.2,1.0 "
        "--steps 500",
        _trace_command,
    )
    _add_surface_options(p)
    _add_optimizer_options(p)
    p.add_argument(
        "--start",
        metavar="X,Y",
        help="the starting point (default on the seed surface: the post's 0.5,5.8)",
    )
    p.add_argument("--steps", type=int, default=100, metavar="N", help="steps (default: 100)")
    _add_format(p, ("csv", "json"))
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")

    p = _subcommand(
        commands,
        "verify",
        "Verify optimizers against the properties of their update rule (Hypothesis).",
        "optverify verify --optimizer mymodule:my_adam --as adam --profile quick",
        _verify_command,
    )
    p.add_argument(
        "--optimizer",
        metavar="NAME",
        help="a built-in name, seed-adam (the post's Adam), torch:CLASS (needs torch), or "
        "MODULE:ATTR, a factory taking hyperparameters as keywords (default: every built-in)",
    )
    p.add_argument(
        "--as",
        dest="kind",
        metavar="KIND",
        help="the update rule a MODULE:ATTR or torch:CLASS optimizer implements, e.g. adam",
    )
    p.add_argument(
        "--profile",
        choices=("quick", "ci", "thorough"),
        default="ci",
        help="how hard Hypothesis searches: quick (20 examples), ci (100, deterministic), "
        "thorough (1000) (default: ci)",
    )
    p.add_argument(
        "--property", action="append", metavar="NAME", help="only this property (repeatable)"
    )
    p.add_argument(
        "--replay", metavar="TOKEN", help="re-run the exact example of a failure's replay line"
    )
    _add_format(p, ("table", "json", "markdown"))

    p = _subcommand(
        commands,
        "claims",
        "Check what the seed post claims, each with a verdict and its evidence.",
        "optverify claims --format markdown --out docs/findings.md",
        _claims_command,
    )
    p.add_argument(
        "--profile", choices=("quick", "ci", "thorough"), default="ci", help="(default: ci)"
    )
    _add_format(p, ("text", "json", "markdown"))
    p.add_argument("--out", metavar="FILE", help="with --format markdown: write FILE")

    p = _subcommand(
        commands,
        "animate",
        "Render GIFs: the gallery (no arguments), SPEC.toml files, or one animation from options.",
        "optverify animate --surface rosenbrock --optimizers adam,momentum "
        "--set adam.lr=0.05 --set momentum.lr=0.001 --start -1.2,1 --steps 300 --out rb.gif",
        _animate_command,
    )
    p.add_argument("specs", nargs="*", metavar="SPEC.toml", help="animation specs to render")
    _add_surface_options(p, default_seed=True)
    p.add_argument(
        "--optimizers", metavar="A,B,...", help="optimizers to race, e.g. adam,sgd (default: adam)"
    )
    p.add_argument("--lr", type=float, metavar="LR", help="learning rate for every optimizer")
    p.add_argument(
        "--set",
        action="append",
        metavar="[NAME.]KEY=VALUE",
        help="a hyperparameter for all optimizers (b1=0.8) or one (adam.lr=0.05)",
    )
    p.add_argument(
        "--start", action="append", metavar="X,Y", help="a start (repeatable for several)"
    )
    p.add_argument("--steps", type=int, metavar="N", help="steps (default: 100)")
    p.add_argument("--fps", type=float, default=20.0, help="frames per second (default: 20)")
    p.add_argument("--size", default="640x480", metavar="WxH", help="pixels (default: 640x480)")
    p.add_argument("--title", help="the title")
    p.add_argument("--out", metavar="FILE.gif", help="where to write the ad hoc animation")
    p.add_argument("--dir", default="animations", help="the gallery's folder (default: animations)")

    p = _subcommand(
        commands,
        "basin",
        "Run a grid of starts as one batch and draw which minimum each reaches, and how fast.",
        "optverify basin --surface himmelblau --optimizer adam --lr 0.05 --grid 400 --steps 500",
        _basin_command,
    )
    _add_surface_options(p)
    _add_optimizer_options(p)
    p.add_argument("--grid", type=int, default=200, metavar="N", help="N x N starts (default 200)")
    p.add_argument("--steps", type=int, default=500, metavar="N", help="steps (default: 500)")
    p.add_argument("--out", metavar="FILE.png", help="the picture (default: basin-SURFACE-OPT.png)")

    p = _subcommand(
        commands,
        "sweep",
        "Final loss against learning rate for several optimizers from one start (log axes).",
        "optverify sweep --surface seed --optimizers sgd,adam --lr-range 1e-3:3 --steps 93",
        _sweep_command,
    )
    _add_surface_options(p)
    p.add_argument(
        "--optimizers", default="sgd,adam", metavar="A,B,...", help="(default: sgd,adam)"
    )
    p.add_argument("--lr-range", default="1e-4:1", metavar="A:B", help="(default: 1e-4:1)")
    p.add_argument("--points", type=int, default=41, help="learning rates tried (default: 41)")
    p.add_argument("--steps", type=int, default=93, metavar="N", help="steps (default: 93)")
    p.add_argument("--start", metavar="X,Y", help="the start (default on seed: the post's)")
    p.add_argument(
        "--set", action="append", metavar="[NAME.]KEY=VALUE", help="other hyperparameters"
    )
    p.add_argument("--out", metavar="FILE.png", help="the picture (default: sweep-SURFACE.png)")
    return parser


_NEGATIVE_VALUE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


def _join_negative_values(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """Turn ``--start -1.2,1.0`` into ``--start=-1.2,1.0`` so argparse reads it as a value."""
    takes_value: set[str] = set()
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
            elif action.nargs != 0:
                takes_value.update(s for s in action.option_strings if s.startswith("--"))
    out: list[str] = []
    for token in argv:
        if out and out[-1] in takes_value and _NEGATIVE_VALUE.match(token):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    arguments = _join_negative_values(list(sys.argv[1:] if argv is None else argv), parser)
    args = parser.parse_args(arguments)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_BAD_INPUT
    handler: Handler = args.handler
    try:
        return handler(args)
    except InvalidArgument as error:
        print(f"optverify {arguments[0]}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("optverify: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
