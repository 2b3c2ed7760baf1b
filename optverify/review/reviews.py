"""``optverify review POST``: every checkable statement of a tutorial post, checked.

:func:`review` reads the post (:mod:`~optverify.review.sources`), runs its code cells in the
sandbox child (:mod:`~optverify.review.execution`), which checks what the code defines and does
(surfaces, gradients, optimizers, runs, plots, windows), and then checks what the text says:
the displayed surface against the code's, the update-rule formulas
(:mod:`~optverify.review.formulas`), and the prose's claims about convexity and minima
(:mod:`~optverify.review.claims`). The result is a :class:`Review`: one
:class:`~optverify.review.findings.Finding` per statement, in the order of
:data:`~optverify.review.findings.KINDS`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optverify.errors import InvalidArgument
from optverify.review.findings import KINDS, VERDICTS, Finding
from optverify.review.sources import Block, Post, read_post

__all__ = ["Review", "bundled_post", "review"]

CONTEXT_CHARACTERS = 300
"""Prose on each side of a formula that is passed along to tell which optimizer it is about."""


def bundled_post() -> Path:
    """The package's own copy of the seed post, "Optimizer 3"."""
    return Path(__file__).resolve().parent.parent / "seed" / "optimizer-3.txt"


@dataclass(frozen=True)
class Review:
    """What a review found.

    Attributes:
      post: the file reviewed.
      format: how it was read (``markdown``, ``notebook``, ``python``, ``text``).
      findings: one per checked statement, in the order of
        :data:`~optverify.review.findings.KINDS`, then as the post has them.
      cells: each code cell's outcome: ``cell``, ``line``, ``status`` (``ok``, ``error``,
        ``timeout``, ``not run``), ``error`` and ``seconds``.
      notes: what the review could not do, in one sentence each.
      race: the GIF of the post's first optimizer run racing the correct one, if asked for.
      seconds: how long the review took.
    """

    post: Path
    format: str
    findings: tuple[Finding, ...]
    cells: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    race: bytes | None = field(default=None, repr=False)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        """How many findings have each verdict."""
        counted = Counter(f.verdict for f in self.findings)
        return {verdict: counted.get(verdict, 0) for verdict in VERDICTS}

    @property
    def wrong(self) -> list[Finding]:
        """The findings whose statement is false."""
        return [f for f in self.findings if f.verdict == "wrong"]

    def to_json(self) -> dict[str, Any]:
        """Strictly valid JSON data; the schema is in ``docs/reviewing-a-tutorial.md``."""
        return {
            "post": str(self.post),
            "format": self.format,
            "findings": [f.to_json() for f in self.findings],
            "counts": self.counts,
            "cells": [dict(c) for c in self.cells],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 1),
        }

    def to_markdown(self, race_file: str | None = None) -> str:
        """A Markdown page: the counts, then each finding with its evidence and fix."""
        from optverify.review.report import markdown_page

        return markdown_page(self, race_file)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def review(
    post: str | Path | Post,
    *,
    timeout: float = 60.0,
    profile: str = "dev",
    race: bool = False,
) -> Review:
    """Review a post: run its code (each cell at most ``timeout`` seconds, in a sandboxed child
    process) and check its code, formulas and claims. ``profile`` is the Hypothesis profile the
    post's optimizers are verified with; ``race`` asks for the GIF of its first run.

    Raises :class:`~optverify.errors.InvalidArgument` if the post cannot be read or holds no
    Python code.
    """
    from optverify.review.execution import execute

    started = time.perf_counter()
    read = post if isinstance(post, Post) else read_post(Path(post))
    code = read.code()
    if not code:
        raise InvalidArgument(
            f"post={str(read.path)!r} holds no Python code to run: code is read from fenced "
            "blocks, notebook code cells, a script, or runs of lines that parse as Python."
        )
    executed = execute(
        [(i, block.text) for i, block in enumerate(code)],
        timeout=timeout,
        profile=profile,
        race=race,
    )
    findings = [Finding.from_json(f) for f in executed.findings]
    notes = [executed.problem] if executed.problem else []
    facts = executed.facts
    displays = _displays(read)
    findings = _check_displayed_surface(displays, facts, findings)
    findings += _check_formulas(displays, facts, findings)
    findings = _variants_against_formulas(findings, facts)
    claims, note = _check_claims(read, facts)
    findings += claims
    notes += [note] if note else []
    cells = tuple(_cell(c, code) for c in executed.cells)
    notes += [
        f"the cell at line {c['line']} stopped at line {c['error_line'] or c['line']}: {c['error']}"
        for c in cells
        if c["status"] != "ok"
    ]
    ordered = sorted(findings, key=lambda f: KINDS.index(f.kind))
    return Review(
        read.path,
        read.format,
        tuple(ordered),
        cells,
        tuple(notes),
        executed.race,
        time.perf_counter() - started,
    )


