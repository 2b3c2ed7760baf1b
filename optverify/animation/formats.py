"""Every format an animation is shared in, chosen by the output's suffix.

All writers take the same frames (RGBA arrays from the frame painter) through ``add``, lengthen
the last one with ``hold`` and close the file with ``finish``; each carries its receipt (the
optverify version and what was drawn) where the format has room for text:

========  =====================================================  ==========================
suffix    how                                                     receipt
========  =====================================================  ==========================
``.gif``  :class:`~optverify.animation.writers.GifWriter`: one     comment extension
          palette, delta frames, streamed
``.webp`` Pillow, lossy WebP (quality 80)                          EXIF ImageDescription
``.apng`` Pillow, animated PNG, unchanged pixels transparent       ``tEXt`` chunk
``.png``  the last frame only (the one people screenshot)          ``tEXt`` chunk
``.mp4``  ffmpeg (H.264, yuv420p) through ``imageio-ffmpeg``       container comment
``.webm`` ffmpeg (VP9) through ``imageio-ffmpeg``                  container comment
========  =====================================================  ==========================

GIF and video stream their frames; WebP and APNG are written by Pillow from all frames at once,
so their size is bounded by :data:`MAX_HELD_PIXELS` (frames times pixels). Video needs the
``video`` extra (``pip install 'optverify[video]'``), which brings its own ffmpeg binary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from optverify.errors import InvalidArgument

__all__ = ["FORMATS", "MAX_HELD_PIXELS", "check_format", "open_writer"]

FORMATS = (".gif", ".webp", ".apng", ".png", ".mp4", ".webm")
"""The suffixes an animation can be written as."""

MAX_HELD_PIXELS = 80_000_000
"""WebP and APNG hold every frame until the file is written: frames x width x height at most
this (320 MB as RGBA), so peak memory stays under 1 GiB."""

_VIDEO = {".mp4": ("libx264", "mp4"), ".webm": ("libvpx-vp9", "webm")}


def check_format(path: Path, frames: int, size: tuple[int, int]) -> str:
    """The suffix of ``path``, checked: one of :data:`FORMATS`, the video extra installed for
    video, and the frames small enough for the formats Pillow writes at once."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidArgument(
            f"out={str(path)!r} is invalid: an animation is written as {', '.join(FORMATS)}."
        )
    if suffix in _VIDEO:
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise InvalidArgument(
                f"out={str(path)!r} needs the video extra: pip install 'optverify[video]' "
                "(imageio-ffmpeg, with its own ffmpeg)."
            ) from None
    held = frames * size[0] * size[1]
    if suffix in (".webp", ".apng") and held > MAX_HELD_PIXELS:
        raise InvalidArgument(
            f"out={str(path)!r} is invalid: {frames} frames of {size[0]}x{size[1]} are "
            f"{held:,} pixels; a {suffix} is written from all frames at once and holds at most "
            f"{MAX_HELD_PIXELS:,} (fewer frames with max_frames, or a .gif or .mp4, which stream)."
        )
    return suffix


class _Still:
    """The last frame as a PNG, with the receipt in a ``tEXt`` chunk."""

    def __init__(self, stream: BinaryIO, receipt: str) -> None:
        self.stream, self.receipt = stream, receipt
        self.last: np.ndarray | None = None

    def add(self, rgba: np.ndarray) -> None:
        self.last = rgba.copy()

    def hold(self, ms: int) -> None:
        """A still has nothing to hold."""

    def finish(self) -> None:
        from PIL import Image, PngImagePlugin

        assert self.last is not None
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", "optverify")
        info.add_text("Comment", self.receipt)
        Image.fromarray(self.last[..., :3]).save(self.stream, format="PNG", pnginfo=info)


