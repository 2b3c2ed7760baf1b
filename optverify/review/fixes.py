"""Corrected optimizer code for a review: the post's function, written again with the right rule.

Where the review finds a post's optimizer wrong, the fix is the same function (its name, its
arguments, its defaults, its way of keeping state and of returning) with a body that computes
torch's update rule for its kind. The body is written from one template per kind, in NumPy,
with the post's own hyperparameter names; the wrapper follows the shape the adapter found:

- ``tutorial`` (``x, y = adam(x, y, cache, lr=...)``, the gradient read from a global): the
  point is ``np.array([x, y])``, state lives in the dict argument (or a module-level dict);
- ``step`` (``w, cache = rmsprop_step(w, dw, cache)`` or ``w = adam_update(w, dw, state)``):
  a single-array state is passed back as the post passes it; a dict state is changed in place;
- ``cs231n`` (``next_w, config = adam(w, dw, config)``): state and hyperparameters are config
  keys, as in the course's own ``optim.py``;
- ``stateful`` (a class with ``update(params, grads)`` returning the new parameters).

Kinds with a template: sgd, momentum, nesterov, adagrad, rmsprop, adam, amsgrad, adamw. Other
kinds and shapes get no fix (the finding still names what is wrong).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from optverify.optim.adam import ADAM, ADAMW, AMSGRAD
from optverify.optim.adaptive import ADAGRAD, RMSPROP
from optverify.optim.sgd import MOMENTUM, NESTEROV, SGD

__all__ = ["optimizer_fix"]

_ADAM_BODY = [
    "s['t'] = s.get('t', 0) + 1",
    "s['m'] = {b1} * s.get('m', 0.0) + (1 - {b1}) * g",
    "s['v'] = {b2} * s.get('v', 0.0) + (1 - {b2}) * g**2",
    "m_hat = s['m'] / (1 - {b1} ** s['t'])",
    "v_hat = s['v'] / (1 - {b2} ** s['t'])",
]
BODIES: dict[str, list[str]] = {
    SGD.name: ["w = w - {lr} * g"],
    MOMENTUM.name: ["s['b'] = {momentum} * s.get('b', 0.0) + g", "w = w - {lr} * s['b']"],
    NESTEROV.name: [
        "s['b'] = {momentum} * s.get('b', 0.0) + g",
        "w = w - {lr} * (g + {momentum} * s['b'])",
    ],
    ADAGRAD.name: [
        "s['sum'] = s.get('sum', 0.0) + g**2",
        "w = w - {lr} * g / (np.sqrt(s['sum']) + {eps})",
    ],
    RMSPROP.name: [
        "s['v'] = {alpha} * s.get('v', 0.0) + (1 - {alpha}) * g**2",
        "w = w - {lr} * g / (np.sqrt(s['v']) + {eps})",
    ],
    ADAM.name: [*_ADAM_BODY, "w = w - {lr} * m_hat / (np.sqrt(v_hat) + {eps})"],
    AMSGRAD.name: [
        *_ADAM_BODY[:3],
        "s['v_max'] = np.maximum(s.get('v_max', 0.0), s['v'])",
        "m_hat = s['m'] / (1 - {b1} ** s['t'])",
        "v_hat = s['v_max'] / (1 - {b2} ** s['t'])",
        "w = w - {lr} * m_hat / (np.sqrt(v_hat) + {eps})",
    ],
    ADAMW.name: [
        "w = w * (1 - {lr} * {weight_decay})",
        *_ADAM_BODY,
        "w = w - {lr} * m_hat / (np.sqrt(v_hat) + {eps})",
    ],
}
"""Torch's rule per kind, one statement per line: ``w`` the parameters, ``g`` the gradient,
``s`` a dict of state; ``{name}`` is a hyperparameter in our names."""

_SINGLE = {MOMENTUM.name: "b", NESTEROV.name: "b", ADAGRAD.name: "sum", RMSPROP.name: "v"}
"""Kinds whose state is one array: a post's ``cache`` argument can hold it as it is."""


def _names(kind: Any, names: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Each of our hyperparameter names as the post's code spells it (``prefix`` for config
    keys and attributes); a name the code does not take becomes the kind's default."""
    out: dict[str, str] = {}
    for ours, default in kind.defaults().items():
        theirs = names.get(ours)
        if theirs is None:
            out[ours] = repr(default)
        elif "[" in theirs:  # betas[0]
            base, _, index = theirs.partition("[")
            out[ours] = f"{prefix.format(base)}[{index}"
        else:
            out[ours] = prefix.format(theirs)
    return out


def _body(kind: str, spelled: Mapping[str, str], indent: str) -> list[str]:
    return [indent + line.format(**spelled) for line in BODIES[kind]]


def _signature(obj: Any) -> tuple[str, list[inspect.Parameter]]:
    """The signature as source (without annotations, which the post's module may not have
    imported), and its parameters."""
    signature = inspect.signature(obj)
    bare = signature.replace(
        parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
        return_annotation=signature.empty,
    )
    return str(bare), list(signature.parameters.values())


