"""Commands that draw: ``animate`` (GIFs), ``basin`` and ``sweep`` (pictures of many runs)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from optverify.animation.formats import FORMATS
from optverify.commands.options import (
    EXIT_OK,
    add_surface_options,
    command,
    output,
    point,
    progress,
    resolve_surface,
    setting,
    size,
    steps,
    typed,
)
from optverify.commands.trace import add_optimizer_options, build_optimizer, start_of
from optverify.errors import InvalidArgument
from optverify.limits import check_hold, check_loop

__all__ = ["add_commands"]


def _specs(text: str) -> list[str]:
    """Optimizer names: registered ones, checked now; a user's (``MODULE:ATTR``,
    ``torch:CLASS``, ``optax:NAME``) are resolved when they are built."""
    from optverify.optim import REGISTRY

    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise InvalidArgument(f"optimizers={text!r} is invalid: name at least one optimizer.")
    for name in names:
        if ":" not in name:
            REGISTRY.get(name)
    return names


def _lr_range(text: str) -> tuple[float, float]:
    import math

    try:
        low, high = (float(v) for v in text.split(":"))
    except ValueError:
        raise InvalidArgument(
            f"lr-range={text!r} is invalid: write it as A:B, e.g. 1e-4:1."
        ) from None
    if not (0 < low < high and math.isfinite(high)):
        raise InvalidArgument(
            f"lr_range={(low, high)!r} is invalid: it must be A:B with 0 < A < B, e.g. 1e-4:1."
        )
    return low, high


def _bounded(name: str, low: int, high: int) -> Any:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise InvalidArgument(f"{name}={text!r} is invalid: it must be an integer.") from None
        if not low <= value <= high:
            raise InvalidArgument(f"{name}={value} is invalid: it must lie in [{low}, {high}].")
        return value

    return typed(convert, name)


def _positive(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise InvalidArgument(f"fps={text!r} is invalid: it must be a number.") from None
    if not (math.isfinite(value) and value > 0):
        raise InvalidArgument(f"fps={value!r} is invalid: it must be positive.")
    return value


def _default_optimizer() -> str:
    from optverify.optim.adam import ADAM

    return ADAM.name


records = typed(_specs, "optimizers")
positive = typed(_positive, "fps")


def _number(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidArgument(f"{name}={text!r} is invalid: it must be a number.") from None


def _integer(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidArgument(f"{name}={text!r} is invalid: it must be an integer.") from None


lr_range = typed(_lr_range, "lr_range")


def _split_settings(
    pairs: Sequence[tuple[str, Any]], names: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """``--set lr=0.1`` applies to every optimizer; ``--set adam.lr=0.05`` to adam only (and
    ``--set my_adam.py:MyAdam.lr=0.05`` to a user's: the key is after the last dot)."""
    general = {}
    specific: dict[str, dict[str, Any]] = {name: {} for name in names}
    for key, value in pairs:
        owner, dot, name = key.rpartition(".")
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
        self.bar = progress(1, sys.stderr.isatty())
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
        file_size = animation.path.stat().st_size
        total += file_size
        print(f"{animation.path!s:40s} {file_size / 1024:7.0f} KiB  {animation.frames:4d} frames")
    if len(written) > 1:
        folders = sorted({str(a.path.resolve().parent) for a in written})
        print(
            f"{len(written)} files, {total / 1024 / 1024:.1f} MiB in all, in {', '.join(folders)}"
        )


def _adhoc_spec(args: argparse.Namespace) -> Any:
    from optverify.animation.specs import AnimationSpec, RunSpec

    chosen = args.optimizers or [_default_optimizer()]
    settings = _split_settings(args.set, chosen)
    lr = {} if args.lr is None else {"lr": args.lr}
    runs = tuple(RunSpec.of(name, {**lr, **settings[name]}, kind=args.kind) for name in chosen)
    surface = resolve_surface(args)
    starts = tuple(args.start) if args.start else (start_of(surface, None),)
    return AnimationSpec(
        runs,
        starts,
        args.steps if args.steps is not None else 100,
        surface,
        args.title,
        args.fps if args.fps is not None else 20.0,
        args.size if args.size is not None else (640, 480),
        hold=args.hold if args.hold is not None else 2.0,
        loop=args.loop if args.loop is not None else 0,
    )


def _gallery(folder: Path) -> list[tuple[Path, Any]]:
    """(output, spec) for the whole gallery: the seed's, the shipped specs, the folder's own."""
    from optverify.animation.specs import load_spec, shipped_specs
    from optverify.seed.gallery import gallery_specs

    made = {**gallery_specs(), **shipped_specs()}
    jobs = [(folder / f"{stem}.gif", spec) for stem, spec in made.items()]
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        if path.stem not in made:
            jobs.append((path.with_suffix(".gif"), load_spec(path)))
    return jobs


def _animate_command(args: argparse.Namespace) -> int:
    from optverify.animation.animate import render_spec
    from optverify.animation.specs import load_spec
    from optverify.files import check_output

    adhoc = bool(args.set) or any(
        v is not None
        for v in (
            args.surface, args.expr, args.optimizers, args.start, args.steps, args.lr,
            args.title, args.window, args.size, args.fps, args.kind, args.hold, args.loop,
        )
    )  # fmt: skip
    if args.from_file is not None:
        if args.specs or adhoc:
            raise InvalidArgument(
                "from was given with specs or options: --from FILE draws exactly what FILE's "
                "receipt says; give only --out with it."
            )
        from optverify.animation.receipts import read_receipt, spec_from_receipt

        source = Path(args.from_file)
        spec = spec_from_receipt(read_receipt(source), str(source))
        again = args.out or check_output(f"{source.stem}-again{source.suffix}", FORMATS)
        with _FrameProgress() as bar:
            _report_files([render_spec(spec, again, bar.start(str(again)))])
        return EXIT_OK
    if args.specs and adhoc:
        raise InvalidArgument(
            "specs and options were both given: render SPEC.toml files, or describe one "
            "animation with options, not both."
        )
    if args.specs and args.out and len(args.specs) > 1:
        raise InvalidArgument("out goes with one spec: each of several specs renders beside it.")
    if args.specs and args.out:
        jobs = [(args.out, load_spec(args.specs[0]))]
    elif adhoc or args.out:
        out = args.out or check_output(f"optverify-{args.surface or 'expr'}.gif", FORMATS)
        jobs = [(out, _adhoc_spec(args))]
    elif args.specs:
        jobs = [(check_output(Path(p).with_suffix(".gif")), load_spec(p)) for p in args.specs]
    else:
        folder = Path(args.dir)
        check_output(folder / "gallery.gif", (".gif",))
        jobs = _gallery(folder)
    written = []
    with _FrameProgress() as bar:
        for out, spec in jobs:
            written.append(render_spec(spec, out, bar.start(str(out))))
    _report_files(written)
    return EXIT_OK


def _basin_command(args: argparse.Namespace) -> int:
    from optverify.animation.pictures import draw_basin
    from optverify.files import check_output
    from optverify.optim.landscape import basin

    surface = resolve_surface(args)
    optimizer = build_optimizer(args)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"basin-{surface.name}-{optimizer.name}")
    out = args.out or check_output(f"{stem}.png", (".png",))
    result = basin(surface, optimizer, grid=args.grid, steps=args.steps)
    result = draw_basin(surface, result, out)
    print(
        f"{args.grid}x{args.grid} starts x {args.steps} steps of {optimizer.name} in "
        f"{result.seconds:.2f} s"
    )
    for label, count in result.counts().items():
        print(f"  {label}: {count:,}")
    print(f"wrote {result.path}")
    return EXIT_OK


