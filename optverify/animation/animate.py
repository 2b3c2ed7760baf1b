"""``optverify.animate``: one call from options to a GIF (the command line uses it too)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from optverify.animation.render import MAX_FRAMES, Animation, render
from optverify.animation.specs import AnimationSpec, RunSpec, build_paths
from optverify.errors import InvalidArgument
from optverify.optim.adam import ADAM
from optverify.symbolic import surfaces
from optverify.symbolic.surfaces import Surface, Window

__all__ = ["animate", "render_spec"]


def render_spec(
    spec: AnimationSpec,
    out: str | Path,
    progress: Callable[[int, int], None] | None = None,
) -> Animation:
    """Run the spec's optimizers and render the GIF ``out``."""
    return render(
        spec.surface,
        build_paths(spec),
        out,
        fps=spec.fps,
        size=spec.size,
        title=spec.title,
        max_frames=spec.max_frames,
        progress=progress,
    )


def _points(start: Any) -> tuple[tuple[float, float], ...]:
    try:
        values = [[float(v) for v in point] for point in start]
    except TypeError:
        values = []
    if values and all(len(p) == 2 for p in values):
        return tuple((p[0], p[1]) for p in values)
    try:
        x, y = (float(v) for v in start)
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"start={start!r} is invalid: give a point (x, y) or a list of points."
        ) from None
    return ((x, y),)


def animate(
    surface: str | Surface | None = "seed",
    optimizers: Sequence[str] | Mapping[str, Mapping[str, Any]] = (ADAM.name,),
    *,
    expr: str | None = None,
    start: Any = None,
    steps: int = 100,
    lr: float | None = None,
    fps: float = 20.0,
    size: tuple[int, int] = (640, 480),
    window: Window | tuple[float, float, float, float] | None = None,
    title: str | None = None,
    max_frames: int = MAX_FRAMES,
    out: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Animation:
    """Animate optimizers descending a surface; returns the GIF, which displays in Jupyter.

    Args:
      surface: a registered surface's name or a :class:`Surface` (or ``expr``: an expression
        in x and y).
      optimizers: names (``["adam", "sgd"]``) or names mapped to hyperparameters
        (``{"adam": {"lr": 0.2}, "sgd": {"lr": 0.1}}``).
      start: a point (x, y) or a list of points; default: the surface's own start (the seed
        post's on the seed surface).
      steps: steps each optimizer takes.
      lr: a learning rate for every optimizer that is not given one.
      fps, size, window, title, max_frames: how the GIF looks (see :func:`render`).
      out: the GIF to write; default a file in a new temporary directory.

    Example::

        optverify.animate("rosenbrock", {"adam": {"lr": 0.05}, "momentum": {"lr": 1e-3}},
                          start=(-1.2, 1.0), steps=300)
    """
    settings: dict[str, dict[str, Any]] = (
        {name: dict(hyper) for name, hyper in optimizers.items()}
        if isinstance(optimizers, Mapping)
        else {name: {} for name in optimizers}
    )
    if not settings:
        raise InvalidArgument("optimizers=[] is invalid: name at least one optimizer.")
    runs = tuple(
        RunSpec.of(name, {**({"lr": lr} if lr is not None and "lr" not in hyper else {}), **hyper})
        for name, hyper in settings.items()
    )
    box = (
        Window.checked(*window) if window is not None and not isinstance(window, Window) else window
    )
    if isinstance(surface, Surface):
        chosen = surface if box is None else surfaces.replace_window(surface, box)
    else:
        chosen = surfaces.resolve(None if expr is not None else surface, expr, box)
    if start is None:
        if chosen.start is None:
            raise InvalidArgument("start is missing: give start=(x, y) for this surface.")
        start = chosen.start
    spec = AnimationSpec(runs, _points(start), steps, chosen, title, fps, size, max_frames)
    target = Path(out) if out is not None else Path(tempfile.mkdtemp()) / "optverify.gif"
    return render_spec(spec, target, progress)
