"""Invariants of the Adam family: bias correction, epsilon, the step bound, reductions to
SGD and RMSprop, AMSGrad's maximum, AdamW's decay and RAdam's warm-up.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from optverify.optim.adam import ADAM, ADAMAX, ADAMW, AMSGRAD, NADAM, RADAM
from optverify.verification import strategies as ost
from optverify.verification.framework import (
    Draws,
    Subject,
    Violation,
    close,
    eps_hint,
    fmt,
    invariant,
    moments,
    run_sequence,
)

_ADAM = (ADAM, AMSGRAD, ADAMW)
_ADAM_FAMILY = (*_ADAM, ADAMAX, NADAM, RADAM)


def _bias_diagnosis(ratio: float, t: int, b1: float, b2: float) -> str:
    """Name the bias correction a step's ratio to Adam's step corresponds to, if any."""

    def correction(k: int) -> float:
        return math.sqrt(1 - b2**k) / (1 - b1**k) if k > 0 else math.inf

    adam = correction(t)
    for k, words in (
        (1, "the bias correction stayed at the first step's, 1/(1 - b1) and 1/(1 - b2): the "
         "step counter is reset to 1 on every call"),
        (t + 1, "the bias correction used t + 1 where Adam's uses t (an exponent off by one)"),
        (t - 1, "the bias correction used t - 1 where Adam's uses t (an exponent off by one)"),
    ):  # fmt: skip
        if k != t and k > 0 and math.isclose(ratio, correction(k) / adam, rel_tol=1e-4):
            return words
    return "the step is not Adam's bias-corrected step -lr*m_hat/(sqrt(v_hat) + eps)"


def adam_bound(t: int, b1: float, b2: float) -> float:
    """The exact bound on |step_t|/lr of Adam with eps = 0 (Cauchy-Schwarz)."""
    ratio = b1 * b1 / b2
    total = float(t) if ratio == 1 else (1 - ratio**t) / (1 - ratio)
    return (1 - b1) / (1 - b1**t) * math.sqrt((1 - b2**t) / (1 - b2)) * math.sqrt(total)


def tight_sequence(t: int, b1: float, b2: float) -> np.ndarray:
    """Gradients g_j = (b1/b2)^(t - j), j = 1..t: Cauchy-Schwarz holds with equality at t."""
    exponents = np.arange(t - 1, -1, -1, dtype=float)
    column = (b1 / b2) ** exponents
    return np.stack([column, column], axis=-1)


@invariant(
    "bias-correction-is-exact-for-a-constant-gradient",
    "With g_t = c for all t: m_hat_t = c and v_hat_t = c^2, so every step is -lr*c/(|c| + eps).",
    kinds=(*_ADAM, ADAMAX),
    requires={"weight_decay": 0.0},
    holds_in=("torch", "paper", "l2", "eps-outside-max"),
)
def _constant_gradient(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    c = draw(ost.vectors(1.0, 1e3, zeros=False), "constant gradient c")
    steps_count = draw(st.integers(1, 40), "steps")
    steps, _ = run_sequence(subject.build(given), np.tile(c, (steps_count, 1)), np.zeros(2))
    expected = -h["lr"] * c / (np.abs(c) + h["eps"])
    for t, step in enumerate(steps, start=1):
        if not close(step, expected, rtol=1e-6):
            ratio = float(step[0] / expected[0])
            raise Violation(
                f"With the same gradient c = {fmt(c)} at every step, Adam's bias-corrected "
                f"moments are m_hat = c and v_hat = c^2, so every step is -lr*c/(|c| + eps) = "
                f"{fmt(expected)} (lr = {h['lr']:.6g}). At step {t} the step was {fmt(step)}, "
                f"{ratio:.6g} times Adam's: {_bias_diagnosis(ratio, t, h['b1'], h['b2'])}."
            )


@invariant(
    "bias-correction-fades",
    "m_hat_t - m_t = m_t*b1^t/(1 - b1^t) and v_hat_t/v_t = 1/(1 - b2^t): the step is "
    "-lr*m_hat_t/(sqrt(v_hat_t) + eps), and the correction fades to none as t grows.",
    kinds=_ADAM,
    requires={"weight_decay": 0.0},
    holds_in=("torch", "paper", "l2"),
)
def _fades(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 40, 1.0, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    lr, b1, b2, eps = h["lr"], h["b1"], h["b2"], h["eps"]
    ms, vs = moments(grads, b1, b2)
    v_max = np.zeros(2)
    for t, (step, m, v) in enumerate(zip(steps, ms, vs, strict=True), start=1):
        v_max = np.maximum(v_max, v)
        v_used = v_max if subject.kind is AMSGRAD else v
        m_hat, v_hat = m / (1 - b1**t), v_used / (1 - b2**t)
        expected = -lr * m_hat / (np.sqrt(v_hat) + eps)
        if not close(step, expected, rtol=1e-6, atol=1e-12 * lr):
            uncorrected = -lr * m / (np.sqrt(v_used) + eps)
            ratio = float(step[0] / uncorrected[0])
            correction = math.sqrt(1 - b2**t) / (1 - b1**t)
            raise Violation(
                f"Adam's bias correction at step {t} multiplies the uncorrected step "
                f"-lr*m_t/sqrt(v_t) by sqrt(1 - b2^t)/(1 - b1^t) = {correction:.6g}, a factor "
                f"that tends to 1 as t grows (m_hat - m = m*b1^t/(1 - b1^t), v_hat/v = "
                f"1/(1 - b2^t)). Here the factor at step {t} was {ratio:.6g} "
                f"(b1 = {b1:.6g}, b2 = {b2:.6g}): "
                f"{_bias_diagnosis(ratio / correction, t, b1, b2)}."
            )


@invariant(
    "epsilon-guards-the-division",
    "For |g| << eps the step stays finite and points against g: the denominator is "
    "sqrt(v_hat) + eps >= eps > 0.",
    kinds=_ADAM_FAMILY,
    requires={"weight_decay": 0.0},
)
def _eps_guards(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    direction = draw(st.sampled_from([1.0, -1.0]), "sign")
    size = draw(ost.magnitudes(1e-14, 1e-9), "tiny gradient")
    count = draw(st.integers(1, 10), "steps")
    g = np.array([direction * size, -direction * size])
    steps, _ = run_sequence(subject.build(given), np.tile(g, (count, 1)), np.zeros(2))
    for t, step in enumerate(steps, start=1):
        if not np.all(np.isfinite(step)) or np.any(step * g > 0):
            raise Violation(
                f"A gradient far below eps must still give a finite step against it: "
                f"eps = {h['eps']:.3g} guards the division sqrt(v_hat) + eps. With the "
                f"gradient {fmt(g)} at every step, step {t} was {fmt(step)}, "
                + ("not finite." if not np.all(np.isfinite(step)) else "uphill, along the "
                   "gradient: the denominator went negative, so eps is subtracted, not added.")
            )  # fmt: skip


@invariant(
    "adam-step-bound",
    "With eps = 0: |step_t|/lr <= (1 - b1)/(1 - b1^t) * sqrt((1 - b2^t)/(1 - b2)) * "
    "sqrt(sum_(k<t) (b1^2/b2)^k), with equality for g_j = (b1/b2)^(t - j).",
    kinds=(ADAM,),
    requires={"eps": 0.0, "b2": ..., "weight_decay": 0.0},
)
def _adam_bound(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, eps=0.0, weight_decay=0.0, b2=draw(st.floats(0.01, 0.999), "b2"))
    grads = draw(ost.gradient_sequences(1, 30, 1e-3, 1e3, zeros=False), "gradients")
    optimizer = subject.build(given)
    steps, _ = run_sequence(optimizer, grads, np.zeros(2))
    lr, b1, b2 = h["lr"], h["b1"], h["b2"]
    for t, step in enumerate(steps, start=1):
        bound = adam_bound(t, b1, b2)
        if float(np.max(np.abs(step))) / lr > bound * (1 + 1e-9):
            raise Violation(
                f"Cauchy-Schwarz bounds Adam's step (eps = 0): |step_t|/lr <= "
                f"(1 - b1)/(1 - b1^t)*sqrt((1 - b2^t)/(1 - b2))*sqrt(sum_(k<t) (b1^2/b2)^k) = "
                f"{bound:.6g} at t = {t} (b1 = {b1:.6g}, b2 = {b2:.6g}); the step was "
                f"{fmt(step)}, {float(np.max(np.abs(step))) / lr:.6g} lr."
            )
    t = len(grads)
    sequence = tight_sequence(t, b1, b2)
    if not np.all(sequence != 0):  # b1 = 0 (or underflow): a zero gradient with eps = 0 is 0/0
        return
    tight, _ = run_sequence(optimizer, sequence, np.zeros(2))
    attained = float(np.max(np.abs(tight[-1]))) / lr
    if not math.isclose(attained, adam_bound(t, b1, b2), rel_tol=1e-6):
        raise Violation(
            f"The bound is attained by the gradients g_j = (b1/b2)^(t - j): at t = {t} it is "
            f"{adam_bound(t, b1, b2):.9g} lr, but the step was {attained:.9g} lr."
        )


def _large_eps(subject: Subject, draw: Draws, *, momentum: bool) -> None:
    eta = draw(ost.magnitudes(1e-4, 1.0), "eta")
    eps = draw(ost.magnitudes(1e3, 1e8), "eps")
    b1 = draw(st.floats(0.05, 0.99), "b1") if momentum else 0.0
    given, h = subject.draw(draw, lr=eta * eps, eps=eps, b1=b1, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 20, 1e-3, 1e3), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    ms, vs = moments(grads, h["b1"], h["b2"])
    for t, (step, m, v) in enumerate(zip(steps, ms, vs, strict=True), start=1):
        m_hat = m / (1 - h["b1"] ** t)
        v_hat = v / (1 - h["b2"] ** t)
        sgd = -eta * m_hat
        bound = eta * np.abs(m_hat) * np.sqrt(v_hat) / eps
        if np.any(np.abs(step - sgd) > bound * (1 + 1e-9) + 1e-12 * np.abs(sgd) + 1e-300):
            what = "momentum SGD's step -eta*m_hat" if momentum else "SGD's step -eta*g"
            raise Violation(
                f"With lr = eta*eps and eps = {eps:.3g} large, Adam's step is {what} up to "
                f"eta*|m_hat|*sqrt(v_hat)/eps. At step {t} (eta = {eta:.3g}) that is "
                f"{fmt(sgd)} within {fmt(bound)}, but the step was {fmt(step)}."
            )


@invariant(
    "adam-with-large-eps-is-sgd",
    "b1 = 0, lr = eta*eps: |step_t + eta*g_t| <= eta*|g_t|*sqrt(v_hat_t)/eps -> 0 as eps -> inf.",
    kinds=(ADAM,),
    requires={"b1": 0.0, "eps": ..., "weight_decay": 0.0},
    holds_in=("torch",),
)
def _large_eps_sgd(subject: Subject, draw: Draws) -> None:
    _large_eps(subject, draw, momentum=False)


@invariant(
    "adam-with-large-eps-is-momentum-sgd",
    "b1 > 0, lr = eta*eps: |step_t + eta*m_hat_t| <= eta*|m_hat_t|*sqrt(v_hat_t)/eps "
    "(bias-corrected momentum SGD).",
    kinds=(ADAM,),
    requires={"b1": ..., "eps": ..., "weight_decay": 0.0},
    holds_in=("torch",),
)
def _large_eps_momentum(subject: Subject, draw: Draws) -> None:
    _large_eps(subject, draw, momentum=True)


@invariant(
    "adam-approaches-the-uncorrected-step",
    "eps = 0: |step_t - (-lr*m_t/sqrt(v_t))| = |lr*m_t/sqrt(v_t)| * "
    "|sqrt(1 - b2^t)/(1 - b1^t) - 1|, which tends to 0.",
    kinds=(ADAM,),
    requires={"eps": 0.0, "weight_decay": 0.0},
)
def _faded(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, eps=0.0, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 60, 1e-2, 1e2, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    ms, vs = moments(grads, h["b1"], h["b2"])
    lr, b1, b2 = h["lr"], h["b1"], h["b2"]
    for t, (step, m, v) in enumerate(zip(steps, ms, vs, strict=True), start=1):
        uncorrected = -lr * m / np.sqrt(v)
        rate = abs(math.sqrt(1 - b2**t) / (1 - b1**t) - 1)
        gap = np.abs(step - uncorrected)
        if not close(gap, np.abs(uncorrected) * rate, rtol=1e-6, atol=1e-12 * lr):
            raise Violation(
                f"Once the bias correction fades Adam's step is the uncorrected "
                f"-lr*m_t/sqrt(v_t), and the gap is exactly |uncorrected| * "
                f"|sqrt(1 - b2^t)/(1 - b1^t) - 1| = {fmt(np.abs(uncorrected) * rate)} at "
                f"t = {t}; it was {fmt(gap)}."
            )


@invariant(
    "adam-with-b1-zero-is-bias-corrected-rmsprop",
    "b1 = 0: step_t = -lr*g_t/(sqrt(v_t/(1 - b2^t)) + eps), RMSprop with alpha = b2 and "
    "bias correction.",
    kinds=(ADAM,),
    requires={"b1": 0.0, "weight_decay": 0.0},
    holds_in=("torch",),
)
def _b1_zero(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, b1=0.0, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 30, 1e-3, 1e3), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    _, vs = moments(grads, 0.0, h["b2"])
    for t, (step, g, v) in enumerate(zip(steps, grads, vs, strict=True), start=1):
        expected = -h["lr"] * g / (np.sqrt(v / (1 - h["b2"] ** t)) + h["eps"])
        if not close(step, expected, rtol=1e-9, atol=1e-12 * h["lr"]):
            root = np.sqrt(v / (1 - h["b2"] ** t))
            raise Violation(
                f"With b1 = 0 Adam is RMSprop (alpha = b2) with bias correction: step {t} "
                f"must be -lr*g/(sqrt(v/(1 - b2^t)) + eps) = {fmt(expected)}; it was "
                f"{fmt(step)}.{eps_hint(step, -h['lr'] * g, root, h['eps'])}"
            )


@invariant(
    "adamw-without-decay-is-adam",
    "weight_decay = 0: AdamW's steps are Adam's.",
    kinds=(ADAMW,),
    requires={"weight_decay": 0.0},
    holds_in=("torch", "paper", "l2"),
)
def _adamw_is_adam(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 30, 1e-3, 1e3), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    reference = ADAM.build(lr=h["lr"], b1=h["b1"], b2=h["b2"], eps=h["eps"])
    expected, _ = run_sequence(reference, grads, np.zeros(2))
    for t, (step, want) in enumerate(zip(steps, expected, strict=True), start=1):
        if not close(step, want, rtol=1e-9, atol=1e-12 * h["lr"]):
            raise Violation(
                f"With weight_decay = 0 AdamW is Adam: step {t} must be {fmt(want)}; it was "
                f"{fmt(step)}."
            )


@invariant(
    "amsgrad-v-max-never-decreases",
    "v_max_t = max(v_max_(t-1), v_t) >= v_max_(t-1), read off the steps (eps = 0).",
    kinds=(AMSGRAD,),
    requires={"eps": 0.0, "weight_decay": 0.0},
)
def _amsgrad_max(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, eps=0.0, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(2, 30, 1e-3, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    ms, _ = moments(grads, h["b1"], h["b2"])
    previous = np.zeros(2)
    for t, (step, m) in enumerate(zip(steps, ms, strict=True), start=1):
        m_hat = m / (1 - h["b1"] ** t)
        with np.errstate(all="ignore"):
            v_max = (h["lr"] * m_hat / step) ** 2 * (1 - h["b2"] ** t)
        if np.any(v_max < previous * (1 - 1e-9)) or not np.all(np.isfinite(v_max)):
            raise Violation(
                f"AMSGrad divides by the running maximum v_max of v_t, which never "
                f"decreases. Read off the steps, v_max went from {fmt(previous)} to "
                f"{fmt(v_max)} at step {t}."
            )
        previous = v_max


@invariant(
    "adamw-zero-gradient-shrinks-by-exactly-one-minus-lr-wd",
    "g = 0 from the initial state: theta_t = theta_(t-1)*(1 - lr*weight_decay).",
    kinds=(ADAMW,),
    requires={"weight_decay": ...},
    holds_in=("torch",),
)
def _adamw_decay(subject: Subject, draw: Draws) -> None:
    wd = draw(st.floats(1e-4, 0.1), "weight_decay")
    given, h = subject.draw(draw, weight_decay=wd)
    start = draw(ost.vectors(1e-2, 1e2), "params")
    count = draw(st.integers(1, 10), "steps")
    steps, _ = run_sequence(subject.build(given), np.zeros((count, 2)), start, move=True)
    p = start.copy()
    for t, step in enumerate(steps, start=1):
        expected = p * (1 - h["lr"] * wd)
        if not close(p + step, expected, rtol=1e-12, atol=1e-300):
            raise Violation(
                f"With a zero gradient AdamW only decays: theta <- theta*(1 - lr*wd) = "
                f"{fmt(expected)} at step {t} (lr = {h['lr']:.6g}, wd = {wd:.6g}); it went "
                f"to {fmt(p + step)}.{_decay_diagnosis(p, step, h['lr'], wd)}"
            )
        p = p + step


def _decay_diagnosis(p: np.ndarray, step: np.ndarray, lr: float, wd: float) -> str:
    """What the shrink factor the code applied says, stating only what the numbers show."""
    with np.errstate(all="ignore"):
        factor = 1 - (p + step) / p
    if not np.all(np.isfinite(factor)):
        return ""
    shrink = float(np.mean(factor))
    if np.allclose(factor, wd, rtol=1e-9):
        return (
            f" It shrank by wd = {wd:.6g} itself: the decay is not multiplied by lr (the "
            "paper's form with schedule multiplier 1)."
        )
    if np.allclose(factor, shrink, rtol=1e-9):
        return (
            f" It shrank by the same factor {shrink:.6g} in every coordinate, "
            f"{shrink / (lr * wd):.6g} times lr*wd."
        )
    return (
        " It did not shrink every coordinate by one factor: the decay went through a "
        "per-coordinate rescaling (as L2 decay added to the gradient goes through Adam's)."
    )


@invariant(
    "radam-rectifies-only-when-the-variance-is-tractable",
    "rho_t = rho_inf - 2t*b2^t/(1 - b2^t): step = -lr*m_hat while rho_t <= 5, then "
    "-lr*r_t*m_hat*sqrt(1 - b2^t)/(sqrt(v_t) + eps).",
    kinds=(RADAM,),
    requires={"weight_decay": 0.0},
    holds_in=("torch",),
)
def _radam_warmup(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 30, 1e-3, 1e3), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    lr, b1, b2, eps = h["lr"], h["b1"], h["b2"], h["eps"]
    ms, vs = moments(grads, b1, b2)
    rho_inf = 2 / (1 - b2) - 1
    scale = max(1.0, float(np.max(np.abs(grads))))
    for t, (step, m, v) in enumerate(zip(steps, ms, vs, strict=True), start=1):
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            rect = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            expected = -lr * m_hat * rect * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            phase = f"rho_t = {rho_t:.6g} > 5: the rectified adaptive step"
        else:
            expected = -lr * m_hat
            phase = f"rho_t = {rho_t:.6g} <= 5: the un-adapted momentum step -lr*m_hat"
        if not close(step, expected, rtol=1e-9, atol=1e-12 * lr * scale):
            raise Violation(
                f"At step {t} RAdam takes {phase}, {fmt(expected)}; it took {fmt(step)}."
            )
