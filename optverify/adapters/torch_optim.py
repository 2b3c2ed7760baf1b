"""``torch.optim`` behind the ``(init, update)`` contract, for differential tests.

:func:`torch_optimizer` presents a real ``torch.optim`` class as an :class:`Optimizer`: every
``update`` builds the torch optimizer afresh, loads the state carried in our immutable state
(a deep copy), steps once in float64, and returns the parameter change and the new state. So
torch's optimizers can be run, traced and verified like ours. torch is imported only here, and
only when this is used; it is never a dependency of optverify.

:func:`torch_kwargs` reads an optimizer record's torch counterpart and translates our
hyperparameter names (``b1, b2``) to torch's (``betas``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.errors import InvalidArgument
from optverify.optim import REGISTRY
from optverify.optim.base import Array, Optimizer
from optverify.optim.records import OptimizerRecord
from optverify.usercode import call

if TYPE_CHECKING:
    from optverify.adapters.shapes import Adapted

__all__ = ["TorchState", "torch_class", "torch_kwargs", "torch_optimizer"]


def torch_kwargs(
    record: OptimizerRecord, hyperparameters: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The torch class and keyword arguments equivalent to the optimizer of ``record`` with
    ``hyperparameters`` (defaults filled in from the record)."""
    if record.torch is None:
        names = ", ".join(r.name for r in REGISTRY.records() if r.torch is not None)
        raise InvalidArgument(
            f"optimizer={record.name!r} has no torch.optim counterpart: it needs to be one of "
            f"{names}."
        )
    return record.torch.name, record.torch.kwargs({**record.defaults(), **hyperparameters})


class TorchState(NamedTuple):
    """Step count ``t`` and the torch optimizer as it stands (deep-copied at every step, so
    every attribute a user's subclass keeps comes along)."""

    t: int
    torch_state: dict[str, Any]


@contextmanager
def _float64() -> Iterator[None]:
    import torch

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # step counters and NAdam's mu_product in float64
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def _copy(optimizer: Any) -> Any:
    """A copy of ``optimizer`` that shares no tensor or state with it.

    torch's own classes keep everything that changes in ``state`` and ``param_groups``: a
    shallow copy with those two rebuilt around cloned tensors is enough, and some 20 times
    cheaper than ``copy.deepcopy``. A user's subclass may keep state anywhere, so it is deep
    copied, its tensors cloned directly (``deepcopy`` of a tensor goes through its storage).
    """
    import torch

    clones: dict[int, Any] = {}

    def clone(tensor: Any) -> Any:
        if id(tensor) not in clones:
            copied = tensor.detach().clone()
            clones[id(tensor)] = copied.requires_grad_(tensor.requires_grad)
        return clones[id(tensor)]

    tensors = [p for group in optimizer.param_groups for p in group["params"]]
    for value in optimizer.state.values():
        tensors.extend(v for v in value.values() if isinstance(v, torch.Tensor))
    for tensor in tensors:
        clone(tensor)
    if type(optimizer).__module__.startswith("torch.optim."):
        copied = copy.copy(optimizer)
        copied.param_groups = [
            {**group, "params": [clone(p) for p in group["params"]]}
            for group in optimizer.param_groups
        ]
        state = type(optimizer.state)(dict) if hasattr(optimizer.state, "default_factory") else {}
        for param, value in optimizer.state.items():
            state[clone(param)] = {
                k: clone(v) if isinstance(v, torch.Tensor) else copy.deepcopy(v)
                for k, v in value.items()
            }
        copied.state = state
        return copied
    return copy.deepcopy(optimizer, dict(clones))


def torch_class(class_name: str) -> Callable[..., Any]:
    """``torch.optim.<class_name>``; :class:`InvalidArgument` if torch or the class is missing."""
    try:
        import torch
    except ImportError:
        raise InvalidArgument(
            "torch is not installed: `pip install torch==2.13.0` to compare with torch.optim."
        ) from None
    cls = getattr(torch.optim, class_name, None)
    if not isinstance(cls, type) or not issubclass(cls, torch.optim.Optimizer):
        raise InvalidArgument(
            f"optimizer='torch:{class_name}' is invalid: torch.optim has no optimizer class "
            f"{class_name!r}."
        )
    return cls


