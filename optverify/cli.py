"""The ``optverify`` command: the parser, the exit statuses and the error handling.

Each group of commands lives in :mod:`optverify.commands` beside its handler. Exit status:
0 success, 1 a verdict of "wrong" (a wrong gradient, a failed property, a stale generated
module), 2 bad input (one line on stderr), 3 an internal error (one line; ``--debug`` prints
the traceback), 130 interrupted by Ctrl-C, 143 terminated. Never a traceback by default.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Sequence
from types import FrameType
from typing import Any, NoReturn

import numpy as np

from optverify.commands.options import EXIT_BAD_INPUT, EXIT_OK, Handler
from optverify.errors import InvalidArgument
from optverify.usercode import install_interrupt_handler

__all__ = ["build_parser", "main"]

EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED = 3, 130, 143


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2, and that never reads
    an abbreviation as an option (so a value such as ``-x**2`` stays a value)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

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
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on an internal error, print the traceback (accepted anywhere on the line)",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for group in GROUPS:
        group.add_commands(commands)
    return parser


def _join_dash_values(argv: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """Turn ``--start -1.2,1.0`` and ``--expr -x**2+y**2`` into ``--start=-1.2,1.0`` and
    ``--expr=-x**2+y**2``, so that argparse reads a value starting with ``-`` as a value: after
    an option that takes one, any token that is not itself an option is its value."""
    takes_value: set[str] = set()
    options: set[str] = set()
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
                continue
            options.update(action.option_strings)
            if action.nargs != 0:
                takes_value.update(s for s in action.option_strings if s.startswith("--"))
    out: list[str] = []
    for token in argv:
        if (
            out
            and out[-1] in takes_value
            and token.startswith("-")
            and token.partition("=")[0] not in options
        ):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so temporary files are removed."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Bad input is one line on stderr and status 2; a "wrong" verdict status 1; an internal
    error one line (the traceback with ``--debug``) and status 3; Ctrl-C status 130 and SIGTERM
    143, after temporary files are removed.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    arguments = [a for a in arguments if a != "--debug"]
    command = next((a for a in arguments if not a.startswith("-")), "")
    prefix = f"optverify {command}".rstrip()
    try:
        if threading.current_thread() is threading.main_thread():
            install_interrupt_handler()
            signal.signal(signal.SIGTERM, _on_sigterm)
        parser = build_parser()
        args = parser.parse_args(_join_dash_values(arguments, parser))
        if not hasattr(args, "handler"):
            parser.print_usage(sys.stderr)
            print("optverify: error: name a command (see optverify --help)", file=sys.stderr)
            return EXIT_BAD_INPUT
        handler: Handler = args.handler
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return handler(args)
    except InvalidArgument as error:
        print(f"{prefix}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print(f"{prefix}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"{prefix}: error: cannot use{where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as error:
        if debug:
            traceback.print_exc()
        first = (str(error).splitlines() or [""])[0]
        print(
            f"{prefix}: internal error: {type(error).__name__}: {first} "
            "(this is a bug in optverify; rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    """After a closed pipe (``| head``), point stdout at /dev/null so exiting does not fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
