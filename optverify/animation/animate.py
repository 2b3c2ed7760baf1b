"""``optverify.animate``: one call from options to a GIF (the command line uses it too)."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from optverify.animation.formats import FORMATS
from optverify.animation.render import Animation, frame_duration, render
from optverify.animation.specs import AnimationSpec, RunSpec, build_paths
from optverify.errors import InvalidArgument
from optverify.files import check_output
from optverify.limits import (
    MAX_ANIMATION_STARTS,
    MAX_FRAMES,
    MAX_RUNS,
    check_hold,
    check_loop,
    check_size,
    check_steps,
)
from optverify.optim.adam import ADAM
from optverify.optim.coerce import as_starts
from optverify.symbolic import surfaces
from optverify.symbolic.surfaces import Surface, Window

__all__ = ["animate", "render_spec"]


def render_spec(
    spec: AnimationSpec,
    out: str | Path,
    progress: Callable[[int, int], None] | None = None,
) -> Animation:
    """Run the spec's optimizers and render ``out`` (its suffix picks the format), with the
    spec as its receipt."""
    from optverify.animation.receipts import receipt_for

    return render(
        spec.surface,
        build_paths(spec),
        out,
        fps=spec.fps,
        size=spec.size,
        title=spec.title,
        max_frames=spec.max_frames,
        progress=progress,
        hold=spec.hold,
        loop=spec.loop,
        receipt=receipt_for(spec),
    )


def _points(start: Any) -> tuple[tuple[float, float], ...]:
    points = as_starts(start).reshape(-1, 2)
    return tuple((float(x), float(y)) for x, y in points)


def animate(
    surface: str | Surface | None = None,
    optimizers: Any = (ADAM.name,),
    *,
    expr: str | None = None,
    start: Any = None,
    steps: int = 100,
    lr: float | None = None,
    fps: float = 20.0,
    size: tuple[int, int] = (640, 480),
    window: Window | tuple[float, float, float, float] | None = None,
    title: str | None = None,
    max_frames: int = 240,
    hold: float = 2.0,
    loop: int = 0,
    out: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Animation:
    """Animate optimizers descending a surface; returns the GIF, which displays in Jupyter.

    Args:
      surface: a registered surface's name or a :class:`Surface` (default: the seed post's),
        or give ``expr`` instead: an expression in x and y.
      optimizers: names (``["adam", "sgd"]``) or names mapped to hyperparameters
        (``{"adam": {"lr": 0.2}, "sgd": {"lr": 0.1}}``); a name may be your own
        (``"my_adam.py:MyAdam"``), and so may a key or item be: your class or function itself,
        adapted as verification adapts it, racing the built-in ones.
      start: a point (x, y) or a list of points; default: the surface's own start (the seed
        post's on the seed surface).
      steps: steps each optimizer takes.
      lr: a learning rate for every optimizer that is not given one.
      fps, size, window, title, max_frames: how the GIF looks (see :func:`render`).
      hold: seconds the last frame is held; loop: how many times it plays (0: forever).
      out: the file to write (its suffix picks the format: .gif, .webp, .apng, .mp4, .webm,
        or .png for a still); default none: the GIF is kept in memory (``.data``, ``.save()``)
        and no file or folder is left behind.

    Example::

        optverify.animate("rosenbrock", {"adam": {"lr": 0.05}, "momentum": {"lr": 1e-3}},
                          start=(-1.2, 1.0), steps=300)
    """
    if surface is not None and expr is not None:
        raise InvalidArgument(
            "surface and expr were both given: give a surface's name or an expression, not both."
        )
    if isinstance(optimizers, str) or callable(optimizers):
        optimizers = [optimizers]
    settings: dict[Any, dict[str, Any]]
    if isinstance(optimizers, Mapping):
        settings = {name: dict(hyper) for name, hyper in optimizers.items()}
    elif isinstance(optimizers, Sequence) and all(
        isinstance(n, str) or callable(n) for n in optimizers
    ):
        settings = {name: {} for name in optimizers}
    else:
        raise InvalidArgument(
            f"optimizers={optimizers!r} is invalid: give names (['adam', 'sgd']) or names "
            "mapped to hyperparameters ({'adam': {'lr': 0.1}})."
        )
    if not settings:
        raise InvalidArgument("optimizers=[] is invalid: name at least one optimizer.")
    if len(settings) > MAX_RUNS:
        raise InvalidArgument(
            f"optimizers: {len(settings)} is too many for one animation; the limit is {MAX_RUNS}."
        )
    steps = check_steps(steps)
    size = check_size(size)
    frame_duration(fps)
    if isinstance(max_frames, bool) or not isinstance(max_frames, int):
        raise InvalidArgument(f"max_frames={max_frames!r} is invalid: it must be an integer.")
    if not 2 <= max_frames <= MAX_FRAMES:
        raise InvalidArgument(
            f"max_frames={max_frames} is invalid: it must lie in [2, {MAX_FRAMES}]."
        )
    target = check_output(out, FORMATS) if out is not None else None
    runs = tuple(
        RunSpec.of(name, {**({"lr": lr} if lr is not None and "lr" not in hyper else {}), **hyper})
        for name, hyper in settings.items()
    )
    box = Window.coerce(window) if window is not None else None
    if expr is not None:
        chosen = surfaces.from_expression(expr, box)
    else:
        base = surfaces.as_surface(surface if surface is not None else "seed")
        chosen = base if box is None else surfaces.replace_window(base, box)
    if start is None:
        if chosen.start is None:
            raise InvalidArgument("start is missing: give start=(x, y) for this surface.")
        start = chosen.start
    starts = _points(start)
    if len(starts) > MAX_ANIMATION_STARTS:
        raise InvalidArgument(
            f"start: {len(starts)} points is too many; the limit is {MAX_ANIMATION_STARTS}."
        )
    hold, loop = check_hold(hold), check_loop(loop)
    spec = AnimationSpec(runs, starts, steps, chosen, title, fps, size, max_frames, hold, loop)
    if target is not None:
        return render_spec(spec, target, progress)
    with tempfile.TemporaryDirectory(prefix="optverify-") as folder:  # removed on the way out
        made = render_spec(spec, Path(folder) / "optverify.gif", progress)
        return dataclasses.replace(made, path=Path("optverify.gif"), data=made.path.read_bytes())
