"""Turn an optimizer named by a user into a factory and the update rule it claims.

A name is one of: a built-in (``adam``), a specimen (the post's ``seed-adam``), a
``torch.optim`` class (``torch:Adam``, needs torch) or a user's object (``MODULE:ATTR`` or
``path/to/file.py:ATTR``, a factory taking hyperparameters as keywords).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from optverify.errors import InvalidArgument
from optverify.optim import REGISTRY
from optverify.optim.records import OptimizerRecord

__all__ = ["Resolved", "resolve_optimizer"]


@dataclass(frozen=True)
class Resolved:
    """An optimizer named by a user: how to build it, what it claims to be, what to call it."""

    factory: Callable[..., Any]
    kind: OptimizerRecord
    label: str


def _kind(name: str | None) -> OptimizerRecord | None:
    if name is None:
        return None
    if name not in REGISTRY.names():
        raise InvalidArgument(
            f"kind={name!r} is unknown: it needs to be one of {', '.join(REGISTRY.names())}."
        )
    return REGISTRY.get(name)


def _torch_factory(class_name: str, kind: OptimizerRecord) -> Callable[..., Any]:
    from optverify.adapters.torch_optim import torch_kwargs, torch_optimizer

    counterpart = kind.torch.name if kind.torch is not None else "none"
    if counterpart != class_name:
        raise InvalidArgument(
            f"optimizer='torch:{class_name}' cannot be verified as {kind.name!r}: torch's "
            f"counterpart of {kind.name} is torch.optim.{counterpart}."
        )

    def factory(**hyperparameters: Any) -> Any:
        name, kwargs = torch_kwargs(kind, hyperparameters)
        return torch_optimizer(name, **kwargs)

    factory.__qualname__ = f"torch:{class_name}"
    return factory


def resolve_optimizer(spec: str, kind: str | None = None) -> Resolved:
    """The factory, claimed rule and label of the optimizer called ``spec``.

    ``kind`` names the update rule a ``torch:CLASS`` or ``MODULE:ATTR`` optimizer implements;
    built-ins and specimens know their own.
    """
    claimed = _kind(kind)
    if spec in REGISTRY:
        record = REGISTRY.get(spec)
        if record.specimen:
            # A specimen is verified on the gradients it is given, not on its own.
            factory = functools.partial(record.factory(), gradient="given")
            return Resolved(factory, claimed or record.claims, spec)
        return Resolved(record.factory(), claimed or record, spec)
    if spec.startswith("torch:"):
        from optverify.adapters.torch_optim import torch_class

        class_name = spec.partition(":")[2]
        torch_class(class_name)  # fails clearly without torch or for an unknown class
        defaults = REGISTRY.torch_records()
        chosen = claimed or defaults.get(class_name)
        if chosen is None:
            raise InvalidArgument(
                f"optimizer={spec!r} has no default kind: say which update rule it implements "
                f"(torch classes with one: {', '.join('torch:' + c for c in defaults)})."
            )
        return Resolved(_torch_factory(class_name, chosen), chosen, spec)
    if ":" in spec:
        from optverify.adapters.loading import load_object

        factory = load_object(spec, "optimizer")
        if claimed is None:
            raise InvalidArgument(
                f"kind is missing: say which update rule {spec} implements "
                f"(one of {', '.join(REGISTRY.names())})."
            )
        if not callable(factory):
            raise InvalidArgument(f"optimizer={spec!r} is invalid: it is not callable.")
        return Resolved(factory, claimed, spec)
    raise InvalidArgument(
        f"optimizer={spec!r} is unknown: it needs to be one of "
        f"{', '.join(REGISTRY.names(specimens=True))}, torch:CLASS or MODULE:ATTR."
    )
