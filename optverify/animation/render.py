"""Render optimizer trajectories on a surface as a GIF, fast.

The renderer only draws finished trajectories. It draws everything that does not move (the
filled contours of f, the colour bar, the minima, the starts, the axes, the legend) once, and
for each frame restores that background and draws only the moving artists on top (blitting):
each path's trail, its current point, its loss curve and the step counter. Frames are mapped
to one palette shared by the whole GIF through a lookup table, pixels that did not change since
the previous frame become transparent, and Pillow writes the GIF; so a frame costs a few
milliseconds and the file stays small. The file is written atomically.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from optverify.errors import InvalidArgument
from optverify.files import atomic_path
from optverify.optim.run import Trajectory
from optverify.symbolic.surfaces import Surface, Window

__all__ = [
    "COLORS",
    "MAX_FRAMES",
    "Animation",
    "Path2D",
    "color_for",
    "frame_steps",
    "render",
]

MAX_FRAMES = 240
"""Frames above this are decimated: evenly spaced steps, the first and last always kept."""

MIN_FRAME_MS = 20
"""A GIF frame lasts at least 20 ms; browsers slow down shorter ones."""

COLORS: dict[str, str] = {
    "sgd": "#1f77b4",
    "momentum": "#ff7f0e",
    "nesterov": "#2ca02c",
    "adagrad": "#d62728",
    "adadelta": "#9467bd",
    "rmsprop": "#8c564b",
    "adam": "#e377c2",
    "amsgrad": "#17becf",
    "adamw": "#bcbd22",
    "adamax": "#7f7f7f",
    "nadam": "#393b79",
    "radam": "#637939",
    "seed-adam": "#000000",
}
"""One colour per optimizer, the same in every GIF."""

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
    """A rendered GIF: where it is and what is in it; displays inline in Jupyter."""

    path: Path
    frames: int
    frame_ms: int
    size: tuple[int, int]
    steps: tuple[int, ...] = field(repr=False)
    window: Window | None = field(default=None, repr=False)
    axes_box: tuple[float, float, float, float] | None = field(default=None, repr=False)

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
        return self.path.stat().st_size

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.path.read_bytes()).decode("ascii")
        return f'<img src="data:image/gif;base64,{data}" alt="{self.path.name}"/>'


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """The steps shown, one per frame: all of them, or evenly spaced ones above the limit."""
    if max_frames < 2:
        raise InvalidArgument(f"max_frames={max_frames} is invalid: it must be at least 2.")
    if steps + 1 <= max_frames:
        return list(range(steps + 1))
    chosen = np.unique(np.round(np.linspace(0, steps, max_frames)).astype(int))
    return [int(s) for s in chosen]


def frame_duration(fps: float) -> int:
    """Milliseconds per frame for ``fps``, in GIF's 10 ms units, at least 20 ms."""
    if not (math.isfinite(fps) and fps > 0):
        raise InvalidArgument(f"fps={fps!r} is invalid: it must be positive.")
    return max(MIN_FRAME_MS, round(1000.0 / fps / 10.0) * 10)


def _levels(values: np.ndarray, floor: float) -> np.ndarray:
    """Levels spaced evenly in log(f - floor): they resolve the bottom of a basin whatever
    the sign of its minimum."""
    finite = values[np.isfinite(values)]
    top = float(np.percentile(finite, 99.5)) - floor if finite.size else 1.0
    top = max(top, 1e-12)
    bottom = max(top * 1e-5, 1e-12)
    return floor + np.concatenate([[0.0], np.geomspace(bottom, top, 24)])


def _default_title(surface: Surface) -> str:
    formula = f"{surface.name}: f(x, y) = {surface.source}"
    return formula if len(formula) <= 75 else f"the {surface.name} surface"


