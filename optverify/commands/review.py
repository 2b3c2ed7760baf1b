"""``optverify review POST``: run a tutorial's code in a sandbox and check its code, formulas
and claims; exit 1 when a statement is wrong."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from optverify.commands.options import (
    EXIT_OK,
    EXIT_WRONG,
    add_format,
    command,
    console,
    print_json,
    typed,
)
from optverify.errors import InvalidArgument

__all__ = ["add_commands"]

FORMATS = ("table", "json", "markdown", "html")
_SUFFIX_FORMAT = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
}
MAX_CELL_SECONDS = 3600.0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidArgument(
            f"timeout={text!r} is invalid: it must be a number of seconds."
        ) from None
    if not (math.isfinite(value) and 0 < value <= MAX_CELL_SECONDS):
        raise InvalidArgument(
            f"timeout={text} is invalid: each cell may take more than 0 and at most "
            f"{MAX_CELL_SECONDS:g} seconds."
        )
    return value


def _post(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise InvalidArgument(f"post={text!r} is invalid: no such file.")
    return path


def _out(text: str) -> Path:
    from optverify.files import check_output

    return check_output(text, tuple(_SUFFIX_FORMAT))


def _review_command(args: argparse.Namespace) -> int:
    from optverify.files import write_bytes_atomically, write_text_atomically
    from optverify.review.report import html_page, print_review
    from optverify.review.reviews import bundled_post, review

    chosen = args.format
    if args.out is not None:
        implied = _SUFFIX_FORMAT[args.out.suffix.lower()]
        if chosen is None:
            chosen = implied
        elif chosen != implied:
            raise InvalidArgument(
                f"out={str(args.out)!r} is invalid: a {args.out.suffix} file holds {implied}, "
                f"not {chosen}."
            )
    chosen = chosen or "table"
    race_file = None
    if args.out is not None and chosen == "markdown":
        race_file = args.out.with_suffix(".race.gif")
    race = chosen == "html" or race_file is not None
    post = args.post or bundled_post()
    result = review(post, timeout=args.timeout, profile=args.profile, race=race)
    if chosen == "json":
        from optverify.serialize import dumps

        text = dumps(result.to_json(), indent=2) + "\n"
    elif chosen == "markdown":
        shown = race_file.name if race_file is not None and result.race else None
        text = result.to_markdown(shown)
    elif chosen == "html":
        text = html_page(result)
    else:
        text = None
    if args.out is not None and text is not None:
        if race_file is not None and result.race:
            write_bytes_atomically(race_file, result.race)
        write_text_atomically(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    elif chosen == "json":
        print_json(result.to_json())
    elif text is not None:
        print(text, end="")
    else:
        print_review(result, console())
    return EXIT_WRONG if result.wrong else EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``review``."""
    from optverify.verification.framework import PROFILES

    p = command(
        commands,
        "review",
        "Check a whole tutorial post: run its code in a sandbox, check its surfaces, "
        "gradients, optimizers, runs, plots, formulas and claims.",
        "optverify review my-post.md --format html --out review.html",
        _review_command,
    )
    p.add_argument(
        "post",
        nargs="?",
        type=typed(_post, "post"),
        metavar="POST",
        help="a Markdown file, a notebook (.ipynb), a Python script, or text copied from a web "
        "page (default: the package's copy of the seed post, 'Optimizer 3')",
    )
    p.add_argument(
        "--timeout",
        type=typed(_seconds, "timeout"),
        default=60.0,
        metavar="SECONDS",
        help="time each code cell may take (default: 60)",
    )
    p.add_argument(
        "--profile",
        choices=tuple(PROFILES),
        default="dev",
        help="the Hypothesis profile the post's optimizers are verified with (default: dev)",
    )
    add_format(p, FORMATS)
    p.set_defaults(format=None)
    p.add_argument(
        "--out",
        type=typed(_out, "out"),
        metavar="FILE",
        help="write the review to FILE (.md, .html or .json; the format follows the suffix); "
        "a Markdown page gets its race GIF beside it as FILE.race.gif",
    )
