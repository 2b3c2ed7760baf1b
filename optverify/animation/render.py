"""Render optimizer trajectories on a surface as a GIF, fast.

The renderer only draws finished trajectories, in three parts: the static scene (the filled
contours of f, the colour bar, the minima, the starts, the axes, the legend) drawn once
(:mod:`~optverify.animation.scene`); each frame restored from that background with only the
moving parts drawn on top (:mod:`~optverify.animation.frames`); and a writer that turns frames
into a file (:mod:`~optverify.animation.writers`). So a frame costs a few milliseconds and the
file stays small. The file is written atomically.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from optverify.animation.formats import check_format, open_writer
from optverify.animation.frames import FramePainter
from optverify.animation.scene import build_scene
from optverify.errors import InvalidArgument
from optverify.files import atomic_path
from optverify.optim import REGISTRY
from optverify.optim.run import Trajectory
from optverify.symbolic.surfaces import Surface, Window

__all__ = [
    "COLORS",
    "MAX_FRAMES",
    "Animation",
    "Path2D",
    "color_for",
    "distinct_colours",
    "frame_steps",
    "render",
]

MAX_FRAMES = 240
"""Frames above this are decimated: evenly spaced steps, the first and last always kept."""

MIN_FRAME_MS = 20
"""A GIF frame lasts at least 20 ms; browsers slow down shorter ones."""

COLORS: dict[str, str] = {r.name: r.color for r in REGISTRY.records(specimens=True)}
"""One colour per optimizer (from its record), the same in every GIF."""

_EXTRA = ["#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1"]


def color_for(name: str) -> str:
    """The colour of optimizer ``name`` (user optimizers get a stable colour by name)."""
    if name in COLORS:
        return COLORS[name]
    return _EXTRA[sum(name.encode()) % len(_EXTRA)]


@dataclass(frozen=True)
class Path2D:
    """One optimizer's run to draw: its trajectory (any number of starts) and its look."""

    label: str
    trajectory: Trajectory
    color: str
    linestyle: str = "-"


@dataclass(frozen=True)
class Animation:
    """A rendered animation (or still): where it is and what is in it; displays inline in
    Jupyter. One made without an output file (``optverify.animate(..., out=None)``) lives in
    memory (``data``) and is written only by :meth:`save`: no temporary folder is left behind.
    """

    path: Path
    frames: int
    frame_ms: int
    size: tuple[int, int]
    steps: tuple[int, ...] = field(repr=False)
    window: Window | None = field(default=None, repr=False)
    axes_box: tuple[float, float, float, float] | None = field(default=None, repr=False)
    data: bytes | None = field(default=None, repr=False)

    def read(self) -> bytes:
        """The file's bytes (from memory, or from ``path``)."""
        return self.data if self.data is not None else self.path.read_bytes()

    def save(self, path: str | Path) -> Path:
        """Write the animation to ``path`` (atomically) and return where it went; the suffix
        must be the animation's own."""
        from optverify.files import check_output, write_bytes_atomically

        target = check_output(path, (self.path.suffix.lower(),))
        write_bytes_atomically(target, self.read())
        return target

    def pixel(self, point: Sequence[float]) -> tuple[int, int]:
        """The (column, row) of the GIF's pixel at ``point`` (x, y) of the contour panel."""
        if self.window is None or self.axes_box is None:
            raise InvalidArgument("this animation does not know where its contour panel is.")
        x0, y0, x1, y1 = self.axes_box  # display pixels, origin at the bottom left
        w = self.window
        column = x0 + (point[0] - w.xmin) / (w.xmax - w.xmin) * (x1 - x0)
        row = y0 + (point[1] - w.ymin) / (w.ymax - w.ymin) * (y1 - y0)
        return int(column), int(self.size[1] - row)

    @property
    def bytes(self) -> int:
        """The file's size."""
        return len(self.data) if self.data is not None else self.path.stat().st_size

    def _repr_html_(self) -> str:
        """The animation inline: an image, or a looping video with controls."""
        import html

        data = base64.b64encode(self.read()).decode("ascii")
        name = html.escape(self.path.name)
        suffix = self.path.suffix.lower().lstrip(".")
        if suffix in ("mp4", "webm"):
            return (
                f'<video controls autoplay loop muted playsinline width="{self.size[0]}" '
                f'src="data:video/{suffix};base64,{data}" title="{name}"></video>'
            )
        kind = {"apng": "apng", "webp": "webp", "png": "png"}.get(suffix, "gif")
        return f'<img src="data:image/{kind};base64,{data}" alt="{name}"/>'


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """The records shown, one per frame, of records ``0..steps``: all of them, or evenly
    spaced ones above the limit (the first and the last always)."""
    if max_frames < 2:
        raise InvalidArgument(f"max_frames={max_frames} is invalid: it must be at least 2.")
    if steps + 1 <= max_frames:
        return list(range(steps + 1))
    chosen = np.unique(np.round(np.linspace(0, steps, max_frames)).astype(int))
    return [int(s) for s in chosen]


HOLD_SECONDS = 2.0
"""How long the last frame (the one people screenshot) is held before the loop restarts."""

