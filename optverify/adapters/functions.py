"""Step functions as people write them: CS231n's ``step(w, dw, config) -> (next_w, config)``,
step functions that pass their state explicitly (``w, cache = rmsprop_step(w, dw, cache)``),
and tutorial step functions that read their gradient from a module-level function.

Both are presented as our ``(init, update)`` pair by :func:`~optverify.adapters.shapes.adapt`.
A CS231n function's hyperparameters are ``config`` keys, found in its source
(``config.setdefault("learning_rate", 1e-2)``). A tutorial step function (``x, y = adam(x, y,
cache, lr=0.05)``) gets its gradient through the global it reads, substituted in a copy of its
globals; its state arguments start as the module builds them (a module-level ``cache``) or
empty, and come back either mutated in place or returned after ``x, y``.
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import types
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.adapters.names import Binding
from optverify.adapters.shapes import build_factory, keyword_defaults, signature_of, source_tree
from optverify.errors import InvalidArgument
from optverify.optim.base import Array, Optimizer, reads_gradient
from optverify.usercode import call

__all__ = [
    "GRADIENT_ARGUMENTS",
    "PARAMETER_ARGUMENTS",
    "ConfigState",
    "StepState",
    "TutorialState",
    "config_keys",
    "cs231n",
    "gradient_name",
    "module_state",
    "state_parameters",
    "step_function",
    "step_roles",
    "tutorial",
]


# --- CS231n: step(w, dw, config=None) -> (next_w, config) ------------------------------------


class ConfigState(NamedTuple):
    """The ``config`` dict as the function last returned it (``None`` before the first)."""

    t: int
    config: dict[str, Any] | None


def config_keys(function: Any) -> dict[str, Any]:
    """``config.setdefault(KEY, DEFAULT)`` and ``config.get(KEY, DEFAULT)`` in the source."""
    tree = source_tree(function)
    found: dict[str, Any] = {}
    for node in ast.walk(tree) if tree is not None else ():
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("setdefault", "get")
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            try:
                found.setdefault(node.args[0].value, ast.literal_eval(node.args[1]))
            except ValueError:
                continue
    return {k: v for k, v in found.items() if isinstance(v, int | float) or v is None}


def cs231n(obj: Any, binding: Binding, name: str) -> Callable[..., Optimizer]:
    def build(given: dict[str, Any]) -> Optimizer:
        config0 = binding.translate(given, {}) if given else None

        def init(params: ArrayLike) -> ConfigState:
            return ConfigState(0, copy.deepcopy(config0))

        def update(
            grads: ArrayLike, state: ConfigState, params: ArrayLike | None = None
        ) -> tuple[Array, ConfigState]:
            g = np.array(grads, dtype=np.float64)
            p = np.zeros_like(g) if params is None else np.array(params, dtype=np.float64)
            config = copy.deepcopy(state.config)
            result = call("the update function", obj, p.copy(), g, config)
            if not isinstance(result, tuple) or len(result) != 2:
                raise InvalidArgument(
                    f"{name} returned {type(result).__name__}: a CS231n-style update returns "
                    "(next_w, config)."
                )
            next_w, config = result
            moved = np.asarray(next_w, dtype=np.float64).reshape(p.shape)
            return moved - p, ConfigState(state.t + 1, config)

        return Optimizer(init, update)

    return build_factory(binding, build, name)


# --- tutorial step functions that read a module-level gradient -------------------------------

_GRADIENT_NAMES = ("df", "grad", "gradient", "grad_f", "dfdx", "grads", "grad_fn", "derivative")


def gradient_name(function: Any, given: str | None = None) -> str:
    """The module-level gradient the step function reads: ``given``, or the one function of
    its module it calls (preferring the usual names ``df``, ``grad``, ``gradient``)."""
    names = function.__code__.co_names
    module = function.__globals__
    if given is not None:
        if given not in names:
            raise InvalidArgument(
                f"gradient_name={given!r} is invalid: {function.__name__} does not read a "
                f"global called {given!r}."
            )
        return given
    called = [
        n
        for n in names
        if callable(module.get(n))
        and getattr(module.get(n), "__module__", None) == function.__module__
        and n != function.__name__
        and not isinstance(module.get(n), type)
    ]
    preferred = [n for n in called if n in _GRADIENT_NAMES]
    for candidates in (preferred, called):
        if len(candidates) == 1:
            return str(candidates[0])
    raise InvalidArgument(
        f"{function.__name__} reads no single module-level gradient (it calls "
        f"{', '.join(called) or 'none'}): name it with gradient_name (--gradient-name)."
    )


def state_parameters(function: Any) -> list[inspect.Parameter]:
    """The parameters after (x, y) that carry state (no default, or a non-number default)."""
    signature = signature_of(function)
    if signature is None:
        return []
    out = []
    for index, p in enumerate(signature.parameters.values()):
        if index < 2 or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is inspect.Parameter.empty or not isinstance(p.default, int | float):
            out.append(p)
    return out


class TutorialState(NamedTuple):
    """Each batch member's state: its state arguments and the module-level values the function
    keeps state in (deep copies of what the function last left)."""

    t: int
    members: tuple[tuple[tuple[Any, ...], dict[str, Any]], ...]


def module_state(function: Any, gradient: str) -> list[str]:
    """Module-level names ``function`` keeps state in: those it rebinds (``global t``) and
    containers it changes (``velocity['x'] = ...``, ``cache.append(...)``)."""
    module = function.__globals__
    tree = source_tree(function)
    names: set[str] = set()
    local = set(function.__code__.co_varnames)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Global):
            names.update(node.names)
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("append", "update", "extend", "setdefault", "fill", "pop")
        ):
            targets = [node.func]
        for target in targets:
            base = target
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if base is not target and isinstance(base, ast.Name) and base.id not in local:
                names.add(base.id)
    return sorted(
        n
        for n in names
        if n != gradient
        and n in module
        and isinstance(module[n], dict | list | np.ndarray | int | float | np.number)
    )


def tutorial(obj: Any, binding: Binding, name: str, gradient: str) -> Callable[..., Optimizer]:
    parameters = state_parameters(obj)
    module = obj.__globals__
    kept = module_state(obj, gradient)
    # a module-level value gives the state's structure; after the module ran its loops it
    # holds their end, so it starts again from zero
    starts = (
        tuple(_zeroed(module[p.name]) if p.name in module else {} for p in parameters),
        {n: _zeroed(module[n]) for n in kept},
    )

    def rebound(feed: Callable[[float, float], Array], kept_values: dict[str, Any]) -> Any:
        namespace = dict(obj.__globals__)
        namespace.update(kept_values)
        namespace[gradient] = feed
        return types.FunctionType(obj.__code__, namespace, obj.__name__, obj.__defaults__)

    def build(given: dict[str, Any]) -> Optimizer:
        kwargs = binding.translate(given, keyword_defaults(obj))

        def init(params: ArrayLike) -> TutorialState:
            count = int(np.prod(np.shape(params)[:-1], dtype=np.int64))
            return TutorialState(0, tuple(copy.deepcopy(starts) for _ in range(count)))

        def step(
            fed: Callable[[int, float, float], Array],
            state: TutorialState,
            params: ArrayLike,
        ) -> tuple[Array, TutorialState]:
            p = np.asarray(params, dtype=np.float64)
            flat = p.reshape(-1, 2)
            moved = np.empty_like(flat)
            members = []
            for k, (x, y) in enumerate(flat):
                arguments, kept_values = copy.deepcopy(state.members[k])
                function = rebound(functools.partial(fed, k), kept_values)
                result = call(f"{name}", function, float(x), float(y), *arguments, **kwargs)
                values = list(result) if isinstance(result, tuple | list) else []
                if len(values) < 2:
                    raise InvalidArgument(
                        f"{name} returned {type(result).__name__}: a step function returns "
                        "the new x, y (and its state, if it passes it back)."
                    )
                moved[k] = (float(values[0]), float(values[1]))
                after = {n: function.__globals__[n] for n in kept}
                members.append((tuple(values[2:]) if len(values) > 2 else arguments, after))
            return (moved - flat).reshape(p.shape), TutorialState(state.t + 1, tuple(members))

        def update(
            grads: ArrayLike, state: TutorialState, params: ArrayLike | None = None
        ) -> tuple[Array, TutorialState]:
            g = np.asarray(grads, dtype=np.float64)
            flat = g.reshape(-1, 2)
            p = np.zeros_like(g) if params is None else params
            return step(lambda k, u, v: flat[k].copy(), state, p)

        def reading(gradient_fn: Callable[[Array], Array]) -> Optimizer:
            def update_reading(
                grads: ArrayLike, state: TutorialState, params: ArrayLike | None = None
            ) -> tuple[Array, TutorialState]:
                def fed(k: int, u: float, v: float) -> Array:
                    return np.asarray(gradient_fn(np.array([u, v])), dtype=np.float64)

                return step(fed, state, params if params is not None else np.zeros(2))

            return Optimizer(init, update_reading, name, dict(given))

        reads_gradient(update, reading)
        return Optimizer(init, update)

    return build_factory(binding, build, name)


# --- step functions that take the gradient and pass their state explicitly ------------------

PARAMETER_ARGUMENTS = ("params", "param", "parameters", "w", "weights", "theta", "x", "p",
                       "position", "point", "pos", "xy", "z", "v_params")  # fmt: skip
"""Names a step function's parameter argument goes by."""
GRADIENT_ARGUMENTS = ("grads", "grad", "g", "gradients", "gradient", "dw", "dx", "dp", "dtheta",
                      "d_theta", "grad_w", "dparams", "gt", "g_t")  # fmt: skip
