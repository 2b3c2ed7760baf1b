"""Every format an animation is shared in: written from the same frames, each with its receipt."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import optverify
from optverify.animation import formats
from optverify.cli import main
from optverify.errors import InvalidArgument


def race(out: Path, **options: Any) -> optverify.animation.render.Animation:
    return optverify.animate(
        "rosenbrock", {"adam": {"lr": 0.05}, "sgd": {"lr": 0.001}}, start=(-1.2, 1.0),
        steps=30, size=(320, 240), out=out, **options,
    )  # fmt: skip


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".apng"])
def test_each_image_format_holds_every_frame_at_the_requested_size(
    tmp_path: Path, suffix: str
) -> None:
    animation = race(tmp_path / f"race{suffix}", hold=1.0, loop=2)
    with Image.open(animation.path) as image:
        assert image.size == (320, 240)
        assert image.n_frames == 31
        assert image.info.get("loop") in (1, 2)  # GIF counts repeats, WebP and APNG plays


def test_a_png_is_the_last_frame_exactly_as_the_apng_ends(tmp_path: Path) -> None:
    still = race(tmp_path / "race.png")
    moving = race(tmp_path / "race.apng")
    with Image.open(still.path) as image:
        last = np.asarray(image.convert("RGB"))
        assert image.text["Comment"].startswith(f"optverify {optverify.__version__}: ")
        assert "f(x, y) = (1 - x)**2 + 100*(y - x**2)**2" in image.text["Comment"]
    with Image.open(moving.path) as image:
        image.seek(image.n_frames - 1)
        assert np.array_equal(np.asarray(image.convert("RGB")), last)


@pytest.mark.parametrize("suffix", [".gif", ".apng", ".webp"])
def test_each_file_carries_its_receipt(tmp_path: Path, suffix: str) -> None:
    animation = race(tmp_path / f"race{suffix}")
    data = animation.path.read_bytes()
    assert b"optverify " + optverify.__version__.encode() in data
    assert b"runs: adam (lr=0.05); sgd (lr=0.001)" in data


@pytest.mark.parametrize(("suffix", "magic"), [(".mp4", b"ftyp"), (".webm", b"\x1a\x45\xdf\xa3")])
def test_a_video_is_written_through_the_video_extra(
    tmp_path: Path, suffix: str, magic: bytes
) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    animation = race(tmp_path / f"race{suffix}", hold=0.5)
    data = animation.path.read_bytes()
    assert magic in data[:64]
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(animation.path))
    assert frames == 31 + 10  # the 0.5 s hold at 20 fps is ten more frames
    assert "video controls" in animation._repr_html_()


def test_without_the_video_extra_a_video_is_refused_naming_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = builtins.__import__

    def no_ffmpeg(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "imageio_ffmpeg":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ffmpeg)
    with pytest.raises(InvalidArgument, match=r"pip install 'optverify\[video\]'"):
        race(tmp_path / "race.mp4")
    assert not (tmp_path / "race.mp4").exists()


def test_formats_written_at_once_refuse_more_pixels_than_they_may_hold(tmp_path: Path) -> None:
    frames = formats.MAX_HELD_PIXELS // (640 * 480) + 1
    with pytest.raises(InvalidArgument, match="which stream"):
        formats.check_format(tmp_path / "big.webp", frames, (640, 480))
    assert formats.check_format(tmp_path / "big.gif", frames, (640, 480)) == ".gif"


def test_an_unknown_suffix_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["animate", "--surface", "rosenbrock", "--out", str(tmp_path / "a.mkv")])
    _, err = capsys.readouterr()
    assert stopped.value.code == 2
    assert ".gif" in err
    assert ".webm" in err
    assert len(err.strip().splitlines()) == 1
