"""The static scene of an animation: everything that does not move, drawn once.

:func:`build_scene` lays out the figure (the contour panel with its colour bar, the loss panel,
the legend, the title and the step counter's label), draws the filled contours of f, the
minima and the starts, and keeps the rendered background. Frames are then drawn on top of it
by :mod:`optverify.animation.frames`. Rendering goes through an explicit Agg canvas, so the
user's matplotlib backend is never touched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from optverify.errors import InvalidArgument
from optverify.symbolic.surfaces import Surface, Window

if TYPE_CHECKING:
    from optverify.animation.render import Path2D

__all__ = ["DPI", "Scene", "build_scene"]

DPI = 100


@dataclass
class Scene:
    """A laid-out figure with its background rendered, and what frames need to draw on it.

    Attributes:
      canvas, renderer: the Agg canvas and its renderer.
      ax, loss_ax: the contour panel and the loss panel.
      background: the saved background region, restored before each frame.
      window: the region shown in the contour panel.
      width, height: pixels.
      small: the base font size.
      scale, low, high: the loss panel's scale (``log`` of f - f*, or ``symlog`` of f) and
        limits.
      known: the known minimum value of f, if any.
      steps_total: the last step.
      digits: the step counter's pre-rendered digits; ``counter_x``, ``counter_y`` where the
        counter's first digit goes (pixels from the left and the top); ``places`` its width.
      scale_px: line widths and markers scale with the frame (1 at 640x480), as fonts do.
      minima, starts: the global minima and the starts in pixels, stamped on top of every
        frame so that no path or end point hides them.
    """

    fig: Any
    canvas: Any
    renderer: Any
    ax: Any
    loss_ax: Any
    background: Any
    window: Window
    width: int
    height: int
    small: float
    scale: str
    low: float
    high: float
    known: float | None
    steps_total: int
    digits: dict[str, np.ndarray]
    counter_x: int
    counter_y: int
    places: int
    scale_px: float = 1.0
    minima: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    starts: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))


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


def _digit_images(size: float, dpi: int) -> tuple[dict[str, np.ndarray], float]:
    """Each digit 0-9 rendered once as an RGBA block (DejaVu Sans digits share one width), so
    the step counter costs a few array copies per frame instead of a text layout; and the row
    of the blocks that is the text's baseline, so the digits sit on the label's baseline."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    images = {}
    baseline = 0.0
    inches = 2.0 * size / 72
    for digit in "0123456789":
        fig = Figure(figsize=(inches, inches), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        text = fig.text(0.1, 0.3, digit, fontsize=size)
        canvas.draw()
        box = text.get_window_extent(canvas.get_renderer())
        buffer = np.asarray(canvas.buffer_rgba())
        top = int(buffer.shape[0] - math.ceil(box.y1))
        bottom = int(buffer.shape[0] - math.floor(box.y0))
        baseline = max(baseline, math.ceil(box.y1) - 0.3 * buffer.shape[0])
        images[digit] = buffer[top:bottom, math.floor(box.x0) : math.ceil(box.x1)].copy()
    widest = max(image.shape[1] for image in images.values())
    tallest = max(image.shape[0] for image in images.values())
    for digit, image in images.items():
        padded = np.full((tallest, widest, 4), 255, dtype=np.uint8)
        padded[: image.shape[0], : image.shape[1]] = image
        images[digit] = padded
    return images, baseline


def _contours(fig: Any, ax: Any, surface: Surface, window: Window, small: float) -> float | None:
    """Filled contours of f with a colour bar; returns the known minimum value."""
    import matplotlib
    from matplotlib.colors import BoundaryNorm

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
    if surface.minima:  # the levels are spaced in f - f*: say so, in round numbers
        bar.set_ticklabels(["0", *(_round_label(t - floor) for t in ticks[1:])])
        bar.set_label("f - f* (log-spaced levels)", fontsize=small - 1)
    else:
        bar.set_ticklabels([_round_label(t) for t in ticks])
        bar.set_label("f(x, y), linear levels", fontsize=small - 1)
    return known


def _round_label(value: float) -> str:
    """A colour-bar tick in two significant digits: 0.0023, 0.47, 12, 150, 1.5e+05."""
    if value == 0:
        return "0"
    rounded = float(f"{value:.2g}")
    if 100 <= abs(rounded) < 100_000:
        return f"{rounded:.0f}"
    return f"{value:.2g}"


def _markers(ax: Any, surface: Surface, paths: Sequence[Path2D], unit: float = 1.0) -> None:
    """The global minima (gold stars) and the starts (white circles)."""
    for minimum in surface.minima or ():
        ax.plot(
            *minimum.point,
            marker="*",
            markersize=11 * max(1.0, unit),
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
        markersize=6 * max(1.0, unit),
        color="white",
        markeredgecolor="black",
        linestyle="none",
        zorder=5,
    )


def _legend(fig: Any, surface: Surface, paths: Sequence[Path2D], small: float, width: int) -> None:
    from matplotlib.lines import Line2D

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
    # as many columns as fit across the frame (a label is about 0.55 em a character wide)
    entry = (max(len(label) for label in labels) * 0.55 + 4.5) * (small - 0.5) * DPI / 72
    columns = max(1, min(4, len(labels), int(0.96 * width // entry)))
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=columns,
        fontsize=small - 0.5,
        frameon=False,
    )


def check_text(what: str, text: str) -> None:
    """Refuse text that matplotlib cannot typeset (a mathtext error between ``$`` signs)."""
    if text.count("$") - text.count(r"\$") < 2:
        return
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("agg").parse(text, dpi=DPI)
    except ValueError as error:
        reason = " ".join(str(error).split())[:80]
        raise InvalidArgument(
            f"{what}={text!r} is invalid: matplotlib cannot typeset it ({reason}); write $ as "
            r"\$ for a dollar sign."
        ) from None


def build_scene(
    surface: Surface,
    paths: Sequence[Path2D],
    *,
    window: Window,
    size: tuple[int, int],
    title: str | None,
    steps_total: int,
) -> Scene:
    """Lay out and draw everything that does not move; the background is kept for frames."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    check_text("title", title or "")
    for p in paths:
        check_text("label", p.label)
    width, height = size
    # Constrained layout keeps every label clear of every other at any size; fonts, lines,
    # markers and paddings scale with the frame (9 pt at 640x480).
    unit = min(width / 640, height / 480)
    small = max(5.5, 9.0 * unit)
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, layout="constrained")
    pad = max(4.0, 8 * unit) / DPI
    fig.get_layout_engine().set(w_pad=pad, h_pad=pad, wspace=0.03)  # type: ignore[call-arg,union-attr]
    canvas = FigureCanvasAgg(fig)
    grid = fig.add_gridspec(1, 2, width_ratios=(1.7, 1))
    ax = fig.add_subplot(grid[0])
    loss_ax = fig.add_subplot(grid[1])
    aspect = (window.ymax - window.ymin) / (window.xmax - window.xmin)
    if 0.6 <= aspect <= 1.6:  # equal scales where the window allows it
        ax.set_aspect("equal", adjustable="box")

    known = _contours(fig, ax, surface, window, small)
    ax.set_xlim(window.xmin, window.xmax)
    ax.set_ylim(window.ymin, window.ymax)
    ax.set_autoscale_on(False)
    ax.set_xlabel("x", fontsize=small)
    ax.set_ylabel("y", fontsize=small)
    ax.tick_params(labelsize=small - 1, pad=2 * unit + 1, length=3 * unit + 1)
    _markers(ax, surface, paths, unit)

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
    loss_ax.tick_params(which="both", labelsize=small - 1, pad=2 * unit + 1)
    loss_ax.grid(True, alpha=0.3, linewidth=0.5)
    _legend(fig, surface, paths, small, width)
    # the title's second line is left empty for the step counter: the layout makes room for it
    heading = fig.suptitle(f"{title or _default_title(surface)}\n", fontsize=small + 1)
    wide = heading.get_window_extent(canvas.get_renderer()).width
    if wide > 0.96 * width:  # a long title (a surface's expression) shrinks to fit the frame
        heading.set_fontsize((small + 1) * 0.96 * width / wide)

    digits, digit_baseline = _digit_images(small, DPI)
    digit_w = next(iter(digits.values())).shape[1]
    places = len(str(steps_total))
    canvas.draw()
    fig.set_layout_engine("none")  # frozen: every frame is drawn on exactly this layout
    box = heading.get_window_extent(canvas.get_renderer())
    baseline = box.y0 + 0.22 * box.height  # the empty second line's baseline, from the bottom
    counter_y = round(height - baseline - digit_baseline)  # rows from the top
    counter_x = round(width / 2 - (places * digit_w) / 2)
    fig.text(counter_x - 0.3 * digit_w, baseline, "step", ha="right", va="baseline",
             fontsize=small, transform=None)  # fmt: skip
    fig.text(counter_x + (places + 0.3) * digit_w, baseline, f"/ {steps_total}", ha="left",
             va="baseline", fontsize=small, transform=None)  # fmt: skip
    canvas.draw()
    minima = np.array([m.point for m in surface.minima or ()], dtype=float).reshape(-1, 2)
    starts = np.unique(
        np.concatenate([p.trajectory.points[0].reshape(-1, 2) for p in paths]), axis=0
    )
    inside = (
        (minima[:, 0] >= window.xmin) & (minima[:, 0] <= window.xmax)
        & (minima[:, 1] >= window.ymin) & (minima[:, 1] <= window.ymax)
    )  # fmt: skip
    return Scene(
        fig=fig,
        canvas=canvas,
        renderer=canvas.get_renderer(),
        ax=ax,
        loss_ax=loss_ax,
        background=canvas.copy_from_bbox(fig.bbox),
        window=window,
        width=width,
        height=height,
        small=small,
        scale=scale,
        low=low,
        high=high,
        known=known,
        steps_total=steps_total,
        digits=digits,
        counter_x=counter_x,
        counter_y=counter_y,
        places=places,
        scale_px=max(0.7, min(width / 640, height / 480)),
        minima=ax.transData.transform(minima[inside]) if inside.any() else np.empty((0, 2)),
        starts=ax.transData.transform(starts),
    )