def _sweep_command(args: argparse.Namespace) -> int:
    from optverify.animation.pictures import draw_sweep
    from optverify.animation.specs import RunSpec
    from optverify.files import check_output
    from optverify.optim.landscape import sweep

    surface = resolve_surface(args)
    chosen: list[str] = args.optimizers
    settings = _split_settings(args.set, chosen)
    # build each once now, so a bad name or value is refused before the sweep starts
    colors = {n: RunSpec.of(n, {**settings[n], "lr": 0.01}, kind=args.kind).color for n in chosen}
    start = start_of(surface, args.start)
    out = args.out or check_output(f"sweep-{surface.name}.png", (".png",))

    def builder(name: str) -> Any:
        return lambda lr: RunSpec.of(name, {**settings[name], "lr": lr}, kind=args.kind).optimizer

    result = sweep(
        surface,
        {name: builder(name) for name in chosen},
        lr_range=args.lr_range,
        points=args.points,
        steps=args.steps,
        start=start,
    )
    result = draw_sweep(surface, result, colors, out)
    for name, (lr, loss) in result.best().items():
        print(f"  {name:10s} best lr {lr:.3g}: final f = {loss:.6g}")
    print(f"wrote {result.path}")
    return EXIT_OK


def add_commands(commands: Any) -> None:
    """Add ``animate``, ``basin`` and ``sweep``."""
    p = command(
        commands,
        "animate",
        "Render GIFs: the gallery (no arguments), SPEC.toml files, or one animation from options.",
        "optverify animate --surface rosenbrock --optimizers adam,momentum "
        "--set adam.lr=0.05 --set momentum.lr=0.001 --start -1.2,1 --steps 300 --out rb.gif",
        _animate_command,
    )
    p.add_argument("specs", nargs="*", metavar="SPEC.toml", help="animation specs to render")
    add_surface_options(p, default_seed=True)
    p.add_argument(
        "--optimizers",
        metavar="A,B,...",
        type=records,
        help="optimizers to race, e.g. adam,sgd,my_adam.py:MyAdam (default: adam)",
    )
    p.add_argument("--lr", type=float, metavar="LR", help="learning rate for every optimizer")
    p.add_argument(
        "--as",
        dest="kind",
        metavar="KIND",
        help="the update rule your own optimizers implement, where their names do not say",
    )
    p.add_argument(
        "--set",
        action="append",
        type=setting,
        default=[],
        metavar="[NAME.]KEY=VALUE",
        help="a hyperparameter for all optimizers (b1=0.8) or one (adam.lr=0.05)",
    )
    p.add_argument(
        "--start", action="append", type=point, metavar="X,Y", help="a start (repeatable)"
    )
    p.add_argument("--steps", type=steps, metavar="N", help="steps (default: 100)")
    p.add_argument("--fps", type=positive, help="frames per second (default: 20)")
    p.add_argument(
        "--hold",
        type=typed(lambda text: check_hold(_number(text, "hold")), "hold"),
        metavar="SECONDS",
        help="how long the last frame is held before the loop restarts (default: 2)",
    )
    p.add_argument(
        "--loop",
        type=typed(lambda text: check_loop(_integer(text, "loop")), "loop"),
        metavar="N",
        help="how many times the animation plays (default: 0, forever)",
    )
    p.add_argument("--size", type=size, metavar="WxH", help="pixels (default: 640x480)")
    p.add_argument("--title", help="the title")
    p.add_argument(
        "--out",
        metavar="FILE",
        type=output(*FORMATS),
        help="where to write the animation: .gif, .webp, .apng, .mp4 or .webm (video needs "
        "the video extra), or .png for a still of the last frame",
    )
    p.add_argument("--dir", default="animations", help="the gallery's folder (default: animations)")
    p.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="draw again the animation FILE (one optverify made) from the receipt it carries; "
        "the new file is byte for byte the old one (default output: NAME-again.SUFFIX)",
    )

    p = command(
        commands,
        "basin",
        "Run a grid of starts as one batch and draw which minimum each reaches, and how fast.",
        "optverify basin --surface himmelblau --optimizer adam --lr 0.05 --grid 400 --steps 500",
        _basin_command,
    )
    add_surface_options(p)
    add_optimizer_options(p)
    p.add_argument(
        "--grid",
        type=_bounded("grid", 2, 2000),
        default=200,
        metavar="N",
        help="N x N starts (default 200)",
    )
    p.add_argument("--steps", type=steps, default=500, metavar="N", help="steps (default: 500)")
    p.add_argument(
        "--out",
        metavar="FILE.png",
        type=output(".png"),
        help="the picture (default: basin-SURFACE-OPT.png)",
    )

    p = command(
        commands,
        "sweep",
        "Final loss against learning rate for several optimizers from one start (log axes).",
        "optverify sweep --surface seed --optimizers sgd,adam --lr-range 1e-3:3 --steps 93",
        _sweep_command,
    )
    add_surface_options(p)
    p.add_argument(
        "--optimizers",
        type=records,
        default="sgd,adam",
        metavar="A,B,...",
        help="(default: sgd,adam)",
    )
    p.add_argument(
        "--lr-range", type=lr_range, default="1e-4:1", metavar="A:B", help="(default: 1e-4:1)"
    )
    p.add_argument(
        "--as",
        dest="kind",
        metavar="KIND",
        help="the update rule your own optimizers implement, where their names do not say",
    )
    p.add_argument(
        "--points",
        type=_bounded("points", 2, 1000),
        default=41,
        help="learning rates tried (default: 41)",
    )
    p.add_argument("--steps", type=steps, default=93, metavar="N", help="steps (default: 93)")
    p.add_argument("--start", metavar="X,Y", type=point, help="the start (default: the surface's)")
    p.add_argument(
        "--set",
        action="append",
        type=setting,
        default=[],
        metavar="[NAME.]KEY=VALUE",
        help="other hyperparameters",
    )
    p.add_argument(
        "--out",
        metavar="FILE.png",
        type=output(".png"),
        help="the picture (default: sweep-SURFACE.png)",
    )
