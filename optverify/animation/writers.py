"""Writers: frames in, one file out, written as the frames come (so memory stays flat in the
number of frames).

:class:`GifWriter` maps every frame to one palette shared by the whole GIF through a lookup
table: every colour the runs are drawn in is an exact entry, and the background's colours are
quantized into the entries left, so no part of the surface takes on an optimizer's colour.
Pixels that did not change since the previous frame become transparent (delta frames), so a
GIF of a few moving lines stays small.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, BinaryIO

import numpy as np

from optverify.errors import InvalidArgument

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
    """Encodes frames into a GIF as they come: nothing but the current frame is kept.

    Every frame after the first holds only the pixels that changed (the rest transparent) and
    is cropped to the box around them; all frames share the one global palette; a frame that
    changes nothing lengthens the one before. Pillow's GIF encoder (``getdata``) compresses
    each frame.

    Args:
      stream: a binary file to write to (the caller makes the write atomic).
      background: the scene's background, RGBA ``(height, width, 4)``.
      colours: every colour the moving parts are drawn in (RGB floats in [0, 1]).
      paths: how many optimizer runs there are, for the message when the palette is full.
      frame_ms: how long each frame shows.
      loop: how many times the animation plays (0: forever).
      receipt: text for the GIF's comment extension (what was drawn, by which version).
    """

    def __init__(
        self,
        stream: BinaryIO,
        background: np.ndarray,
        colours: Sequence[tuple[float, float, float]],
        paths: int,
        frame_ms: int,
        loop: int = 0,
        receipt: str | None = None,
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
        self.stream = stream
        self.frame_ms = frame_ms
        self.loop = loop
        self.receipt = receipt
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
        self.palette = palette
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
        self.frames = 0
        self.pending: tuple[Any, tuple[int, int], int] | None = None

    def _header(self, comment: str | None) -> bytes:
        entries = len(self.palette)
        bits = max(1, (entries - 1).bit_length())
        table = np.zeros((1 << bits, 3), dtype=np.uint8)
        table[:entries] = self.palette
        out = [
            b"GIF89a",
            struct.pack("<HH", self.width, self.height),
            bytes([0x80 | ((bits - 1) << 4) | (bits - 1), 0, 0]),
            table.tobytes(),
            # NETSCAPE2.0 counts repeats after the first play; 0 repeats forever
            b"!\xff\x0bNETSCAPE2.0\x03\x01"
            + struct.pack("<H", 0 if self.loop == 0 else max(0, self.loop - 1))
            + b"\x00",
        ]
        if comment:
            data = comment.encode("utf-8")
            out.append(b"!\xfe")
            for start in range(0, len(data), 255):
                chunk = data[start : start + 255]
                out.append(bytes([len(chunk)]) + chunk)
            out.append(b"\x00")
        return b"".join(out)

    def _flush(self) -> None:
        from PIL import GifImagePlugin

        if self.pending is None:
            return
        image, offset, ms = self.pending
        for chunk in GifImagePlugin.getdata(
            image, offset, duration=ms, disposal=1, transparency=TRANSPARENT
        ):
            self.stream.write(chunk)
        self.pending = None

    def add(self, rgba: np.ndarray, comment: str | None = None) -> None:
        """Encode a frame (RGBA, the background's shape); ``comment`` goes in the header."""
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
        if self.frames == 0:
            self.stream.write(self._header(comment or self.receipt))
            shown = self.index.reshape(self.height, self.width)
            box = (0, 0, self.width, self.height)
        elif changed.size == 0 and self.pending is not None:
            image, offset, ms = self.pending  # nothing moved: the frame before lasts longer
            self.pending = (image, offset, ms + self.frame_ms)
            self.frames += 1
            return
        else:
            rows, columns = np.divmod(changed, self.width)
            box = (
                int(columns.min()),
                int(rows.min()),
                int(columns.max()) + 1,
                int(rows.max()) + 1,
            )
            grid = np.full((self.height, self.width), TRANSPARENT, dtype=np.uint8)
            grid.ravel()[changed] = self.index[changed]
            shown = grid[box[1] : box[3], box[0] : box[2]]
        self._flush()
        image = Image.fromarray(np.ascontiguousarray(shown), "P")
        image.putpalette(self.palette.ravel().tolist())
        self.pending = (image, (box[0], box[1]), self.frame_ms)
        self.frames += 1

    def hold(self, ms: int) -> None:
        """Show the last frame ``ms`` longer."""
        if self.pending is not None:
            image, offset, shown = self.pending
            self.pending = (image, offset, shown + ms)

    def finish(self) -> None:
        """Write the last frame and the trailer."""
        self._flush()
        self.stream.write(b";")