def _cell(outcome: dict[str, Any], code: Sequence[Block]) -> dict[str, Any]:
    """A cell's outcome with lines of the post: where the cell starts, where it failed."""
    index = int(outcome.get("cell", 0))
    block = code[index] if 0 <= index < len(code) else None
    start = block.line if block is not None else 1
    error = outcome.get("error")
    status = "ok" if outcome.get("ok") else "timeout" if error == "Timeout" else "error"
    failed_at = outcome.get("line")
    return {
        "cell": index,
        "source_cell": block.cell if block is not None else index,
        "line": start,
        "status": status,
        "error": None if status == "ok" else f"{error}: {outcome.get('message', '')}".strip(),
        "error_line": start + int(failed_at) - 1 if failed_at else None,
        "seconds": outcome.get("seconds"),
    }


def _where(read: Post, cell: dict[str, Any]) -> str:
    """Where a cell stopped, as a reader finds it: a notebook's cell and line, else the line."""
    line = cell["error_line"] or cell["line"]
    if read.format == "notebook":
        return f"notebook cell {cell['source_cell'] + 1} stopped at its line {line}"
    return f"the code starting at line {cell['line']} stopped at line {line}"


def _main_surface(facts: dict[str, Any]) -> tuple[str, str] | None:
    """(name, expression) of the surface the post descends, if its code defines one exactly."""
    main = facts.get("main_surface")
    for s in facts.get("surfaces", []):
        if s["name"] == main and s.get("expression"):
            return s["name"], s["expression"]
    return None


def _window(facts: dict[str, Any]) -> Any:
    from optverify.symbolic.surfaces import Window

    values = facts.get("window")
    return Window(*values) if values and len(values) == 4 else None


def _displays(read: Post) -> list[Any]:
    """The post's displayed formulas, each with its section and the prose around it."""
    from optverify.review.formulas import Display

    blocks = list(read.blocks)
    out = []
    for i, block in enumerate(blocks):
        if block.kind != "math" or not block.display:
            continue
        before = " ".join(b.text for b in blocks[max(0, i - 3) : i] if b.kind == "prose")
        after = " ".join(b.text for b in blocks[i + 1 : i + 3] if b.kind == "prose")
        context = before[-CONTEXT_CHARACTERS:] + " " + after[:CONTEXT_CHARACTERS]
        out.append(Display(block.text, block.section, context.strip()))
    return out


