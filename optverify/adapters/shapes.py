"""Optimizers in the shapes people write them, each presented as our ``(init, update)`` pair.

:func:`adapt` looks at a user's object and picks its shape:

- ``functional``: a factory returning ``init(params)`` and ``update(grads, state, params)``,
  our own contract (optax's);
- ``stateful``: a class (or factory) whose instances keep their own state and have
  ``update(params, grads)`` or ``step(params, grads)``, on one array, a dict of arrays or a
  list of them, changing them in place or returning new ones;
- ``cs231n``: a function ``step(w, dw, config=None) -> (next_w, config)`` whose
  hyperparameters are ``config`` keys;
- ``tutorial``: a step function in the style of a blog post, ``x, y = adam(x, y, cache,
  lr=...)``, that reads its gradient from a module-level function.

Each adapter copies what it hands the user's code and keeps the user's object inside our
immutable state (a fresh deep copy at every update), so the code may mutate whatever it is
given; the step is read as new parameters minus old. Hyperparameters are given in our names
and translated through :mod:`~optverify.adapters.names`.
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import textwrap
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.adapters.names import Binding, bind_names
from optverify.errors import InvalidArgument
from optverify.optim.base import Array, Optimizer
from optverify.optim.records import OptimizerRecord
from optverify.usercode import call

__all__ = ["SHAPES", "Adapted", "adapt"]

SHAPES = ("functional", "stateful", "cs231n", "step", "tutorial", "torch", "optax")
"""The shapes of optimizer code :func:`adapt` recognises."""


@dataclass(frozen=True)
class Adapted:
    """A user's optimizer behind our contract.

    Attributes:
      factory: takes hyperparameters in our names (those the code accepts) and returns an
        :class:`Optimizer`; its signature lists exactly those names.
      shape: one of :data:`SHAPES`.
      binding: our names bound to the code's.
      code_defaults: the code's own defaults, in our names (``{"lr": 0.05}``).
      notes: what the adapter found out (the gradient it feeds, the container it uses).
    """

    factory: Callable[..., Optimizer]
    shape: str
    binding: Binding
    code_defaults: Mapping[str, Any]
    notes: tuple[str, ...] = ()

    @property
    def accepted(self) -> frozenset[str]:
        """Our names of the hyperparameters the code takes."""
        return frozenset(self.binding.names)


# --- helpers ---------------------------------------------------------------------------------


def signature_of(function: Any) -> inspect.Signature | None:
    """``inspect.signature(function)``, or ``None`` where it has none; read once per object
    (verification builds the optimizer for every example)."""
    try:
        return _signature(function)
    except TypeError:  # unhashable: not cached
        return _signature.__wrapped__(function)


@functools.lru_cache(maxsize=256)
def _signature(function: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def keyword_defaults(function: Any, skip: int = 0) -> dict[str, Any]:
    """Parameters with defaults (after the first ``skip`` positional ones); a required one
    appears with the value ``None``."""
    signature = signature_of(function)
    if signature is None:
        return {}
    out = {}
    for index, p in enumerate(signature.parameters.values()):
        if index < skip or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        out[p.name] = None if p.default is inspect.Parameter.empty else p.default
    return out


def in_our_names(binding: Binding, code_defaults: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for ours, (name, index) in binding.names.items():
        value = code_defaults.get(name)
        if index is not None and isinstance(value, tuple | list) and len(value) > index:
            value = value[index]
        if isinstance(value, int | float | bool | np.floating) and value is not None:
            out[ours] = value
    return out


def required_values(
    binding: Binding, raw: Mapping[str, Any], kind: OptimizerRecord
) -> dict[str, Any]:
    """For the parameters the code requires (no default; optax's ``learning_rate``), the
    kind's default, used whenever no value is given."""
    defaults = kind.defaults()
    return {
        ours: defaults[ours]
        for ours, (name, index) in binding.names.items()
        if index is None and name in raw and raw[name] is None
    }


def build_factory(
    binding: Binding,
    build: Callable[[dict[str, Any]], Optimizer],
    name: str,
    required: Mapping[str, Any] | None = None,
) -> Callable[..., Optimizer]:
    """A factory in our names with a signature listing them (what :class:`Subject` reads);
    ``required`` fills in what the code cannot do without."""
    parameters = [
        inspect.Parameter(ours, inspect.Parameter.KEYWORD_ONLY, default=None)
        for ours in binding.names
    ]

    def factory(**ours: Any) -> Optimizer:
        given = {k: v for k, v in ours.items() if v is not None}
        unknown = [k for k in given if k not in binding.names]
        if unknown:
            raise InvalidArgument(
                f"{unknown[0]} is not a parameter of {name}; it takes "
                f"{', '.join(binding.names) or 'none'}."
            )
        built = build({**(required or {}), **given})
        return built._replace(name=name, hyperparameters=dict(given))

    factory.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    factory.__qualname__ = factory.__name__ = name
    return factory


def source_tree(function: Any) -> ast.AST | None:
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None


# --- functional: our own contract ------------------------------------------------------------


def _functional(obj: Any, binding: Binding, name: str) -> Callable[..., Optimizer]:
    def build(given: dict[str, Any]) -> Optimizer:
        built = call("the optimizer's factory", obj, **binding.translate(given, _defaults(obj)))
        return Optimizer(
            lambda params: call("the optimizer's init", built.init, params),
            lambda grads, state, params=None: call(
                "the optimizer's update", built.update, grads, state, params
            ),
        )

    return build_factory(binding, build, name)


def _defaults(obj: Any) -> dict[str, Any]:
    return keyword_defaults(obj)


# --- stateful: objects that keep their own state ---------------------------------------------

_GRADS_FIRST = ("grads", "grad", "g", "gradients", "dw", "dparams", "d_params", "grad_wrt_w")


class StatefulState(NamedTuple):
    """The user's optimizer object as it stands after the steps so far (never mutated)."""

    t: int
    instance: Any


def _method(instance: Any) -> tuple[str, bool]:
    """The stepping method's name and whether it takes the gradients first."""
    for name in ("update", "step", "apply_gradients", "apply"):
        method = getattr(instance, name, None)
        if callable(method):
            signature = signature_of(method)
            names = list(signature.parameters) if signature is not None else []
            grads_first = bool(names) and names[0].lower() in _GRADS_FIRST
            return name, grads_first
    raise InvalidArgument(
        f"{type(instance).__name__} has no update(params, grads) or step(params, grads) method."
    )


def _container_hint(instance: Any, method: str) -> str:
    """What the method's source says its parameters are: ``dict``, ``list`` or ``array``."""
    tree = source_tree(getattr(type(instance), method, None))
    text = ast.unparse(tree) if tree is not None else ""
    if ".items()" in text or ".keys()" in text or ".values()" in text:
        return "dict"
    if "zip(" in text or "enumerate(" in text or "for p in" in text:
        return "list"
    return "array"


def _pack(values: Array, container: str) -> Any:
    """Our (..., 2) array as the container the user's code takes (several entries, so that a
    bug that only shows with more than one tensor shows)."""
    if container == "dict":
        return {"W1": values[..., 0:1].copy(), "b1": values[..., 1:2].copy()}
    if container == "list":
        return [values[..., 0:1].copy(), values[..., 1:2].copy()]
    return values.copy()


def _unpack(packed: Any, container: str, like: Array) -> Array:
    if container == "dict":
        parts = [np.asarray(packed["W1"], float), np.asarray(packed["b1"], float)]
    elif container == "list":
        parts = [np.asarray(p, float) for p in packed]
    else:
        return np.asarray(packed, dtype=np.float64).reshape(like.shape)
    return np.concatenate([p.reshape(*like.shape[:-1], -1) for p in parts], axis=-1)


def _container(obj: Any, method: str, grads_first: bool) -> str:
    """The container the code takes: its source's hint first, then the others, keeping the
    first that steps a probe without an error and moves it."""
    probe = call("the optimizer's constructor", obj)
    hint = _container_hint(probe, method)
    p, g = np.array([0.5, -0.3]), np.array([1.0, -2.0])
    for container in dict.fromkeys((hint, "array", "dict", "list")):
        instance = copy.deepcopy(probe)
        packed_p, packed_g = _pack(p, container), _pack(g, container)
        args = (packed_g, packed_p) if grads_first else (packed_p, packed_g)
        try:
            with np.errstate(all="ignore"):
                returned = call("the optimizer", getattr(instance, method), *args)
                moved = _unpack(packed_p if returned is None else returned, container, p)
        except InvalidArgument:
            raise
        except Exception:
            continue
        if np.all(np.isfinite(moved)) and np.any(moved != p):
            return container
    return hint


def _stateful(obj: Any, binding: Binding, name: str) -> tuple[Callable[..., Optimizer], str]:
    probe = call("the optimizer's constructor", obj)
    method, grads_first = _method(probe)
    container = _container(obj, method, grads_first)

    def build(given: dict[str, Any]) -> Optimizer:
        template = call(
            "the optimizer's constructor", obj, **binding.translate(given, _defaults(obj))
        )

        def init(params: ArrayLike) -> StatefulState:
            return StatefulState(0, copy.deepcopy(template))

        def update(
            grads: ArrayLike, state: StatefulState, params: ArrayLike | None = None
        ) -> tuple[Array, StatefulState]:
            g = np.asarray(grads, dtype=np.float64)
            p = np.zeros_like(g) if params is None else np.asarray(params, dtype=np.float64)
            instance = copy.deepcopy(state.instance)
            packed_p, packed_g = _pack(p, container), _pack(g, container)
            args = (packed_g, packed_p) if grads_first else (packed_p, packed_g)
            returned = call(f"the optimizer's {method}", getattr(instance, method), *args)
            moved = _unpack(packed_p if returned is None else returned, container, p)
            return moved - p, StatefulState(state.t + 1, instance)

        return Optimizer(init, update)

    return build_factory(binding, build, name), f"it is given {_NAMES[container]}"


_NAMES = {
    "dict": "a dict of two arrays ({'W1': ..., 'b1': ...})",
    "list": "a list of two arrays",
    "array": "one array",
}


# --- detection -------------------------------------------------------------------------------


def _looks_cs231n(obj: Any) -> bool:
    signature = signature_of(obj)
    if signature is None or isinstance(obj, type):
        return False
    names = list(signature.parameters)
    return len(names) >= 3 and names[2] in ("config", "cfg", "conf", "opt_config")


def _looks_tutorial(obj: Any) -> bool:
    if not isinstance(obj, types.FunctionType):
        return False
    signature = signature_of(obj)
    if signature is None:
        return False
    positional = [p for p in signature.parameters.values() if p.default is inspect.Parameter.empty]
    return len(positional) >= 2 and any(
        callable(obj.__globals__.get(n))
        and getattr(obj.__globals__.get(n), "__module__", None) == obj.__module__
        for n in obj.__code__.co_names
    )


_STATE_NAMES = (
    "state",
    "opt_state",
    "s",
    "st",
    "optimizer_state",
    "buf",
    "buffer",
    "cache",
    "slots",
    "memory",
    "acc",
    "accumulators",
    "moments",
    "trace",
)
_GRAD_NAMES = ("grads", "grad", "g", "gradients", "gradient", "updates", "u", "dw", "dx", "dp",
               "grad_tree")  # fmt: skip
_PARAM_NAMES = ("params", "param", "parameters", "w", "weights", "theta", "x", "p", "model",
                "variables")  # fmt: skip


def _is_functional(instance: Any) -> bool:
    """An ``init``/``update`` pair of our contract: ``update(grads, state, ...)``, told from a
    stateful object's ``update(params, grads)`` by its argument names (a state second, or a
    gradient first); two unfamiliar names are taken as ours, as optax writes them."""
    init, update = getattr(instance, "init", None), getattr(instance, "update", None)
    if not (callable(init) and callable(update)):
        return False
    signature = signature_of(update)
    names = [n.lower() for n in signature.parameters] if signature is not None else []
    if len(names) < 2:
        return False
    if names[1] in _STATE_NAMES or names[0] in _GRAD_NAMES:
        return True
    return names[0] not in _PARAM_NAMES and names[1] not in _GRAD_NAMES


def adapt(
    obj: Any,
    kind: OptimizerRecord,
    *,
    label: str,
    gradient: str | None = None,
    shape: str | None = None,
) -> Adapted:
    """``obj`` (a user's factory, class or function claiming to implement ``kind``) behind our
    contract; ``shape`` forces one of :data:`SHAPES` instead of detecting it."""
    if shape is not None and shape not in SHAPES:
        raise InvalidArgument(
            f"shape={shape!r} is invalid: it needs to be one of {', '.join(SHAPES)}."
        )
    if shape in ("torch", None) and _is_torch_class(obj):
        from optverify.adapters.torch_optim import adapt_torch_class

        return adapt_torch_class(obj, kind, label)
    if shape in ("optax", None) and _is_optax(obj):
        from optverify.adapters.optax_optim import adapt_optax

        return adapt_optax(obj, kind, label)
    from optverify.adapters.functions import (
        config_keys,
        cs231n,
        gradient_name,
        module_state,
        state_parameters,
        step_function,
        step_roles,
        tutorial,
    )

    if shape == "cs231n" or (shape is None and _looks_cs231n(obj)):
        defaults = config_keys(obj)
        binding = bind_names(defaults, kind, defaults)
        keys = ("hyperparameters are config keys: " + ", ".join(defaults),) if defaults else ()
        return Adapted(
            cs231n(obj, binding, label), "cs231n", binding, in_our_names(binding, defaults),
            keys,
        )  # fmt: skip
    roles = step_roles(obj) if isinstance(obj, types.FunctionType) else None
    if roles is not None and shape in ("step", None):
        defaults = keyword_defaults(obj)
        numeric = {k: v for k, v in defaults.items() if isinstance(v, int | float)}
        binding = bind_names(numeric, kind, numeric)
        note = f"parameters passed as {roles[0]}, the gradient as {roles[1]}; " + (
            f"state passed as {', '.join(roles[2])}, starting at zero" if roles[2] else "no state"
        )
        return Adapted(step_function(obj, binding, label), "step", binding,
                       in_our_names(binding, numeric), (note,))  # fmt: skip
    if shape == "tutorial" or (shape is None and _looks_tutorial(obj)):
        read = gradient_name(obj, gradient)
        defaults = keyword_defaults(obj, skip=2)
        numeric = {k: v for k, v in defaults.items() if isinstance(v, int | float)}
        binding = bind_names(numeric, kind, numeric)
        states = [p.name for p in state_parameters(obj)]
        kept = module_state(obj, read)
        notes: tuple[str, ...] = (
            f"the gradient is fed through the module-level {read}",
            f"state passed as {', '.join(states)}" if states else "no state argument",
            *(
                [
                    f"state kept in the module-level {', '.join(kept)}, copied per example and "
                    "starting at zero"
                ]
                if kept
                else []
            ),
        )
        return Adapted(
            tutorial(obj, binding, label, read), "tutorial", binding,
            in_our_names(binding, numeric), notes,
        )  # fmt: skip
    defaults = _defaults(obj)
    binding = bind_names(defaults, kind, defaults)
    if not defaults and _takes_any_keyword(obj):  # f(**hyperparameters): our names pass through
        binding = Binding({name: (name, None) for name in kind.defaults()})
    probe = call("the optimizer's constructor", obj)
    if shape in ("optax", None) and _is_optax(probe):
        from optverify.adapters.optax_optim import adapt_optax

        return adapt_optax(obj, kind, label)
    if shape == "functional" or (shape is None and _is_functional(probe)):
        return Adapted(
            _functional(obj, binding, label), "functional", binding,
            in_our_names(binding, defaults),
        )  # fmt: skip
    factory, note = _stateful(obj, binding, label)
    return Adapted(factory, "stateful", binding, in_our_names(binding, defaults), (note,))


def _takes_any_keyword(obj: Any) -> bool:
    signature = signature_of(obj)
    return signature is not None and any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    )


def _is_torch_class(obj: Any) -> bool:
    if not isinstance(obj, type):
        return False
    return any(
        base.__module__.startswith("torch.optim") and base.__name__ == "Optimizer"
        for base in obj.__mro__
    )


def _is_optax(obj: Any) -> bool:
    return type(obj).__name__ in ("GradientTransformation", "GradientTransformationExtraArgs") and (
        type(obj).__module__.startswith("optax")
    )
