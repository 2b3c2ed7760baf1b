from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import optverify
from optverify import optimizers, surfaces
from optverify.animation.animate import render_spec
from optverify.animation.render import (
    COLORS,
    Path2D,
    color_for,
    frame_duration,
    frame_steps,
    render,
)
from optverify.animation.specs import AnimationSpec, RunSpec, load_spec, shipped_specs
from optverify.errors import InvalidArgument
from optverify.optim.run import Trajectory, run
from optverify.seed import specimens
from optverify.seed.gallery import gallery_specs

SEED = surfaces.get("seed")


def small_spec(**changes: Any) -> AnimationSpec:
    base: dict[str, Any] = {
        "runs": (RunSpec.of("adam", {"lr": 0.2}), RunSpec.of("sgd", {"lr": 0.1})),
        "starts": (specimens.START,),
        "steps": 30,
        "surface": SEED,
        "size": (320, 240),
    }
    return AnimationSpec(**{**base, **changes})


def test_a_gif_has_one_frame_per_step_and_the_requested_size(tmp_path: Path) -> None:
    animation = render_spec(small_spec(), tmp_path / "a.gif")
    with Image.open(animation.path) as image:
        assert image.size == (320, 240)
        assert image.n_frames == 31 == animation.frames
        assert image.info["duration"] == 50
        assert image.info["loop"] == 0


def test_the_current_point_marker_of_the_last_frame_sits_where_the_trajectory_ends(
    tmp_path: Path,
) -> None:
    spec = small_spec(runs=(RunSpec.of("adam", {"lr": 0.2}),), size=(480, 360))
    animation = render_spec(spec, tmp_path / "a.gif")
    end = run(optimizers.adam(lr=0.2), SEED, specimens.START, 30).final_points
    column, row = animation.pixel(end)
    with Image.open(animation.path) as image:
        image.seek(image.n_frames - 1)
        rgb = np.asarray(image.convert("RGB"))
    colour = np.array([int(COLORS["adam"][i : i + 2], 16) for i in (1, 3, 5)])
    patch = rgb[row - 2 : row + 3, column - 2 : column + 3].reshape(-1, 3)
    assert np.any(np.all(patch == colour, axis=-1)), "the marker is not at the end point"
    far = rgb[row - 2 : row + 3, column + 40 : column + 45].reshape(-1, 3)
    assert not np.any(np.all(far == colour, axis=-1))


def test_many_steps_are_decimated_not_truncated(tmp_path: Path) -> None:
    animation = render_spec(small_spec(steps=500, max_frames=40), tmp_path / "a.gif")
    assert animation.frames == 40
    assert animation.steps[0] == 0
    assert animation.steps[-1] == 500
    assert frame_steps(10, 40) == list(range(11))
    assert frame_steps(1000, 5) == [0, 250, 500, 750, 1000]


@pytest.mark.parametrize(("fps", "ms"), [(20, 50), (24, 40), (100, 20), (1000, 20), (2, 500)])
def test_a_frame_lasts_at_least_20_ms(fps: float, ms: int) -> None:
    assert frame_duration(fps) == ms


def test_the_same_spec_gives_the_same_bytes(tmp_path: Path) -> None:
    first = render_spec(small_spec(), tmp_path / "one.gif")
    second = render_spec(small_spec(), tmp_path / "two.gif")
    assert first.path.read_bytes() == second.path.read_bytes()


def test_an_interrupted_render_leaves_no_file_behind(tmp_path: Path) -> None:
    target = tmp_path / "broken.gif"

    def interrupt(done: int, total: int) -> None:
        if done == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_spec(small_spec(), target, interrupt)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_keeps_the_previous_gif(tmp_path: Path) -> None:
    target = tmp_path / "a.gif"
    render_spec(small_spec(), target)
    before = target.read_bytes()

    def fail(done: int, total: int) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        render_spec(small_spec(steps=10), target, fail)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.gif"]


def test_a_diverging_run_is_drawn_up_to_its_divergence(tmp_path: Path) -> None:
    spec = AnimationSpec(
        (RunSpec.of("sgd", {"lr": 0.01}), RunSpec.of("momentum", {"lr": 0.001})),
        ((-1.2, 1.0),),
        40,
        surfaces.get("rosenbrock"),
        size=(320, 240),
    )
    surface, _ = surfaces.get("rosenbrock"), None
    diverged = run(optimizers.sgd(lr=0.01), surface, (-1.2, 1.0), 40)
    assert diverged.diverged_at == 6  # f overflows to inf at step 6, the gradient at 7
    animation = render_spec(spec, tmp_path / "d.gif")
    assert animation.frames == 41


def test_non_finite_points_do_not_crash_the_renderer(tmp_path: Path) -> None:
    points = np.zeros((6, 2))
    points[:, 0] = [0.5, 1.0, np.nan, np.inf, -1e300, 0.0]
    points[:, 1] = [5.8, 4.0, 1.0, np.inf, 2.0, np.nan]
    trajectory = Trajectory(
        points=points,
        losses=SEED.value(points),
        steps=np.arange(6),
        diverged_at=np.array(-1),
        optimizer="custom",
        hyperparameters={},
        surface=SEED,
    )
    animation = render(SEED, [Path2D("odd", trajectory, color_for("odd"))], tmp_path / "n.gif",
                       size=(320, 240))  # fmt: skip
    assert animation.frames == 6


