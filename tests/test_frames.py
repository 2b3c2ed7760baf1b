"""The frame people screenshot: every run in its own full colour, markers that stay visible,
the last frame held, the loop count kept."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import optverify
from optverify.animation.render import DISTINCT, Path2D, distinct_colours
from optverify.animation.specs import load_spec
from optverify.errors import InvalidArgument


def last_frame(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        image.seek(image.n_frames - 1)
        return np.asarray(image.convert("RGB"))


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def near(frame: np.ndarray, where: tuple[int, int], colour: np.ndarray, radius: int = 3) -> bool:
    column, row = where
    patch = frame[row - radius : row + radius + 1, column - radius : column + radius + 1]
    return bool(np.any(np.all(patch.reshape(-1, 3) == colour, axis=-1)))


def test_two_runs_of_one_optimizer_get_two_colours_from_the_colour_blind_safe_palette() -> None:
    trajectory = optverify.run(optverify.optimizers.sgd(lr=0.1), "rosenbrock", [[0, 0]], steps=1)
    paths = [
        Path2D("adam (post)", trajectory, "#e377c2"),
        Path2D("adam", trajectory, "#e377c2"),
        Path2D("adam lr=0.1", trajectory, "#E377C2"),
        Path2D("sgd", trajectory, "#1f77b4"),
    ]
    colours = [p.color for p in distinct_colours(paths)]
    assert colours[0] == "#e377c2"
    assert colours[1:3] == list(DISTINCT[:2])
    assert colours[3] == "#1f77b4"


@pytest.fixture(scope="module")
def race(tmp_path_factory: pytest.TempPathFactory) -> optverify.animation.render.Animation:
    out = tmp_path_factory.mktemp("race") / "race.gif"
    return optverify.animate(
        "rosenbrock", {"adam": {"lr": 0.05}, "momentum": {"lr": 0.002}}, start=(-1.2, 1.0),
        steps=400, size=(480, 360), out=out, hold=1.5, loop=3,
    )  # fmt: skip


def test_the_last_frame_is_held_and_the_loop_count_kept(
    race: optverify.animation.render.Animation,
) -> None:
    with Image.open(race.path) as image:
        assert image.info["loop"] == 2  # GIF counts repeats after the first play
        image.seek(image.n_frames - 1)
        assert image.info["duration"] == race.frame_ms + 1500


def test_the_global_minimum_star_stays_visible_over_the_paths_that_reach_it(
    race: optverify.animation.render.Animation,
) -> None:
    frame = last_frame(race.path)
    assert near(frame, race.pixel(np.array([1.0, 1.0])), np.array([255, 215, 0]), radius=2)


def test_paths_keep_their_full_colour_to_the_last_frame(
    race: optverify.animation.render.Animation,
) -> None:
    frame = last_frame(race.path)
    # early points of each path (long before the highlighted trail) in the legend's colour
    for name, lr, colour in (("adam", 0.05, "#e377c2"), ("momentum", 0.002, "#ff7f0e")):
        optimizer = getattr(optverify.optimizers, name)(lr=lr)
        points = optverify.run(optimizer, "rosenbrock", [[-1.2, 1.0]], steps=40).points
        early = [race.pixel(points[k].reshape(2)) for k in (8, 10, 12)]
        assert any(near(frame, p, rgb(colour), radius=2) for p in early), name


def test_the_start_ring_is_drawn_over_the_current_point_in_the_first_frame(
    race: optverify.animation.render.Animation,
) -> None:
    with Image.open(race.path) as image:
        first = np.asarray(image.convert("RGB"))
    assert near(first, race.pixel(np.array([-1.2, 1.0])), np.array([0, 0, 0]), radius=6)


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("hold", "-1", "hold"),
        ("hold", "61", "hold"),
        ("loop", "-2", "loop"),
        ("loop", "1.5", "loop"),
    ],
)
def test_a_spec_with_a_bad_hold_or_loop_names_the_key(
    tmp_path: Path, key: str, value: str, said: str
) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(f'surface = "rosenbrock"\nstart = [-1.2, 1.0]\n{key} = {value}\n'
                    '[optimizers.adam]\nlr = 0.05\n')  # fmt: skip
    with pytest.raises(InvalidArgument, match=said):
        load_spec(spec)


@pytest.mark.parametrize(("hold", "loop"), [(-0.5, 0), (float("nan"), 0), (1.0, -1), (1.0, True)])
def test_the_python_api_refuses_a_bad_hold_or_loop(hold: float, loop: int) -> None:
    with pytest.raises(InvalidArgument):
        optverify.animate("rosenbrock", ["adam"], start=(0, 0), steps=2, hold=hold, loop=loop)


def _drawn_texts(fig: Any) -> list[Any]:
    """The texts a frame shows: tick labels inside their axis's view, axis labels, the legend,
    the figure's texts and title."""
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if low <= tick.get_loc() <= high:
                    out += [label for label in (tick.label1, tick.label2) if label.get_visible()]
        out += [ax.xaxis.label, ax.yaxis.label, ax.title]
    out += list(fig.texts)
    for legend in fig.legends:
        out += legend.get_texts()
    title = fig._suptitle  # measured by its first line only, below
    return [t for t in out if t.get_visible() and t.get_text().strip() and t is not title]


