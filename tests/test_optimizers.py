from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from optverify import optimizers
from optverify.errors import InvalidArgument
from optverify.optim.run import run
from optverify.seed import specimens
from optverify.symbolic import surfaces

BUILT_INS = optimizers.names()
ALL = optimizers.names(specimens=True)


def test_the_twelve_built_in_optimizers_are_registered_in_order() -> None:
    assert BUILT_INS == [
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "adadelta",
        "rmsprop",
        "adam",
        "amsgrad",
        "adamw",
        "adamax",
        "nadam",
        "radam",
    ]
    assert set(ALL) == {*BUILT_INS, "seed-adam"}


# (name, hyperparameters, steps) that reach the bowl's minimum from (-7, 2) to within 1e-3.
CONVERGES = [
    ("sgd", {"lr": 0.9}, 400),
    ("momentum", {"lr": 0.2, "momentum": 0.8}, 400),
    ("nesterov", {"lr": 0.2, "momentum": 0.8}, 400),
    ("adagrad", {"lr": 2.0}, 2000),
    ("adadelta", {"lr": 1.0, "rho": 0.99, "eps": 1e-4}, 2000),
    ("rmsprop", {"lr": 0.003, "alpha": 0.999}, 8000),
    ("adam", {"lr": 0.1}, 2000),
    ("amsgrad", {"lr": 0.1}, 2000),
    ("adamw", {"lr": 0.1, "weight_decay": 0.0}, 2000),
    ("adamax", {"lr": 0.1}, 2000),
    ("nadam", {"lr": 0.1}, 2000),
    ("radam", {"lr": 0.1}, 2000),
]


def test_every_built_in_has_a_convergence_case() -> None:
    assert [name for name, _, _ in CONVERGES] == BUILT_INS


@pytest.mark.parametrize(("name", "hyperparameters", "steps"), CONVERGES, ids=BUILT_INS)
def test_every_optimizer_converges_on_a_convex_quadratic(
    name: str, hyperparameters: dict[str, Any], steps: int
) -> None:
    bowl = surfaces.get("bowl")
    trajectory = run(optimizers.get(name, **hyperparameters), bowl, [-7.0, 2.0], steps)
    assert np.linalg.norm(trajectory.final_points) < 1e-3
    assert trajectory.final_losses < 1e-6


def _state_signature(state: Any) -> list[tuple[str, tuple[int, ...], str]]:
    return [
        (field, np.shape(value), np.asarray(value).dtype.str)
        for field, value in zip(state._fields, state, strict=True)
    ]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("batch", [(), (5,), (2, 3)])
def test_state_shapes_and_dtypes_are_stable_across_steps(name: str, batch: tuple[int, ...]) -> None:
    opt = optimizers.get(name)
    rng = np.random.default_rng(0)
    params = rng.normal(size=(*batch, 2))
    state = opt.init(params)
    first = _state_signature(state)
    for _ in range(3):
        grads = rng.normal(size=params.shape)
        updates, state = opt.update(grads, state, params)
        assert updates.shape == params.shape
        assert updates.dtype == np.float64
        params = params + updates
        assert _state_signature(state) == first
        assert isinstance(state, tuple)
        assert state.t >= 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ALL)
def test_update_does_not_mutate_its_inputs(name: str) -> None:
    opt = optimizers.get(
        name, **({"weight_decay": 0.1} if "weight_decay" in optimizers.defaults(name) else {})
    )
    rng = np.random.default_rng(1)
    params = rng.normal(size=(4, 2))
    state = opt.init(params)
    for _ in range(2):
        grads = rng.normal(size=params.shape)
        before = (grads.copy(), copy.deepcopy(state), params.copy())
        updates, new_state = opt.update(grads, state, params)
        assert np.array_equal(grads, before[0])
        assert np.array_equal(params, before[2])
        for old, now in zip(before[1], state, strict=True):
            assert np.array_equal(old, now)
        state, params = new_state, params + updates


@pytest.mark.parametrize("name", ALL)
def test_a_batch_equals_its_members_run_one_by_one(name: str) -> None:
    seed = surfaces.get("seed")
    starts = np.array([[0.5, 5.8], [-1.0, 0.5], [2.0, -2.0], [1.0, 1.0]])
    opt = optimizers.get(name, lr=0.01)
    together = run(opt, seed, starts, 40)
    for k, start in enumerate(starts):
        alone = run(opt, seed, start, 40)
        assert np.array_equal(together.points[:, k], alone.points)
        assert together.diverged_at[k] == alone.diverged_at


def test_the_seed_adam_adapter_reproduces_the_posts_own_run_bit_for_bit() -> None:
    xs, ys = specimens.run_post()
    trajectory = run(
        optimizers.get("seed-adam", lr=0.05), surfaces.get("seed"), specimens.START, 93
    )
    assert np.array_equal(trajectory.points[:, 0], np.array(xs, dtype=float))
    assert np.array_equal(trajectory.points[:, 1], np.array(ys, dtype=float))