class _Pillow:
    """WebP or APNG from every frame, written by Pillow at the end."""

    def __init__(self, stream: BinaryIO, suffix: str, frame_ms: int, loop: int, receipt: str):
        self.stream, self.suffix, self.frame_ms, self.loop = stream, suffix, frame_ms, loop
        self.receipt = receipt
        self.frames: list[Any] = []
        self.durations: list[int] = []
        self.previous: np.ndarray | None = None

    def add(self, rgba: np.ndarray) -> None:
        from PIL import Image

        rgb = np.ascontiguousarray(rgba[..., :3])
        if self.suffix == ".apng" and self.previous is not None:
            # unchanged pixels transparent, blended over the frame before: deflate packs them
            delta = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
            delta[np.all(rgb == self.previous, axis=-1)] = 0
            self.frames.append(Image.fromarray(delta, "RGBA"))
        else:
            self.frames.append(
                Image.fromarray(rgb).convert("RGBA" if self.suffix == ".apng" else "RGB")
            )
        self.previous = rgb.copy() if self.suffix == ".apng" else None
        self.durations.append(self.frame_ms)

    def hold(self, ms: int) -> None:
        if self.durations:
            self.durations[-1] += ms

    def finish(self) -> None:
        from PIL import PngImagePlugin

        first, rest = self.frames[0], self.frames[1:]
        common: dict[str, Any] = {
            "save_all": True, "append_images": rest, "duration": self.durations,
            "loop": self.loop,
        }  # fmt: skip
        if self.suffix == ".webp":
            exif = first.getexif()
            exif[0x010E] = self.receipt  # ImageDescription
            first.save(self.stream, format="WEBP", quality=80, method=4, exif=exif, **common)
        else:
            info = PngImagePlugin.PngInfo()
            info.add_text("Comment", self.receipt)
            first.save(self.stream, format="PNG", pnginfo=info, default_image=False,
                       blend=PngImagePlugin.Blend.OP_OVER, disposal=PngImagePlugin.Disposal.OP_NONE,
                       **common)  # fmt: skip


class _Video:
    """MP4 or WebM through ffmpeg, frames piped as they come (even sizes: padded)."""

    def __init__(self, path: Path, suffix: str, frame_ms: int, size: tuple[int, int], receipt: str):
        import imageio_ffmpeg

        codec, container = _VIDEO[suffix]
        rate = ["-crf", "23"] if container == "mp4" else ["-crf", "32", "-b:v", "0"]
        self.frame_ms = frame_ms
        self.width, self.height = size[0] + size[0] % 2, size[1] + size[1] % 2
        self.last: np.ndarray | None = None
        self.writer = imageio_ffmpeg.write_frames(
            str(path), (self.width, self.height), fps=1000.0 / frame_ms, codec=codec,
            pix_fmt_out="yuv420p", macro_block_size=2, quality=None,
            output_params=["-f", container, "-metadata", f"comment={receipt}", *rate],
            ffmpeg_log_level="error",
        )  # fmt: skip
        self.writer.send(None)

    def add(self, rgba: np.ndarray) -> None:
        frame = np.full((self.height, self.width, 3), 255, dtype=np.uint8)
        frame[: rgba.shape[0], : rgba.shape[1]] = rgba[..., :3]
        self.last = frame
        self.writer.send(frame)

    def hold(self, ms: int) -> None:
        for _ in range(round(ms / self.frame_ms)) if self.last is not None else ():
            self.writer.send(self.last)

    def finish(self) -> None:
        self.writer.close()


def open_writer(
    suffix: str,
    stream: BinaryIO,
    path: Path,
    *,
    background: np.ndarray,
    colours: list[tuple[float, float, float]],
    paths: int,
    frame_ms: int,
    loop: int,
    receipt: str,
) -> Any:
    """The writer for ``suffix``: GIF, WebP and APNG and PNG write to ``stream``; video writes
    to ``path`` itself (ffmpeg opens it)."""
    from optverify.animation.writers import GifWriter

    if suffix == ".gif":
        return GifWriter(stream, background, colours, paths, frame_ms, loop=loop, receipt=receipt)
    if suffix == ".png":
        return _Still(stream, receipt)
    if suffix in (".webp", ".apng"):
        return _Pillow(stream, suffix, frame_ms, loop, receipt)
    height, width = background.shape[:2]
    return _Video(path, suffix, frame_ms, (width, height), receipt)
