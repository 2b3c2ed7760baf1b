"""One record per optimizer: everything the rest of the package needs to know about it.

An :class:`OptimizerRecord` holds an optimizer's name, family, update rule, hyperparameters
(each with its default, its valid range and the range property tests draw from), its
``torch.optim`` counterpart, its display colour and its gallery settings. The command line's
choices and help, the property tests' applicability, the torch adapter, the strategies and the
gallery all read the records; nothing else lists optimizers.

The :class:`Registry` keeps the records in registration order. Built-ins are registered in
:mod:`optverify.optim`; specimens (the post's Adam) are registered there by import path and
loaded on first use, so this layer imports nothing above it.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from optverify.errors import InvalidArgument
from optverify.optim.base import Optimizer

__all__ = [
    "MAXIMIZE",
    "Hyperparameter",
    "OptimizerRecord",
    "Registry",
    "TorchClass",
    "choice",
    "decay",
    "epsilon",
    "flag",
    "learning_rate",
    "nonnegative",
    "unit_interval",
]

Value = float | bool | str


@dataclass(frozen=True)
class Hyperparameter:
    """A hyperparameter: its default, the values it may take and the values tests draw.

    Attributes:
      name: the name, the same in Python, on the command line and in specs (``lr``, ``b1``).
      default: the value used when none is given.
      kind: ``"number"``, ``"flag"`` (true/false) or ``"choice"`` (one of ``choices``).
      low, high: the valid interval of a number; ``low_open``/``high_open`` exclude the ends.
      why: the sentence that follows "is invalid:" when a value is outside the interval.
      draw: the interval property tests draw from (``None``: never drawn, the default stays);
        ``log`` draws evenly over decades. A flag with a ``draw`` is drawn true or false.
      choices: the allowed values of a choice.
    """

    name: str
    default: Value
    kind: str = "number"
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    why: str = ""
    draw: tuple[float, float] | None = None
    log: bool = False
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> Value:
        """``value`` converted and checked, or :class:`InvalidArgument` saying what is allowed."""
        if self.kind == "flag":
            if isinstance(value, bool | np.bool_):
                return bool(value)
            raise InvalidArgument(f"{self.name}={value!r} is invalid: it must be true or false.")
        if self.kind == "choice":
            if value in self.choices:
                return str(value)
            raise InvalidArgument(
                f"{self.name}={value!r} is invalid: it needs to be one of "
                f"{', '.join(self.choices)}."
            )
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
            raise InvalidArgument(f"{self.name}={value!r} is invalid: it must be a number.")
        number = float(value)
        if math.isnan(number):
            raise InvalidArgument(
                f"{self.name}={value!r} is invalid: it must be a number, not NaN."
            )
        above = number > self.low if self.low_open else number >= self.low
        below = number < self.high if self.high_open else number <= self.high
        if not (above and below):
            raise InvalidArgument(f"{self.name}={value!r} is invalid: {self.why}")
        return number

    def with_default(self, default: Value) -> Hyperparameter:
        """The same hyperparameter with another default."""
        return _replace(self, default=default)

    def drawn(self, low: float, high: float) -> Hyperparameter:
        """The same hyperparameter, drawn from [low, high] in property tests."""
        return _replace(self, draw=(low, high))


def _replace(h: Hyperparameter, **changes: Any) -> Hyperparameter:
    import dataclasses

    return dataclasses.replace(h, **changes)


def learning_rate(default: float) -> Hyperparameter:
    """``lr``: finite and positive; drawn from [1e-4, 1] on a log scale."""
    return Hyperparameter(
        "lr",
        default,
        low=0.0,
        high=math.inf,
        low_open=True,
        high_open=True,
        why="the learning rate must be positive.",
        draw=(1e-4, 1.0),
        log=True,
    )


def unit_interval(
    name: str, default: float, *, closed: bool = False, draw: tuple[float, float] = (0.0, 0.99)
) -> Hyperparameter:
    """A number in [0, 1) (or [0, 1] when ``closed``)."""
    interval = "[0, 1]" if closed else "[0, 1)"
    return Hyperparameter(
        name,
        default,
        low=0.0,
        high=1.0,
        high_open=not closed,
        why=f"it must lie in {interval}.",
        draw=draw,
    )


def nonnegative(
    name: str,
    default: float,
    *,
    draw: tuple[float, float] | None = (0.0, 0.1),
    log: bool = False,
) -> Hyperparameter:
    """A finite number >= 0."""
    return Hyperparameter(
        name,
        default,
        low=0.0,
        high=math.inf,
        high_open=True,
        why="it must be finite and >= 0.",
        draw=draw,
        log=log,
    )


def epsilon(default: float) -> Hyperparameter:
    """``eps``: finite and >= 0; drawn from [1e-12, 1e-4] on a log scale."""
    return nonnegative("eps", default, draw=(1e-12, 1e-4), log=True)


def decay(default: float = 0.0) -> Hyperparameter:
    """``weight_decay``: finite and >= 0; drawn from [0, 0.1]."""
    return nonnegative("weight_decay", default)


def flag(name: str, default: bool, *, drawn: bool = True) -> Hyperparameter:
    """True or false; drawn both ways in property tests unless ``drawn=False``."""
    return Hyperparameter(name, default, kind="flag", draw=(0.0, 1.0) if drawn else None)


def choice(name: str, default: str, choices: tuple[str, ...]) -> Hyperparameter:
    """One of a few words; never drawn."""
    return Hyperparameter(name, default, kind="choice", choices=choices)


MAXIMIZE = Hyperparameter("maximize", False, kind="flag")
"""``maximize``: ascend instead of descend; never drawn (properties are about descent)."""


@dataclass(frozen=True)
class TorchClass:
    """The ``torch.optim`` class an optimizer follows, and keyword arguments it fixes.

    Our ``b1`` and ``b2`` become torch's ``betas``; every other name is torch's own.
    """

    name: str
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def kwargs(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """torch's keyword arguments for our ``settings``."""
        out = dict(self.fixed)
        for key, value in settings.items():
            if key == "b1":
                out["betas"] = (value, settings["b2"])
            elif key != "b2":
                out[key] = value
        return out