def test_every_optimizer_keeps_its_colour() -> None:
    assert set(optimizers.names(specimens=True)) <= set(COLORS)
    assert len(set(COLORS.values())) == len(COLORS)
    assert color_for("my-own") == color_for("my-own")


def test_the_python_api_returns_a_gif_that_displays_in_jupyter(tmp_path: Path) -> None:
    animation = optverify.animate(
        "himmelblau",
        {"adam": {"lr": 0.1}, "sgd": {"lr": 0.01}},
        start=[(0.0, 0.0), (-1.0, -4.0)],
        steps=20,
        size=(320, 240),
        out=tmp_path / "h.gif",
    )
    html = animation._repr_html_()
    assert html.startswith('<img src="data:image/gif;base64,R0lGOD')
    assert animation.bytes == (tmp_path / "h.gif").stat().st_size


def test_the_gallery_has_a_gif_per_optimizer_and_the_race() -> None:
    specs = gallery_specs()
    assert set(specs) >= {f"seed-{n}" for n in optimizers.names()} | {"seed-all"}
    assert len(specs["seed-all"].runs) == 12


PACKAGE = Path(optverify.__file__).parent
SHIPPED = sorted([*PACKAGE.glob("animation/gallery/*.toml"), *PACKAGE.glob("seed/*.toml")])


def test_the_shipped_specs_are_the_promised_ones() -> None:
    assert set(shipped_specs()) | set(gallery_specs()) >= {p.stem for p in SHIPPED}
    assert {p.stem for p in SHIPPED} >= {
        "seed-race",
        "rosenbrock",
        "beale",
        "himmelblau",
        "saddle",
        "seed-adam-vs-adam",
    }


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_spec_is_valid(path: Path) -> None:
    spec = load_spec(path)
    assert spec.runs


GOOD = """
title = "t"
surface = "seed"
start = [0.5, 5.8]
steps = 10

[optimizers.adam]
lr = 0.1
"""


def top(text: str, line: str) -> str:
    """Add a top-level line (before the first table)."""
    return text.replace("steps = 10\n", f"steps = 10\n{line}\n")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: top(t, "colour = 'red'"), "key 'colour': unknown key"),
        (
            lambda t: t.replace("steps = 10", "steps = 'many'"),
            "key 'steps': 'many' is not an integer",
        ),
        (lambda t: t.replace("steps = 10", "steps = 2.5"), "key 'steps': 2.5 is not an integer"),
        (
            lambda t: t.replace("[optimizers.adam]", "[optimizers.adamm]"),
            "key 'optimizers.adamm': 'adamm' is not an optimizer",
        ),
        (
            lambda t: t.replace("lr = 0.1", "lrr = 0.1"),
            "key 'optimizers.adam.lrr': adam has no hyperparameter 'lrr'",
        ),
        (
            lambda t: t.replace("lr = 0.1", "lr = -0.1"),
            "lr=-0.1 is invalid: the learning rate must be positive.",
        ),
        (lambda t: t.replace("lr = 0.1", "lr = 'fast'"), "lr='fast' is invalid"),
        (
            lambda t: t.replace('surface = "seed"', 'surface = "moon"'),
            "key 'surface': 'moon' is unknown",
        ),
        (
            lambda t: t.replace('surface = "seed"', 'expr = "x.y"'),
            "key 'expr': expression 'x.y' is invalid",
        ),
        (
            lambda t: t.replace("start = [0.5, 5.8]", "start = [0.5]"),
            "key 'start': [0.5] is not a point",
        ),
        (lambda t: top(t, "size = [10, 10]"), "key 'size': 10 is outside [80, 4000]"),
        (lambda t: top(t, "fps = 0"), "key 'fps': 0 is invalid"),
        (lambda t: top(t, "window = [1, 0, 0, 1]"), "key 'window'"),
        (lambda t: t.replace("[optimizers.adam]\nlr = 0.1", ""), "key 'optimizers': missing"),
        (
            lambda t: t + "[optimizers.b]\noptimizer = 'adam'\ngradient = 'mine'\n",
            "key 'optimizers.b.gradient'",
        ),
        (lambda t: top(t, "steps = 3"), "is not valid TOML"),
    ],
    ids=[
        "unknown key",
        "steps not a number",
        "steps fractional",
        "unknown optimizer",
        "unknown hyperparameter",
        "negative lr",
        "lr a string",
        "unknown surface",
        "hostile expression",
        "start of one number",
        "size too small",
        "fps zero",
        "empty window",
        "no optimizers",
        "unknown gradient",
        "duplicate key",
    ],
)
def test_a_bad_spec_names_the_file_the_key_and_the_fix(
    tmp_path: Path, edit: Any, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(edit(GOOD))
    with pytest.raises(InvalidArgument) as info:
        load_spec(path)
    text = str(info.value)
    assert text.startswith(f"{path}:")
    assert message in text
    assert "\n" not in text


def test_invalid_render_arguments_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"written as \.gif, \.webp"):
        render_spec(small_spec(steps=2), tmp_path / "a.jpg")
    with pytest.raises(InvalidArgument, match="fps"):
        frame_duration(0)
