"""What every command shares: exit statuses, argument types that parse once, shared options.

Each ``type=`` here turns a string into a checked value (a :class:`Surface` name, a point, a
window, a size, an optimizer record, an output path whose folder is writable), so handlers and
the library receive typed values. A type that refuses a value raises
:class:`argparse.ArgumentTypeError` with the library's one-line message.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from optverify.errors import InvalidArgument
from optverify.symbolic.surfaces import Surface, Window

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_OK",
    "EXIT_WRONG",
    "add_format",
    "add_surface_options",
    "command",
    "console",
    "optimizer_record",
    "output",
    "point",
    "print_json",
    "progress",
    "resolve_surface",
    "setting",
    "size",
    "steps",
    "typed",
    "window",
]

EXIT_OK, EXIT_WRONG, EXIT_BAD_INPUT = 0, 1, 2

T = TypeVar("T")

Handler = Callable[[argparse.Namespace], int]


def typed(convert: Callable[[str], T], name: str) -> Callable[[str], T]:
    """An argparse ``type=`` from a converter that raises :class:`InvalidArgument`."""

    def parse(text: str) -> T:
        try:
            return convert(text)
        except InvalidArgument as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = name
    return parse


def _point(text: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidArgument(
            f"start={text!r} is invalid: write it as X,Y, e.g. -1.2,1.0."
        ) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InvalidArgument(f"start={text!r} is invalid: the coordinates must be finite.")
    return x, y


def _size(text: str) -> tuple[int, int]:
    from optverify.limits import check_size

    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InvalidArgument(f"size={text!r} is invalid: write it as WxH, e.g. 640x480.") from None
    return check_size((width, height))


def _steps(text: str) -> int:
    from optverify.limits import MAX_STEPS

    try:
        value = int(text)
    except ValueError:
        raise InvalidArgument(f"steps={text!r} is invalid: it must be an integer >= 0.") from None
    if value < 0:
        raise InvalidArgument(f"steps={value} is invalid: it must be >= 0.")
    if value > MAX_STEPS:
        raise InvalidArgument(
            f"steps={value} is invalid: the limit is {MAX_STEPS:,} steps in one run."
        )
    return value


def _setting(text: str) -> tuple[str, bool | float | str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InvalidArgument(f"set={text!r} is invalid: write it as KEY=VALUE, e.g. b1=0.8.")
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return key.strip(), lowered == "true"
    try:
        return key.strip(), float(value)
    except ValueError:
        return key.strip(), value.strip()


def _optimizer_record(text: str) -> Any:
    from optverify.optim import REGISTRY

    return REGISTRY.get(text)


def _surface_name(text: str) -> str:
    from optverify.symbolic import surfaces

    surfaces.get(text)
    return text


point = typed(_point, "point")
size = typed(_size, "size")
steps = typed(_steps, "steps")
setting = typed(_setting, "setting")
window = typed(Window.parse, "window")
optimizer_record = typed(_optimizer_record, "optimizer")
surface_name = typed(_surface_name, "surface")


def output(*suffixes: str) -> Callable[[str], Path]:
    """An argparse type for a file to write: one of ``suffixes``, in a writable folder."""
    from optverify.files import check_output

    return typed(lambda text: check_output(text, suffixes), "output")


def add_surface_options(parser: argparse.ArgumentParser, *, default_seed: bool = True) -> None:
    """``--surface NAME`` or ``--expr EXPR`` (not both), and ``--window``."""
    group = parser.add_argument_group("surface (one of)")
    either = group.add_mutually_exclusive_group()
    either.add_argument(
        "--surface",
        metavar="NAME",
        type=surface_name,
        help="a registered surface (see `optverify surfaces`)"
        + ("; default: seed" if default_seed else ""),
    )
    either.add_argument(
        "--expr",
        metavar="EXPR",
        help='an expression in x and y, e.g. "x**2 + 10*y**2" (parsed safely, never executed)',
    )
    group.add_argument(
        "--window",
        metavar="XMIN:XMAX,YMIN:YMAX",
        type=window,
        help="the window to use instead of the surface's own, e.g. -1:2,-2:1",
    )


def resolve_surface(args: argparse.Namespace) -> Surface:
    """The surface the options name, with the window applied."""
    from optverify.symbolic import surfaces

    return surfaces.resolve(args.surface, args.expr, args.window)


def add_format(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    """``--format`` with ``choices``, the first being the default."""
    parser.add_argument(
        "--format",
        choices=choices,
        default=choices[0],
        help=f"output format (default: {choices[0]})",
    )


def command(
    commands: Any, name: str, help_text: str, example: str, handler: Handler
) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` with its help, an example, and its handler."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def print_json(data: Any) -> None:
    """Print ``data`` as strictly valid JSON (non-finite numbers as null, with the reason)."""
    from optverify.serialize import dumps

    print(dumps(data, indent=2))


def console() -> Any:
    """A rich console on stdout."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def progress(total: int, enabled: bool) -> Any:
    """A progress bar on stderr (transient), shown only when ``enabled``."""
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


def stderr_is_a_terminal() -> bool:
    """Whether progress bars should be shown."""
    return sys.stderr.isatty()