def _check_displayed_surface(
    displays: list[Any], facts: dict[str, Any], findings: list[Finding]
) -> list[Finding]:
    """Compare the surface the post displays with the one its code defines."""
    import sympy as sp

    from optverify.budget import OutOfTime, time_limit
    from optverify.review.formulas import surface_definitions
    from optverify.symbolic.expressions import parse_expression

    main = _main_surface(facts)
    if main is None:
        return findings
    name, expression = main
    try:
        shown = surface_definitions(displays)
    except Exception:  # a display the translator cannot read is no surface definition
        return findings
    if not shown:
        return findings
    code_expr = parse_expression(expression)
    _x, _y = sp.symbols("x y")
    code_expr = code_expr.subs({s: sp.Symbol(s.name) for s in code_expr.free_symbols})
    verdicts = []
    for latex, expr in shown:
        try:
            with time_limit(5):
                difference = sp.simplify(sp.expand(expr - code_expr))
        except OutOfTime:
            continue
        verdicts.append((latex, expr, difference))
    if not verdicts:
        return findings
    matching = [v for v in verdicts if v[2] == 0]
    out = [f for f in findings if not (f.kind == "surface" and f.subject == name)]
    if matching:
        latex = matching[0][0]
        summary = f"the displayed {latex} is exactly the function the code's {name} defines."
        out.append(
            Finding("surface", name, "holds", summary, {"displayed": latex, "code": expression})
        )
    else:
        latex, expr, difference = verdicts[0]
        summary = (
            f"the displayed {latex} is not the function the code's {name} defines "
            f"({expression}): they differ by {sp.sstr(difference)}."
        )
        out.append(
            Finding(
                "surface",
                name,
                "wrong",
                summary,
                {"displayed": latex, "code": expression, "difference": sp.sstr(difference)},
            )
        )
    return out


def _check_formulas(
    displays: list[Any], facts: dict[str, Any], findings: list[Finding]
) -> list[Finding]:
    from optverify.review.formulas import check_formulas

    kinds: dict[str, str] = facts.get("optimizers", {})
    code_rules: dict[str, str | None] = {}
    for f in findings:
        if f.kind != "optimizer" or f.subject not in kinds:
            continue
        matches = f.evidence.get("matches") or {}
        rule = matches.get("rule") if f.verdict in ("holds", "variant") else None
        if code_rules.get(kinds[f.subject]) is None:
            code_rules[kinds[f.subject]] = rule
    return check_formulas(displays, code_rules)


def _variants_against_formulas(findings: list[Finding], facts: dict[str, Any]) -> list[Finding]:
    """A variant is legitimate where the post says so: code that follows a dialect while the
    post's own formula for that optimizer is the reference rule contradicts its post."""
    kinds: dict[str, str] = facts.get("optimizers", {})
    stated: dict[str, list[str]] = {}
    shown_variants: set[str] = set()
    for f in findings:
        if f.kind != "formula":
            continue
        for equation in f.evidence.get("equations", []):
            family = str(equation.get("family"))
            if equation.get("verdict") == "holds" and not equation.get("dialect"):
                stated.setdefault(family, []).append(str(equation.get("latex")))
            elif equation.get("verdict") == "variant":
                shown_variants.add(family)
    out = []
    for f in findings:
        kind = kinds.get(f.subject)
        contradicted = kind in stated and kind not in shown_variants
        if f.kind == "optimizer" and f.verdict == "variant" and contradicted:
            assert kind is not None
            rule = (f.evidence.get("matches") or {}).get("rule", "a dialect")
            summary = (
                f"{f.summary}; but the post's own formula for {kind}, `{stated[kind][-1]}`, "
                f"is the reference rule, which the code does not follow (it follows {rule})"
            )
            f = Finding(f.kind, f.subject, "wrong", summary, f.evidence, f.fix)
        elif f.kind == "optimizer" and f.verdict != "wrong" and f.fix:
            f = Finding(f.kind, f.subject, f.verdict, f.summary, f.evidence)  # nothing to fix
        out.append(f)
    return out


def _check_claims(read: Post, facts: dict[str, Any]) -> tuple[list[Finding], str | None]:
    from optverify.review.claims import check_statements, find_statements
    from optverify.symbolic.surfaces import from_expression

    statements = find_statements([(b.text, b.section) for b in read.prose()])
    if not statements:
        return [], None
    main = _main_surface(facts)
    if main is None:
        reason = "the post's code defines no surface that takes symbols, so its claims about "
        return [
            Finding(
                s.kind,
                s.quote if s.kind == "convexity" else s.written,
                "unchecked",
                reason + "convexity and minima could not be checked.",
            )
            for s in statements
        ], None
    name, expression = main
    window = _window(facts)
    surface = from_expression(expression, window, name=name)
    return check_statements(statements, surface, window), None
