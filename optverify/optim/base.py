"""The optimizer contract, hyperparameter validation and the registry.

An optimizer is a pair of pure functions (optax's ``GradientTransformation``)::

    state = optimizer.init(params)
    updates, state = optimizer.update(grads, state, params)
    params = params + updates

``state`` is an immutable ``NamedTuple``; arrays may have any leading batch shape and are
never modified in place.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optverify.errors import InvalidArgument

__all__ = [
    "Array",
    "Optimizer",
    "check_bool",
    "check_lr",
    "check_nonnegative",
    "check_unit_interval",
    "defaults",
    "effective_gradient",
    "get",
    "lerp",
    "names",
    "register",
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


def make(name: str, init: InitFn, update: UpdateFn, **hyperparameters: Any) -> Optimizer:
    """Bundle ``init`` and ``update`` with the name and hyperparameters that built them."""
    return Optimizer(init, update, name, MappingProxyType(dict(hyperparameters)))


def check_lr(lr: float) -> float:
    """``lr`` as a float, or :class:`InvalidArgument` unless it is finite and positive."""
    value = _number("lr", lr)
    if not (math.isfinite(value) and value > 0):
        raise InvalidArgument(f"lr={lr!r} is invalid: the learning rate must be positive.")
    return value


def check_unit_interval(name: str, value: float, *, closed: bool = False) -> float:
    """``value`` in [0, 1) (or [0, 1] with ``closed``), else :class:`InvalidArgument`."""
    number = _number(name, value)
    upper_ok = number <= 1 if closed else number < 1
    if not (number >= 0 and upper_ok):
        interval = "[0, 1]" if closed else "[0, 1)"
        raise InvalidArgument(f"{name}={value!r} is invalid: it must lie in {interval}.")
    return number


def check_nonnegative(name: str, value: float) -> float:
    """``value`` finite and >= 0, else :class:`InvalidArgument`."""
    number = _number(name, value)
    if not (math.isfinite(number) and number >= 0):
        raise InvalidArgument(f"{name}={value!r} is invalid: it must be finite and >= 0.")
    return number


def check_bool(name: str, value: bool) -> bool:
    """``value`` as a bool (True/False only), else :class:`InvalidArgument`."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise InvalidArgument(f"{name}={value!r} is invalid: it must be true or false.")


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InvalidArgument(f"{name}={value!r} is invalid: it must be a number.")
    number = float(value)
    if math.isnan(number):
        raise InvalidArgument(f"{name}={value!r} is invalid: it must be a number, not NaN.")
    return number


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


Factory = Callable[..., Optimizer]
_REGISTRY: dict[str, Factory] = {}
_SPECIMENS: set[str] = set()


def register(name: str, *, specimen: bool = False) -> Callable[[Factory], Factory]:
    """Register an optimizer factory under ``name``.

    A ``specimen`` (the post's buggy Adam) can be built, run and verified by name, but is not
    one of the built-in optimizers that ``names()`` lists and that must pass verification.
    """

    def decorate(factory: Factory) -> Factory:
        if name in _REGISTRY:
            raise InvalidArgument(f"optimizer name={name!r} is already registered.")
        _REGISTRY[name] = factory
        if specimen:
            _SPECIMENS.add(name)
        return factory

    return decorate


def _load_builtins() -> None:
    import optverify.optimizers  # noqa: F401  (importing it registers the built-ins)


def names(*, specimens: bool = False) -> list[str]:
    """Registered optimizer names in registration order; specimens only if asked for."""
    _load_builtins()
    return [name for name in _REGISTRY if specimens or name not in _SPECIMENS]


def factory(name: str) -> Factory:
    """The factory registered as ``name``."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InvalidArgument(
            f"optimizer={name!r} is unknown: it needs to be one of {', '.join(_REGISTRY)}."
        ) from None


def defaults(name: str) -> dict[str, Any]:
    """The hyperparameters of optimizer ``name`` and their defaults."""
    parameters = inspect.signature(factory(name)).parameters.values()
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def get(name: str, **hyperparameters: Any) -> Optimizer:
    """Build the optimizer registered as ``name`` with ``hyperparameters``.

    Raises:
      InvalidArgument: an unknown optimizer, an unknown hyperparameter name, or a value
        outside its valid range.
    """
    build = factory(name)
    valid = defaults(name)
    unknown = sorted(set(hyperparameters) - set(valid))
    if unknown:
        raise InvalidArgument(
            f"{unknown[0]}={hyperparameters[unknown[0]]!r} is invalid: {name} has no "
            f"hyperparameter {unknown[0]!r}; it takes {', '.join(valid)}."
        )
    return build(**hyperparameters)