"""Names a step function's gradient argument goes by."""


def step_roles(function: Any) -> tuple[str, str, list[str]] | None:
    """(parameter, gradient, state arguments) of ``step(w, dw, cache, lr=...)``, read off the
    names of its arguments without defaults, or ``None`` if they do not read that way."""
    signature = signature_of(function)
    if signature is None:
        return None
    required = [
        p.name
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    lower = [n.lower() for n in required]
    params = [n for n, low in zip(required, lower, strict=True) if low in PARAMETER_ARGUMENTS]
    grads = [n for n, low in zip(required, lower, strict=True) if low in GRADIENT_ARGUMENTS]
    if len(params) != 1 or len(grads) != 1:
        return None
    return params[0], grads[0], [n for n in required if n not in (params[0], grads[0])]


def _zeroed(template: Any, like: Array | None = None) -> Any:
    """The state ``template`` (as the module builds it) at its start: arrays become zeros
    (shaped like ``like``, the parameters, where given), numbers 0, dicts and tuples element by
    element; a list as long as a parameter vector is zeroed element by element, any other list
    is a history and starts empty."""
    if isinstance(template, dict):
        return {k: _zeroed(v, like) for k, v in template.items()}
    if isinstance(template, list) and len(template) != (2 if like is None else like.shape[-1]):
        return []  # a history the function appends to (the seed's cache['m']['x']) starts empty
    if isinstance(template, list | tuple):
        return type(template)(_zeroed(v, like) for v in template)
    if isinstance(template, np.ndarray) or (template is None and like is not None):
        return np.zeros_like(like if like is not None else template, dtype=np.float64)
    if isinstance(template, bool):
        return False
    if isinstance(template, int | float | np.number):
        return type(template)(0)
    return copy.deepcopy(template)


class StepState(NamedTuple):
    """The state arguments as the function last left them (``None`` before the first step)."""

    t: int
    states: tuple[Any, ...] | None


def step_function(obj: Any, binding: Binding, name: str) -> Callable[..., Optimizer]:
    """``step(w, dw, *state, **hyperparameters) -> w`` or ``-> (w, *state)``, its state
    arguments passed back in, mutated in place or returned; each starts at zero in the shape
    of the parameters (a module-level value of the same name gives its structure)."""
    roles = step_roles(obj)
    assert roles is not None
    param, grad, state_names = roles
    module = getattr(obj, "__globals__", {})
    templates = tuple(module.get(s) for s in state_names)

    def build(given: dict[str, Any]) -> Optimizer:
        kwargs = binding.translate(given, keyword_defaults(obj))

        def init(params: ArrayLike) -> StepState:
            return StepState(0, None)

        def update(
            grads: ArrayLike, state: StepState, params: ArrayLike | None = None
        ) -> tuple[Array, StepState]:
            g = np.array(grads, dtype=np.float64)
            p = np.zeros_like(g) if params is None else np.array(params, dtype=np.float64)
            states = (
                tuple(_zeroed(t, p) for t in templates)
                if state.states is None
                else copy.deepcopy(state.states)
            )
            passed = p.copy()
            arguments = {
                param: passed,
                grad: g.copy(),
                **dict(zip(state_names, states, strict=True)),
            }
            result = call(name, obj, **arguments, **kwargs)
            if result is None:
                moved, states_after = passed, states
            elif isinstance(result, tuple | list) and len(result) == 1 + len(state_names):
                moved, states_after = result[0], tuple(result[1:])
            elif isinstance(result, tuple | list) and state_names and len(result) > 1:
                raise InvalidArgument(
                    f"{name} returned {len(result)} values: a step function returns the new "
                    f"{param}, or the new {param} and its state {', '.join(state_names)}."
                )
            else:
                moved, states_after = result, states
            step = np.asarray(moved, dtype=np.float64).reshape(p.shape) - p
            return step, StepState(state.t + 1, states_after)

        return Optimizer(init, update)

    return build_factory(binding, build, name)