Rule = Callable[..., Optimizer]


@dataclass(frozen=True, eq=False)
class OptimizerRecord:
    """Everything about one optimizer.

    Attributes:
      name: the registry name (``adam``).
      family: ``gradient descent``, ``adaptive rates`` or ``adaptive moments``: the group it
        is documented and listed in.
      rule: the update rule, a function of the (checked) hyperparameters as keywords that
        returns ``Optimizer(init, update)``.
      hyperparameters: in the order of the public factory's signature.
      summary: one line for help texts.
      color: the colour it is drawn in.
      torch: its ``torch.optim`` counterpart, if any.
      gallery: hyperparameters that carry it down the seed surface in the gallery (``None``:
        not in the gallery).
      kind: the update rule it claims to implement, when that is another record's (a
        specimen); ``None`` for its own.
      specimen: a specimen (the post's Adam) can be built and verified but is not a built-in.
    """

    name: str
    family: str
    rule: Rule
    hyperparameters: tuple[Hyperparameter, ...]
    summary: str
    color: str
    torch: TorchClass | None = None
    gallery: Mapping[str, Any] | None = None
    kind: OptimizerRecord | None = None
    specimen: bool = False

    @property
    def claims(self) -> OptimizerRecord:
        """The record whose update rule this one implements (itself for a built-in)."""
        return self.kind if self.kind is not None else self

    def defaults(self) -> dict[str, Value]:
        """Hyperparameter name -> default, in signature order."""
        return {h.name: h.default for h in self.hyperparameters}

    def hyperparameter(self, name: str) -> Hyperparameter:
        """The hyperparameter called ``name``."""
        for h in self.hyperparameters:
            if h.name == name:
                return h
        raise InvalidArgument(
            f"{name} is not a hyperparameter of {self.name}; it takes {', '.join(self.defaults())}."
        )

    def check(self, hyperparameters: Mapping[str, Any]) -> dict[str, Value]:
        """Every hyperparameter checked, defaults filled in, in signature order."""
        known = self.defaults()
        unknown = [key for key in hyperparameters if key not in known]
        if unknown:
            raise InvalidArgument(
                f"{unknown[0]}={hyperparameters[unknown[0]]!r} is invalid: {self.name} has no "
                f"hyperparameter {unknown[0]!r}; it takes {', '.join(known)}."
            )
        return {
            h.name: h.check(hyperparameters[h.name]) if h.name in hyperparameters else h.default
            for h in self.hyperparameters
        }

    def build(self, **hyperparameters: Any) -> Optimizer:
        """The optimizer with ``hyperparameters`` (checked; the rest at their defaults)."""
        settings = self.check(hyperparameters)
        built = self.rule(**settings)
        return built._replace(name=self.name, hyperparameters=MappingProxyType(settings))

    def factory(self) -> Callable[..., Optimizer]:
        """The public factory: :meth:`build` with the rule's docstring and a signature that
        lists every hyperparameter with its default."""
        record = self
        signature = inspect.Signature(
            [
                inspect.Parameter(
                    h.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=h.default
                )
                for h in self.hyperparameters
            ],
            return_annotation=Optimizer,
        )

        def factory(*args: Any, **kwargs: Any) -> Optimizer:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as error:
                raise InvalidArgument(f"{record.name}: {error}.") from None
            return record.build(**bound.arguments)

        factory.__name__ = factory.__qualname__ = self.rule.__name__
        factory.__module__ = self.rule.__module__
        factory.__doc__ = self.rule.__doc__
        factory.__signature__ = signature  # type: ignore[attr-defined]
        return factory


