"""optax ``GradientTransformation`` factories behind our contract (optax and jax optional).

optax's ``init(params)`` and ``update(updates, state, params)`` are our contract already; the
adapter converts NumPy arrays to jax arrays in float64 (``jax_enable_x64``) and back.
``optax:adam`` names optax's own factory; a user's factory returning a transformation (an
``optax.chain`` of their own) is adapted the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from optverify.errors import InvalidArgument
from optverify.optim.base import Array, Optimizer
from optverify.optim.records import OptimizerRecord
from optverify.usercode import call

if TYPE_CHECKING:
    from optverify.adapters.shapes import Adapted

__all__ = ["adapt_optax", "optax_factory"]


def _jax() -> Any:
    try:
        import jax
    except ImportError:
        raise InvalidArgument(
            "jax and optax are not installed: `pip install optverify[optax]` to verify optax "
            "transformations."
        ) from None
    jax.config.update("jax_enable_x64", True)
    return jax


def optax_factory(name: str) -> Callable[..., Any]:
    """``optax.<name>`` (``optax:adam``), or :class:`InvalidArgument` naming what is missing."""
    _jax()
    import optax

    factory = getattr(optax, name, None)
    if not callable(factory):
        raise InvalidArgument(f"optimizer='optax:{name}' is invalid: optax has no {name!r}.")
    return factory  # type: ignore[no-any-return]


def _wrap(transformation: Any) -> Optimizer:
    jax = _jax()
    jnp = jax.numpy

    def init(params: ArrayLike) -> Any:
        return call("the transformation's init", transformation.init, jnp.asarray(params))

    def update(grads: ArrayLike, state: Any, params: ArrayLike | None = None) -> tuple[Array, Any]:
        p = None if params is None else jnp.asarray(params)
        updates, new_state = call(
            "the transformation's update", transformation.update, jnp.asarray(grads), state, p
        )
        return np.asarray(updates, dtype=np.float64), new_state

    return Optimizer(init, update)


def adapt_optax(factory: Callable[..., Any], kind: OptimizerRecord, label: str) -> Adapted:
    """An optax transformation factory as an :class:`Adapted` optimizer."""
    from optverify.adapters.names import bind_names
    from optverify.adapters.shapes import (
        Adapted,
        build_factory,
        in_our_names,
        keyword_defaults,
        required_values,
    )

    _jax()
    raw = keyword_defaults(factory)
    binding = bind_names(raw, kind, raw)
    required = required_values(binding, raw, kind)
    defaults = {k: v for k, v in raw.items() if v is not None}

    def build(given: dict[str, Any]) -> Optimizer:
        kwargs = binding.translate(given, defaults)
        return _wrap(call("the optax factory", factory, **kwargs))

    return Adapted(
        build_factory(binding, build, label, required),
        "optax",
        binding,
        {**required, **in_our_names(binding, defaults)},
    )
