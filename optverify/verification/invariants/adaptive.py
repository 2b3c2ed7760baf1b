"""Invariants of per-coordinate adaptive rates (Adam's too): the first step, scale
invariance, AdaGrad's shrinking rate and Adadelta's first step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from optverify.optim.adam import ADAM, ADAMAX, ADAMW, AMSGRAD, NADAM
from optverify.optim.adaptive import ADADELTA, ADAGRAD, RMSPROP
from optverify.verification import strategies as ost
from optverify.verification.framework import (
    Draws,
    Subject,
    Violation,
    close,
    eps_hint,
    fmt,
    invariant,
    run_sequence,
)

_ADAM = (ADAM, AMSGRAD, ADAMW)


@invariant(
    "first-step-is-a-sign-step",
    "|step_1| = lr*|g|/(|g| + eps) <= lr against the gradient (Adam, AdaGrad); "
    "lr*|g|/(sqrt(1 - alpha)*|g| + eps) for RMSprop.",
    kinds=(*_ADAM, ADAMAX, ADAGRAD, RMSPROP),
    requires={"weight_decay": 0.0},
    holds_in=("torch", "paper", "l2", "eps-outside-max"),
)
def _first_step(subject: Subject, draw: Draws) -> None:
    fixed: dict[str, Any] = {"weight_decay": 0.0}
    if subject.kind is RMSPROP:
        fixed.update(momentum=0.0, centered=False)
    if subject.kind is ADAGRAD:
        fixed.update(initial_accumulator_value=0.0)
    given, h = subject.draw(draw, **fixed)
    g = draw(ost.vectors(1e-12, 1e3), "gradient")
    steps, _ = run_sequence(subject.build(given), g[None], np.zeros(2))
    step = steps[0]
    lr, eps = h["lr"], h["eps"]
    scale = math.sqrt(1 - h["alpha"]) if subject.kind is RMSPROP else 1.0
    expected = -lr * g / (scale * np.abs(g) + eps)
    wrong_way = bool(np.any(step * g > 0))
    if wrong_way or not close(step, expected, rtol=1e-9, atol=1e-300):
        where = "uphill, along the gradient" if wrong_way else "by the wrong amount"
        denominator = "sqrt(1 - alpha)*|g|" if subject.kind is RMSPROP else "|g|"
        hint = eps_hint(step, -lr * g, scale * np.abs(g), eps)
        raise Violation(
            f"The first step must be -lr*g/({denominator} + eps), a step of at most lr in "
            f"each coordinate against the gradient: with g = {fmt(g)}, lr = {lr:.6g}, "
            f"eps = {eps:.3g} that is {fmt(expected)}, but the step was {fmt(step)}, "
            f"{where}.{hint}"
        )


@invariant(
    "scale-invariance",
    "With eps = 0, multiplying every gradient by c > 0 leaves every step unchanged.",
    kinds=(*_ADAM, ADAMAX, NADAM, ADAGRAD, RMSPROP),
    requires={"eps": 0.0, "weight_decay": 0.0},
    holds_in=(
        "torch",
        "paper",
        "l2",
        "eps-inside-sqrt",
        "eps-hat",
        "eps-outside-max",
        "constant-momentum",
    ),
)
def _scale_invariance(subject: Subject, draw: Draws) -> None:
    fixed: dict[str, Any] = {"eps": 0.0, "weight_decay": 0.0}
    if subject.kind is ADAGRAD:
        fixed["initial_accumulator_value"] = 0.0
    given, h = subject.draw(draw, **fixed)
    grads = draw(ost.gradient_sequences(1, 20, 1e-3, 1e3, zeros=False), "gradients")
    c = draw(ost.magnitudes(1e-3, 1e3), "scale c")
    plain, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    scaled, _ = run_sequence(subject.build(given), c * grads, np.zeros(2))
    rtols = centered_rtols(grads, h) if subject.kind is RMSPROP and h["centered"] else None
    for t, (a, b) in enumerate(zip(plain, scaled, strict=True), start=1):
        rtol = 1e-9 if rtols is None else rtols[t - 1]
        if not math.isfinite(rtol):
            return  # eps = 0 and no variance: the rule divides by zero, from here on undefined
        if not close(b, a, rtol=rtol):
            raise Violation(
                f"With eps = 0 the step depends on the gradients only through ratios like "
                f"m/sqrt(v), so multiplying every gradient by c = {c:.6g} must leave it "
                f"unchanged. At step {t} the step was {fmt(a)} and became {fmt(b)}."
            )


def centered_rtols(grads: np.ndarray, h: dict[str, Any]) -> list[float]:
    """The tolerance of centered RMSprop's step at each t, from the rule: its denominator
    sqrt(v_t - g_ave_t^2) is a difference of nearly equal numbers when alpha is near 0 (the
    gradients' variance is tiny next to their square), which magnifies rounding by
    kappa_t = v_t/(v_t - g_ave_t^2); the step inherits that error, and so does every later
    step through the momentum buffer."""
    alpha = h["alpha"]
    v = np.zeros(2)
    g_ave = np.zeros(2)
    worst = 1.0
    out = []
    for g in grads:
        v = alpha * v + (1 - alpha) * g * g
        g_ave = alpha * g_ave + (1 - alpha) * g
        with np.errstate(all="ignore"):
            kappa = v / np.abs(v - g_ave * g_ave)
        worst = max(worst, float(np.max(np.where(np.isfinite(kappa), kappa, np.inf))))
        # Past kappa = 1e12 rounding leaves the denominator under 4 correct digits: the step
        # is ill-posed (with no variance, 0/0), so it is not compared at all.
        ill_posed = worst > 1e12
        out.append(math.inf if ill_posed else 1e-9 + 64 * np.finfo(float).eps * worst)
    return out


@invariant(
    "adagrad-effective-rate-never-grows",
    "s_t = s_(t-1) + g_t^2 >= s_(t-1), so |step_t|/|g_t| = lr_t/(sqrt(s_t) + eps) never grows.",
    kinds=(ADAGRAD,),
    requires={"weight_decay": 0.0},
)
def _adagrad_rate(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(2, 30, 1e-3, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    previous = np.full(2, np.inf)
    for t, (step, g) in enumerate(zip(steps, grads, strict=True), start=1):
        rate = np.abs(step) / np.abs(g)
        if np.any(rate > previous * (1 + 1e-12)):
            raise Violation(
                f"AdaGrad's accumulator sum_(k<=t) g_k^2 never decreases, so its effective "
                f"rate |step|/|g| never grows. It went from {fmt(previous)} to {fmt(rate)} "
                f"at step {t} (gradient {fmt(g)})."
            )
        previous = rate


@invariant(
    "adadelta-first-step",
    "u_0 = 0: step_1 = -lr*sqrt(eps)*g/sqrt((1 - rho)*g^2 + eps), at most lr*sqrt(eps/(1 - rho)) "
    "in size whatever g is.",
    kinds=(ADADELTA,),
    requires={"weight_decay": 0.0},
)
def _adadelta_first(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    g = draw(ost.vectors(1e-6, 1e6), "gradient")
    steps, _ = run_sequence(subject.build(given), g[None], np.zeros(2))
    lr, rho, eps = h["lr"], h["rho"], h["eps"]
    expected = -lr * np.sqrt(eps) / np.sqrt((1 - rho) * g * g + eps) * g
    if not close(steps[0], expected, rtol=1e-9, atol=1e-300):
        raise Violation(
            f"Adadelta starts with an empty step history u_0 = 0, so its first step is "
            f"-lr*sqrt(eps)*g/sqrt((1 - rho)*g^2 + eps) = {fmt(expected)} for g = {fmt(g)} "
            f"(rho = {rho:.6g}, eps = {eps:.3g}); it was {fmt(steps[0])}."
        )
