"""Deliberately broken optimizers: each gets one thing wrong, the way tutorials do.

Each is a factory taking the hyperparameters of its kind, returning an object with ``init``
and ``update``; ``BROKEN`` lists them with the kind they claim to be and the properties that
must catch them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from optverify.optim.base import Optimizer


class State(NamedTuple):
    t: int
    m: Any
    v: Any


def _adam_like(
    name: str,
    *,
    counter_reset: bool = False,
    exponent_shift: int = 0,
    eps_sign: float = 1.0,
    swap: bool = False,
    no_sqrt: bool = False,
    mutate: bool = False,
    coupled_decay: bool = False,
    batch_coupled: bool = False,
    max_fn: Any = np.maximum,
    amsgrad: bool = False,
    decay_sign: float = 1.0,
) -> Any:
    def factory(
        lr: float = 1e-3,
        b1: float = 0.9,
        b2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> Any:
        def init(params: Any) -> State:
            zeros = np.zeros(np.shape(params))
            return State(0, zeros.copy(), (zeros.copy(), zeros.copy()) if amsgrad else zeros.copy())

        def update(grads: Any, state: State, params: Any = None) -> Any:
            g = np.asarray(grads, dtype=float)
            if coupled_decay and weight_decay:
                g = g + weight_decay * params
            t = 1 if counter_reset else state.t + 1
            k = t + exponent_shift
            v_prev, v_max_prev = state.v if amsgrad else (state.v, None)
            if mutate:
                m = state.m
                m *= b1
                m += (1 - b1) * g
            else:
                m = b1 * state.m + (1 - b1) * g
            v = b2 * v_prev + (1 - b2) * g * g
            if batch_coupled:
                v = np.broadcast_to(v.mean(axis=tuple(range(v.ndim - 1)), keepdims=True), v.shape)
            v_used = v
            if amsgrad:
                v_max = max_fn(v_max_prev, v)
                v_used = v_max
            m_hat, v_hat = m / (1 - b1**k), v_used / (1 - b2**k)
            if swap:
                step = -lr * v_hat / (np.sqrt(m_hat) + eps)
            elif no_sqrt:
                step = -lr * m_hat / (v_hat + eps)
            else:
                step = -lr * m_hat / (np.sqrt(v_hat) + eps_sign * eps)
            if weight_decay and not coupled_decay:
                step = step - decay_sign * lr * weight_decay * params
            return step, State(state.t + 1, m, (v, v_max) if amsgrad else v)

        return Optimizer(init, update, name)

    return factory


def nesterov_sign_flipped(
    lr: float = 1e-3, momentum: float = 0.9, weight_decay: float = 0.0, maximize: bool = False
) -> Any:
    def init(params: Any) -> State:
        return State(0, np.zeros(np.shape(params)), None)

    def update(grads: Any, state: State, params: Any = None) -> Any:
        g = np.asarray(grads, dtype=float)
        b = g if state.t == 0 else momentum * state.m + g
        return -lr * (g - momentum * b), State(state.t + 1, b, None)

    return Optimizer(init, update, "nesterov-flipped")


def momentum_without_memory(
    lr: float = 1e-3,
    momentum: float = 0.9,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> Any:
    def init(params: Any) -> State:
        return State(0, None, None)

    def update(grads: Any, state: State, params: Any = None) -> Any:
        return -lr * np.asarray(grads, dtype=float), State(state.t + 1, None, None)

    return Optimizer(init, update, "momentum-forgets")


def adagrad_decaying(
    lr: float = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> Any:
    def init(params: Any) -> State:
        return State(0, np.full(np.shape(params), initial_accumulator_value), None)

    def update(grads: Any, state: State, params: Any = None) -> Any:
        g = np.asarray(grads, dtype=float)
        s = 0.9 * state.m + 0.1 * g * g  # a decaying average, not AdaGrad's sum
        return -lr * g / (np.sqrt(s) + eps), State(state.t + 1, s, None)

    return Optimizer(init, update, "adagrad-decaying")


def rmsprop_without_one_minus_alpha(
    lr: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    maximize: bool = False,
) -> Any:
    def init(params: Any) -> State:
        return State(0, np.zeros(np.shape(params)), None)

    def update(grads: Any, state: State, params: Any = None) -> Any:
        g = np.asarray(grads, dtype=float)
        v = alpha * state.m + g * g
        return -lr * g / (np.sqrt(v) + eps), State(state.t + 1, v, None)

    return Optimizer(init, update, "rmsprop-no-1-alpha")


def sgd_ascending(lr: float = 1e-3, weight_decay: float = 0.0, maximize: bool = False) -> Any:
    def init(params: Any) -> State:
        return State(0, None, None)

    def update(grads: Any, state: State, params: Any = None) -> Any:
        return lr * np.asarray(grads, dtype=float), State(state.t + 1, None, None)

    return Optimizer(init, update, "sgd-ascending")


ADAMW_WITH_L2 = _adam_like("adamw-coupled", coupled_decay=True)
"""AdamW with the decay added to the gradient: not a bug but the ``l2`` dialect, named as such."""

BROKEN: list[tuple[str, Any, str, set[str]]] = [
    (
        "step counter reset",
        _adam_like("reset", counter_reset=True),
        "adam",
        {"bias-correction-is-exact-for-a-constant-gradient", "bias-correction-fades"},
    ),
    (
        "bias-correction exponent off by one",
        _adam_like("off-by-one", exponent_shift=1),
        "adam",
        {"bias-correction-fades", "first-step-is-a-sign-step"},
    ),
    (
        "epsilon subtracted",
        _adam_like("eps-subtracted", eps_sign=-1.0),
        "adam",
        {"first-step-is-a-sign-step", "epsilon-guards-the-division"},
    ),
    (
        "m and v swapped",
        _adam_like("swapped", swap=True),
        "adam",
        {"first-step-is-a-sign-step", "scale-invariance"},
    ),
    (
        "square root missing",
        _adam_like("no-sqrt", no_sqrt=True),
        "adam",
        {"scale-invariance", "first-step-is-a-sign-step"},
    ),
    (
        "Nesterov sign flipped",
        nesterov_sign_flipped,
        "nesterov",
        {"momentum-buffer-for-a-constant-gradient"},
    ),
    (
        "AdaGrad with a decaying accumulator",
        adagrad_decaying,
        "adagrad",
        {"adagrad-effective-rate-never-grows", "first-step-is-a-sign-step"},
    ),
    (
        "AdamW whose decay grows the weights",
        _adam_like("adamw-growing", decay_sign=-1.0),
        "adamw",
        {"adamw-zero-gradient-shrinks-by-exactly-one-minus-lr-wd"},
    ),
    (
        "state mutated in place",
        _adam_like("mutates", mutate=True),
        "adam",
        {"update-does-not-mutate-its-inputs"},
    ),
    (
        "RMSprop without (1 - alpha)",
        rmsprop_without_one_minus_alpha,
        "rmsprop",
        {"first-step-is-a-sign-step"},
    ),
    (
        "momentum that forgets",
        momentum_without_memory,
        "momentum",
        {"momentum-buffer-for-a-constant-gradient"},
    ),
    (
        "AMSGrad without the running maximum",
        _adam_like("amsgrad-no-max", amsgrad=True, max_fn=lambda previous, v: v),
        "amsgrad",
        {"amsgrad-v-max-never-decreases"},
    ),
    (
        "second moment shared across the batch",
        _adam_like("batch-coupled", batch_coupled=True),
        "adam",
        {"a-batch-equals-its-members"},
    ),
    (
        "SGD that ascends",
        sgd_ascending,
        "sgd",
        {"sgd-decreases-a-convex-quadratic-monotonically"},
    ),
]
