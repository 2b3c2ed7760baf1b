"""The property framework: what a property is, what it runs on, and how it reports.

A :class:`Property` has a name, a one-line statement with its math, the optimizer kinds it
applies to (their records), the hyperparameter values it needs (``eps = 0``, ``b1 = 0``, ...)
and a check that Hypothesis drives: the check draws hyperparameters and gradients, runs the
optimizer, and raises :class:`Violation` with a sentence about the concrete numbers when the
invariant fails. Hypothesis then shrinks the failing example to a small one.

Properties register themselves where they are defined, with a decorator::

    @invariant("zero-gradient-gives-zero-step", "g_t = 0 gives step_t = 0.", kinds=ALL)
    def _zero_gradient(subject: Subject, draw: Draws) -> None: ...

``@invariant`` declares a law every implementation must obey; ``@refutes`` declares a
statement that sounds true and is not, for which a counterexample is expected.

The checks treat the optimizer as a black box: they call ``factory(**hyperparameters)`` and use
only ``init`` and ``update``, so they apply to any optimizer with that contract.

:data:`PROFILES` are the Hypothesis settings of each search effort; :func:`register_profiles`
registers them with Hypothesis (the test suite does, and a user's may). Importing this module
does not import Hypothesis; running a property does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from optverify.errors import InvalidArgument
from optverify.optim import REGISTRY
from optverify.optim.records import OptimizerRecord
from optverify.usercode import call, guard

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = [
    "ALL",
    "PROFILES",
    "Check",
    "Draws",
    "Property",
    "Subject",
    "Violation",
    "applicable",
    "by_name",
    "close",
    "fmt",
    "invariant",
    "invariants",
    "moments",
    "refuted",
    "refutes",
    "register_profiles",
    "run_sequence",
]

PROFILES: dict[str, dict[str, Any]] = {
    "quick": {"max_examples": 20, "derandomize": True, "database": None},
    "dev": {"max_examples": 50, "derandomize": True, "database": None},
    "ci": {"max_examples": 100, "derandomize": True, "database": None},
    "thorough": {"max_examples": 1000, "derandomize": True, "database": None},
}
"""Hypothesis settings per search effort. Every one is derandomized (seeded by the test) and
keeps no example database, so the same command gives the same verdict every run; the
efforts differ only in how many examples they try."""


def register_profiles() -> None:
    """Register :data:`PROFILES` with Hypothesis as ``optverify-quick``, ``optverify-ci``, ...

    Every profile has no deadline (a slow machine never flakes) and prints the blob that
    replays a failure. The names are prefixed so that a test suite's own profiles stay its own.
    """
    from hypothesis import HealthCheck, settings

    for name, options in PROFILES.items():
        settings.register_profile(
            f"optverify-{name}",
            deadline=None,
            print_blob=True,
            suppress_health_check=[HealthCheck.too_slow],
            **options,
        )


class Violation(AssertionError):
    """An invariant failed; the message explains it with the concrete numbers."""


class Draws:
    """Draws from Hypothesis's ``data`` and remembers them, for the counterexample report.

    ``Draws.replaying(example, record)`` gives a property's known example instead: each draw
    returns the example's value of that label, so the check runs on exactly those values.
    """

    def __init__(self, data: st.DataObject | None, record: dict[str, Any]) -> None:
        self._data = data
        self._example: Mapping[str, Any] | None = None
        self.record = record

    @classmethod
    def replaying(cls, example: Mapping[str, Any], record: dict[str, Any]) -> Draws:
        """Draws that return ``example[label]``."""
        draws = cls(None, record)
        draws._example = example
        return draws

    def __call__(self, strategy: st.SearchStrategy[Any], label: str) -> Any:
        if self._example is not None:
            if label not in self._example:
                raise InvalidArgument(f"the property's example has no value for {label!r}.")
            value = self._example[label]
            value = np.array(value, dtype=np.float64) if isinstance(value, list) else value
        else:
            assert self._data is not None
            value = self._data.draw(strategy, label=label)
        self.record[label] = value
        return value


@dataclass(frozen=True)
class Subject:
    """An optimizer factory under test, and the kind of update rule it claims to implement.

    ``accepted`` is the set of hyperparameter names the factory takes (``None``: any, it has
    ``**kwargs``). Hyperparameters of the kind that it does not take are assumed to have the
    kind's default values (the post's Adam has no ``eps``: the reference uses 1e-8).
    """

    label: str
    factory: Callable[..., Any]
    kind: OptimizerRecord
    accepted: frozenset[str] | None
    fixed: Mapping[str, Any] = field(default_factory=dict)
    rule: str = "torch"

    @classmethod
    def of(
        cls,
        factory: Callable[..., Any],
        kind: OptimizerRecord | str,
        label: str | None = None,
        *,
        fixed: Mapping[str, Any] | None = None,
        rule: str = "torch",
    ) -> Subject:
        """Wrap ``factory`` claiming to be a ``kind`` optimizer (a record or a built-in name).

        ``fixed`` holds the values the code uses for hyperparameters it does not take
        (stated or estimated); ``rule`` names the rule of the kind it follows (``torch`` or a
        dialect), whose formulas the properties hold it to."""
        record = kind if isinstance(kind, OptimizerRecord) else _kind(kind)
        if not callable(factory):
            raise InvalidArgument(f"optimizer={factory!r} is invalid: it must be callable.")
        try:
            parameters = inspect.signature(factory).parameters.values()
        except (TypeError, ValueError):
            accepted = None
        else:
            if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
                accepted = None
            else:
                accepted = frozenset(p.name for p in parameters)
        name = label if label is not None else str(getattr(factory, "__qualname__", factory))
        return cls(name, factory, record, accepted, dict(fixed or {}), rule)

    def takes(self, name: str) -> bool:
        """Whether the factory takes hyperparameter ``name``."""
        return self.accepted is None or name in self.accepted

    def missing(self, required: Mapping[str, Any]) -> list[str]:
        """Required settings the factory cannot be given (not taken, and not the default;
        ``...`` means any value, so the factory must take it). A setting of a hyperparameter
        the kind does not have (``weight_decay = 0`` of an optimizer without decay) holds."""
        actual = {**self.kind.defaults(), **self.fixed}
        return [
            name
            for name, value in required.items()
            if name in actual and not self.takes(name) and (value is ... or actual[name] != value)
        ]

    def draw(self, draws: Draws, **fixed: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """Draw hyperparameters: ``(given to the factory, effective values of the kind)``."""
        from optverify.verification import strategies as ost

        taken = None if self.accepted is None else frozenset(self.accepted)
        known = self.kind.defaults()
        settable = {k: v for k, v in fixed.items() if k in known and self.takes(k)}
        given = draws(ost.hyperparameters(self.kind, names=taken, **settable), "hyperparameters")
        given = {k: v for k, v in given.items() if self.takes(k)}  # a known example's may not
        return given, {**self.kind.defaults(), **self.fixed, **given}

    def reference(self, hyperparameters: Mapping[str, Any]) -> Any:
        """The reference optimizer of the rule the code follows, with ``hyperparameters``."""
        from optverify.verification.dialects import rules_for

        rule = next(r for r in rules_for(self.kind) if r.name == self.rule)
        return rule.optimizer({**self.fixed, **hyperparameters})

    def build(self, given: Mapping[str, Any]) -> Any:
        """The optimizer the factory makes from ``given``, its ``init`` and ``update`` guarded
        (a ``sys.exit`` inside them becomes :class:`~optverify.errors.UserCodeError`)."""
        built = call("the optimizer's factory", self.factory, **given)
        return _Guarded(built)


class _Guarded:
    """An optimizer whose ``init`` and ``update`` are called through :func:`usercode.call`."""

    def __init__(self, optimizer: Any) -> None:
        self.optimizer = optimizer
        self.init = guard("the optimizer's init", optimizer.init)
        self.update = guard("the optimizer's update", optimizer.update)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.optimizer, name)


def _kind(name: str) -> OptimizerRecord:
    if name not in REGISTRY.names():
        raise InvalidArgument(
            f"kind={name!r} is unknown: it needs to be one of {', '.join(REGISTRY.names())}."
        )
    return REGISTRY.get(name)


Check = Callable[[Subject, Draws], None]


@dataclass(frozen=True)
class Property:
    """An invariant: its name, statement, the kinds it applies to and its check.

    Attributes:
      name: a short id, e.g. ``first-step-is-a-sign-step``.
      statement: one line with the math.
      kinds: the records of the optimizer kinds it applies to.
      check: ``check(subject, draws)`` raises :class:`Violation` when the invariant fails.
      requires: hyperparameter values the check sets (``{"eps": 0.0}``; ``...`` for values it
        draws itself).
      note: what the property does not say, or why it is a refuted statement.
      expect: ``"holds"`` for an invariant, ``"refuted"`` for a statement that is false.
      examples: known examples, each a mapping from draw label to value, run before the
        search: a refutation never depends on the search finding its counterexample.
      holds_in: the rules (``torch`` and dialect names) whose formulas the check encodes;
        ``None`` for every rule. Code that follows another rule is held to that rule by the
        differential check and by ``steps-follow-the-update-rule`` instead.
    """

    name: str
    statement: str
    kinds: tuple[OptimizerRecord, ...]
    check: Check
    requires: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    expect: str = "holds"
    examples: tuple[Mapping[str, Any], ...] = ()
    holds_in: frozenset[str] | None = None

    def applies_to(self, kind: OptimizerRecord) -> bool:
        """Whether this property is about optimizers of ``kind``."""
        return kind in self.kinds


_REGISTERED: dict[str, Property] = {}


def _register(
    expect: str,
    name: str,
    statement: str,
    kinds: Iterable[OptimizerRecord],
    requires: Mapping[str, Any] | None,
    note: str,
    examples: Iterable[Mapping[str, Any]] = (),
    holds_in: Iterable[str] | None = None,
) -> Callable[[Check], Property]:
    def decorate(check: Check) -> Property:
        if name in _REGISTERED:
            raise InvalidArgument(f"property name={name!r} is already registered.")
        prop = Property(
            name, statement, tuple(kinds), check, dict(requires or {}), note, expect,
            tuple(examples), None if holds_in is None else frozenset(holds_in),
        )  # fmt: skip
        _REGISTERED[name] = prop
        return prop

    return decorate


def invariant(
    name: str,
    statement: str,
    *,
    kinds: Iterable[OptimizerRecord],
    requires: Mapping[str, Any] | None = None,
    note: str = "",
    examples: Iterable[Mapping[str, Any]] = (),
    holds_in: Iterable[str] | None = None,
) -> Callable[[Check], Property]:
    """Register the decorated check as an invariant called ``name``; returns the Property.
    ``holds_in`` lists the rules whose formulas it encodes (default: every rule)."""
    return _register("holds", name, statement, kinds, requires, note, examples, holds_in)


def refutes(
    name: str,
    statement: str,
    *,
    kinds: Iterable[OptimizerRecord],
    requires: Mapping[str, Any] | None = None,
    note: str = "",
    examples: Iterable[Mapping[str, Any]] = (),
) -> Callable[[Check], Property]:
    """Register the decorated check as a false statement to refute; returns the Property.
    Give ``examples`` that refute it, so the verdict never rests on the search's luck."""
    return _register("refuted", name, statement, kinds, requires, note, examples)


