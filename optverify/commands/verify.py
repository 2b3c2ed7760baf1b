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
)
from optverify.errors import InvalidArgument

__all__ = ["add_commands"]


def _replay_command(args: argparse.Namespace, optimizer: str) -> str:
    parts = ["optverify verify", f"--optimizer {optimizer}"]
    if args.kind:
        parts.append(f"--as {args.kind}")
    parts.append(f"--profile {args.profile}")
    return " ".join(parts)


def _verify_command(args: argparse.Namespace) -> int:
    from optverify.optim import REGISTRY
    from optverify.verification.framework import by_name, invariants
    from optverify.verification.verify import Report, verify

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
    reports: list[Report] = []
    show = args.format == "table" and sys.stderr.isatty()
    with progress(len(specs) * len(chosen), show) as bar:
        task = bar.add_task("verifying", total=len(specs) * len(chosen))
        for spec in specs:
            bar.update(task, description=f"verifying {spec}")
            reports.append(
                verify(
                    spec,
                    args.kind,
                    profile=args.profile,
                    properties=chosen,
                    replay=args.replay,
                    command=_replay_command(args, spec),
                    on_result=lambda _: bar.advance(task),
                )
            )
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
            table = Table(title=f"{report.optimizer} verified as {report.kind} ({report.profile})")
            for column in ("property", "result", "examples", "seconds"):
                table.add_column(column, overflow="fold")
            for r in report.results:
                style = {"passed": "green", "failed": "bold red"}.get(r.status, "dim")
                shown = r.status if r.status != "not applicable" else f"n/a: {r.reason}"
                table.add_row(r.name, f"[{style}]{shown}[/]", str(r.examples), f"{r.seconds:.2f}")
            out.print(table)
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
        out.print(table)
    for report in reports:
        for r in report.failures:
            out.print(f"\n[bold red]FAILED[/] {report.optimizer}: {r.name}")
            out.print(f"  claim: {r.statement}")
            out.print(f"  why:   {r.explanation}")
            if r.counterexample:
                shown = ", ".join(f"{k} = {v}" for k, v in r.counterexample.items())
                out.print(f"  shrunk counterexample: {shown}")
            if r.replay:
                out.print(f"  replay: {r.replay}")
    total = sum(report.examples for report in reports)
    failed = sum(len(report.failures) for report in reports)
    verdict = (
        "all properties hold"
        if not failed
        else f"{failed} propert{'y' if failed == 1 else 'ies'} failed"
    )
    out.print(f"\n{verdict}; {total} examples run.")


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
        help="the update rule a MODULE:ATTR or torch:CLASS optimizer implements, e.g. adam",
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