def _shades(color: str) -> list[tuple[float, float, float]]:
    """The optimizer's colour and two lighter mixes with white, each exactly an 8-bit colour
    (so that the drawn pixels and the palette entry agree)."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(color))
    shades = []
    for mix in (0.0, 0.3, 0.55):
        r, g, b = (round(255 * c) / 255 for c in (1 - mix) * rgb + mix)
        shades.append((r, g, b))
    return shades


def _sanitize(points: np.ndarray, window: Window) -> np.ndarray:
    """Points safe to draw: non-finite ones become NaN (a gap) and far-away ones are pulled
    to a box around the window; the axes clip the rest."""
    span = max(window.xmax - window.xmin, window.ymax - window.ymin)
    low = np.array([window.xmin, window.ymin]) - 10 * span
    high = np.array([window.xmax, window.ymax]) + 10 * span
    out = np.where(np.isfinite(points), points, np.nan)
    return np.clip(out, low, high)


def _loss_scale(paths: Sequence[Path2D], floor: float | None) -> tuple[str, float, float]:
    """The loss panel's scale and limits.

    With a known minimum: f - f* on a log scale, from the lowest gap reached up to 3x the
    highest starting gap (a run that blows up leaves through the top instead of squashing the
    others). Without one (unbounded or unknown): f on a symmetric-log scale.
    """
    values = np.concatenate(
        [p.trajectory.losses.reshape(len(p.trajectory.steps), -1).ravel() for p in paths]
    )
    starting = np.concatenate([p.trajectory.losses[0].ravel() for p in paths])
    finite = values[np.isfinite(values)]
    if floor is not None:
        gaps = finite - floor
        gaps = gaps[gaps > 0]
        first = starting[np.isfinite(starting)] - floor
        if gaps.size and first.size and first.max() > 0:
            high = 3 * float(first.max())
            low = max(float(gaps.min()), high * 1e-15, 1e-300)
            return "log", low / 2, high
    if not finite.size:
        return "symlog", -1.0, 1.0
    low = max(float(finite.min()), -1e30)
    high = min(float(finite.max()), 1e30)

    def widen(value: float, outward: float) -> float:
        return value * 1.5 if value * outward > 1 else value + outward

    return "symlog", widen(low, -1.0), widen(high, 1.0)


def _palette_lut(palette: np.ndarray) -> np.ndarray:
    """For every colour with 6 bits a channel, the index of the nearest palette colour."""
    from PIL import Image

    levels = (np.arange(64, dtype=np.uint8) << 2) + 2
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    cube = np.stack([r, g, b], axis=-1).reshape(512, 512, 3)
    palette_image = Image.new("P", (1, 1))
    palette_image.putpalette(palette.astype(np.uint8).ravel().tolist())
    nearest = Image.fromarray(cube, "RGB").quantize(palette=palette_image, dither=Image.Dither.NONE)
    return np.asarray(nearest, dtype=np.uint8).reshape(64, 64, 64)


def _digit_images(size: float, dpi: int) -> dict[str, np.ndarray]:
    """Each digit 0-9 rendered once as an RGBA block (DejaVu Sans digits share one width), so
    the step counter costs a few array copies per frame instead of a text layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    images = {}
    for digit in "0123456789":
        fig = Figure(figsize=(0.5, 0.4), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        text = fig.text(0.1, 0.3, digit, fontsize=size)
        canvas.draw()
        box = text.get_window_extent(canvas.get_renderer())
        buffer = np.asarray(canvas.buffer_rgba())
        top = int(buffer.shape[0] - math.ceil(box.y1))
        bottom = int(buffer.shape[0] - math.floor(box.y0))
        images[digit] = buffer[top:bottom, math.floor(box.x0) : math.ceil(box.x1)].copy()
    widest = max(image.shape[1] for image in images.values())
    tallest = max(image.shape[0] for image in images.values())
    for digit, image in images.items():
        padded = np.full((tallest, widest, 4), 255, dtype=np.uint8)
        padded[: image.shape[0], : image.shape[1]] = image
        images[digit] = padded
    return images


COLORS_IN_PALETTE = 63
"""Colours in the GIF's one palette. 127 and the transparent index make 128 entries, 7 bits a
pixel: LZW codes start a bit shorter than with 256, and the frames look the same."""

TRANSPARENT = COLORS_IN_PALETTE
"""The palette index that marks a pixel unchanged since the previous frame."""


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
) -> Animation:
    """Render ``paths`` descending ``surface`` into the GIF ``out``.

    Args:
      surface: the surface; its contours fill the left panel.
      paths: one :class:`Path2D` per optimizer run (each may hold several starts).
      out: the GIF to write (atomically: an interrupted render leaves no partial file).
      fps: frames per second; a frame lasts at least 20 ms.
      size: ``(width, height)`` in pixels.
      window: the region shown (default: the surface's window); paths leaving it are clipped.
      title: the title; default names the surface.
      max_frames: more steps than this are decimated to evenly spaced frames.
      trail: how many recent steps of each path are drawn bright (older ones stay faint).
      progress: ``progress(done, total)`` after each frame.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import BoundaryNorm
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D
    from matplotlib.markers import MarkerStyle
    from matplotlib.path import Path as MplPath
    from matplotlib.transforms import Affine2D, IdentityTransform
    from PIL import Image

    if not paths:
        raise InvalidArgument("paths=[] is invalid: give at least one optimizer run to draw.")
    width, height = size
    if not (80 <= width <= 4000 and 80 <= height <= 4000):
        raise InvalidArgument(f"size={size!r} is invalid: width and height must lie in [80, 4000].")
    steps_total = int(paths[0].trajectory.steps[-1])
    for p in paths:
        if len(p.trajectory.steps) != steps_total + 1:
            raise InvalidArgument(
                f"trajectory {p.label!r} is invalid for animation: record every step "
                "(run(..., record='all')) with the same number of steps for every path."
            )
    window = window or surface.window
    shown = frame_steps(steps_total, max_frames)
    duration = frame_duration(fps)

    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    small = max(6.0, min(9.0, width / 90))
    legend_rows = math.ceil((len(paths) + 1 + (1 if surface.minima else 0)) / 4)
    grid = fig.add_gridspec(
        1,
        2,
        width_ratios=(1.5, 1),
        left=0.08,
        right=0.97,
        bottom=0.12 + 0.05 * legend_rows,
        top=0.84,
        wspace=0.55,
    )
    ax = fig.add_subplot(grid[0])
    loss_ax = fig.add_subplot(grid[1])

    # --- the static background -------------------------------------------------------------
    xs = np.linspace(window.xmin, window.xmax, 200)
    ys = np.linspace(window.ymin, window.ymax, 200)
    values = surface.value(np.stack(np.meshgrid(xs, ys), axis=-1))
    known = surface.minimum_value
    finite = values[np.isfinite(values)]
    floor = min(
        float(finite.min()) if finite.size else 0.0, known if known is not None else math.inf
    )
    if surface.minima:
        levels = _levels(values, floor)
    else:  # unbounded or unknown: no floor to measure from, so linear levels
        top = float(np.percentile(finite, 99.5)) if finite.size else 1.0
        levels = np.linspace(floor, max(top, floor + 1e-9), 25)
    cmap = matplotlib.colormaps["YlGnBu_r"]
    norm = BoundaryNorm(levels, cmap.N, extend="max")
    filled = ax.contourf(
        xs,
        ys,
        np.where(np.isfinite(values), values, levels[-1] * 10),
        levels=levels,
        cmap=cmap,
        norm=norm,
        extend="max",
        alpha=0.85,
    )
    ax.contour(xs, ys, values, levels=levels[::2], colors="white", linewidths=0.4, alpha=0.6)
    bar = fig.colorbar(filled, ax=ax, fraction=0.05, pad=0.02)
    bar.ax.tick_params(labelsize=small - 1)
    ticks = levels[[0, 6, 12, 18, 24]]
    bar.set_ticks(list(ticks))
    bar.set_ticklabels([f"{t:.3g}" for t in ticks])
    spacing = "log-spaced levels" if surface.minima else "linear levels"
    bar.set_label(f"f(x, y), {spacing}", fontsize=small - 1)
    ax.set_xlim(window.xmin, window.xmax)
    ax.set_ylim(window.ymin, window.ymax)
    ax.set_autoscale_on(False)
    ax.set_xlabel("x", fontsize=small)
    ax.set_ylabel("y", fontsize=small)
    ax.tick_params(labelsize=small - 1)
    for minimum in surface.minima or ():
        ax.plot(
            *minimum.point,
            marker="*",
            markersize=11,
            color="gold",
            markeredgecolor="black",
            markeredgewidth=0.6,
            zorder=5,
            linestyle="none",
        )
    starts = np.unique(
        np.concatenate([p.trajectory.points[0].reshape(-1, 2) for p in paths]), axis=0
    )
    ax.plot(
        starts[:, 0],
        starts[:, 1],
        marker="o",
        markersize=6,
        color="white",
        markeredgecolor="black",
        linestyle="none",
        zorder=5,
    )

    scale, low, high = _loss_scale(paths, known)
    if scale == "symlog":
        loss_ax.set_yscale("symlog", linthresh=1.0)
    else:
        loss_ax.set_yscale(scale)
    loss_ax.set_xlim(0, max(steps_total, 1))
    loss_ax.set_ylim(low, high)
    loss_ax.set_autoscale_on(False)
    loss_ax.set_xlabel("step", fontsize=small)
    loss_ax.set_ylabel("f - f*" if scale == "log" else "f", fontsize=small)
    loss_ax.tick_params(which="both", labelsize=small - 1)
    loss_ax.grid(True, alpha=0.3, linewidth=0.5)
    handles = [
        Line2D([], [], color=p.color, linestyle=p.linestyle, linewidth=2)  # type: ignore[arg-type]
        for p in paths
    ]
    handles += [
        Line2D([], [], marker="o", color="white", markeredgecolor="black", linestyle="none"),
    ]
    labels = [p.label for p in paths] + ["start"]
    if surface.minima:
        handles.append(
            Line2D(
                [],
                [],
                marker="*",
                color="gold",
                markeredgecolor="black",
                markersize=10,
                linestyle="none",
            )
        )
        labels.append("global minimum")
    fig.legend(
        handles,
        labels,
        loc="lower center",
        ncol=min(4, len(labels)),
        fontsize=small - 1.5,
        frameon=False,
        bbox_to_anchor=(0.5, -0.01),
    )
    fig.suptitle(title or _default_title(surface), fontsize=small + 1)
    digits = _digit_images(small, dpi)
    digit_h, digit_w = next(iter(digits.values())).shape[:2]
    places = len(str(steps_total))
    counter_y = round(height * 0.085)  # rows from the top
    counter_x = round(width / 2 - (places * digit_w) / 2)
    fig.text(
        counter_x / width - 0.004,
        1 - (counter_y + digit_h * 0.8) / height,
        "step",
        ha="right",
        fontsize=small,
    )
    fig.text(
        (counter_x + places * digit_w) / width + 0.006,
        1 - (counter_y + digit_h * 0.8) / height,
        f"/ {steps_total}",
        ha="left",
        fontsize=small,
    )

    # --- what moves -----------------------------------------------------------------------
    # Each frame restores the background and draws the moving parts straight through the Agg
    # renderer (anti-aliased, clipped to their axes), with coordinates transformed to pixels
    # once, up front: no Artist bookkeeping per frame.
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    renderer = canvas.get_renderer()
    identity = IdentityTransform()
    marker = MarkerStyle("o")
    marker_path = marker.get_path()
    cross_path = MarkerStyle("X").get_path()
    head_size = Affine2D().scale(3.6 * dpi / 72)
    cross_size = Affine2D().scale(5.0 * dpi / 72)
    FontProperties(size=small)
    note_props = FontProperties(size=small - 1)
    # A fading trail in three shades: the last 4 steps in the optimizer's colour, the `trail`
    # before them lighter, everything older lighter still. The shades are opaque mixes with
    # white rather than transparency, so each is one exact palette entry, and few shades keep
    # the pixels that change per frame (and so the GIF) small.
    fresh = 4

    runs: list[dict[str, Any]] = []
    for p in paths:
        points = p.trajectory.points.reshape(steps_total + 1, -1, 2)
        losses = p.trajectory.losses.reshape(steps_total + 1, -1)
        diverged = np.asarray(p.trajectory.diverged_at).reshape(-1)
        for k in range(points.shape[1]):
            end = steps_total if diverged[k] < 0 else int(diverged[k])
            xy = _sanitize(points[: end + 1, k], window)
            loss = losses[: end + 1, k].astype(float)
            if scale == "log" and known is not None:
                loss = np.where(loss - known > 0, loss - known, np.nan)
            loss = np.where(np.isfinite(loss), np.clip(loss, low, high), np.nan)
            with np.errstate(all="ignore"):
                pixels = ax.transData.transform(xy)
                curve = loss_ax.transData.transform(
                    np.stack([np.arange(end + 1, dtype=float), loss], axis=-1)
                )
            runs.append(
                {
                    "pixels": pixels,
                    "curve": curve,
                    "end": end,
                    "diverged": diverged[k] >= 0,
                    "shades": _shades(p.color),
                    "dashes": p.linestyle,
                    "label": p.label,
                }
            )

    def stroke(
        vertices: np.ndarray, color: Any, width: float, clip: Any, dashes: str = "-"
    ) -> None:
        if len(vertices) < 2:
            return
        gc = renderer.new_gc()
        gc.set_foreground(color)
        gc.set_linewidth(width)
        if dashes == "--":
            gc.set_dashes(0, (4.0, 2.5))
        gc.set_capstyle("round")
        gc.set_joinstyle("round")
        gc.set_clip_rectangle(clip)
        gc.set_antialiased(False)  # crisp: fewer pixels change per frame, exact palette colours
        renderer.draw_path(gc, MplPath(vertices), identity)
        gc.restore()

    def dot(where: np.ndarray, shape: Any, size: Any, color: Any, clip: Any) -> None:
        if not (math.isfinite(where[0]) and math.isfinite(where[1])):
            return
        gc = renderer.new_gc()
        gc.set_foreground("white" if shape is marker_path else "black")
        gc.set_linewidth(0.9)
        gc.set_clip_rectangle(clip)
        gc.set_antialiased(True)
        renderer.draw_markers(gc, shape, size, MplPath(where[None]), identity, color)
        gc.restore()

    def draw_frame(step: int) -> np.ndarray:
        canvas.restore_region(background)
        for notes, run in enumerate(runs):
            upto = min(step, run["end"])
            pixels = run["pixels"][: upto + 1]
            old = max(0, upto - fresh - trail)
            mid = max(0, upto - fresh)
            bright, medium, faint = run["shades"]
            stroke(pixels[: old + 1], faint, 1.5, ax.bbox, run["dashes"])
            stroke(pixels[old : mid + 1], medium, 1.8, ax.bbox, run["dashes"])
            stroke(pixels[mid:], bright, 2.2, ax.bbox, run["dashes"])
            dot(pixels[-1], marker_path, head_size, bright, ax.bbox)
            stroke(run["curve"][: upto + 1], bright, 1.3, loss_ax.bbox, run["dashes"])
            if run["diverged"] and step >= run["end"]:
                dot(pixels[-1], cross_path, cross_size, bright, ax.bbox)
                gc = renderer.new_gc()
                gc.set_foreground(bright)
                x0, y1 = ax.bbox.x0 + 6, ax.bbox.y1 - 14 - 13 * notes
                renderer.draw_text(
                    gc, x0, y1, f"{run['label']}: diverged at step {run['end']}", note_props, 0.0
                )
                gc.restore()
        buffer = np.asarray(renderer.buffer_rgba())
        number = str(step).rjust(places)
        for place, character in enumerate(number):
            left = counter_x + place * digit_w
            block = buffer[counter_y : counter_y + digit_h, left : left + digit_w]
            block[...] = digits[character] if character != " " else 255
        return np.asarray(renderer.buffer_rgba())

    # One palette for the whole GIF: every shade of every path, exactly, and the background's
    # colours quantized into the entries left. Background pixels only ever map to background
    # entries, so no part of the surface takes on an optimizer's colour.
    reserved = np.unique(
        np.array(
            [[255, 255, 255], [0, 0, 0], [255, 215, 0]]
            + [[round(255 * c) for c in shade] for run in runs for shade in run["shades"]],
            dtype=np.uint8,
        ),
        axis=0,
    )
    free = COLORS_IN_PALETTE - len(reserved)
    if free < 16:
        raise InvalidArgument(
            f"paths={len(paths)} are too many for one GIF palette: draw at most "
            f"{(COLORS_IN_PALETTE - 16 - 3) // 3} optimizers in one animation."
        )
    background_rgba = np.asarray(renderer.buffer_rgba()).copy()
    # Quantize the colourful pixels only: white (most of the figure) has its entry already.
    colourful = background_rgba[..., :3].reshape(-1, 3)
    colourful = colourful[np.any(colourful != 255, axis=-1)]
    quantized = Image.fromarray(colourful[None], "RGB").quantize(
        colors=free, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    raw = np.array((quantized.getpalette() or [])[: 3 * free], dtype=np.uint8).reshape(-1, 3)
    palette = np.zeros((COLORS_IN_PALETTE + 1, 3), dtype=np.uint8)
    palette[: len(reserved)] = reserved
    palette[len(reserved) : len(reserved) + len(raw)] = raw
    palette[len(reserved) + len(raw) :] = raw[-1]
    full_lut = _palette_lut(palette[:COLORS_IN_PALETTE]).ravel()
    background_lut = _palette_lut(palette[len(reserved) : COLORS_IN_PALETTE]) + len(reserved)
    background_lut = background_lut.ravel().astype(np.uint8)
    flat_palette = palette.ravel().tolist()

    def lookup(table: np.ndarray, rgba: np.ndarray) -> np.ndarray:
        r, g, b = rgba[..., 0] >> 2, rgba[..., 1] >> 2, rgba[..., 2] >> 2
        found: np.ndarray = table[(r.astype(np.intp) << 12) | (g.astype(np.intp) << 6) | b]
        return found

    background_index = lookup(background_lut, background_rgba)
    # ... except pixels that are exactly a reserved colour (the legend's lines, white, black).
    for entry, colour in enumerate(reserved):
        exact = np.all(background_rgba[..., :3] == colour, axis=-1)
        background_index[exact] = entry
    background_packed = background_rgba.view(np.uint32)[..., 0]

    frames = []
    previous_packed = background_packed.ravel().copy()
    index = background_index.ravel().copy()
    flat_background_index = background_index.ravel()
    flat_background_packed = background_packed.ravel()
    for i, step in enumerate(shown):
        rgba = draw_frame(step).reshape(-1, 4)
        packed = rgba.view(np.uint32)[:, 0]
        changed = np.flatnonzero(packed != previous_packed)
        now = packed[changed]
        on_background = now == flat_background_packed[changed]
        index[changed] = np.where(
            on_background, flat_background_index[changed], lookup(full_lut, rgba[changed])
        )
        previous_packed[changed] = now
        if i == 0:
            shown_index = index.copy()
        else:
            shown_index = np.full(index.shape, TRANSPARENT, dtype=np.uint8)
            shown_index[changed] = index[changed]
        image = Image.fromarray(shown_index.reshape(height, width), "P")
        image.putpalette(flat_palette)
        frames.append(image)
        if progress is not None:
            progress(i + 1, len(shown))

    target = Path(out)
    if target.suffix.lower() != ".gif":
        raise InvalidArgument(f"out={str(out)!r} is invalid: the animation is written as a .gif.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as temporary:
        frames[0].save(
            temporary,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=duration,
            loop=0,
            disposal=1,
            transparency=TRANSPARENT,
            optimize=False,
        )
    box = (ax.bbox.x0, ax.bbox.y0, ax.bbox.x1, ax.bbox.y1)
    fig.clf()
    return Animation(target, len(frames), duration, (width, height), tuple(shown), window, box)