def invariants() -> tuple[Property, ...]:
    """Every registered invariant, in registration order."""
    _load()
    return tuple(p for p in _REGISTERED.values() if p.expect == "holds")


def refuted() -> tuple[Property, ...]:
    """Every registered false statement, in registration order."""
    _load()
    return tuple(p for p in _REGISTERED.values() if p.expect == "refuted")


def _load() -> None:
    import optverify.verification.invariants
    import optverify.verification.refuted  # noqa: F401


def by_name(name: str) -> Property:
    """The invariant or refuted statement called ``name``."""
    _load()
    try:
        return _REGISTERED[name]
    except KeyError:
        known = ", ".join(p.name for p in invariants())
        raise InvalidArgument(
            f"property={name!r} is unknown: it needs to be one of {known}."
        ) from None


def applicable(prop: Property, subject: Subject) -> str | None:
    """``None`` if ``prop`` applies to ``subject``, else the reason it does not."""
    if not prop.applies_to(subject.kind):
        about = ", ".join(sorted(k.name for k in prop.kinds))
        return f"it is about {about}, not {subject.kind.name}"
    if prop.holds_in is not None and subject.rule not in prop.holds_in:
        return (
            f"its formula is torch's; the code follows the dialect {subject.rule}, held to its "
            "own rule by the differential check instead"
        )
    missing = subject.missing(prop.requires)
    if missing:
        settings = ", ".join(
            f"{m} = {prop.requires[m]!r}" if prop.requires[m] is not ... else f"{m} set"
            for m in missing
        )
        uses = "; ".join(
            f"{m} is not a parameter of this code"
            + (f" (it uses {subject.fixed[m]:g})" if m in subject.fixed else "")
            for m in missing
        )
        return f"it needs {settings}: {uses}"
    return None


