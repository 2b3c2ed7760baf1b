"""Our optimizers against the real torch.optim: committed golden data, and live when torch is
installed (``pip install torch==2.13.0``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optverify import optimizers
from optverify.optim.run import run
from optverify.symbolic import surfaces

REFERENCE = Path(__file__).parent / "reference"
GOLDEN = json.loads((REFERENCE / "golden.json").read_text())
CASES = GOLDEN["cases"]


def relative_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest |ours - theirs| / max(|theirs|, 1); NaN on both sides (0/0 in both) agrees."""
    both_nan = np.isnan(ours) & np.isnan(theirs)
    with np.errstate(invalid="ignore"):
        error = np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1.0)
    return float(np.max(np.where(both_nan, 0.0, error)))


def test_the_golden_data_covers_every_optimizer_on_at_least_three_surfaces() -> None:
    for name in optimizers.names():
        cases = [c for c in CASES if c["optimizer"] == name]
        assert len({json.dumps(c["hyperparameters"]) for c in cases}) >= 2
        assert len({c["surface"] for c in cases}) >= 3
    flags = {key for c in CASES for key, value in c["hyperparameters"].items() if value is True}
    assert {"centered", "maximize", "decoupled_weight_decay"} <= flags
    assert any(c["hyperparameters"].get("weight_decay") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["key"] for c in CASES])
def test_trajectories_agree_with_torch_to_1e_10(case: dict[str, Any]) -> None:
    with np.load(REFERENCE / "golden.npz") as data:
        theirs = data[case["key"]]
    surface = surfaces.get(case["surface"])
    opt = optimizers.get(case["optimizer"], **case["hyperparameters"])
    ours = run(opt, surface, np.array(case["starts"]), case["steps"])
    with np.errstate(all="ignore"):
        gradient = surface.gradient(theirs)
        value = surface.value(theirs)
    # A run diverges where its point, its gradient or f there is no longer finite.
    bad = ~(
        np.all(np.isfinite(theirs), axis=-1)
        & np.all(np.isfinite(gradient), axis=-1)
        & np.isfinite(value)
    )
    torch_diverged = np.where(bad.any(axis=0), bad.argmax(axis=0), -1)
    assert list(ours.diverged_at) == list(torch_diverged)
    for k, diverged in enumerate(torch_diverged):
        upto = len(theirs) if diverged < 0 else diverged  # both finite up to there
        assert relative_error(ours.points[:upto, k], theirs[:upto, k]) <= 1e-10


def _hyperparameters(name: str) -> st.SearchStrategy[dict[str, Any]]:
    unit = st.floats(0.0, 0.99)
    positive = st.floats(1e-4, 0.1)
    small = st.floats(0.0, 0.1)
    pools: dict[str, dict[str, st.SearchStrategy[Any]]] = {
        "sgd": {"weight_decay": small, "maximize": st.booleans()},
        "momentum": {"momentum": unit, "dampening": st.floats(0.0, 1.0), "weight_decay": small},
        "nesterov": {"momentum": st.floats(0.01, 0.99), "weight_decay": small},
        "adagrad": {
            "lr_decay": small,
            "weight_decay": small,
            "initial_accumulator_value": small,
            "eps": st.floats(0.0, 1e-6),
        },
        "adadelta": {
            "rho": st.floats(0.0, 1.0),
            "eps": st.floats(1e-8, 1e-4),
            "weight_decay": small,
        },
        # alpha >= 0.5: with alpha near 0 the centered variance v - g_ave**2 is a difference of
        # nearly equal numbers, and torch's fused multiply-add rounds it below zero (NaN)
        # where separate roundings give zero. See rmsprop's docstring.
        "rmsprop": {
            "alpha": st.floats(0.5, 0.99),
            "eps": st.floats(1e-10, 1e-6),
            "momentum": unit,
            "centered": st.booleans(),
            "weight_decay": small,
        },
        "adam": {"b1": unit, "b2": unit, "eps": st.floats(1e-10, 1e-6), "weight_decay": small},
        "amsgrad": {"b1": unit, "b2": unit, "weight_decay": small},
        "adamw": {"b1": unit, "b2": unit, "weight_decay": small},
        "adamax": {"b1": unit, "b2": unit, "eps": st.floats(1e-10, 1e-6), "weight_decay": small},
        "nadam": {
            "b1": unit,
            "b2": unit,
            "momentum_decay": st.floats(0.0, 0.01),
            "weight_decay": small,
            "decoupled_weight_decay": st.booleans(),
        },
        "radam": {
            "b1": unit,
            "b2": st.floats(0.5, 0.999),
            "weight_decay": small,
            "decoupled_weight_decay": st.booleans(),
        },
    }
    return st.fixed_dictionaries({"lr": positive}, optional=pools[name])


gradients = st.lists(
    st.tuples(
        st.one_of(st.just(0.0), st.floats(1e-3, 1e3), st.floats(-1e3, -1e-3)),
        st.one_of(st.just(0.0), st.floats(1e-3, 1e3), st.floats(-1e3, -1e-3)),
    ),
    min_size=1,
    max_size=30,
)


@pytest.mark.torch
@pytest.mark.parametrize("name", optimizers.names())
@settings(max_examples=max(10, settings().max_examples // 5))
@given(data=st.data())
def test_live_torch_agrees_on_drawn_hyperparameters_and_gradients(
    name: str, data: st.DataObject
) -> None:
    """The same drawn gradient sequence through ours and torch's: the points agree to 1e-10.

    The gradients do not depend on the point, so rounding differences are not amplified by
    the surface (on a chaotic run any two implementations part ways; see the golden test for
    whole runs on surfaces).
    """
    torch = pytest.importorskip("torch")
    from optverify.adapters.torch_optim import torch_kwargs

    hyperparameters = data.draw(_hyperparameters(name), label="hyperparameters")
    start = np.array(data.draw(st.tuples(st.floats(-3, 3), st.floats(-3, 3)), label="start"))
    sequence = np.array(data.draw(gradients, label="gradients"), dtype=float)

    opt = optimizers.get(name, **hyperparameters)
    params, state, ours = start, opt.init(start), [start]
    with np.errstate(all="ignore"):  # eps = 0 and a zero gradient is 0/0 in both
        for g in sequence:
            updates, state = opt.update(g, state, params)
            params = params + updates
            ours.append(params)

    class_name, kwargs = torch_kwargs(optimizers.record(name), hyperparameters)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        param = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        optimizer = getattr(torch.optim, class_name)([param], **kwargs)
        theirs = [start]
        for g in sequence:
            param.grad = torch.tensor(g)
            optimizer.step()
            theirs.append(param.detach().numpy().copy())
    finally:
        torch.set_default_dtype(previous)
    assert relative_error(np.array(ours), np.array(theirs)) <= 1e-10
