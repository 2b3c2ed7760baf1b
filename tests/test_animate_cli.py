from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from .cli import run_cli


def test_an_ad_hoc_animation_with_per_optimizer_learning_rates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "rb.gif"
    status, stdout, _ = run_cli(
        capsys, "animate", "--surface", "rosenbrock", "--optimizers", "adam,momentum",
        "--set", "adam.lr=0.05", "--set", "momentum.lr=0.001", "--start", "-1.2,1",
        "--steps", "40", "--size", "320x240", "--fps", "25", "--out", str(out),
    )  # fmt: skip
    assert status == 0
    assert str(out) in stdout
    with Image.open(out) as image:
        assert image.size == (320, 240)
        assert image.n_frames == 41
        assert image.info["duration"] == 40


def test_a_spec_renders_beside_itself(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = tmp_path / "race.toml"
    spec.write_text(
        'surface = "bowl"\nstart = [-7, 2]\nsteps = 20\nsize = [240, 200]\n'
        "[optimizers.sgd]\nlr = 0.5\n[optimizers.adam]\nlr = 0.5\n"
    )
    status, stdout, _ = run_cli(capsys, "animate", str(spec))
    assert status == 0
    assert (tmp_path / "race.gif").exists()
    assert "KiB" in stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--optimizers", "adamm", "--steps", "3"], "optimizer='adamm' is unknown"),
        (["--optimizers", "adam", "--set", "sgd.lr=1", "--steps", "3"], "'sgd' is not among"),
        (["--optimizers", "adam", "--size", "big", "--steps", "3"], "WxH"),
        (["--optimizers", "adam", "--lr", "-1", "--steps", "3"], "lr=-1.0 is invalid"),
        (["--surface", "rosenbrock", "--optimizers", "adam"], "start is missing"),
        (["--expr", "__import__('os')", "--start", "0,0"], "dunder name"),
        (["nosuch.toml"], "cannot be read"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_animate_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    status, _, err = run_cli(capsys, "animate", *argv, "--out", str(tmp_path / "x.gif"))
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.gif").exists()


def test_a_bad_spec_exits_2_naming_the_file_and_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text("steps = 5\n[optimizers.adam]\nlrr = 0.1\n")
    status, _, err = run_cli(capsys, "animate", str(spec))
    assert status == 2
    assert str(spec) in err
    assert "optimizers.adam.lrr" in err


def test_basin_draws_which_minimum_each_start_reaches(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "basin.png"
    status, stdout, _ = run_cli(
        capsys, "basin", "--surface", "himmelblau", "--optimizer", "adam", "--lr", "0.1",
        "--grid", "40", "--steps", "200", "--out", str(out),
    )  # fmt: skip
    assert status == 0
    assert "minimum (3, 2)" in stdout
    counts = [int(line.split(":")[-1].replace(",", "")) for line in stdout.splitlines()[1:7]]
    assert sum(counts) == 40 * 40
    with Image.open(out) as image:
        assert image.format == "PNG"


def test_sweep_plots_final_loss_against_learning_rate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "sweep.png"
    status, stdout, _ = run_cli(
        capsys, "sweep", "--surface", "seed", "--optimizers", "sgd,adam", "--lr-range",
        "1e-3:1", "--points", "9", "--steps", "93", "--out", str(out),
    )  # fmt: skip
    assert status == 0
    assert "sgd" in stdout
    assert "adam" in stdout
    assert out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "--lr-range", "1:0.1"], "0 < A < B"),
        (["sweep", "--lr-range", "fast"], "A:B"),
        (["sweep", "--optimizers", "sgd,nope"], "optimizer='nope' is unknown"),
        (["basin", "--grid", "1"], "grid=1 is invalid"),
        (["basin", "--surface", "seed", "--out", "x.gif", "--grid", "5", "--steps", "1"], ".png"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_picture_input_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run_cli(capsys, *argv)
    assert status == 2
    assert message in err
