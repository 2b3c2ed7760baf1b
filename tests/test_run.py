from __future__ import annotations

import numpy as np
import pytest

from optverify import optimizers
from optverify.errors import InvalidArgument
from optverify.optim.run import run
from optverify.symbolic import surfaces

SEED = surfaces.get("seed")


@pytest.mark.parametrize(
    ("starts", "batch"),
    [([0.5, 5.8], ()), ([[0.5, 5.8], [1.0, 1.0]], (2,)), (np.zeros((2, 3, 2)), (2, 3))],
)
def test_recorded_shapes_follow_the_batch(starts: object, batch: tuple[int, ...]) -> None:
    trajectory = run(optimizers.adam(lr=0.05), SEED, starts, 10)
    assert trajectory.points.shape == (11, *batch, 2)
    assert trajectory.losses.shape == (11, *batch)
    assert trajectory.diverged_at.shape == batch
    assert list(trajectory.steps) == list(range(11))


def test_final_and_every_k_record_the_same_points_as_all() -> None:
    opt = optimizers.momentum(lr=0.01)
    starts = np.array([[0.5, 5.8], [-1.0, 0.5]])
    everything = run(opt, SEED, starts, 25)
    final = run(opt, SEED, starts, 25, record="final")
    sparse = run(opt, SEED, starts, 25, every=10)
    assert final.points.shape == (1, 2, 2)
    assert np.array_equal(final.final_points, everything.final_points)
    assert list(sparse.steps) == [0, 10, 20, 25]
    assert np.array_equal(sparse.points, everything.points[[0, 10, 20, 25]])


def test_a_diverging_start_stops_and_the_others_go_on() -> None:
    rosenbrock = surfaces.get("rosenbrock")
    starts = np.array([[1.2, 1.2], [-1.9, 2.9], [0.9, 0.8]])
    trajectory = run(optimizers.sgd(lr=0.002), rosenbrock, starts, 300)
    assert trajectory.diverged_at[1] > 0
    assert list(trajectory.diverged_at[[0, 2]]) == [-1, -1]
    k = trajectory.diverged_at[1]
    frozen = trajectory.points[k:, 1]
    assert np.all(np.isfinite(frozen))
    assert np.all(frozen == frozen[0])
    assert np.linalg.norm(trajectory.final_points[0] - [1, 1]) < 0.1


def test_a_start_whose_gradient_is_undefined_diverges_at_step_zero() -> None:
    ackley = surfaces.get("ackley")
    trajectory = run(optimizers.adam(), ackley, [[0.0, 0.0], [1.0, 1.0]], 5)
    assert list(trajectory.diverged_at) == [0, -1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"starts": [np.nan, 1.0]}, "must be finite"),
        ({"starts": [1.0, 2.0, 3.0]}, "size 2"),
        ({"steps": -1}, "steps=-1"),
        ({"steps": 2.5}, "steps=2.5"),
        ({"record": "some"}, "record='some'"),
        ({"every": 0}, "every=0"),
    ],
    ids=["nan start", "3-d start", "negative steps", "fractional steps", "bad record", "every 0"],
)
def test_invalid_run_arguments_are_rejected(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"starts": [0.5, 5.8], "steps": 3, **kwargs}
    starts, steps = arguments.pop("starts"), arguments.pop("steps")
    with pytest.raises(InvalidArgument, match=message):
        run(optimizers.adam(), SEED, starts, steps, **arguments)  # type: ignore[arg-type]