class Registry:
    """Optimizer records by name, in registration order.

    ``register_lazily(module, attribute)`` adds a specimen whose record lives in a module above
    this layer: it is imported the first time the registry is asked for the full list.
    """

    def __init__(self) -> None:
        self._records: dict[str, OptimizerRecord] = {}
        self._lazy: list[tuple[str, str]] = []

    def register(self, *records: OptimizerRecord) -> None:
        """Add ``records`` in order; a name may be registered once."""
        for record in records:
            if record.name in self._records:
                raise InvalidArgument(f"optimizer name={record.name!r} is already registered.")
            self._records[record.name] = record

    def register_lazily(self, module: str, attribute: str) -> None:
        """Add the record ``module.attribute`` when it is first needed."""
        self._lazy.append((module, attribute))

    def _load(self) -> None:
        while self._lazy:
            module, attribute = self._lazy.pop(0)
            self.register(getattr(importlib.import_module(module), attribute))

    def records(self, *, specimens: bool = False) -> list[OptimizerRecord]:
        """The records in registration order; specimens only if asked for."""
        if specimens:
            self._load()
        return [r for r in self._records.values() if specimens or not r.specimen]

    def names(self, *, specimens: bool = False) -> list[str]:
        """The registered names in order; specimens only if asked for."""
        return [r.name for r in self.records(specimens=specimens)]

    def __iter__(self) -> Iterator[OptimizerRecord]:
        return iter(self.records())

    def __contains__(self, name: object) -> bool:
        return name in self.names(specimens=True)

    def get(self, name: str) -> OptimizerRecord:
        """The record called ``name``, or :class:`InvalidArgument` listing the names."""
        if name not in self._records:
            self._load()
        try:
            return self._records[name]
        except KeyError:
            raise InvalidArgument(
                f"optimizer={name!r} is unknown: it needs to be one of {', '.join(self._records)}."
            ) from None

    def torch_records(self) -> dict[str, OptimizerRecord]:
        """torch class name -> the first built-in record that follows it (the kind a
        ``torch:CLASS`` optimizer is verified as by default: ``torch:SGD`` as sgd)."""
        out: dict[str, OptimizerRecord] = {}
        for record in self.records():
            if record.torch is not None and record.torch.name not in out:
                out[record.torch.name] = record
        return out
