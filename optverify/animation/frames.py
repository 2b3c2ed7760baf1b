"""The moving part of an animation: each frame drawn on the scene's background.

Each frame restores the background and draws the moving parts straight through the Agg
renderer (anti-aliased where it helps, clipped to their axes), with coordinates transformed to
pixels once, up front: each run's trail, its current point, its loss curve, a note where it
diverged, and the step counter. No Artist bookkeeping per frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optverify.animation.scene import DPI, Scene
from optverify.symbolic.surfaces import Window

if TYPE_CHECKING:
    from optverify.animation.render import Path2D

__all__ = ["FramePainter", "Run", "shades"]

FRESH = 4
"""Steps of each path drawn in its full colour at the head of the trail."""


def shades(color: str) -> list[tuple[float, float, float]]:
    """The optimizer's colour and two lighter mixes with white, each exactly an 8-bit colour
    (so that the drawn pixels and the palette entry agree)."""
    from matplotlib.colors import to_rgb

    rgb = np.array(to_rgb(color))
    out = []
    for mix in (0.0, 0.3, 0.55):
        r, g, b = (round(255 * c) / 255 for c in (1 - mix) * rgb + mix)
        out.append((r, g, b))
    return out


def _sanitize(points: np.ndarray, window: Window) -> np.ndarray:
    """Points safe to draw: non-finite ones become NaN (a gap) and far-away ones are pulled
    to a box around the window; the axes clip the rest."""
    span = max(window.xmax - window.xmin, window.ymax - window.ymin)
    low = np.array([window.xmin, window.ymin]) - 10 * span
    high = np.array([window.xmax, window.ymax]) + 10 * span
    out = np.where(np.isfinite(points), points, np.nan)
    return np.clip(out, low, high)


@dataclass(frozen=True)
class Run:
    """One start of one path, in pixels: its trail, its loss curve, the last record it
    reaches (``end``, an index into the recorded steps) and the step it diverged at (-1)."""

    pixels: np.ndarray
    curve: np.ndarray
    end: int
    diverged_at: int
    shades: list[tuple[float, float, float]]
    dashes: str
    label: str


def _runs(scene: Scene, paths: Sequence[Path2D]) -> list[Run]:
    recorded = paths[0].trajectory.steps
    count = len(recorded)
    runs = []
    for p in paths:
        points = p.trajectory.points.reshape(count, -1, 2)
        losses = p.trajectory.losses.reshape(count, -1)
        diverged = np.asarray(p.trajectory.diverged_at).reshape(-1)
        for k in range(points.shape[1]):
            gone = int(diverged[k])
            end = count - 1 if gone < 0 else int(np.searchsorted(recorded, gone, side="right")) - 1
            xy = _sanitize(points[: end + 1, k], scene.window)
            loss = losses[: end + 1, k].astype(float)
            if scene.scale == "log" and scene.known is not None:
                loss = np.where(loss - scene.known > 0, loss - scene.known, np.nan)
            loss = np.where(np.isfinite(loss), np.clip(loss, scene.low, scene.high), np.nan)
            with np.errstate(all="ignore"):
                pixels = scene.ax.transData.transform(xy)
                curve = scene.loss_ax.transData.transform(
                    np.stack([recorded[: end + 1].astype(float), loss], axis=-1)
                )
            runs.append(
                Run(
                    pixels,
                    curve,
                    end,
                    gone,
                    shades(p.color),
                    p.linestyle,
                    p.label,
                )
            )
    return runs


class FramePainter:
    """Draws frame after frame on a scene: ``painter.draw(step)`` returns the RGBA buffer.

    Every path keeps its full colour from start to end, so the last frame (the one people
    screenshot) matches the legend; its most recent ``trail`` steps are highlighted on top:
    a wide halo in a light shade of the colour under a thicker line. The shades are opaque
    mixes with white rather than transparency, so each is one exact palette entry. Then, in a
    fixed order over everything: the current points, the crosses where runs diverged, the
    starts (hollow rings, so the current point shows through in frame 0) and the global
    minima (gold stars), which no path or end point may hide.
    """

    def __init__(self, scene: Scene, paths: Sequence[Path2D], trail: int) -> None:
        from matplotlib.font_manager import FontProperties
        from matplotlib.markers import MarkerStyle
        from matplotlib.transforms import Affine2D, IdentityTransform

        self.scene = scene
        self.trail = trail
        self.runs = _runs(scene, paths)
        self.identity = IdentityTransform()
        self.marker_path = MarkerStyle("o").get_path()
        self.cross_path = MarkerStyle("X").get_path()
        self.star_path = MarkerStyle("*").get_path()
        self.star_size = Affine2D().scale(5.5 * scene.scale_px * DPI / 72)
        self.ring_size = Affine2D().scale(4.6 * scene.scale_px * DPI / 72)
        self.head_size = Affine2D().scale(3.6 * scene.scale_px * DPI / 72)
        self.cross_size = Affine2D().scale(5.0 * scene.scale_px * DPI / 72)
        self.note_props = FontProperties(size=scene.small - 1)
        self.digit_h, self.digit_w = next(iter(scene.digits.values())).shape[:2]

    def colours(self) -> list[tuple[float, float, float]]:
        """Every colour a frame draws runs in (each run's shades)."""
        return [shade for run in self.runs for shade in run.shades]

    def _stroke(
        self, vertices: np.ndarray, color: Any, width: float, clip: Any, dashes: str = "-"
    ) -> None:
        from matplotlib.path import Path as MplPath

        if len(vertices) < 2:
            return
        renderer = self.scene.renderer
        gc = renderer.new_gc()
        gc.set_foreground(color)
        gc.set_linewidth(width)
        if dashes == "--":
            gc.set_dashes(0, (4.0, 2.5))
        gc.set_capstyle("round")
        gc.set_joinstyle("round")
        gc.set_clip_rectangle(clip)
        gc.set_antialiased(False)  # crisp: fewer pixels change per frame, exact palette colours
        renderer.draw_path(gc, MplPath(vertices), self.identity)
        gc.restore()

    def _dot(self, where: np.ndarray, shape: Any, size: Any, color: Any, clip: Any) -> None:
        from matplotlib.path import Path as MplPath

        if not (math.isfinite(where[0]) and math.isfinite(where[1])):
            return
        renderer = self.scene.renderer
        gc = renderer.new_gc()
        gc.set_foreground("white" if shape is self.marker_path else "black")
        gc.set_linewidth(0.9)
        gc.set_clip_rectangle(clip)
        gc.set_antialiased(True)
        renderer.draw_markers(gc, shape, size, MplPath(where[None]), self.identity, color)
        gc.restore()

    def _ring(self, where: np.ndarray, clip: Any) -> None:
        from matplotlib.path import Path as MplPath

        renderer = self.scene.renderer
        gc = renderer.new_gc()
        gc.set_foreground("black")
        gc.set_linewidth(1.2 * self.scene.scale_px)
        gc.set_clip_rectangle(clip)
        gc.set_antialiased(True)
        renderer.draw_markers(gc, self.marker_path, self.ring_size, MplPath(where[None]),
                              self.identity, None)  # fmt: skip
        gc.restore()

    def draw(self, index: int, step: int) -> np.ndarray:
        """The frame at record ``index`` (step ``step``) as an RGBA array (a view of the
        canvas: copy to keep it)."""
        scene = self.scene
        ax_box, loss_box = scene.ax.bbox, scene.loss_ax.bbox
        scene.canvas.restore_region(scene.background)
        for run in self.runs:
            upto = min(index, run.end)
            pixels = run.pixels[: upto + 1]
            recent = pixels[max(0, upto - FRESH - self.trail) :]
            bright, _, faint = run.shades
            self._stroke(pixels, bright, 1.5 * scene.scale_px, ax_box, run.dashes)
            self._stroke(recent, faint, 4.5 * scene.scale_px, ax_box)
            self._stroke(recent, bright, 2.4 * scene.scale_px, ax_box, run.dashes)
            self._stroke(run.curve[: upto + 1], bright, 1.3 * scene.scale_px, loss_box, run.dashes)
        for notes, run in enumerate(self.runs):
            upto = min(index, run.end)
            bright = run.shades[0]
            pixels = run.pixels[: upto + 1]
            self._dot(pixels[-1], self.marker_path, self.head_size, bright, ax_box)
            if run.diverged_at >= 0 and step >= run.diverged_at:
                self._dot(pixels[-1], self.cross_path, self.cross_size, bright, ax_box)
                renderer = scene.renderer
                gc = renderer.new_gc()
                gc.set_foreground(bright)
                # Agg's draw_text counts y from the top (it flips y): the note's baseline sits
                # inside the contour panel, one line per diverged run from its top edge
                line = (scene.small + 3) * DPI / 72
                x0 = ax_box.x0 + 6 * scene.scale_px
                baseline = scene.height - ax_box.y1 + line * (notes + 1)
                renderer.draw_text(
                    gc,
                    x0,
                    baseline,
                    f"{run.label}: diverged at step {run.diverged_at}",
                    self.note_props,
                    0.0,
                )
                gc.restore()
        for start in scene.starts:
            self._ring(start, ax_box)
        for minimum in scene.minima:
            self._dot(minimum, self.star_path, self.star_size, (1.0, 215 / 255, 0.0), ax_box)
        buffer = np.asarray(scene.renderer.buffer_rgba())
        number = str(step).rjust(scene.places)
        for place, character in enumerate(number):
            left = scene.counter_x + place * self.digit_w
            block = buffer[
                scene.counter_y : scene.counter_y + self.digit_h, left : left + self.digit_w
            ]
            block[...] = scene.digits[character] if character != " " else 255
        return np.asarray(scene.renderer.buffer_rgba())