ALL: tuple[OptimizerRecord, ...] = tuple(REGISTRY.records())
"""Every built-in kind: the properties every optimizer must have apply to all of them."""


# --- helpers the checks share -----------------------------------------------------------------


def fmt(value: Any) -> str:
    """A number or vector with 10 significant digits, for messages."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.10g}"
    return "(" + ", ".join(f"{v:.10g}" for v in array.ravel()) + ")"


def eps_hint(step: Any, numerator: Any, root: Any, eps: float) -> str:
    """A sentence if ``step`` is ``numerator/(root - eps)``: epsilon subtracted, not added."""
    with np.errstate(all="ignore"):
        subtracted = numerator / (root - eps)
    if (
        eps > 0
        and close(step, subtracted, rtol=1e-9)
        and not close(step, numerator / (root + eps), rtol=1e-9)
    ):
        return (
            " The step is exactly what the formula gives with eps subtracted from the "
            "denominator instead of added: the code computes sqrt(v_hat) - eps."
        )
    return ""


def run_sequence(
    optimizer: Any, gradients: np.ndarray, params: np.ndarray, *, move: bool = False
) -> tuple[list[np.ndarray], Any]:
    """Feed ``gradients[t]`` at step t; return the steps (updates) and the final state.

    The parameters stay where they are unless ``move``: without weight decay the steps do not
    depend on them, and an optimizer that reports its step as new minus old parameters (an
    adapter around an in-place optimizer) reports it exactly only from a fixed point.
    """
    steps = []
    p = np.array(params, dtype=np.float64)
    with np.errstate(all="ignore"):
        state = optimizer.init(p)
        for g in gradients:
            updates, state = optimizer.update(np.array(g, dtype=np.float64), state, p)
            updates = np.asarray(updates, dtype=np.float64)
            steps.append(updates)
            if move:
                p = p + updates
    return steps, state


def close(a: Any, b: Any, rtol: float, atol: float = 0.0) -> bool:
    """Whether ``a`` and ``b`` have one shape and agree to ``atol + rtol*|b|`` everywhere
    (equal infinities and NaN on both sides count as agreeing)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(all="ignore"):
        ok = np.abs(a - b) <= atol + rtol * np.abs(b)
    return bool(np.all(ok | same))


def moments(gradients: np.ndarray, b1: float, b2: float) -> tuple[list[Any], list[Any]]:
    """Adam's uncorrected moments ``m_t`` and ``v_t`` after each gradient."""
    m = np.zeros(gradients.shape[1:])
    v = np.zeros(gradients.shape[1:])
    ms, vs = [], []
    for g in gradients:
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        ms.append(m)
        vs.append(v)
    return ms, vs