DISTINCT = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
            "#F0E442")  # fmt: skip
"""Okabe and Ito's colour-blind-safe qualitative palette, for runs that would share a colour."""


def distinct_colours(paths: Sequence[Path2D]) -> list[Path2D]:
    """``paths`` with every run in its own colour: a run whose optimizer's colour is taken
    already (the same optimizer twice: the post's Adam and the correct one, Adam at three
    learning rates) gets the first colour of :data:`DISTINCT` nobody uses."""
    import dataclasses

    used: set[str] = set()
    out = []
    for p in paths:
        color = p.color
        if color.lower() in used:
            color = next((c for c in DISTINCT if c.lower() not in used), color)
        used.add(color.lower())
        out.append(dataclasses.replace(p, color=color))
    return out


def describe(surface: Surface, paths: Sequence[Path2D], title: str | None, steps: int) -> str:
    """What a file says about itself: the version that drew it, the surface and the runs."""
    from optverify import __version__

    runs = "; ".join(p.label for p in paths)
    return (
        f"optverify {__version__}: {title or surface.name}; f(x, y) = {surface.source}; "
        f"window {list(surface.window)}; {steps} steps; runs: {runs}"
    )


def frame_duration(fps: float) -> int:
    """Milliseconds per frame for ``fps``, in GIF's 10 ms units, at least 20 ms."""
    if not (math.isfinite(fps) and fps > 0):
        raise InvalidArgument(f"fps={fps!r} is invalid: it must be positive.")
    return max(MIN_FRAME_MS, round(1000.0 / fps / 10.0) * 10)


def render(
    surface: Surface,
    paths: Sequence[Path2D],
    out: str | Path,
    *,
    fps: float = 20.0,
    size: tuple[int, int] = (720, 480),
    window: Window | None = None,
    title: str | None = None,
    max_frames: int = MAX_FRAMES,
    trail: int = 20,
    progress: Callable[[int, int], None] | None = None,
    hold: float = HOLD_SECONDS,
    loop: int = 0,
    receipt: str | None = None,
) -> Animation:
    """Render ``paths`` descending ``surface`` into ``out``: a ``.gif``, ``.webp``, ``.apng``,
    ``.mp4`` or ``.webm`` animation, or a ``.png`` still of the last frame (see
    :mod:`optverify.animation.formats`).

    Args:
      surface: the surface; its contours fill the left panel.
      paths: one :class:`Path2D` per optimizer run (each may hold several starts).
      out: the file to write (atomically: an interrupted render leaves no partial file).
      fps: frames per second; a frame lasts at least 20 ms.
      size: ``(width, height)`` in pixels.
      window: the region shown (default: the surface's window); paths leaving it are clipped.
      title: the title; default names the surface.
      max_frames: more steps than this are decimated to evenly spaced frames.
      trail: how many recent steps of each path are highlighted (the whole path stays in its
        colour).
      progress: ``progress(done, total)`` after each frame.
      hold: seconds the last frame is held before the animation starts again.
      loop: how many times it plays (0: forever).
      receipt: the text the file carries about itself (default: the version, the surface and
        the runs; :func:`~optverify.animation.animate.render_spec` gives the whole spec).
    """
    if not paths:
        raise InvalidArgument("paths=[] is invalid: give at least one optimizer run to draw.")
    target = Path(out)
    width, height = size
    recorded = paths[0].trajectory.steps
    steps_total = int(recorded[-1])
    for p in paths:
        if not np.array_equal(p.trajectory.steps, recorded):
            raise InvalidArgument(
                f"trajectory {p.label!r} is invalid for animation: every path must record the "
                "same steps (run(..., record='all') or the same every=)."
            )
    window = window or surface.window
    shown = frame_steps(len(recorded) - 1, max_frames)
    suffix = check_format(target, len(shown), (width, height))
    if suffix == ".png":
        shown = shown[-1:]  # a still is the last frame
    duration = frame_duration(fps)
    paths = distinct_colours(paths)
    scene = build_scene(
        surface, paths, window=window, size=(width, height), title=title, steps_total=steps_total
    )
    try:
        painter = FramePainter(scene, paths, trail)
        background = np.asarray(scene.renderer.buffer_rgba())
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as temporary, open(temporary, "wb") as stream:
            writer = open_writer(
                suffix, stream, temporary, background=background, colours=painter.colours(),
                paths=len(paths), frame_ms=duration, loop=loop,
                receipt=receipt or describe(surface, paths, title, steps_total),
            )  # fmt: skip
            for i, index in enumerate(shown):
                writer.add(painter.draw(index, int(recorded[index])))
                if progress is not None:
                    progress(i + 1, len(shown))
            writer.hold(round(hold * 1000))
            writer.finish()
        ax = scene.ax
        box = (ax.bbox.x0, ax.bbox.y0, ax.bbox.x1, ax.bbox.y1)
    finally:
        scene.fig.clf()
    steps = tuple(int(recorded[i]) for i in shown)
    return Animation(target, len(shown), duration, (width, height), steps, window, box)
