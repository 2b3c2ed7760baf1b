"""``optverify trace``: one optimizer from one start, the trajectory as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from optverify.commands.options import (
    EXIT_OK,
    add_format,
    add_surface_options,
    command,
    output,
    point,
    resolve_surface,
    setting,
    steps,
)
from optverify.errors import InvalidArgument
from optverify.optim.base import Optimizer
from optverify.symbolic.surfaces import Surface

__all__ = ["add_commands", "add_optimizer_options", "build_optimizer", "start_of"]


def add_optimizer_options(parser: argparse.ArgumentParser) -> None:
    """``--optimizer NAME``, ``--as KIND``, ``--lr`` and ``--set KEY=VALUE``."""
    from optverify.optim import REGISTRY
    from optverify.optim.adam import ADAM

    parser.add_argument(
        "--optimizer",
        metavar="NAME",
        default=ADAM.name,
        help=f"a registered optimizer ({', '.join(REGISTRY.names(specimens=True))}), or your "
        f"own: MODULE:ATTR, path.py:ATTR, torch:CLASS, optax:NAME (default: {ADAM.name})",
    )
    parser.add_argument(
        "--as",
        dest="kind",
        metavar="KIND",
        help="the update rule your own optimizer implements, where its name does not say",
    )
    parser.add_argument("--lr", type=float, metavar="LR", help="the learning rate")
    parser.add_argument(
        "--set",
        action="append",
        type=setting,
        default=[],
        metavar="KEY=VALUE",
        help="another hyperparameter, e.g. --set b1=0.8 --set eps=1e-6 (repeatable)",
    )


def build_optimizer(args: argparse.Namespace) -> Optimizer:
    """The optimizer ``--optimizer`` (and ``--as``), ``--lr`` and ``--set`` describe: a
    registered one, or a user's adapted as for verification."""
    from optverify.animation.specs import RunSpec

    settings: dict[str, Any] = dict(args.set)
    if args.lr is not None:
        settings["lr"] = args.lr
    return RunSpec.of(args.optimizer, settings, kind=args.kind).optimizer


def start_of(surface: Surface, given: tuple[float, float] | None) -> tuple[float, float]:
    """The start given, or the surface's own."""
    if given is not None:
        return given
    if surface.start is not None:
        return surface.start
    raise InvalidArgument(
        f"start is missing: pass --start X,Y for surface {surface.name!r} "
        "(it has no start of its own)."
    )


def _rows(trajectory: Any, last: int, chunk: int = 4096) -> Iterator[list[tuple[Any, ...]]]:
    """The trajectory's rows (step, x, y, f) up to ``last``, a chunk at a time."""
    for first in range(0, last, chunk):
        stop = min(first + chunk, last)
        steps = trajectory.steps[first:stop].tolist()
        points = trajectory.points[first:stop].tolist()
        losses = trajectory.losses[first:stop].tolist()
        yield [(s, p[0], p[1], f) for s, p, f in zip(steps, points, losses, strict=True)]


def _csv(trajectory: Any, last: int) -> Iterator[str]:
    yield "step,x,y,loss\n"
    for rows in _rows(trajectory, last):
        yield "".join(f"{s},{x!r},{y!r},{f!r}\n" for s, x, y, f in rows)


def _json(trajectory: Any, last: int) -> Iterator[str]:
    """The run as JSON, one row per line, written as it goes (a million rows stay cheap)."""
    from optverify.serialize import dumps

    head = {k: v for k, v in trajectory.to_json(rows=False).items() if k != "trajectory"}
    yield dumps(head, indent=1)[:-2] + ',\n "trajectory": [\n'
    separator = ""
    for rows in _rows(trajectory, last):
        text = ",\n".join(
            "  " + dumps({"step": s, "x": x, "y": y, "loss": f}, indent=None) for s, x, y, f in rows
        )
        yield separator + text
        separator = ",\n"
    yield "\n ]\n}\n"


def _trace_command(args: argparse.Namespace) -> int:
    from optverify.optim.run import run

    surface = resolve_surface(args)
    start = start_of(surface, args.start)
    optimizer = build_optimizer(args)
    trajectory = run(optimizer, surface, start, args.steps)
    diverged = int(trajectory.diverged_at)
    last = len(trajectory.steps) if diverged < 0 else diverged + 1
    chunks = _json(trajectory, last) if args.format == "json" else _csv(trajectory, last)
    if args.out:
        from optverify.files import atomic_path

        with atomic_path(args.out) as temporary, open(temporary, "w", encoding="utf-8") as out:
            out.writelines(chunks)
        print(f"wrote {args.out} ({last} rows)", file=sys.stderr)
    else:
        sys.stdout.writelines(chunks)
        sys.stdout.flush()
    if diverged >= 0:
        print(
            f"optverify trace: the run diverged at step {diverged} (the point, its gradient or f "
            "was no longer finite); the trace stops there.",
            file=sys.stderr,
        )
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``trace``."""
    p = command(
        commands,
        "trace",
        "Run one optimizer from one start and print the trajectory (CSV or JSON).",
        "optverify trace --surface rosenbrock --optimizer adam --lr 0.05 --start -1.2,1.0 "
        "--steps 500",
        _trace_command,
    )
    add_surface_options(p)
    add_optimizer_options(p)
    p.add_argument(
        "--start",
        metavar="X,Y",
        type=point,
        help="the starting point (default: the surface's own, e.g. the post's 0.5,5.8 on seed)",
    )
    p.add_argument("--steps", type=steps, default=100, metavar="N", help="steps (default: 100)")
    add_format(p, ("csv", "json"))
    p.add_argument(
        "--out",
        metavar="FILE",
        type=output(),
        help="write to FILE (atomically) instead of stdout",
    )
