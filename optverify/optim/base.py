"""The optimizer contract and the helpers update rules share.

An optimizer is a pair of pure functions (optax's ``GradientTransformation``)::

    state = optimizer.init(params)
    updates, state = optimizer.update(grads, state, params)
    params = params + updates

``state`` is an immutable ``NamedTuple``; arrays may have any leading batch shape and are
never modified in place.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optverify.errors import InvalidArgument

__all__ = [
    "Array",
    "Optimizer",
    "decoupled_decay",
    "effective_gradient",
    "lerp",
    "reads_gradient",
    "reads_its_gradient",
    "require_params",
    "with_gradient",
    "zeros_like",
]

Array = NDArray[np.float64]


class InitFn(Protocol):
    def __call__(self, params: ArrayLike) -> Any: ...


class UpdateFn(Protocol):
    def __call__(
        self, grads: ArrayLike, state: Any, params: ArrayLike | None = None
    ) -> tuple[Array, Any]: ...


class Optimizer(NamedTuple):
    """An optimizer: ``init(params) -> state`` and ``update(grads, state, params) -> (updates,
    state)``, with the name and hyperparameters it was built with."""

    init: InitFn
    update: UpdateFn
    name: str = "custom"
    hyperparameters: Mapping[str, Any] = MappingProxyType({})


GradientFn = Callable[[Array], Array]

_READERS: weakref.WeakKeyDictionary[Any, Callable[[GradientFn], Optimizer]] = (
    weakref.WeakKeyDictionary()
)


def reads_gradient(update: Any, reading: Callable[[GradientFn], Optimizer]) -> None:
    """Note that the optimizer whose update is ``update`` can call the gradient itself:
    ``reading(gradient)`` builds that version (a tutorial step function that takes its
    gradient at a look-ahead point needs the surface's gradient, not the one at ``params``)."""
    _READERS[update] = reading


def reads_its_gradient(optimizer: Optimizer) -> bool:
    """Whether ``optimizer`` can call the gradient itself (see :func:`reads_gradient`)."""
    try:
        return optimizer.update in _READERS
    except TypeError:  # not weakly referable: an ordinary optimizer
        return False


def with_gradient(optimizer: Optimizer, gradient: GradientFn) -> Optimizer:
    """``optimizer`` calling ``gradient`` itself if it can (see :func:`reads_gradient`)."""
    try:
        reading = _READERS.get(optimizer.update)
    except TypeError:  # not weakly referable: an ordinary optimizer
        reading = None
    if reading is None:
        return optimizer
    return reading(gradient)._replace(
        name=optimizer.name, hyperparameters=optimizer.hyperparameters
    )


def zeros_like(params: ArrayLike) -> Array:
    """Float64 zeros shaped (and laid out in memory) like ``params``."""
    return np.zeros_like(np.asarray(params), dtype=np.float64)


def effective_gradient(
    grads: ArrayLike, params: ArrayLike | None, weight_decay: float, maximize: bool
) -> Array:
    """``g = -grads`` if maximizing, plus ``weight_decay * params`` (L2, added to the gradient),
    as ``torch.optim`` does before every update rule."""
    g = np.asarray(grads, dtype=np.float64)
    if maximize:
        g = -g
    if weight_decay != 0:
        g = g + weight_decay * require_params(params, "weight_decay")
    return g


def decoupled_decay(lr: float, weight_decay: float, params: ArrayLike | None) -> Array | None:
    """The decoupled decay ``-lr * weight_decay * params`` to add to the update (AdamW's),
    or ``None`` when there is no decay."""
    if weight_decay == 0:
        return None
    decay: Array = -lr * weight_decay * require_params(params, "weight_decay")
    return decay


def require_params(params: ArrayLike | None, why: str) -> Array:
    """``params`` as an array, or :class:`InvalidArgument` saying ``why`` they are needed."""
    if params is None:
        raise InvalidArgument(f"params=None is invalid: update needs params when {why} != 0.")
    return np.asarray(params, dtype=np.float64)


def lerp(start: Array, end: Array, weight: float) -> Array:
    """``torch.lerp`` as computed on the CPU: exact at both ends, one rounding either way."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)