def test_the_seed_adam_given_the_posts_df_equals_the_post() -> None:
    xs, ys = specimens.run_post()

    def posts_df(points: np.ndarray) -> np.ndarray:
        return np.stack(specimens.df(points[..., 0], points[..., 1]), axis=-1)

    opt = optimizers.get("seed-adam", lr=0.05, gradient="given")
    trajectory = run(opt, surfaces.get("seed"), specimens.START, 93, gradient=posts_df)
    assert np.array_equal(trajectory.points[:, 0], np.array(xs, dtype=float))
    assert np.array_equal(trajectory.points[:, 1], np.array(ys, dtype=float))


def test_the_posts_adam_never_fades_its_bias_correction() -> None:
    opt = optimizers.get("seed-adam", gradient="given")
    params = np.zeros(2)
    state = opt.init(params)
    for _ in range(50):
        updates, state = opt.update(np.ones(2), state, params)
    # With a constant gradient m_t -> 1 and v_t -> 1, but the post divides by (1 - b1**1) and
    # (1 - b2**1) forever: the step is lr * 10 * m / (sqrt(1000 v) - 1e-8), not lr.
    m, v = state.m_x, state.v_x
    assert updates[0] == pytest.approx(-0.05 * (m / 0.1) / (np.sqrt(v / 0.001) - 1e-8))


INVALID = [
    ("adam", {"lr": -0.1}, "lr=-0.1 is invalid: the learning rate must be positive."),
    ("adam", {"lr": 0}, "lr=0 is invalid"),
    ("adam", {"lr": float("nan")}, "not NaN"),
    ("adam", {"lr": float("inf")}, "must be positive"),
    ("adam", {"lr": "fast"}, "must be a number"),
    ("adam", {"b1": 1.0}, "b1=1.0 is invalid: it must lie in [0, 1)."),
    ("adam", {"b2": -0.1}, "b2=-0.1 is invalid"),
    ("adam", {"eps": -1e-8}, "eps=-1e-08 is invalid: it must be finite and >= 0."),
    ("adam", {"weight_decay": -1}, "weight_decay=-1 is invalid"),
    ("adam", {"maximize": "yes"}, "maximize='yes' is invalid: it must be true or false."),
    ("adam", {"momentum": 0.9}, "adam has no hyperparameter 'momentum'"),
    ("momentum", {"momentum": 1.0}, "momentum=1.0 is invalid"),
    ("momentum", {"dampening": 1.5}, "dampening=1.5 is invalid: it must lie in [0, 1]."),
    ("nesterov", {"momentum": 0.0}, "Nesterov momentum needs momentum > 0"),
    ("adagrad", {"lr_decay": -0.1}, "lr_decay=-0.1 is invalid"),
    ("adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value=-1.0"),
    ("adadelta", {"rho": 1.1}, "rho=1.1 is invalid: it must lie in [0, 1]."),
    ("rmsprop", {"alpha": 1.0}, "alpha=1.0 is invalid"),
    ("rmsprop", {"centered": 1}, "centered=1 is invalid: it must be true or false."),
    ("nadam", {"momentum_decay": -4e-3}, "momentum_decay=-0.004 is invalid"),
    ("radam", {"decoupled_weight_decay": "no"}, "decoupled_weight_decay='no' is invalid"),
    ("seed-adam", {"gradient": "true"}, "gradient='true' is invalid"),
    ("adamm", {}, "optimizer='adamm' is unknown: it needs to be one of sgd, momentum"),
]


@pytest.mark.parametrize(
    ("name", "hyperparameters", "message"),
    INVALID,
    ids=[f"{n}-{next(iter(h), 'name')}" for n, h, _ in INVALID],
)
def test_invalid_hyperparameters_raise_one_clear_line(
    name: str, hyperparameters: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgument) as info:
        optimizers.get(name, **hyperparameters)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_weight_decay_needs_params() -> None:
    opt = optimizers.adam(weight_decay=0.1)
    state = opt.init(np.zeros(2))
    with pytest.raises(InvalidArgument, match="needs params when weight_decay"):
        opt.update(np.ones(2), state)


def test_the_hyperparameter_names_are_the_same_everywhere() -> None:
    allowed = {
        "lr",
        "momentum",
        "dampening",
        "b1",
        "b2",
        "eps",
        "alpha",
        "rho",
        "weight_decay",
        "lr_decay",
        "momentum_decay",
        "centered",
        "maximize",
        "initial_accumulator_value",
        "decoupled_weight_decay",
    }
    for name in BUILT_INS:
        assert set(optimizers.defaults(name)) <= allowed
        built = optimizers.get(name)
        assert set(built.hyperparameters) <= allowed


@pytest.mark.parametrize("record", optimizers.records(specimens=True), ids=lambda r: r.name)
def test_every_hyperparameter_states_what_property_tests_draw_and_it_is_valid(record: Any) -> None:
    for h in record.hyperparameters:
        if h.draw is None:
            # Never drawn, on purpose: a direction (maximize) or a mode of the specimen.
            assert h.name == "maximize" or h.kind == "choice", h.name
            continue
        if h.kind == "flag":
            continue
        low, high = h.draw
        assert low <= high
        for value in (low, high, h.default):
            assert h.check(value) == value, (h.name, value)