def optimizer_fix(
    obj: Any, kind: Any, shape: str, names: Mapping[str, str], args: Any, result: Any
) -> str:
    """The post's optimizer ``obj`` written again with torch's rule for ``kind`` (a record),
    in the ``shape`` the adapter found; ``names`` maps our hyperparameter names to the code's;
    ``args`` and ``result`` are its first call's (to keep state and return the same way).
    ``""`` if there is no template for the kind or the shape."""
    if kind.name not in BODIES:
        return ""
    try:
        if shape == "tutorial":
            return _tutorial(obj, kind, names, args)
        if shape == "step":
            return _step(obj, kind, names, result)
        if shape == "cs231n":
            return _cs231n(obj, kind, names)
        if shape == "stateful" and isinstance(obj, type) and callable(vars(obj).get("update")):
            return _stateful(obj, kind, names)
    except (TypeError, ValueError):  # no signature to write the function again from
        return ""
    return ""


def _header(obj: Any, kind: Any) -> str:
    return f"# {obj.__name__} with torch.optim's {kind.name} rule, written again by optverify"


def _tutorial(obj: Any, kind: Any, names: Mapping[str, str], args: Any) -> str:
    from optverify.adapters.functions import gradient_name, state_parameters

    text, parameters = _signature(obj)
    x, y = parameters[0].name, parameters[1].name
    states = [p.name for p in state_parameters(obj)]
    spelled = _names(kind, names, "{}")
    given = list(args or ())
    lines = [_header(obj, kind)]
    if states and len(given) > 2 and isinstance(given[2], dict):
        keep = f"    s = {states[0]}.setdefault({kind.name!r}, {{}})"
    else:  # no dict to keep state in: a module-level one
        lines.append(f"_{obj.__name__}_state: dict = {{}}")
        keep = f"    s = _{obj.__name__}_state"
    lines += [
        f"def {obj.__name__}{text}:",
        keep,
        f"    w = np.array([{x}, {y}], dtype=float)",
        f"    g = np.array({gradient_name(obj)}({x}, {y}), dtype=float)",
        *_body(kind.name, spelled, "    "),
        "    return w[0], w[1]",
    ]
    return "\n".join(lines) + "\n"


def _step(obj: Any, kind: Any, names: Mapping[str, str], result: Any) -> str:
    from optverify.adapters.functions import step_roles

    roles = step_roles(obj)
    if roles is None:
        return ""
    param, grad, states = roles
    text, _ = _signature(obj)
    spelled = _names(kind, names, "{}")
    lines = [_header(obj, kind), f"def {obj.__name__}{text}:", f"    w, g = {param}, {grad}"]
    returns_state = isinstance(result, tuple | list) and len(result) == 1 + len(states)
    if len(states) == 1 and kind.name in _SINGLE and returns_state:
        key = _SINGLE[kind.name]
        lines += [f"    s = {{'{key}': {states[0]}}}", *_body(kind.name, spelled, "    ")]
        lines.append(f"    return w, s['{key}']")
    elif states and not returns_state:
        lines += [f"    s = {states[0]}", *_body(kind.name, spelled, "    "), "    return w"]
    elif not states and kind.name == SGD.name:
        lines += [*_body(kind.name, spelled, "    "), "    return w"]
    else:
        return ""
    return "\n".join(lines) + "\n"


def _cs231n(obj: Any, kind: Any, names: Mapping[str, str]) -> str:
    text, parameters = _signature(obj)
    w, dw, config = (p.name for p in parameters[:3])
    from optverify.adapters.functions import config_keys

    defaults = config_keys(obj)
    spelled = _names(kind, names, f"{config}['{{}}']")
    lines = [
        _header(obj, kind),
        f"def {obj.__name__}{text}:",
        f"    {config} = {{}} if {config} is None else {config}",
        *(f"    {config}.setdefault({k!r}, {v!r})" for k, v in defaults.items()),
        f"    s = {config}.setdefault('state', {{}})",
        f"    w, g = {w}, {dw}",
        *_body(kind.name, spelled, "    "),
        f"    return w, {config}",
    ]
    return "\n".join(lines) + "\n"


def _stateful(obj: Any, kind: Any, names: Mapping[str, str]) -> str:
    init_text, _ = _signature(obj.__init__)
    update_text, parameters = _signature(vars(obj)["update"])
    params, grads = (p.name for p in parameters[1:3])
    init_parameters = list(inspect.signature(obj.__init__).parameters)[1:]
    spelled = _names(kind, names, "self.{}")
    lines = [
        _header(obj, kind),
        f"class {obj.__name__}:",
        f"    def __init__{init_text}:",
        *(f"        self.{n} = {n}" for n in init_parameters),
        "        self.state = {}",
        "",
        f"    def update{update_text}:",
        f"        s, w, g = self.state, {params}, {grads}",
        *_body(kind.name, spelled, "        "),
        "        return w",
    ]
    return "\n".join(lines) + "\n"
