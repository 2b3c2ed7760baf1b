"""Turn an optimizer named or handed over by a user into a candidate: a factory in our names,
the update rule it claims, and what the adapter found out.

A name is one of: a built-in (``adam``), a specimen (the post's ``seed-adam``), a
``torch.optim`` class (``torch:Adam``, needs torch), an optax factory (``optax:adam``, needs
optax) or a user's object (``MODULE:ATTR`` or ``path/to/file.py:ATTR``) in any shape
:func:`~optverify.adapters.shapes.adapt` recognises. An object can also be handed over from
Python directly. The kind it claims is given, or read off its name (``AdamOptimizer`` is an
adam, ``rmsprop_step`` an rmsprop).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from optverify.errors import InvalidArgument
from optverify.optim import REGISTRY
from optverify.optim.base import Optimizer
from optverify.optim.records import OptimizerRecord

__all__ = ["Candidate", "kind_from_name", "resolve_optimizer"]


@dataclass(frozen=True)
class Candidate:
    """An optimizer to verify, run or draw, and what is known about it.

    Attributes:
      factory: builds it from hyperparameters in our names (those in ``accepted``).
      kind: the update rule it claims to implement.
      label: what to call it.
      shape: ``built-in``, ``specimen``, or one of the adapters' shapes.
      names: our names -> the code's (``{"lr": "learning_rate"}``).
      code_defaults: the code's own defaults, in our names.
      notes: what the adapter found out.
      color: the colour to draw it in (a record's, else one derived from its label).
    """

    factory: Callable[..., Any]
    kind: OptimizerRecord
    label: str
    shape: str = "built-in"
    names: Mapping[str, str] = field(default_factory=dict)
    code_defaults: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    color: str | None = None

    @property
    def accepted(self) -> frozenset[str]:
        """Our names of the hyperparameters the code takes."""
        return frozenset(self.names)

    def build(self, **hyperparameters: Any) -> Optimizer:
        """The optimizer, with hyperparameters in our names; names the code does not take are
        refused with what it does take."""
        unknown = [k for k in hyperparameters if k not in self.names]
        if unknown:
            takes = ", ".join(self.names) or "no hyperparameters"
            raise InvalidArgument(
                f"{unknown[0]}={hyperparameters[unknown[0]]!r} is invalid: {self.label} takes "
                f"{takes}; {unknown[0]} is not a parameter of this code."
            )
        built = self.factory(**hyperparameters)
        if isinstance(built, Optimizer):
            return built._replace(name=self.label)
        return Optimizer(built.init, built.update, self.label, dict(hyperparameters))


_SYNONYMS = (
    ("heavy_ball", "momentum"),
    ("heavyball", "momentum"),
    ("gradient_descent", "sgd"),
    ("gradientdescent", "sgd"),
    ("nag", "nesterov"),
)
"""Words other than an optimizer's own name that name it."""


def kind_from_name(name: str) -> OptimizerRecord | None:
    """The kind an optimizer's name says it is (``AdamOptimizer``, ``rmsprop_step``), if any."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    # the longest name first: "adamw" and "nadam" before "adam"
    own = sorted(((n, n) for n in REGISTRY.names()), key=lambda pair: -len(pair[0]))
    for word, kind in (*own, *_SYNONYMS):
        if word in words:
            return REGISTRY.get(kind)
    return None


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


def _claimed(claimed: OptimizerRecord | None, label: str) -> OptimizerRecord:
    kind = claimed or kind_from_name(label.rpartition(":")[2] or label)
    if kind is None:
        raise InvalidArgument(
            f"kind is missing: say which update rule {label} implements "
            f"(one of {', '.join(REGISTRY.names())}); its name does not say."
        )
    return kind


def adapt_object(
    obj: Any,
    kind: OptimizerRecord | None,
    label: str,
    *,
    gradient: str | None = None,
    shape: str | None = None,
) -> Candidate:
    """A user's object (factory, class or function) as a :class:`Candidate`."""
    from optverify.adapters.shapes import adapt

    if not callable(obj):
        raise InvalidArgument(f"optimizer={label!r} is invalid: it is not callable.")
    claimed = _claimed(kind, getattr(obj, "__name__", label) if kind is None else label)
    adapted = adapt(obj, claimed, label=label, gradient=gradient, shape=shape)
    names = {ours: adapted.binding.code_name(ours) for ours in adapted.binding.names}
    return Candidate(
        adapted.factory, claimed, label, adapted.shape, names, adapted.code_defaults,
        adapted.notes,
    )  # fmt: skip


def resolve_optimizer(
    spec: str | Any,
    kind: str | OptimizerRecord | None = None,
    *,
    gradient: str | None = None,
    shape: str | None = None,
) -> Candidate:
    """The :class:`Candidate` called (or being) ``spec``.

    ``kind`` names the update rule it implements where its name does not say; built-ins and
    specimens know their own. ``gradient`` and ``shape`` go to the adapter (the module-level
    gradient a tutorial step reads; a shape to use instead of detecting one).
    """
    claimed = kind if isinstance(kind, OptimizerRecord) else _kind(kind)
    if not isinstance(spec, str):
        if isinstance(spec, Optimizer):
            raise InvalidArgument(
                "optimizer=Optimizer(...) is invalid here: give the factory that builds it "
                "(verification draws hyperparameters), e.g. optverify.optimizers.adam."
            )
        label = str(getattr(spec, "__qualname__", getattr(spec, "__name__", repr(spec))))
        record = _record_of(spec)
        if record is not None:
            return _built_in(record, claimed)
        return adapt_object(spec, claimed, label, gradient=gradient, shape=shape)
    if spec in REGISTRY:
        return _built_in(REGISTRY.get(spec), claimed)
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
        names = {n: n for n in chosen.defaults()}
        return Candidate(
            _torch_factory(class_name, chosen), chosen, spec, "torch", names, chosen.defaults()
        )
    if spec.startswith("optax:"):
        from optverify.adapters.optax_optim import adapt_optax, optax_factory

        name = spec.partition(":")[2]
        chosen = _claimed(claimed, name)
        adapted = adapt_optax(optax_factory(name), chosen, spec)
        names = {ours: adapted.binding.code_name(ours) for ours in adapted.binding.names}
        return Candidate(adapted.factory, chosen, spec, "optax", names, adapted.code_defaults)
    if ":" in spec:
        from optverify.adapters.loading import load_object

        obj = load_object(spec, "optimizer")
        return adapt_object(obj, claimed, spec, gradient=gradient, shape=shape)
    raise InvalidArgument(
        f"optimizer={spec!r} is unknown: it needs to be one of "
        f"{', '.join(REGISTRY.names(specimens=True))}, torch:CLASS, optax:NAME or MODULE:ATTR."
    )


def _record_of(obj: Any) -> OptimizerRecord | None:
    """The record whose public factory ``obj`` is, if any."""
    for record in REGISTRY.records(specimens=True):
        if obj is record.rule or (
            getattr(obj, "__doc__", None) is record.rule.__doc__
            and (getattr(obj, "__name__", None) == record.rule.__name__)
        ):
            return record
    return None


def _built_in(record: OptimizerRecord, claimed: OptimizerRecord | None) -> Candidate:
    names = {n: n for n in record.defaults()}
    if record.specimen:  # verified on the gradients it is given, not on its own
        factory = functools.partial(record.factory(), gradient="given")
        names.pop("gradient", None)
        return Candidate(
            factory, claimed or record.claims, record.name, "specimen", names,
            record.defaults(), color=record.color,
        )  # fmt: skip
    return Candidate(
        record.factory(), claimed or record, record.name, "built-in", names, record.defaults(),
        color=record.color,
    )  # fmt: skip