def torch_optimizer(class_name: str | type, **kwargs: Any) -> Optimizer:
    """A ``torch.optim`` class (``"Adam"``, ``"SGD"``, ..., or a user's subclass of
    ``torch.optim.Optimizer``) as an :class:`Optimizer`.

    ``kwargs`` are torch's own keyword arguments (``betas=(0.9, 0.999)``); our names ``b1``
    and ``b2`` are accepted too and turned into ``betas``. The parameters are handed to torch
    as two tensors (one per coordinate), so that state one tensor must not share with another
    (a step counter) is kept apart, as in a real model.
    """
    cls = torch_class(class_name) if isinstance(class_name, str) else class_name
    label = f"torch:{class_name}" if isinstance(class_name, str) else cls.__name__
    import torch

    if "b1" in kwargs or "b2" in kwargs:
        b1 = kwargs.pop("b1", 0.9)
        b2 = kwargs.pop("b2", 0.999)
        kwargs["betas"] = (b1, b2)
    try:  # validate now, with torch's own checks, so bad values fail at construction
        with _float64():
            call(f"{label}'s constructor", cls, [torch.zeros(1, requires_grad=True)], **kwargs)
    except (ValueError, TypeError) as error:
        raise InvalidArgument(f"{label} with {kwargs}: {error}") from None

    def tensors(values: Array) -> list[Any]:
        return [
            torch.tensor(values[..., 0:1], dtype=torch.float64, requires_grad=True),
            torch.tensor(values[..., 1:2], dtype=torch.float64, requires_grad=True),
        ]

    def init(params: ArrayLike) -> TorchState:
        p = np.asarray(params, dtype=np.float64)
        with _float64():
            optimizer = call(f"{label}'s constructor", cls, tensors(p), **kwargs)
        return TorchState(t=0, torch_state={"optimizer": optimizer})

    def update(
        grads: ArrayLike, state: TorchState, params: ArrayLike | None = None
    ) -> tuple[Array, TorchState]:
        g = np.asarray(grads, dtype=np.float64)
        p = np.zeros_like(g) if params is None else np.asarray(params, np.float64)
        with _float64():
            optimizer = _copy(state.torch_state["optimizer"])
            group = optimizer.param_groups[0]["params"]
            with torch.no_grad():
                for k, tensor in enumerate(group):
                    tensor.copy_(torch.from_numpy(np.ascontiguousarray(p[..., k : k + 1])))
                    tensor.grad = torch.from_numpy(np.ascontiguousarray(g[..., k : k + 1]))
            call(f"{label}'s step", optimizer.step)
            moved = np.concatenate([t.detach().numpy() for t in group], axis=-1)
        return moved - p, TorchState(state.t + 1, {"optimizer": optimizer})

    return Optimizer(init, update, label, MappingProxyType(dict(kwargs)))


def adapt_torch_class(cls: type, kind: OptimizerRecord, label: str) -> Adapted:
    """A user's subclass of ``torch.optim.Optimizer`` as an :class:`Adapted` optimizer."""
    from optverify.adapters.names import bind_names
    from optverify.adapters.shapes import (
        Adapted,
        build_factory,
        in_our_names,
        keyword_defaults,
        required_values,
    )

    raw = keyword_defaults(cls, skip=1)  # params
    binding = bind_names(raw, kind, raw)
    required = required_values(binding, raw, kind)
    defaults = {k: v for k, v in raw.items() if v is not None}

    def build(given: dict[str, Any]) -> Optimizer:
        return torch_optimizer(cls, **binding.translate(given, defaults))

    return Adapted(
        build_factory(binding, build, label, required),
        "torch",
        binding,
        {**required, **in_our_names(binding, defaults)},
    )
