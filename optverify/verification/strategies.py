"""Hypothesis strategies for optimizer verification, for your own test suites too::

    from hypothesis import given
    from optverify import strategies

    @given(strategies.hyperparameters("adam"), strategies.gradient_sequences())
    def test_my_adam(h, grads): ...

Hyperparameters are drawn from the ranges each optimizer's record states (inside the ranges
its factory accepts), on log scales where magnitudes matter.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from optverify.errors import InvalidArgument
from optverify.optim import REGISTRY
from optverify.optim.records import Hyperparameter, OptimizerRecord
from optverify.symbolic.surfaces import Surface, Window

__all__ = [
    "batch_shapes",
    "gradient_sequences",
    "hyperparameters",
    "magnitudes",
    "nonzero_vectors",
    "points_in",
    "points_on",
    "vectors",
]


@functools.lru_cache(maxsize=256)
def magnitudes(low: float = 1e-6, high: float = 1e6) -> st.SearchStrategy[float]:
    """Positive floats spread evenly over decades between ``low`` and ``high``."""
    lo, hi = math.log10(low), math.log10(high)
    return st.floats(lo, hi).map(lambda e: float(min(max(10.0**e, low), high)))


def _folding(low: float, high: float, zeros: bool) -> tuple[float, Any]:
    """The range of a raw draw ``u`` and the vectorised fold of ``u`` onto values 0 (if
    ``zeros``) or ±[low, high] on a log scale.

    ``|u| < 1`` is 0; beyond that, ``|u|`` walks the decades up from the one nearest 1 to
    ``high``, then down to ``low``, and the sign of ``u`` is the sign of the value. So the
    simplest draws (0, 1, 2) are the simplest values (0, 1, 10), which is where Hypothesis
    shrinks to, and a component costs one float draw.
    """
    lo, hi = math.log10(low), math.log10(high)
    anchor = min(max(0.0, lo), hi)
    up, down = hi - anchor, anchor - lo
    gap = 1.0 if zeros else 0.0

    def fold(u: Any) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        d = np.abs(u) - gap
        exponent = np.where(d <= up, anchor + d, anchor - (d - up))
        value = np.clip(10.0 ** np.clip(exponent, lo, hi), low, high)
        return np.where(d < 0, 0.0, np.where(u < 0, -value, value))

    return gap + up + down, fold


@functools.lru_cache(maxsize=256)
def vectors(
    low: float = 1e-6, high: float = 1e6, *, zeros: bool = True, size: int = 2
) -> st.SearchStrategy[np.ndarray]:
    """Vectors of ``size`` components, each 0 (if ``zeros``) or ±[low, high] on a log scale."""
    reach, fold = _folding(low, high, zeros)
    return st.tuples(*[st.floats(-reach, reach)] * size).map(fold)


def nonzero_vectors(low: float = 1e-3, high: float = 1e3) -> st.SearchStrategy[np.ndarray]:
    """2-vectors with no zero component (for properties that divide by the gradient)."""
    return vectors(low, high, zeros=False)


@functools.lru_cache(maxsize=256)
def gradient_sequences(
    min_steps: int = 1,
    max_steps: int = 30,
    low: float = 1e-6,
    high: float = 1e6,
    *,
    zeros: bool = True,
) -> st.SearchStrategy[np.ndarray]:
    """Sequences of 2-D gradients, shape ``(T, 2)``."""
    reach, fold = _folding(low, high, zeros)
    pair = st.tuples(st.floats(-reach, reach), st.floats(-reach, reach))
    return st.lists(pair, min_size=min_steps, max_size=max_steps).map(
        lambda rows: fold(rows).reshape(-1, 2)
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


def _strategy(h: Hyperparameter) -> st.SearchStrategy[Any] | None:
    """What a hyperparameter's record says to draw: ``None`` if it is never drawn."""
    if h.draw is None:
        return None
    if h.kind == "flag":
        return st.booleans()
    low, high = h.draw
    return magnitudes(low, high) if h.log else st.floats(low, high)


def hyperparameters(
    kind: OptimizerRecord | str, *, names: frozenset[str] | None = None, **fixed: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """Hyperparameters of optimizer ``kind`` in the ranges its record says to draw.

    Args:
      kind: a built-in optimizer's record or name; its hyperparameters are the ones drawn.
      names: draw only these (a factory that takes fewer); ``None`` for all.
      **fixed: values to use instead of drawing (``eps=0.0``), or strategies to draw them
        from instead of the record's range.

    A hyperparameter whose record has no draw range (``maximize``) is never drawn: it stays
    at its default unless fixed.
    """
    key = (kind, names, tuple(sorted(fixed.items())))
    try:
        return _hyperparameters(*key)
    except TypeError:  # an unhashable fixed value
        return _hyperparameters.__wrapped__(*key)


@functools.lru_cache(maxsize=1024)
def _hyperparameters(
    kind: OptimizerRecord | str, names: frozenset[str] | None, fixed_items: tuple[Any, ...]
) -> st.SearchStrategy[dict[str, Any]]:
    fixed = dict(fixed_items)
    record = kind if isinstance(kind, OptimizerRecord) else REGISTRY.get(kind)
    known = record.defaults()
    unknown = set(fixed) - set(known)
    if unknown:
        raise InvalidArgument(f"{sorted(unknown)[0]} is not a hyperparameter of {record.name}.")
    drawn: dict[str, st.SearchStrategy[Any]] = {}
    for h in record.hyperparameters:
        if names is not None and h.name not in names:
            continue
        if h.name in fixed:
            value = fixed[h.name]
            drawn[h.name] = value if isinstance(value, st.SearchStrategy) else st.just(value)
        else:
            strategy = _strategy(h)
            if strategy is not None:
                drawn[h.name] = strategy
    return st.fixed_dictionaries(drawn)
