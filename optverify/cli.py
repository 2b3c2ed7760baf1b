"""The ``optverify`` command: the parser, the exit statuses and the error handling.

Each group of commands lives in :mod:`optverify.commands` beside its handler. Exit status:
0 success, 1 a verdict of "wrong" (a wrong gradient, a failed property, a stale generated
module), 2 bad input, 130 interrupted. Bad input is reported in one line on stderr, never a
traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from optverify.commands.options import EXIT_BAD_INPUT, EXIT_OK, Handler
from optverify.errors import InvalidArgument

__all__ = ["build_parser", "main"]

EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``optverify`` argument parser."""
    from optverify import __version__
    from optverify.commands import GROUPS

    parser = _Parser(
        prog="optverify",
        description="Make gradient-descent tutorials correct and visible.",
        epilog="example:\n  optverify animate",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"optverify {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for group in GROUPS:
        group.add_commands(commands)
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
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
