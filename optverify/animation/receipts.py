"""Receipts: every animation file says what drew it, and can be drawn again from what it says.

A receipt is the optverify version and the animation's spec as TOML (the same format as
``animations/*.toml``), written into the file where the format keeps text: the GIF comment,
the PNG/APNG ``tEXt`` chunk, the WebP EXIF description, the video container's comment.
``optverify animate --from FILE`` reads it back and renders the spec again; rendering is
deterministic, so the new file is byte for byte the old one (with the same version).

A run of an optimizer given as a Python object has no name to write down: its receipt says so,
and such a file cannot be drawn again.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optverify.errors import InvalidArgument

if TYPE_CHECKING:
    from optverify.animation.specs import AnimationSpec

__all__ = ["read_receipt", "receipt_for", "spec_from_receipt", "spec_toml"]

HEADER = "optverify "
"""A receipt's first line: ``optverify VERSION``."""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def spec_toml(spec: AnimationSpec) -> str:
    """``spec`` as the TOML a spec file holds (reading it back gives the same spec)."""
    from optverify.symbolic import surfaces

    lines = []
    if spec.title is not None:
        lines.append(f"title = {_value(spec.title)}")
    shown = spec.surface
    registered = shown.name in surfaces.names() and surfaces.get(shown.name).source == shown.source
    lines.append(
        f"surface = {_value(shown.name)}" if registered else f"expr = {_value(shown.source)}"
    )
    lines.append(f"window = [{', '.join(_value(float(v)) for v in shown.window)}]")
    starts = ", ".join(f"[{_value(float(x))}, {_value(float(y))}]" for x, y in spec.starts)
    lines += [
        f"starts = [{starts}]",
        f"steps = {spec.steps}",
        f"fps = {_value(float(spec.fps))}",
        f"size = [{spec.size[0]}, {spec.size[1]}]",
        f"max_frames = {spec.max_frames}",
        f"hold = {_value(float(spec.hold))}",
        f"loop = {spec.loop}",
    ]
    for index, run in enumerate(spec.runs):
        source = run.source or "<a Python object: this run cannot be drawn again>"
        lines += ["", f"[optimizers.run{index + 1}]", f"optimizer = {_value(source)}",
                  f"label = {_value(run.label)}", f"gradient = {_value(run.gradient)}"]  # fmt: skip
        lines += [f"{k} = {_value(v)}" for k, v in run.optimizer.hyperparameters.items()]
    return "\n".join(lines) + "\n"


def receipt_for(spec: AnimationSpec) -> str:
    """The receipt written into a file rendered from ``spec``."""
    from optverify import __version__

    return f"{HEADER}{__version__}\n{spec_toml(spec)}"


def read_receipt(path: Path) -> str:
    """The receipt in the file ``path``, or :class:`InvalidArgument` saying there is none."""
    from PIL import Image

    suffix = path.suffix.lower()
    text: Any = None
    try:
        if suffix in (".mp4", ".webm"):
            text = _video_comment(path)
        else:
            with Image.open(path) as image:
                if suffix == ".gif":
                    text = image.info.get("comment")
                elif suffix == ".webp":
                    text = image.getexif().get(0x010E)
                else:
                    text = getattr(image, "text", {}).get("Comment")
    except OSError as error:
        raise InvalidArgument(f"from={str(path)!r} cannot be read ({error}).") from None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str) or not text.startswith(HEADER) or "\n" not in text:
        raise InvalidArgument(
            f"from={str(path)!r} carries no optverify receipt: only files optverify drew can "
            "be drawn again."
        )
    return text


def _video_comment(path: Path) -> str | None:
    import subprocess

    import imageio_ffmpeg

    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    lines, joined = done.stdout.splitlines(), list[str]()
    for line in lines:  # ffmetadata escapes a newline in a value as a trailing backslash
        if joined and joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + "\n" + line
        else:
            joined.append(line)
    for line in joined:
        if line.lower().startswith("comment="):
            return line[len("comment=") :].replace("\\=", "=").replace("\\;", ";")
    return None


def spec_from_receipt(text: str, origin: str) -> AnimationSpec:
    """The spec a receipt holds (checked like a spec file; ``origin`` names the file)."""
    from optverify.animation.specs import _spec_from_table

    try:
        table = tomllib.loads(text.split("\n", 1)[1])
    except tomllib.TOMLDecodeError as error:
        raise InvalidArgument(f"{origin}: its receipt is not valid TOML ({error}).") from None
    return _spec_from_table(table, origin)
