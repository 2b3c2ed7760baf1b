"""Commands that give verdicts: ``verify`` (optimizers against their properties) and
``claims`` (the seed post's ledger)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from optverify.commands.options import (
    EXIT_OK,
    EXIT_WRONG,
    add_format,
    command,
    console,
    output,
    print_json,
    progress,
    typed,
)
from optverify.errors import InvalidArgument
from optverify.parallel import cores, fork_map

__all__ = ["add_commands"]


def _fixed(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = None
    if not sep or not name.strip() or number is None:
        raise InvalidArgument(f"fixed={text!r} is invalid: write it as NAME=NUMBER, e.g. eps=1e-7.")
    return name.strip(), number


fixed_setting = typed(_fixed, "fixed")


def _replay_command(args: argparse.Namespace, optimizer: str) -> str:
    parts = ["optverify verify", f"--optimizer {optimizer}"]
    if args.kind:
        parts.append(f"--as {args.kind}")
    parts += [f"--fixed {name}={value:g}" for name, value in args.fixed]
    parts.append(f"--profile {args.profile}")
    return " ".join(parts)


def _one(
    args: argparse.Namespace,
    spec: str,
    chosen: list[str],
    on_result: Any = None,
    workers: int = 1,
) -> Any:
    from optverify.verification.verify import verify

    return verify(
        spec,
        args.kind,
        profile=args.profile,
        properties=chosen,
        replay=args.replay,
        command=_replay_command(args, spec),
        on_result=on_result,
        fixed=dict(args.fixed),
        strict=args.strict,
        gradient=args.gradient_name,
        shape=args.shape,
        workers=workers,
    )


def _in_parallel(
    args: argparse.Namespace, specs: list[str], chosen: list[str], bar: Any
) -> list[Any]:
    """Verify several optimizers, one process per core (each verdict is deterministic, so the
    order they finish in changes nothing)."""
    task = bar.add_task("verifying", total=len(specs))
    return fork_map(
        lambda spec: _one(args, spec, chosen), specs, cores(), lambda _: bar.advance(task)
    )


def _verify_command(args: argparse.Namespace) -> int:
    from optverify.optim import REGISTRY
    from optverify.verification.framework import by_name, invariants

    specs = [args.optimizer] if args.optimizer else REGISTRY.names()
    if args.kind and not args.optimizer:
        raise InvalidArgument("as is given without optimizer: --as goes with --optimizer.")
    if args.replay and (not args.optimizer or len(args.property or []) != 1):
        raise InvalidArgument(
            "replay needs the run it came from: pass --optimizer and exactly one --property."
        )
    chosen = args.property or [p.name for p in invariants()]
    for name in chosen:
        by_name(name)
    show = args.format == "table" and sys.stderr.isatty()
    with progress(len(specs) * len(chosen), show) as bar:
        if len(specs) > 1:
            reports = _in_parallel(args, specs, chosen, bar)
        else:
            task = bar.add_task(f"verifying {specs[0]}", total=len(chosen))
            advance = lambda _: bar.advance(task)  # noqa: E731
            reports = [_one(args, specs[0], chosen, advance, cores())]
    passed = all(r.passed for r in reports)
    if args.format == "json":
        print_json({"passed": passed, "reports": [r.to_json() for r in reports]})
    elif args.format == "markdown":
        print("\n".join(r.to_markdown() for r in reports))
    else:
        _print_verify_tables(reports, detailed=args.optimizer is not None)
    return EXIT_OK if passed else EXIT_WRONG


def _print_verify_tables(reports: Sequence[Any], *, detailed: bool) -> None:
    from rich.table import Table

    out = console()
    if detailed:
        for report in reports:
            _print_rule(out, report)
            # properties of other kinds are counted in the caption, not listed
            shown_results = [r for r in report.results if not _about_other_kinds(r)]
            hidden = len(report.results) - len(shown_results)
            table = Table(
                title=f"{report.optimizer} verified as {report.kind} ({report.profile})",
                caption=f"{hidden} properties of other kinds not shown" if hidden else None,
            )
            for column in ("property", "result", "examples", "seconds"):
                table.add_column(column, overflow="fold")
            for r in shown_results:
                style = {"passed": "green", "failed": "bold red"}.get(r.status, "dim")
                shown = r.status if r.status != "not applicable" else f"n/a: {r.reason}"
                table.add_row(r.name, f"[{style}]{shown}[/]", str(r.examples), f"{r.seconds:.2f}")
            out.print(table)
    else:
        table = Table(title=f"optverify verify ({reports[0].profile if reports else ''})")
        for column in ("optimizer", "verdict", "passed", "failed", "n/a", "examples", "seconds"):
            table.add_column(column)
        for report in reports:
            counts = {
                s: sum(r.status == s for r in report.results)
                for s in ("passed", "failed", "not applicable")
            }
            table.add_row(
                report.optimizer,
                report.verdict,
                str(counts["passed"]),
                f"[bold red]{counts['failed']}[/]" if counts["failed"] else "0",
                str(counts["not applicable"]),
                str(report.examples),
                f"{sum(r.seconds for r in report.results):.1f}",
            )
        out.print(table)
    for report in reports:
        for r in report.failures:
            out.print(f"\n[bold red]FAILED[/] {report.optimizer}: {r.name}")
            out.print(f"  claim: {r.statement}")
            for failure in r.failures:
                out.print(f"  why:   {failure.explanation}")
                if failure.counterexample:
                    shown = ", ".join(f"{k} = {v}" for k, v in failure.counterexample.items())
                    out.print(f"  shrunk counterexample: {shown}")
                if failure.replay:
                    out.print(f"  replay: {failure.replay}")
    total = sum(report.examples for report in reports)
    failed = sum(len(report.failures) for report in reports)
    summary = (
        "all properties hold"
        if not failed
        else f"{failed} propert{'y' if failed == 1 else 'ies'} failed"
    )
    out.print(f"\n{summary}; {total} examples run.")
    for report in reports:
        if detailed or report.verdict != "correct":
            out.print(f"verdict for {report.optimizer}: {report.verdict_sentence()}")


def _about_other_kinds(result: Any) -> bool:
    reason = result.reason or ""
    return bool(result.status == "not applicable" and reason.startswith("it is about "))


def _print_rule(out: Any, report: Any) -> None:
    """Which rule it is, and what the adapter and the estimates found."""
    names = ", ".join(f"{ours} = {theirs}" for ours, theirs in report.names.items())
    out.print(f"{report.optimizer}: {report.shape}; hyperparameters {names or 'none'}")
    for note in report.notes:
        out.print(f"  {note}")
    for name, (value, how) in report.constants.items():
        out.print(f"  {name} is not a parameter of this code: {how} as {value:g}")
    if report.match is not None:
        rules = ", ".join(f"{n} {e:.2g}" for n, e in report.match.errors.items())
        shown = report.rule or f"none within {report.match.tolerance:g}"
        out.print(f"  rule: {shown} (largest relative difference per rule: {rules})")


# --- claims -----------------------------------------------------------------------------------


def _claims_command(args: argparse.Namespace) -> int:
    from optverify.seed.ledger import CHECKS, ledger, to_markdown

    show = args.format == "text" and sys.stderr.isatty()
    with progress(len(CHECKS), show) as bar:
        task = bar.add_task("checking the post's claims", total=len(CHECKS))
        claims = ledger(args.profile, on_claim=lambda _: bar.advance(task))
    if args.format == "json":
        print_json([c.to_json() for c in claims])
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


def add_commands(commands: Any) -> None:
    """Add ``verify`` and ``claims``."""
    from optverify.adapters.shapes import SHAPES
    from optverify.optim import REGISTRY
    from optverify.verification.framework import PROFILES

    efforts = tuple(PROFILES)
    p = command(
        commands,
        "verify",
        "Verify optimizers against the properties of their update rule (Hypothesis).",
        "optverify verify --optimizer mymodule:my_adam --as adam --profile quick",
        _verify_command,
    )
    p.add_argument(
        "--optimizer",
        metavar="NAME",
        help=f"a registered optimizer ({', '.join(REGISTRY.names(specimens=True))}), "
        "torch:CLASS (needs torch), or MODULE:ATTR, a factory taking hyperparameters as "
        "keywords (default: every built-in)",
    )
    p.add_argument(
        "--as",
        dest="kind",
        metavar="KIND",
        help="the update rule a MODULE:ATTR, torch:CLASS or optax:NAME optimizer implements, "
        "e.g. adam (default: read off its name, as AdamOptimizer is an adam)",
    )
    p.add_argument(
        "--profile",
        choices=efforts,
        default="ci",
        help="how hard Hypothesis searches: "
        + ", ".join(f"{k} ({v['max_examples']} examples)" for k, v in PROFILES.items())
        + "; ci is deterministic (default: ci)",
    )
    p.add_argument(
        "--property", action="append", metavar="NAME", help="only this property (repeatable)"
    )
    p.add_argument(
        "--replay", metavar="TOKEN", help="re-run the exact example of a failure's replay line"
    )
    p.add_argument(
        "--fixed",
        action="append",
        type=fixed_setting,
        default=[],
        metavar="NAME=VALUE",
        help="a constant the code fixes instead of taking as a parameter, e.g. --fixed eps=1e-7 "
        "(repeatable; the ones not stated are estimated from probe steps)",
    )
    p.add_argument(
        "--strict", action="store_true", help="a dialect fails too: only torch's rule passes"
    )
    p.add_argument(
        "--gradient-name",
        metavar="NAME",
        help="the module-level gradient a tutorial step function reads (default: detected)",
    )
    p.add_argument(
        "--shape",
        choices=SHAPES,
        help="the code's shape, instead of detecting it",
    )
    add_format(p, ("table", "json", "markdown"))

    p = command(
        commands,
        "claims",
        "Check what the seed post claims, each with a verdict and its evidence.",
        "optverify claims --format markdown --out docs/findings.md",
        _claims_command,
    )
    p.add_argument("--profile", choices=efforts, default="ci", help="(default: ci)")
    add_format(p, ("text", "json", "markdown"))
    p.add_argument(
        "--out", metavar="FILE", type=output(".md"), help="with --format markdown: write FILE"
    )