LAYOUTS = [
    ("seed", (400, 400)), ("seed", (640, 480)), ("seed", (1280, 960)),
    *(pytest.param(surface, size, marks=pytest.mark.slow) for surface, size in [
        ("seed", (320, 240)), ("seed", (900, 400)), ("himmelblau", (400, 400)),
        ("himmelblau", (640, 480)), ("himmelblau", (1280, 960)), ("himmelblau", (320, 240)),
    ])
]  # fmt: skip


@pytest.mark.parametrize(("surface", "size"), LAYOUTS)
def test_no_two_labels_overlap_and_none_leaves_the_frame(
    size: tuple[int, int], surface: str
) -> None:
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    from optverify.animation.scene import build_scene
    from optverify.animation.specs import AnimationSpec, RunSpec, build_paths

    names = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adagrad"]
    chosen = optverify.surfaces.get(surface)
    spec = AnimationSpec(tuple(RunSpec.of(n, {"lr": 0.05}) for n in names),
                         (chosen.start or (0.0, 0.0),), 50, chosen, size=size)  # fmt: skip
    scene = build_scene(chosen, build_paths(spec), window=chosen.window, size=size, title=None,
                        steps_total=50)  # fmt: skip
    try:
        renderer = scene.renderer
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _drawn_texts(scene.fig)]
        heading = scene.fig._suptitle  # its first line; the second is left empty for the counter
        line = Text(
            text=heading.get_text().splitlines()[0], fontproperties=heading.get_fontproperties()
        )
        line.set_figure(scene.fig)
        first = line.get_window_extent(renderer)
        whole = heading.get_window_extent(renderer)
        boxes.append(
            ("title", Bbox.from_extents(whole.x0, whole.y1 - first.height, whole.x1, whole.y1))
        )
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
            assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r} at {size}"
        frame = Bbox.from_bounds(0, 0, size[0], size[1])
        for text, box in boxes:
            assert frame.contains(box.x0, box.y0), f"{text!r} leaves the frame at {size}"
            assert frame.contains(box.x1, box.y1), f"{text!r} leaves the frame at {size}"
    finally:
        scene.fig.clf()


@pytest.mark.parametrize(("surface", "label"), [("seed", "f - f*"), ("saddle", "f(x, y)")])
def test_colour_bar_ticks_are_round_numbers_in_the_scale_the_levels_are_spaced_in(
    surface: str, label: str
) -> None:
    from optverify.animation.scene import build_scene
    from optverify.animation.specs import AnimationSpec, RunSpec, build_paths

    chosen = optverify.surfaces.get(surface)
    spec = AnimationSpec((RunSpec.of("adam", {"lr": 0.05}),), (chosen.start or (0.5, 0.5),), 5,
                         chosen)  # fmt: skip
    scene = build_scene(chosen, build_paths(spec), window=chosen.window, size=(640, 480),
                        title=None, steps_total=5)  # fmt: skip
    try:
        bar = scene.fig.axes[-1]
        ticks = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
        assert bar.get_ylabel().startswith(label)
        for tick in ticks:  # at most two significant digits, plain where that is short
            digits = tick.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
            assert len(digits.rstrip("0")) <= 2, tick
        if label == "f - f*":
            assert ticks[0] == "0"
    finally:
        scene.fig.clf()


@pytest.mark.parametrize("size", [(400, 400), (640, 480), (1280, 960)])
def test_the_divergence_note_is_written_inside_the_contour_panel_at_its_top(
    size: tuple[int, int],
) -> None:
    from optverify.animation.frames import FramePainter
    from optverify.animation.scene import build_scene
    from optverify.animation.specs import AnimationSpec, RunSpec, build_paths

    chosen = optverify.surfaces.get("rosenbrock")
    spec = AnimationSpec((RunSpec.of("sgd", {"lr": 0.01}),), ((-1.2, 1.0),), 20, chosen,
                         size=size)  # fmt: skip
    paths = build_paths(spec)
    assert int(paths[0].trajectory.diverged_at.reshape(-1)[0]) >= 0
    scene = build_scene(chosen, paths, window=chosen.window, size=size, title=None,
                        steps_total=20)  # fmt: skip
    try:
        painter = FramePainter(scene, paths, 20)
        before = np.asarray(painter.draw(0, 0)).copy()
        after = np.asarray(painter.draw(len(paths[0].trajectory.steps) - 1, 20)).copy()
        box = scene.ax.bbox
        top, bottom = round(size[1] - box.y1), round(size[1] - box.y0)
        left = round(box.x0)
        strip = (slice(None), slice(left, left + int(0.4 * box.width)))
        changed = np.any(before[strip] != after[strip], axis=-1)
        colour = rgb("#1f77b4")
        note = np.all(after[strip][..., :3] == colour, axis=-1) & changed
        rows = np.flatnonzero(note.any(axis=1))
        text_rows = rows[rows < top + 0.25 * (bottom - top)]
        assert text_rows.size, "no note near the top of the panel"
        assert text_rows.min() >= top, "the note is drawn above the panel"
        assert not np.any(note[bottom:]), "the note is drawn below the panel"
    finally:
        scene.fig.clf()
