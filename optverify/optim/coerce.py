"""What the public Python functions accept as an optimizer or as starting points.

A notebook user types ``"adam"``, passes ``optimizers.adam(lr=0.1)``, or an object of their
own with ``init`` and ``update``; starts come as a tuple, a list of pairs or an array. These
functions convert once, at the edge, or raise :class:`~optverify.errors.InvalidArgument`
naming the value and what is accepted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from optverify.errors import InvalidArgument
from optverify.optim import REGISTRY
from optverify.optim.base import Array, Optimizer

__all__ = ["as_optimizer", "as_starts"]


def as_optimizer(value: object) -> Optimizer:
    """An :class:`Optimizer` from a registered name, an Optimizer, or any object with
    callable ``init`` and ``update``."""
    if isinstance(value, Optimizer):
        return value
    if isinstance(value, str) and ":" not in value:
        return REGISTRY.get(value).build()
    init, update = getattr(value, "init", None), getattr(value, "update", None)
    if callable(init) and callable(update):
        name = getattr(value, "name", None)
        return Optimizer(init, update, name if isinstance(name, str) else type(value).__name__)
    if isinstance(value, str) or callable(value):  # a user's, in any shape the adapters take
        from optverify.adapters.resolve import resolve_optimizer

        return resolve_optimizer(value).build()
    raise InvalidArgument(
        f"optimizer={value!r} is invalid: give a registered name "
        f"({', '.join(REGISTRY.names(specimens=True))}), an Optimizer, an object with "
        "init(params) and update(grads, state, params), or your own optimizer in any shape "
        "optverify adapts (a class with update(params, grads), a CS231n or tutorial step "
        "function, a torch.optim subclass)."
    )


def as_starts(value: Any, *, limit: int | None = None) -> Array:
    """Starting points as a float array of shape ``(2,)`` or ``(..., 2)``, all finite."""
    try:
        points = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"starts={value!r} is invalid: give a point (x, y) or points of shape (..., 2)."
        ) from None
    if points.ndim == 0 or points.shape[-1] != 2:
        raise InvalidArgument(
            f"starts of shape {points.shape} are invalid: the last axis must hold (x, y), size 2."
        )
    flat = points.reshape(-1, 2)
    if not np.all(np.isfinite(flat)):
        bad = flat[~np.all(np.isfinite(flat), axis=-1)][0]
        raise InvalidArgument(
            f"start=({bad[0]}, {bad[1]}) is invalid: starting points must be finite."
        )
    if limit is not None and len(flat) > limit:
        raise InvalidArgument(f"starts: {len(flat):,} points is too many; the limit is {limit:,}.")
    return points
