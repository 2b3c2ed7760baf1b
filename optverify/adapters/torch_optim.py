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
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.errors import InvalidArgument
from optverify.optim import REGISTRY
from optverify.optim.base import Array, Optimizer
from optverify.optim.records import OptimizerRecord

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
    """Step count ``t`` and a deep copy of the torch optimizer's per-parameter state."""

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


def torch_optimizer(class_name: str, **kwargs: Any) -> Optimizer:
    """A ``torch.optim`` class (``"Adam"``, ``"SGD"``, ...) as an :class:`Optimizer`.

    ``kwargs`` are torch's own keyword arguments (``betas=(0.9, 0.999)``); our names ``b1``
    and ``b2`` are accepted too and turned into ``betas``.
    """
    cls = torch_class(class_name)
    import torch

    if "b1" in kwargs or "b2" in kwargs:
        b1 = kwargs.pop("b1", 0.9)
        b2 = kwargs.pop("b2", 0.999)
        kwargs["betas"] = (b1, b2)
    try:  # validate now, with torch's own checks, so bad values fail at construction
        cls([torch.zeros(1, dtype=torch.float64, requires_grad=True)], **kwargs)
    except (ValueError, TypeError) as error:
        raise InvalidArgument(f"torch:{class_name} with {kwargs}: {error}") from None

    def init(params: ArrayLike) -> TorchState:
        return TorchState(t=0, torch_state={})

    def update(
        grads: ArrayLike, state: TorchState, params: ArrayLike | None = None
    ) -> tuple[Array, TorchState]:
        p = np.zeros(np.shape(grads)) if params is None else np.asarray(params, np.float64)
        with _float64():
            param = torch.tensor(p, dtype=torch.float64, requires_grad=True)
            optimizer = cls([param], **kwargs)
            if state.torch_state:
                optimizer.state[param] = copy.deepcopy(state.torch_state)
            param.grad = torch.tensor(np.asarray(grads, np.float64), dtype=torch.float64)
            optimizer.step()
            moved = param.detach().numpy().copy()
            new_state = copy.deepcopy(optimizer.state[param])
        return moved - p, TorchState(state.t + 1, new_state)

    return Optimizer(init, update, f"torch:{class_name}", MappingProxyType(dict(kwargs)))
