"""Statements about optimizers that sound true and are false, each refuted by a
counterexample Hypothesis finds: the Adam paper's step bound, "Adam is SGD", "uncorrected Adam
is RMSprop with momentum", "momentum descends monotonically".

They are registered with ``@refutes``; ``optverify verify --property NAME`` shows the
counterexample, and the seed's ledger quotes them.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis import target
from hypothesis.control import currently_in_test_context

from optverify.optim.adam import ADAM
from optverify.optim.adaptive import RMSPROP
from optverify.optim.sgd import MOMENTUM
from optverify.verification import strategies as ost
from optverify.verification.framework import (
    Draws,
    Subject,
    Violation,
    close,
    fmt,
    moments,
    refutes,
    run_sequence,
)
from optverify.verification.invariants.adam_family import adam_bound
from optverify.verification.invariants.sgd_family import first_rise

_ADAM_SETTINGS = {"lr": 1e-3, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
"""Adam's defaults, the base of the known counterexamples below."""


@refutes(
    "adam-paper-step-bound",
    "|step| <= lr*(1 - b1)/sqrt(1 - b2) if (1 - b1) > sqrt(1 - b2), else |step| <= lr "
    "(Kingma & Ba 2015, sec. 2.1).",
    kinds=(ADAM,),
    requires={"eps": 0.0, "b2": ..., "weight_decay": 0.0},
    note="An approximation the paper states; some gradient sequences exceed it.",
    examples=[
        {  # v forgets fast (b2 small), m remembers the large first gradient: 4.76 lr > lr
            "b2": 0.01,
            "hyperparameters": _ADAM_SETTINGS | {"b2": 0.01, "eps": 0.0},
            "gradients": [[1000.0, 1000.0], [1.0, 1.0]],
        }
    ],
)
def _paper_bound(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, eps=0.0, weight_decay=0.0, b2=draw(st.floats(0.01, 0.999), "b2"))
    grads = draw(ost.gradient_sequences(1, 10, 1e-3, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    b1, b2, lr = h["b1"], h["b2"], h["lr"]
    paper = (1 - b1) / math.sqrt(1 - b2) if (1 - b1) > math.sqrt(1 - b2) else 1.0

    worst = max(float(np.max(np.abs(s))) / lr for s in steps)
    if currently_in_test_context():  # steer the search; a known example needs no steering
        target(worst / paper, label="step / paper's bound")
    for t, step in enumerate(steps, start=1):
        size = float(np.max(np.abs(step))) / lr
        if size > paper * (1 + 1e-9):
            raise Violation(
                f"The Adam paper (Kingma & Ba 2015, section 2.1) bounds the step by "
                f"lr*(1 - b1)/sqrt(1 - b2) when (1 - b1) > sqrt(1 - b2), else by lr: here "
                f"{paper:.6g} lr (b1 = {b1:.6g}, b2 = {b2:.6g}). At step {t} the step was "
                f"{size:.6g} lr; the exact bound at t = {t} is {adam_bound(t, b1, b2):.6g} lr."
            )


@refutes(
    "adam-is-sgd",
    "Adam's step is an SGD step: proportional to the gradient.",
    kinds=(ADAM,),
    requires={"eps": 0.0, "weight_decay": 0.0},
    note="Adam is like SGD only with eps >> sqrt(v_hat) (lr = eta*eps).",
    examples=[
        {
            "hyperparameters": _ADAM_SETTINGS | {"eps": 0.0},
            "gradient": [1.0, -2.0],
            "scale c": 10.0,
        }
    ],
)
def _adam_is_sgd(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw, eps=0.0, weight_decay=0.0)
    g = draw(ost.nonzero_vectors(), "gradient")
    c = draw(ost.magnitudes(1.001, 1e3), "scale c")
    one, _ = run_sequence(subject.build(given), g[None], np.zeros(2))
    scaled, _ = run_sequence(subject.build(given), (c * g)[None], np.zeros(2))
    if not close(scaled[0], c * one[0], rtol=1e-6):
        raise Violation(
            f"An SGD step is proportional to the gradient, so multiplying the gradient by "
            f"c = {c:.6g} multiplies the step by c. Adam's step stayed {fmt(one[0])} for "
            f"g = {fmt(g)} and {fmt(c * g)}: it is scale invariant, not SGD."
        )


@refutes(
    "uncorrected-adam-is-rmsprop-with-momentum",
    "-lr*m_t/(sqrt(v_t) + eps) equals torch's RMSprop(alpha = b2, momentum = b1, lr*(1 - b1)).",
    kinds=(ADAM,),
    requires={"weight_decay": 0.0},
    note="They differ in where momentum is applied: before or after the rescaling.",
    examples=[{"hyperparameters": _ADAM_SETTINGS, "gradients": [[1.0, 1.0], [3.0, -2.0]]}],
)
def _adam_is_rmsprop_momentum(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(2, 10, 1e-3, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    ms, vs = moments(grads, h["b1"], h["b2"])
    t = len(grads)
    uncorrected = -h["lr"] * ms[-1] / (np.sqrt(vs[-1]) + h["eps"])
    torch_rms = RMSPROP.build(
        lr=h["lr"] * (1 - h["b1"]), alpha=h["b2"], eps=h["eps"], momentum=h["b1"]
    )
    rms_steps, _ = run_sequence(torch_rms, grads, np.zeros(2))
    if not close(rms_steps[-1], uncorrected, rtol=1e-6):
        raise Violation(
            f"Adam without bias correction is -lr*m_t/(sqrt(v_t) + eps), momentum applied "
            f"before dividing; torch's RMSprop with momentum = b1 (lr scaled by 1 - b1) "
            f"applies it after: b_t = b1*b_(t-1) + g_t/(sqrt(v_t) + eps). At step {t} they "
            f"give {fmt(uncorrected)} and {fmt(rms_steps[-1])} (Adam's own step "
            f"{fmt(steps[-1])})."
        )


@refutes(
    "momentum-decreases-monotonically",
    "lr < 2/L: SGD with momentum decreases an L-smooth convex quadratic at every step.",
    kinds=(MOMENTUM,),
    requires={"weight_decay": 0.0},
    note="True of plain SGD, not of momentum methods.",
    examples=[
        {  # a round bowl, lr = 1/L: heavy-ball momentum overshoots the bottom at step 2
            "small curvature": 1.0,
            "large curvature": 1.0,
            "angle": 0.0,
            "lr * L / 2": 0.5,
            "hyperparameters": {"lr": 1.0, "momentum": 0.9, "dampening": 0.0},
            "start": [1.0, 1.0],
        }
    ],
)
def _momentum_monotone(subject: Subject, draw: Draws) -> None:
    h, _, rise = first_rise(subject, draw)
    if rise is not None:
        t, before, after = rise
        raise Violation(
            f"With momentum = {h['momentum']:.6g} and lr = {h['lr']:.6g} < 2/L, f rose "
            f"from {before:.6g} to {after:.6g} at step {t}: momentum overshoots, so it does "
            "not descend monotonically (it still converges for these settings)."
        )
