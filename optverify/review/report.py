"""How a :class:`~optverify.review.reviews.Review` reads: on a terminal, as Markdown, as HTML.

Every form puts the false statements first (in the order of the finding kinds), each with its
evidence in one sentence and, where the verdict names the mistake, the fix; then the legitimate
variants, what could not be checked and why, and what holds. The HTML page is the Markdown page
rendered by markdown-it, self-contained: the race GIF is embedded as a data URI.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from optverify.review.findings import KINDS, Finding

if TYPE_CHECKING:
    from optverify.review.reviews import Review

__all__ = ["VERDICT_ORDER", "html_page", "markdown_page", "ordered", "print_review", "tally"]

VERDICT_ORDER = ("wrong", "variant", "unchecked", "holds")
"""The order verdicts are reported in: what needs the author's attention first."""

_STYLE = {"wrong": "bold red", "variant": "yellow", "unchecked": "magenta", "holds": "green"}


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Wrong first, then variants, unchecked, holds; by kind within each."""
    return sorted(findings, key=lambda f: (VERDICT_ORDER.index(f.verdict), KINDS.index(f.kind)))


def tally(review: Review) -> str:
    """``3 wrong, 1 variant, 0 unchecked, 12 hold`` for the review's findings."""
    c = review.counts
    variants = "variant" if c["variant"] == 1 else "variants"
    holds = "holds" if c["holds"] == 1 else "hold"
    return (
        f"{c['wrong']} wrong, {c['variant']} {variants}, {c['unchecked']} unchecked, "
        f"{c['holds']} {holds}"
    )


def _where(review: Review) -> str:
    ran = sum(c["status"] == "ok" for c in review.cells)
    return (
        f"{review.post.name} ({review.format}; {ran} of {len(review.cells)} code cells ran; "
        f"{review.seconds:.1f} s)"
    )


def print_review(review: Review, out: Any) -> None:
    """The review on a rich console: one line per finding, fixes indented under it."""
    from rich.markup import escape

    out.print(f"[bold]optverify review[/] {escape(_where(review))}\n")
    for f in ordered(review.findings):
        style = _STYLE[f.verdict]
        out.print(
            f"[{style}]{f.verdict.upper():<9}[/] {f.kind} [bold]{escape(f.subject)}[/]: "
            f"{escape(f.summary)}"
        )
        if f.fix:
            out.print("          fix:")
            for line in f.fix.rstrip().splitlines():
                out.print(f"            {escape(line)}")
    for note in review.notes:
        out.print(f"[dim]note: {escape(note)}[/]")
    out.print(f"\n{tally(review)}.")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _subject(f: Finding) -> str:
    if f.kind == "formula":
        return f"`{_cell(f.subject).replace('`', '')}`"
    return _cell(f.subject)


def markdown_page(review: Review, race_file: str | None = None) -> str:
    """The review as a Markdown page; ``race_file`` is the race GIF's address, if there is one."""
    lines = [
        f"# Review of {review.post.name}",
        "",
        f"{tally(review).capitalize()} — {_where(review)}, checked by optverify.",
        "",
    ]
    if race_file:
        lines += [f"![the post's optimizer racing the correct one]({race_file})", ""]
    lines += ["| verdict | kind | subject | finding |", "|---|---|---|---|"]
    for f in ordered(review.findings):
        verdict = f"**{f.verdict}**" if f.verdict == "wrong" else f.verdict
        lines.append(f"| {verdict} | {f.kind} | {_subject(f)} | {_cell(f.summary)} |")
    fixes = [f for f in ordered(review.findings) if f.fix]
    if fixes:
        lines += ["", "## Fixes", ""]
        for f in fixes:
            language = "latex" if f.kind == "formula" else "python"
            lines += [
                f"### {f.kind} {_cell(f.subject)}",
                "",
                f.summary,
                "",
                f"```{language}",
                f.fix.rstrip(),
                "```",
                "",
            ]
    if review.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in review.notes]
    return "\n".join(lines).rstrip() + "\n"


def html_page(review: Review) -> str:
    """A self-contained HTML page (the race GIF, if any, embedded)."""
    from markdown_it import MarkdownIt

    race = None
    if review.race:
        race = "data:image/gif;base64," + base64.b64encode(review.race).decode("ascii")
    body = MarkdownIt("commonmark").enable("table").render(markdown_page(review, race))
    title = html.escape(f"Review of {review.post.name}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n"
    )


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.45;color:#1b1b1b}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}"
    "th{background:#f3f3f3}pre{background:#f6f8fa;padding:.6rem;overflow-x:auto}"
    "strong{color:#b00020}img{max-width:100%}"
)
