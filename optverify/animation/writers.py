"""Writers: frames in, one file out (written atomically).

:class:`GifWriter` maps every frame to one palette shared by the whole GIF through a lookup
table: every colour the runs are drawn in is an exact entry, and the background's colours are
quantized into the entries left, so no part of the surface takes on an optimizer's colour.
Pixels that did not change since the previous frame become transparent (delta frames), so a
GIF of a few moving lines stays small.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from optverify.errors import InvalidArgument
from optverify.files import atomic_path

__all__ = ["COLORS_IN_PALETTE", "TRANSPARENT", "GifWriter"]

COLORS_IN_PALETTE = 63
"""Colours in the GIF's one palette. 127 and the transparent index make 128 entries, 7 bits a
pixel: LZW codes start a bit shorter than with 256, and the frames look the same."""

TRANSPARENT = COLORS_IN_PALETTE
"""The palette index that marks a pixel unchanged since the previous frame."""

_FIXED = [[255, 255, 255], [0, 0, 0], [255, 215, 0]]
"""White, black and the minimum's gold: always exact entries."""


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


def _lookup(table: np.ndarray, rgba: np.ndarray) -> np.ndarray:
    r, g, b = rgba[..., 0] >> 2, rgba[..., 1] >> 2, rgba[..., 2] >> 2
    found: np.ndarray = table[(r.astype(np.intp) << 12) | (g.astype(np.intp) << 6) | b]
    return found


class GifWriter:
    """Collects frames as palette images and writes the GIF.

    Args:
      background: the scene's background, RGBA ``(height, width, 4)``.
      colours: every colour the moving parts are drawn in (RGB floats in [0, 1]).
      paths: how many optimizer runs there are, for the message when the palette is full.
    """

    def __init__(
        self,
        background: np.ndarray,
        colours: Sequence[tuple[float, float, float]],
        paths: int,
    ) -> None:
        from PIL import Image

        reserved = np.unique(
            np.array(_FIXED + [[round(255 * c) for c in shade] for shade in colours], np.uint8),
            axis=0,
        )
        free = COLORS_IN_PALETTE - len(reserved)
        if free < 16:
            raise InvalidArgument(
                f"paths={paths} are too many for one GIF palette: draw at most "
                f"{(COLORS_IN_PALETTE - 16 - 3) // 3} optimizers in one animation."
            )
        background = background.copy()
        self.height, self.width = background.shape[:2]
        # Quantize the colourful pixels only: white (most of the figure) has its entry already.
        colourful = background[..., :3].reshape(-1, 3)
        colourful = colourful[np.any(colourful != 255, axis=-1)]
        quantized = Image.fromarray(colourful[None], "RGB").quantize(
            colors=free, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        raw = np.array((quantized.getpalette() or [])[: 3 * free], dtype=np.uint8).reshape(-1, 3)
        palette = np.zeros((COLORS_IN_PALETTE + 1, 3), dtype=np.uint8)
        palette[: len(reserved)] = reserved
        palette[len(reserved) : len(reserved) + len(raw)] = raw
        palette[len(reserved) + len(raw) :] = raw[-1]
        self.full_lut = _palette_lut(palette[:COLORS_IN_PALETTE]).ravel()
        background_lut = _palette_lut(palette[len(reserved) : COLORS_IN_PALETTE]) + len(reserved)
        background_lut = background_lut.ravel().astype(np.uint8)
        self.palette = palette.ravel().tolist()
        background_index = _lookup(background_lut, background)
        # ... except pixels that are exactly a reserved colour (the legend's lines, white, black).
        for entry, colour in enumerate(reserved):
            exact = np.all(background[..., :3] == colour, axis=-1)
            background_index[exact] = entry
        packed = background.view(np.uint32)[..., 0]
        self.background_index = background_index.ravel()
        self.background_packed = packed.ravel()
        self.previous_packed = self.background_packed.copy()
        self.index = self.background_index.copy()
        self.frames: list[Any] = []

    def add(self, rgba: np.ndarray) -> None:
        """Append a frame (RGBA, the background's shape)."""
        from PIL import Image

        flat = rgba.reshape(-1, 4)
        packed = flat.view(np.uint32)[:, 0]
        changed = np.flatnonzero(packed != self.previous_packed)
        now = packed[changed]
        on_background = now == self.background_packed[changed]
        self.index[changed] = np.where(
            on_background,
            self.background_index[changed],
            _lookup(self.full_lut, flat[changed]),
        )
        self.previous_packed[changed] = now
        if not self.frames:
            shown = self.index.copy()
        else:
            shown = np.full(self.index.shape, TRANSPARENT, dtype=np.uint8)
            shown[changed] = self.index[changed]
        image = Image.fromarray(shown.reshape(self.height, self.width), "P")
        image.putpalette(self.palette)
        self.frames.append(image)

    def finish(self, target: Path, frame_ms: int) -> None:
        """Write the GIF to ``target`` atomically (looping forever)."""
        with atomic_path(target) as temporary:
            self.frames[0].save(
                temporary,
                format="GIF",
                save_all=True,
                append_images=self.frames[1:],
                duration=frame_ms,
                loop=0,
                disposal=1,
                transparency=TRANSPARENT,
                optimize=False,
            )
