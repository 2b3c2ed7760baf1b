"""The rule itself: the first steps are the update rule's own.

The other properties check relations (linearity, a zero gradient, a permutation) and special
cases; this one pins the rule: for drawn hyperparameters and gradients the first steps equal
those of the rule the code follows (torch's, or the dialect the differential check matched),
so an SGD that steps with half its learning rate does not pass everything.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from optverify.verification import strategies as ost
from optverify.verification.framework import (
    ALL,
    Draws,
    Subject,
    Violation,
    fmt,
    invariant,
    run_sequence,
)


def _typical_settings(subject: Subject) -> dict[str, Any]:
    """Decay rates drawn away from 0 and 1, where equal formulas also round alike."""
    from hypothesis import strategies as st

    from optverify.verification.matching import TYPICAL

    known = subject.kind.defaults()
    return {name: st.floats(*span) for name, span in TYPICAL.items() if name in known}


def _diagnosis(ratios: np.ndarray) -> str:
    """What a constant ratio between the code's steps and the rule's says, if anything."""
    finite = ratios[np.isfinite(ratios)]
    if finite.size == 0:
        return ""
    if np.allclose(finite, 0.0):
        return (
            " Every step was zero: the code did not move, or the step was read as new minus "
            "old parameters after the code changed them in place."
        )
    if np.allclose(finite, finite[0], rtol=1e-6):
        c = float(finite[0])
        if math.isclose(c, -1.0, rel_tol=1e-6):
            return " Every step is the rule's with the sign flipped: the code ascends."
        return (
            f" Every step is {c:.6g} times the rule's: a learning rate scaled by {c:.6g}, or "
            "the gradient scaled by it before the update."
        )
    return ""


@invariant(
    "steps-follow-the-update-rule",
    "For drawn hyperparameters and gradients, the first steps equal the update rule's own "
    "(torch's, or the dialect the code follows), to rounding.",
    kinds=ALL,
)
def _follows(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, **_typical_settings(subject))
    grads = draw(ost.gradient_sequences(1, 6, 1e-3, 1e3, zeros=False), "gradients")
    start = draw(ost.vectors(1e-2, 10.0), "params")
    theirs, _ = run_sequence(subject.build(given), grads, start, move=True)
    mine, _ = run_sequence(subject.reference(h), grads, start, move=True)
    p = start.copy()
    for t, (a, b) in enumerate(zip(theirs, mine, strict=True), start=1):
        # the step of code that moves its parameters in place is exact to their last bits
        floor = 8 * np.spacing(np.abs(p) + np.abs(b)) + 1e-300
        if not np.all(np.abs(a - b) <= 1e-9 * np.abs(b) + floor):
            with np.errstate(all="ignore"):
                ratios = np.array([x / y for x, y in zip(theirs[:t], mine[:t], strict=True)])
            rule = "torch's rule" if subject.rule == "torch" else f"the {subject.rule} rule"
            raise Violation(
                f"Step {t} was {fmt(a)}; {rule} of {subject.kind.name} gives {fmt(b)} for "
                f"these hyperparameters and gradients (ratio {fmt(a / b)})."
                + _diagnosis(ratios.ravel())
            )
        p = p + b
