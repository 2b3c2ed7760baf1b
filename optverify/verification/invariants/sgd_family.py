"""Invariants of gradient descent with and without momentum: linearity, reductions to plain
SGD, the buffer for a constant gradient, and monotone descent on a convex quadratic.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from optverify.optim.sgd import MOMENTUM, NESTEROV, SGD
from optverify.verification import strategies as ost
from optverify.verification.framework import (
    Draws,
    Subject,
    Violation,
    close,
    fmt,
    invariant,
    run_sequence,
)


def _quadratic(draw: Draws) -> tuple[np.ndarray, float]:
    low = draw(ost.magnitudes(1e-2, 10.0), "small curvature")
    high = draw(ost.magnitudes(1e-2, 10.0), "large curvature")
    angle = draw(st.floats(0.0, math.pi), "angle")
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    hessian = rotation @ np.diag([low, high]) @ rotation.T
    return hessian, max(low, high)


def first_rise(subject: Subject, draw: Draws) -> tuple[dict[str, Any], float, Any]:
    """Run on a drawn convex quadratic with lr < 2/L; the first (step, f before, f after) at
    which f rose, or None."""
    hessian, lipschitz = _quadratic(draw)
    fraction = draw(st.floats(0.01, 0.99), "lr * L / 2")
    given, h = subject.draw(draw, lr=2 * fraction / lipschitz, weight_decay=0.0)
    start = draw(ost.vectors(1e-2, 1e2, zeros=False), "start")
    optimizer = subject.build(given)
    p = start.copy()
    state = optimizer.init(p)
    loss = 0.5 * p @ hessian @ p
    for t in range(1, 31):
        updates, state = optimizer.update(hessian @ p, state, p)
        p = p + updates
        new = 0.5 * p @ hessian @ p
        if new > loss * (1 + 1e-12) + 1e-300:
            return h, lipschitz, (t, loss, new)
        loss = new
    return h, lipschitz, None


@invariant(
    "sgd-steps-scale-linearly",
    "Multiplying every gradient by c > 0 multiplies every step of (momentum) SGD by c.",
    kinds=(SGD, MOMENTUM, NESTEROV),
    requires={"weight_decay": 0.0},
)
def _sgd_linear(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 20, 1e-3, 1e3), "gradients")
    c = draw(ost.magnitudes(1e-3, 1e3), "scale c")
    plain, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    scaled, _ = run_sequence(subject.build(given), c * grads, np.zeros(2))
    # A momentum buffer is a sum of gradients that may cancel: each step is exact only to a
    # few ulps of the gradients summed into it, not of the step itself.
    history = np.cumsum(np.abs(grads), axis=0)
    for t, (a, b) in enumerate(zip(plain, scaled, strict=True), start=1):
        slack = 1e-14 * h["lr"] * c * history[t - 1] * t
        if not close(b, c * a, rtol=1e-12, atol=slack + 1e-300):
            raise Violation(
                f"Gradient descent's step is linear in the gradients: multiplying them by "
                f"c = {c:.6g} must multiply step {t}, {fmt(a)}, by c, giving {fmt(c * a)}; "
                f"it was {fmt(b)}."
            )


def _reduces_to_sgd(subject: Subject, draw: Draws, momentum: float) -> None:
    given, h = subject.draw(draw, momentum=momentum)
    grads = draw(ost.gradient_sequences(1, 20, 1e-3, 1e3), "gradients")
    start = draw(ost.vectors(1e-2, 1e2), "params")
    steps, _ = run_sequence(subject.build(given), grads, start, move=True)
    p = start.copy()
    seen = np.zeros(2)
    for t, (step, g) in enumerate(zip(steps, grads, strict=True), start=1):
        expected = -h["lr"] * (g + h["weight_decay"] * p)
        seen = seen + np.abs(g + h["weight_decay"] * p)
        # momentum's own contribution is at most lr*momentum*|b_t| <= lr*momentum*sum|g_k|
        # ... and a step reported as new minus old parameters is exact to their last bits
        slack = 2 * h["lr"] * momentum * seen + 4 * np.spacing(np.abs(p)) + 1e-300
        if not close(step, expected, rtol=1e-9, atol=slack):
            raise Violation(
                f"With momentum = {momentum:g} this is plain SGD, step = -lr*(g + "
                f"weight_decay*theta) = {fmt(expected)} at step {t}; it was {fmt(step)}."
            )
        p = p + step


@invariant(
    "momentum-zero-is-sgd",
    "momentum = 0: every step is SGD's, -lr*(g_t + weight_decay*theta_t).",
    kinds=(MOMENTUM,),
    requires={"momentum": 0.0},
)
def _momentum_zero(subject: Subject, draw: Draws) -> None:
    _reduces_to_sgd(subject, draw, 0.0)


@invariant(
    "nesterov-momentum-to-zero-is-sgd",
    "momentum -> 0 (1e-12; torch refuses exactly 0): every step is SGD's to 1e-9.",
    kinds=(NESTEROV,),
    requires={"momentum": 1e-12},
)
def _nesterov_zero(subject: Subject, draw: Draws) -> None:
    _reduces_to_sgd(subject, draw, 1e-12)


@invariant(
    "momentum-buffer-for-a-constant-gradient",
    "g_t = c: b_1 = c, b_t = mu*b_(t-1) + (1 - dampening)*c; step -lr*b_t (heavy ball) or "
    "-lr*(c + mu*b_t) (Nesterov); momentum = 0 is plain SGD, -lr*c.",
    kinds=(MOMENTUM, NESTEROV),
    requires={"weight_decay": 0.0},
    holds_in=("torch",),
)
def _momentum_constant(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    c = draw(ost.vectors(1e-3, 1e3, zeros=False), "constant gradient c")
    count = draw(st.integers(1, 30), "steps")
    steps, _ = run_sequence(subject.build(given), np.tile(c, (count, 1)), np.zeros(2))
    mu, lr = h["momentum"], h["lr"]
    tau = h.get("dampening", 0.0)
    nesterov = subject.kind is NESTEROV
    b = c.copy()
    for t, step in enumerate(steps, start=1):
        if t > 1:
            b = mu * b + (1 - tau) * c
        # torch keeps no buffer at all with momentum = 0: plain SGD
        heavy_or_nesterov = -lr * (c + mu * b) if nesterov else -lr * b
        expected = -lr * c if mu == 0 else heavy_or_nesterov
        if not close(step, expected, rtol=1e-9):
            rule = "-lr*(g + mu*b_t)" if nesterov else "-lr*b_t"
            raise Violation(
                f"With a constant gradient c = {fmt(c)}, the buffer is b_1 = c, b_t = "
                f"mu*b_(t-1) + (1 - dampening)*c, and the step is {rule} = {fmt(expected)} "
                f"at step {t} (mu = {mu:.6g}); it was {fmt(step)}."
            )


@invariant(
    "sgd-decreases-a-convex-quadratic-monotonically",
    "lr < 2/L: plain SGD decreases f(theta) = theta^T H theta/2 at every step (L = max "
    "eigenvalue of H).",
    kinds=(SGD,),
    requires={"lr": ..., "weight_decay": 0.0},
    note="Momentum methods need not: see the claim momentum-decreases-monotonically.",
)
def _monotone(subject: Subject, draw: Draws) -> None:
    h, lipschitz, rise = first_rise(subject, draw)
    if rise is not None:
        t, before, after = rise
        raise Violation(
            f"Gradient descent with lr = {h['lr']:.6g} < 2/L = {2 / lipschitz:.6g} "
            f"decreases an L-smooth convex quadratic at every step; f rose from "
            f"{before:.6g} to {after:.6g} at step {t}."
        )
