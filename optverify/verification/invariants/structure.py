"""Invariants every optimizer must have, whatever its rule: a zero gradient gives a zero
step, coordinates and batch members are independent, inputs are not mutated, finite in means
finite out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

from optverify.verification import strategies as ost
from optverify.verification.framework import (
    ALL,
    Draws,
    Subject,
    Violation,
    close,
    fmt,
    invariant,
    run_sequence,
)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, Mapping):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in _leaves(v)]
    return []


@invariant(
    "zero-gradient-gives-zero-step",
    "weight_decay = 0: g_t = 0 from the initial state gives step_t = 0.",
    kinds=ALL,
    requires={"weight_decay": 0.0},
)
def _zero_gradient(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw, weight_decay=0.0)
    start = draw(ost.vectors(1e-3, 1e3), "params")
    count = draw(st.integers(1, 5), "steps")
    steps, _ = run_sequence(subject.build(given), np.zeros((count, 2)), start)
    for t, step in enumerate(steps, start=1):
        if not np.all(step == 0):
            raise Violation(
                f"From the initial state, a zero gradient must give a zero step (there is "
                f"nothing to follow, and no weight decay); step {t} was {fmt(step)}."
            )


@invariant(
    "permuting-coordinates-permutes-the-step",
    "step(P g, P theta) = P step(g, theta) for a permutation P of the coordinates.",
    kinds=ALL,
)
def _permutation(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw)
    grads = draw(ost.gradient_sequences(1, 15, 1e-6, 1e6), "gradients")
    start = draw(ost.vectors(1e-3, 1e3), "params")
    plain, _ = run_sequence(subject.build(given), grads, start)
    swapped, _ = run_sequence(subject.build(given), grads[:, ::-1], start[::-1])
    for t, (a, b) in enumerate(zip(plain, swapped, strict=True), start=1):
        if not close(b, a[::-1], rtol=1e-15):
            raise Violation(
                f"Swapping the coordinates of the gradients and the parameters must swap "
                f"the step: step {t} was {fmt(a)}, and with swapped inputs {fmt(b)}."
            )


@invariant(
    "a-batch-equals-its-members",
    "Running starts as one batch (leading axis) gives each the steps it gets alone.",
    kinds=ALL,
)
def _batch(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw)
    size = draw(st.integers(2, 4), "batch size")
    count = draw(st.integers(1, 10), "steps")
    grads = draw(
        st.lists(ost.gradient_sequences(count, count, 1e-6, 1e6), min_size=size, max_size=size),
        "gradients",
    )
    starts = draw(st.lists(ost.vectors(1e-3, 1e3), min_size=size, max_size=size), "params")
    together, _ = run_sequence(
        subject.build(given), np.stack(grads, axis=1), np.stack(starts, axis=0)
    )
    for k in range(size):
        alone, _ = run_sequence(subject.build(given), grads[k], starts[k])
        for t, (a, b) in enumerate(zip(alone, together, strict=True), start=1):
            if not close(b[k], a, rtol=1e-12, atol=1e-300):
                raise Violation(
                    f"A batch must equal its members run one by one: member {k} of a batch "
                    f"of {size} stepped {fmt(b[k])} at step {t}, alone {fmt(a)}."
                )


@invariant(
    "update-does-not-mutate-its-inputs",
    "update(g, state, theta) leaves g, state and theta unchanged.",
    kinds=ALL,
)
def _no_mutation(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw)
    grads = draw(ost.gradient_sequences(2, 6, 1e-3, 1e3), "gradients")
    params = draw(ost.vectors(1e-3, 1e3), "params")
    optimizer = subject.build(given)
    with np.errstate(all="ignore"):
        state = optimizer.init(params)
        for t, g in enumerate(grads, start=1):
            copies = (g.copy(), params.copy(), [leaf.copy() for leaf in _leaves(state)])
            updates, new_state = optimizer.update(g, state, params)
            changed = [
                name
                for name, before, after in (("grads", copies[0], g), ("params", copies[1], params))
                if not np.array_equal(before, after, equal_nan=True)
            ]
            if any(
                not np.array_equal(b, a, equal_nan=True)
                for b, a in zip(copies[2], _leaves(state), strict=True)
            ):
                changed.append("state")
            if changed:
                raise Violation(
                    f"update must not modify its inputs; at step {t} it modified "
                    f"{' and '.join(changed)} in place."
                )
            state, params = new_state, params + np.asarray(updates)


def _ill_posed(subject: Subject, h: dict[str, Any], grads: np.ndarray) -> list[bool]:
    """For centered RMSprop, the steps whose denominator sqrt(v - g_ave^2) rounding decides
    (torch's kernels can round it below zero, a NaN)."""
    from optverify.optim.adaptive import RMSPROP
    from optverify.verification.invariants.adaptive import centered_rtols

    if subject.kind is not RMSPROP or not h.get("centered"):
        return [False] * len(grads)
    return [not np.isfinite(r) for r in centered_rtols(grads, h)]


@invariant(
    "finite-inputs-give-finite-outputs",
    "Finite gradients and parameters (eps > 0) give finite steps.",
    kinds=ALL,
    note="Centered RMSprop whose gradients have no variance left (alpha near 0, or one "
    "gradient repeated) divides by sqrt(v - g_ave^2), a difference rounding decides: torch's "
    "kernels can round it below zero and step NaN. Those steps are ill-posed and not checked.",
)
def _finite(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw)
    grads = draw(ost.gradient_sequences(1, 20, 1e-12, 1e6), "gradients")
    start = draw(ost.vectors(1e-3, 1e3), "params")
    steps, _ = run_sequence(subject.build(given), grads, start)
    ill_posed = _ill_posed(subject, h, grads)
    for t, step in enumerate(steps, start=1):
        if ill_posed[t - 1]:
            return  # centered RMSprop with no variance left: see the note
        if not np.all(np.isfinite(step)):
            raise Violation(
                f"Finite gradients (here at most 1e6 in size) must give finite steps; step "
                f"{t} was {fmt(step)} for the gradient {fmt(grads[t - 1])}."
            )
