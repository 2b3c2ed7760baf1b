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
        steps=12, size=(240, 180), out=out, **options,
    )  # fmt: skip


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".apng"])
def test_each_image_format_holds_every_frame_at_the_requested_size(
    tmp_path: Path, suffix: str
) -> None:
    animation = race(tmp_path / f"race{suffix}", hold=1.0, loop=2)
    with Image.open(animation.path) as image:
        assert image.size == (240, 180)
        assert image.n_frames == 13
        assert image.info.get("loop") in (1, 2)  # GIF counts repeats, WebP and APNG plays


def test_a_png_is_the_last_frame_exactly_as_the_apng_ends(tmp_path: Path) -> None:
    still = race(tmp_path / "race.png")
    moving = race(tmp_path / "race.apng")
    with Image.open(still.path) as image:
        last = np.asarray(image.convert("RGB"))
        assert image.text["Comment"].startswith(f"optverify {optverify.__version__}\n")
        assert 'surface = "rosenbrock"' in image.text["Comment"]
    with Image.open(moving.path) as image:
        image.seek(image.n_frames - 1)
        assert np.array_equal(np.asarray(image.convert("RGB")), last)


@pytest.mark.parametrize("suffix", [".gif", pytest.param(".apng", marks=pytest.mark.slow), ".webp"])
def test_each_file_carries_its_receipt(tmp_path: Path, suffix: str) -> None:
    animation = race(tmp_path / f"race{suffix}")
    data = animation.path.read_bytes()
    assert b"optverify " + optverify.__version__.encode() in data
    assert b'label = "adam (lr=0.05)"' in data
    assert b'label = "sgd (lr=0.001)"' in data


@pytest.mark.parametrize(
    ("suffix", "magic"),
    [
        pytest.param(".mp4", b"ftyp", marks=pytest.mark.slow),
        pytest.param(".webm", b"\x1a\x45\xdf\xa3", marks=pytest.mark.slow),
    ],
)
def test_a_video_is_written_through_the_video_extra(
    tmp_path: Path, suffix: str, magic: bytes
) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    animation = race(tmp_path / f"race{suffix}", hold=0.5)
    data = animation.path.read_bytes()
    assert magic in data[:64]
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(animation.path))
    assert frames == 13 + 10  # the 0.5 s hold at 20 fps is ten more frames
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


@pytest.mark.parametrize(
    "suffix",
    [
        ".gif",
        ".png",
        pytest.param(".apng", marks=pytest.mark.slow),
        pytest.param(".webp", marks=pytest.mark.slow),
    ],
)
def test_a_file_is_drawn_again_byte_for_byte_from_its_receipt(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    suffix: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    race(tmp_path / f"race{suffix}", hold=0.5, loop=2)
    status = main(["animate", "--from", f"race{suffix}"])
    capsys.readouterr()
    assert status == 0
    assert (tmp_path / f"race-again{suffix}").read_bytes() == (
        tmp_path / f"race{suffix}"
    ).read_bytes()


def test_the_receipt_is_the_spec_as_toml_with_the_version(tmp_path: Path) -> None:
    from optverify.animation.receipts import read_receipt

    receipt = read_receipt(race(tmp_path / "race.gif").path)
    assert receipt.startswith(f"optverify {optverify.__version__}\n")
    assert 'surface = "rosenbrock"' in receipt
    assert 'optimizer = "adam"' in receipt


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--from", "{plain}"], "carries no optverify receipt"),
        (["--from", "{missing}"], "cannot be read"),
        (["--from", "{made}", "--steps", "3"], "give only --out"),
    ],
    ids=["a picture optverify did not draw", "a missing file", "options beside --from"],
)
def test_drawing_again_refuses_what_it_cannot_draw_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], said: str
) -> None:
    Image.new("RGB", (20, 20), "white").save(tmp_path / "plain.png")
    made = race(tmp_path / "made.gif").path
    names = {"plain": tmp_path / "plain.png", "missing": tmp_path / "nope.gif", "made": made}
    status = main(["animate", *(a.format(**names) for a in argv)])
    _, err = capsys.readouterr()
    assert status == 2
    assert said in err
    assert len(err.strip().splitlines()) == 1


def test_a_run_of_a_python_object_is_recorded_as_one_that_cannot_be_drawn_again(
    tmp_path: Path,
) -> None:
    from optverify.animation.receipts import read_receipt, spec_from_receipt

    animation = optverify.animate(
        "rosenbrock", [optverify.optimizers.adam], start=(-1.2, 1.0), steps=5, size=(200, 160),
        out=tmp_path / "o.gif",
    )  # fmt: skip
    receipt = read_receipt(animation.path)
    assert "cannot be drawn again" in receipt
    with pytest.raises(InvalidArgument):
        spec_from_receipt(receipt, "o.gif")
