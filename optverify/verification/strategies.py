"""Hypothesis strategies for optimizer verification, for your own test suites too::

    from hypothesis import given
    from optverify import strategies

    @given(strategies.hyperparameters("adam"), strategies.gradient_sequences())
    def test_my_adam(h, grads): ...

Every strategy draws values in the valid ranges of ``torch.optim`` (the same ranges the
factories validate), on log scales where magnitudes matter.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from optverify.errors import InvalidArgument
from optverify.optim.base import defaults
from optverify.symbolic.surfaces import Surface, Window

__all__ = [
    "RANGES",
    "batch_shapes",
    "gradient_sequences",
    "hyperparameters",
    "magnitudes",
    "nonzero_vectors",
    "points_in",
    "points_on",
    "vectors",
]


def magnitudes(low: float = 1e-6, high: float = 1e6) -> st.SearchStrategy[float]:
    """Positive floats spread evenly over decades between ``low`` and ``high``."""
    lo, hi = math.log10(low), math.log10(high)
    return st.floats(lo, hi).map(lambda e: float(min(max(10.0**e, low), high)))


def _signed(magnitude: st.SearchStrategy[float], zeros: bool) -> st.SearchStrategy[float]:
    signed = st.tuples(st.sampled_from([1.0, -1.0]), magnitude).map(lambda sm: sm[0] * sm[1])
    return st.one_of(st.just(0.0), signed) if zeros else signed


def vectors(
    low: float = 1e-6, high: float = 1e6, *, zeros: bool = True, size: int = 2
) -> st.SearchStrategy[np.ndarray]:
    """Vectors of ``size`` components, each 0 (if ``zeros``) or ±[low, high] on a log scale."""
    component = _signed(magnitudes(low, high), zeros)
    return st.lists(component, min_size=size, max_size=size).map(
        lambda values: np.array(values, dtype=np.float64)
    )


def nonzero_vectors(low: float = 1e-3, high: float = 1e3) -> st.SearchStrategy[np.ndarray]:
    """2-vectors with no zero component (for properties that divide by the gradient)."""
    return vectors(low, high, zeros=False)


def gradient_sequences(
    min_steps: int = 1,
    max_steps: int = 30,
    low: float = 1e-6,
    high: float = 1e6,
    *,
    zeros: bool = True,
) -> st.SearchStrategy[np.ndarray]:
    """Sequences of 2-D gradients, shape ``(T, 2)``."""
    return st.lists(vectors(low, high, zeros=zeros), min_size=min_steps, max_size=max_steps).map(
        lambda rows: np.stack(rows)
    )


def batch_shapes() -> st.SearchStrategy[tuple[int, ...]]:
    """Leading batch shapes: (), (n,), (n, m) with small sizes."""
    return st.lists(st.integers(1, 4), min_size=0, max_size=2).map(tuple)


def points_in(window: Window) -> st.SearchStrategy[np.ndarray]:
    """Points (x, y) in a window."""
    return st.tuples(
        st.floats(window.xmin, window.xmax, allow_nan=False),
        st.floats(window.ymin, window.ymax, allow_nan=False),
    ).map(lambda p: np.array(p, dtype=np.float64))


def points_on(surface: Surface) -> st.SearchStrategy[np.ndarray]:
    """Points in a surface's window."""
    return points_in(surface.window)


RANGES: dict[str, st.SearchStrategy[Any]] = {
    "lr": magnitudes(1e-4, 1.0),
    "momentum": st.floats(0.0, 0.99),
    "dampening": st.floats(0.0, 1.0),
    "b1": st.floats(0.0, 0.99),
    "b2": st.floats(0.0, 0.999),
    "eps": magnitudes(1e-12, 1e-4),
    "alpha": st.floats(0.0, 0.999),
    "rho": st.floats(0.0, 1.0),
    "weight_decay": st.floats(0.0, 0.1),
    "lr_decay": st.floats(0.0, 0.1),
    "momentum_decay": st.floats(0.0, 0.01),
    "initial_accumulator_value": st.floats(0.0, 1.0),
    "centered": st.booleans(),
    "decoupled_weight_decay": st.booleans(),
}
"""The drawn range of each hyperparameter (valid for every optimizer that takes it)."""

_SPECIAL: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    ("nesterov", "momentum"): st.floats(0.01, 0.99),
}


def hyperparameters(
    kind: str, *, names: frozenset[str] | None = None, **fixed: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """Hyperparameters of optimizer ``kind`` in their valid ranges.

    Args:
      kind: a built-in optimizer name; its hyperparameters are the ones drawn.
      names: draw only these (a factory that takes fewer); ``None`` for all.
      **fixed: values to use instead of drawing (``eps=0.0``).

    ``maximize`` is never drawn (it stays False unless fixed).
    """
    known = defaults(kind)
    unknown = set(fixed) - set(known)
    if unknown:
        raise InvalidArgument(f"{sorted(unknown)[0]} is not a hyperparameter of {kind}.")
    drawn: dict[str, st.SearchStrategy[Any]] = {}
    for name in known:
        if names is not None and name not in names:
            continue
        if name in fixed:
            drawn[name] = st.just(fixed[name])
        elif name in RANGES:
            drawn[name] = _SPECIAL.get((kind, name), RANGES[name])
    return st.fixed_dictionaries(drawn)
