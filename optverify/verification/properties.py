"""The invariants an optimizer must satisfy, as named, documented objects.

Each :class:`Property` has a name, a one-line statement with its math, the optimizer kinds it
applies to, the hyperparameter values it needs (``eps = 0``, ``b1 = 0``, ...) and a check that
Hypothesis drives: the check draws hyperparameters and gradients, runs the optimizer, and raises
:class:`Violation` with a sentence about the concrete numbers when the invariant fails.
Hypothesis then shrinks the failing example to a small one.

The checks treat the optimizer as a black box: they call ``factory(**hyperparameters)`` and use
only ``init`` and ``update``, so they apply to any optimizer with that contract (ours, a user's,
``torch.optim`` through an adapter, the post's Adam).

:data:`CLAIMS` holds statements that sound true and are not (the Adam paper's step bound, "Adam
is SGD", "momentum descends monotonically"): for those Hypothesis is expected to find a
counterexample, which the claims ledger and the docs show.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from optverify.errors import InvalidArgument
from optverify.optim.base import defaults, names
from optverify.verification import strategies as ost

__all__ = [
    "CLAIMS",
    "PROPERTIES",
    "Property",
    "Subject",
    "Violation",
    "applicable",
    "by_name",
]


class Violation(AssertionError):
    """An invariant failed; the message explains it with the concrete numbers."""


class Draws:
    """Draws from Hypothesis's ``data`` and remembers them, for the counterexample report."""

    def __init__(self, data: st.DataObject, record: dict[str, Any]) -> None:
        self._data = data
        self.record = record

    def __call__(self, strategy: st.SearchStrategy[Any], label: str) -> Any:
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
    kind: str
    accepted: frozenset[str] | None

    @classmethod
    def of(cls, factory: Callable[..., Any], kind: str, label: str | None = None) -> Subject:
        """Wrap ``factory`` claiming to be a ``kind`` optimizer."""
        if kind not in names():
            raise InvalidArgument(
                f"kind={kind!r} is unknown: it needs to be one of {', '.join(names())}."
            )
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
        return cls(name, factory, kind, accepted)

    def takes(self, name: str) -> bool:
        """Whether the factory takes hyperparameter ``name``."""
        return self.accepted is None or name in self.accepted

    def missing(self, required: Mapping[str, Any]) -> list[str]:
        """Required settings the factory cannot be given (not taken, and not the default;
        ``...`` means any value, so the factory must take it)."""
        kind_defaults = defaults(self.kind)
        return [
            name
            for name, value in required.items()
            if not self.takes(name) and (value is ... or kind_defaults.get(name) != value)
        ]

    def draw(self, draws: Draws, **fixed: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """Draw hyperparameters: ``(given to the factory, effective values of the kind)``."""
        taken = None if self.accepted is None else frozenset(self.accepted)
        given = draws(
            ost.hyperparameters(
                self.kind, names=taken, **{k: v for k, v in fixed.items() if self.takes(k)}
            ),
            "hyperparameters",
        )
        return given, {**defaults(self.kind), **given}

    def build(self, given: Mapping[str, Any]) -> Any:
        """The optimizer the factory makes from ``given``."""
        return self.factory(**given)


@dataclass(frozen=True)
class Property:
    """An invariant: its name, statement, the kinds it applies to and its check.

    Attributes:
      name: a short id, e.g. ``first-step-is-a-sign-step``.
      statement: one line with the math.
      kinds: the optimizer kinds it applies to.
      check: ``check(subject, draws)`` raises :class:`Violation` when the invariant fails.
      requires: hyperparameter values the check sets (``{"eps": 0.0}``; ``...`` for values it
        draws itself).
      note: what the property does not say, or why it is a claim.
      expect: ``"holds"`` for an invariant, ``"refuted"`` for a claim that is false.
    """

    name: str
    statement: str
    kinds: frozenset[str]
    check: Callable[[Subject, Draws], None]
    requires: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    expect: str = "holds"


def applicable(prop: Property, subject: Subject) -> str | None:
    """``None`` if ``prop`` applies to ``subject``, else the reason it does not."""
    if subject.kind not in prop.kinds:
        return f"it is about {', '.join(sorted(prop.kinds))}, not {subject.kind}"
    missing = subject.missing(prop.requires)
    if missing:
        settings = ", ".join(
            f"{m} = {prop.requires[m]!r}" if prop.requires[m] is not ... else f"{m} set"
            for m in missing
        )
        return f"it needs {settings}, and the factory takes no {', '.join(missing)}"
    return None


# --- helpers ----------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.10g}"
    return "(" + ", ".join(f"{v:.10g}" for v in array.ravel()) + ")"


def _eps_hint(step: Any, numerator: Any, root: Any, eps: float) -> str:
    """A sentence if ``step`` is ``numerator/(root - eps)``: epsilon subtracted, not added."""
    with np.errstate(all="ignore"):
        subtracted = numerator / (root - eps)
    if (
        eps > 0
        and _close(step, subtracted, rtol=1e-9)
        and not _close(step, numerator / (root + eps), rtol=1e-9)
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


def _close(a: Any, b: Any, rtol: float, atol: float = 0.0) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    same = (a == b) | (np.isnan(a) & np.isnan(b))  # equal infinities, or NaN on both sides
    with np.errstate(all="ignore"):
        ok = np.abs(a - b) <= atol + rtol * np.abs(b)
    return bool(np.all(ok | same))


def _moments(gradients: np.ndarray, b1: float, b2: float) -> tuple[list[Any], list[Any]]:
    m = np.zeros(gradients.shape[1:])
    v = np.zeros(gradients.shape[1:])
    ms, vs = [], []
    for g in gradients:
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        ms.append(m)
        vs.append(v)
    return ms, vs


ADAM = frozenset({"adam", "amsgrad", "adamw"})
ADAM_FAMILY = ADAM | {"adamax", "nadam", "radam"}
ALL = frozenset(
    {
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "adadelta",
        "rmsprop",
        "adam",
        "amsgrad",
        "adamw",
        "adamax",
        "nadam",
        "radam",
    }
)


def _bias_diagnosis(ratio: float, t: int, b1: float, b2: float) -> str:
    """Name the bias correction a step's ratio to Adam's step corresponds to, if any."""

    def correction(k: int) -> float:
        return math.sqrt(1 - b2**k) / (1 - b1**k) if k > 0 else math.inf

    adam = correction(t)
    for k, words in (
        (1, "the bias correction stayed at the first step's, 1/(1 - b1) and 1/(1 - b2): the "
         "step counter is reset to 1 on every call"),
        (t + 1, "the bias correction used t + 1 where Adam's uses t (an exponent off by one)"),
        (t - 1, "the bias correction used t - 1 where Adam's uses t (an exponent off by one)"),
    ):  # fmt: skip
        if k != t and k > 0 and math.isclose(ratio, correction(k) / adam, rel_tol=1e-4):
            return words
    return "the step is not Adam's bias-corrected step -lr*m_hat/(sqrt(v_hat) + eps)"


# --- bias correction --------------------------------------------------------------------------


def _constant_gradient(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    c = draw(ost.vectors(1.0, 1e3, zeros=False), "constant gradient c")
    steps_count = draw(st.integers(1, 40), "steps")
    steps, _ = run_sequence(subject.build(given), np.tile(c, (steps_count, 1)), np.zeros(2))
    expected = -h["lr"] * c / (np.abs(c) + h["eps"])
    for t, step in enumerate(steps, start=1):
        if not _close(step, expected, rtol=1e-6):
            ratio = float(step[0] / expected[0])
            raise Violation(
                f"With the same gradient c = {_fmt(c)} at every step, Adam's bias-corrected "
                f"moments are m_hat = c and v_hat = c^2, so every step is -lr*c/(|c| + eps) = "
                f"{_fmt(expected)} (lr = {h['lr']:.6g}). At step {t} the step was {_fmt(step)}, "
                f"{ratio:.6g} times Adam's: {_bias_diagnosis(ratio, t, h['b1'], h['b2'])}."
            )


BIAS_CONSTANT = Property(
    "bias-correction-is-exact-for-a-constant-gradient",
    "With g_t = c for all t: m_hat_t = c and v_hat_t = c^2, so every step is -lr*c/(|c| + eps).",
    ADAM | {"adamax"},
    _constant_gradient,
    requires={"weight_decay": 0.0},
)


def _fades(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 40, 1.0, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    lr, b1, b2, eps = h["lr"], h["b1"], h["b2"], h["eps"]
    ms, vs = _moments(grads, b1, b2)
    v_max = np.zeros(2)
    for t, (step, m, v) in enumerate(zip(steps, ms, vs, strict=True), start=1):
        v_max = np.maximum(v_max, v)
        v_used = v_max if subject.kind == "amsgrad" else v
        m_hat, v_hat = m / (1 - b1**t), v_used / (1 - b2**t)
        expected = -lr * m_hat / (np.sqrt(v_hat) + eps)
        if not _close(step, expected, rtol=1e-6, atol=1e-12 * lr):
            uncorrected = -lr * m / (np.sqrt(v_used) + eps)
            ratio = float(step[0] / uncorrected[0])
            correction = math.sqrt(1 - b2**t) / (1 - b1**t)
            raise Violation(
                f"Adam's bias correction at step {t} multiplies the uncorrected step "
                f"-lr*m_t/sqrt(v_t) by sqrt(1 - b2^t)/(1 - b1^t) = {correction:.6g}, a factor "
                f"that tends to 1 as t grows (m_hat - m = m*b1^t/(1 - b1^t), v_hat/v = "
                f"1/(1 - b2^t)). Here the factor at step {t} was {ratio:.6g} "
                f"(b1 = {b1:.6g}, b2 = {b2:.6g}): "
                f"{_bias_diagnosis(ratio / correction, t, b1, b2)}."
            )


BIAS_FADES = Property(
    "bias-correction-fades",
    "m_hat_t - m_t = m_t*b1^t/(1 - b1^t) and v_hat_t/v_t = 1/(1 - b2^t): the step is "
    "-lr*m_hat_t/(sqrt(v_hat_t) + eps), and the correction fades to none as t grows.",
    ADAM,
    _fades,
    requires={"weight_decay": 0.0},
)


# --- epsilon ----------------------------------------------------------------------------------


def _first_step(subject: Subject, draw: Draws) -> None:
    fixed: dict[str, Any] = {"weight_decay": 0.0}
    if subject.kind == "rmsprop":
        fixed.update(momentum=0.0, centered=False)
    if subject.kind == "adagrad":
        fixed.update(initial_accumulator_value=0.0)
    given, h = subject.draw(draw, **fixed)
    g = draw(ost.vectors(1e-12, 1e3), "gradient")
    steps, _ = run_sequence(subject.build(given), g[None], np.zeros(2))
    step = steps[0]
    lr, eps = h["lr"], h["eps"]
    scale = math.sqrt(1 - h["alpha"]) if subject.kind == "rmsprop" else 1.0
    expected = -lr * g / (scale * np.abs(g) + eps)
    wrong_way = bool(np.any(step * g > 0))
    if wrong_way or not _close(step, expected, rtol=1e-9, atol=1e-300):
        where = "uphill, along the gradient" if wrong_way else "by the wrong amount"
        denominator = "sqrt(1 - alpha)*|g|" if subject.kind == "rmsprop" else "|g|"
        hint = _eps_hint(step, -lr * g, scale * np.abs(g), eps)
        raise Violation(
            f"The first step must be -lr*g/({denominator} + eps), a step of at most lr in "
            f"each coordinate against the gradient: with g = {_fmt(g)}, lr = {lr:.6g}, "
            f"eps = {eps:.3g} that is {_fmt(expected)}, but the step was {_fmt(step)}, "
            f"{where}.{hint}"
        )


FIRST_STEP = Property(
    "first-step-is-a-sign-step",
    "|step_1| = lr*|g|/(|g| + eps) <= lr against the gradient (Adam, AdaGrad); "
    "lr*|g|/(sqrt(1 - alpha)*|g| + eps) for RMSprop.",
    ADAM | {"adamax", "adagrad", "rmsprop"},
    _first_step,
    requires={"weight_decay": 0.0},
)


def _eps_guards(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    direction = draw(st.sampled_from([1.0, -1.0]), "sign")
    size = draw(ost.magnitudes(1e-14, 1e-9), "tiny gradient")
    count = draw(st.integers(1, 10), "steps")
    g = np.array([direction * size, -direction * size])
    steps, _ = run_sequence(subject.build(given), np.tile(g, (count, 1)), np.zeros(2))
    for t, step in enumerate(steps, start=1):
        if not np.all(np.isfinite(step)) or np.any(step * g > 0):
            raise Violation(
                f"A gradient far below eps must still give a finite step against it: "
                f"eps = {h['eps']:.3g} guards the division sqrt(v_hat) + eps. With the "
                f"gradient {_fmt(g)} at every step, step {t} was {_fmt(step)}, "
                + ("not finite." if not np.all(np.isfinite(step)) else "uphill, along the "
                   "gradient: the denominator went negative, so eps is subtracted, not added.")
            )  # fmt: skip


EPS_GUARDS = Property(
    "epsilon-guards-the-division",
    "For |g| << eps the step stays finite and points against g: the denominator is "
    "sqrt(v_hat) + eps >= eps > 0.",
    ADAM_FAMILY,
    _eps_guards,
    requires={"weight_decay": 0.0},
)


# --- scale ------------------------------------------------------------------------------------


def _scale_invariance(subject: Subject, draw: Draws) -> None:
    fixed: dict[str, Any] = {"eps": 0.0, "weight_decay": 0.0}
    if subject.kind == "adagrad":
        fixed["initial_accumulator_value"] = 0.0
    given, _ = subject.draw(draw, **fixed)
    grads = draw(ost.gradient_sequences(1, 20, 1e-3, 1e3, zeros=False), "gradients")
    c = draw(ost.magnitudes(1e-3, 1e3), "scale c")
    plain, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    scaled, _ = run_sequence(subject.build(given), c * grads, np.zeros(2))
    for t, (a, b) in enumerate(zip(plain, scaled, strict=True), start=1):
        if not _close(b, a, rtol=1e-9):
            raise Violation(
                f"With eps = 0 the step depends on the gradients only through ratios like "
                f"m/sqrt(v), so multiplying every gradient by c = {c:.6g} must leave it "
                f"unchanged. At step {t} the step was {_fmt(a)} and became {_fmt(b)}."
            )


SCALE_INVARIANCE = Property(
    "scale-invariance",
    "With eps = 0, multiplying every gradient by c > 0 leaves every step unchanged.",
    ADAM | {"adamax", "nadam", "adagrad", "rmsprop"},
    _scale_invariance,
    requires={"eps": 0.0, "weight_decay": 0.0},
)


def _sgd_linear(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 20, 1e-3, 1e3), "gradients")
    c = draw(ost.magnitudes(1e-3, 1e3), "scale c")
    plain, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    scaled, _ = run_sequence(subject.build(given), c * grads, np.zeros(2))
    for t, (a, b) in enumerate(zip(plain, scaled, strict=True), start=1):
        if not _close(b, c * a, rtol=1e-12, atol=1e-300):
            raise Violation(
                f"Gradient descent's step is linear in the gradients: multiplying them by "
                f"c = {c:.6g} must multiply step {t}, {_fmt(a)}, by c, giving {_fmt(c * a)}; "
                f"it was {_fmt(b)}."
            )


SGD_LINEAR = Property(
    "sgd-steps-scale-linearly",
    "Multiplying every gradient by c > 0 multiplies every step of (momentum) SGD by c.",
    frozenset({"sgd", "momentum", "nesterov"}),
    _sgd_linear,
    requires={"weight_decay": 0.0},
)


def adam_bound(t: int, b1: float, b2: float) -> float:
    """The exact bound on |step_t|/lr of Adam with eps = 0 (Cauchy-Schwarz)."""
    ratio = b1 * b1 / b2
    total = float(t) if ratio == 1 else (1 - ratio**t) / (1 - ratio)
    return (1 - b1) / (1 - b1**t) * math.sqrt((1 - b2**t) / (1 - b2)) * math.sqrt(total)


def tight_sequence(t: int, b1: float, b2: float) -> np.ndarray:
    """Gradients g_j = (b1/b2)^(t - j), j = 1..t: Cauchy-Schwarz holds with equality at t."""
    exponents = np.arange(t - 1, -1, -1, dtype=float)
    column = (b1 / b2) ** exponents
    return np.stack([column, column], axis=-1)


def _adam_bound(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, eps=0.0, weight_decay=0.0, b2=draw(st.floats(0.01, 0.999), "b2"))
    grads = draw(ost.gradient_sequences(1, 30, 1e-3, 1e3, zeros=False), "gradients")
    optimizer = subject.build(given)
    steps, _ = run_sequence(optimizer, grads, np.zeros(2))
    lr, b1, b2 = h["lr"], h["b1"], h["b2"]
    for t, step in enumerate(steps, start=1):
        bound = adam_bound(t, b1, b2)
        if float(np.max(np.abs(step))) / lr > bound * (1 + 1e-9):
            raise Violation(
                f"Cauchy-Schwarz bounds Adam's step (eps = 0): |step_t|/lr <= "
                f"(1 - b1)/(1 - b1^t)*sqrt((1 - b2^t)/(1 - b2))*sqrt(sum_(k<t) (b1^2/b2)^k) = "
                f"{bound:.6g} at t = {t} (b1 = {b1:.6g}, b2 = {b2:.6g}); the step was "
                f"{_fmt(step)}, {float(np.max(np.abs(step))) / lr:.6g} lr."
            )
    t = len(grads)
    sequence = tight_sequence(t, b1, b2)
    if not np.all(sequence != 0):  # b1 = 0 (or underflow): a zero gradient with eps = 0 is 0/0
        return
    tight, _ = run_sequence(optimizer, sequence, np.zeros(2))
    attained = float(np.max(np.abs(tight[-1]))) / lr
    if not math.isclose(attained, adam_bound(t, b1, b2), rel_tol=1e-6):
        raise Violation(
            f"The bound is attained by the gradients g_j = (b1/b2)^(t - j): at t = {t} it is "
            f"{adam_bound(t, b1, b2):.9g} lr, but the step was {attained:.9g} lr."
        )


ADAM_BOUND = Property(
    "adam-step-bound",
    "With eps = 0: |step_t|/lr <= (1 - b1)/(1 - b1^t) * sqrt((1 - b2^t)/(1 - b2)) * "
    "sqrt(sum_(k<t) (b1^2/b2)^k), with equality for g_j = (b1/b2)^(t - j).",
    frozenset({"adam"}),
    _adam_bound,
    requires={"eps": 0.0, "b2": ..., "weight_decay": 0.0},
)


# --- Adam and SGD -----------------------------------------------------------------------------


def _large_eps(subject: Subject, draw: Draws, *, momentum: bool) -> None:
    eta = draw(ost.magnitudes(1e-4, 1.0), "eta")
    eps = draw(ost.magnitudes(1e3, 1e8), "eps")
    b1 = draw(st.floats(0.05, 0.99), "b1") if momentum else 0.0
    given, h = subject.draw(draw, lr=eta * eps, eps=eps, b1=b1, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 20, 1e-3, 1e3), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    ms, vs = _moments(grads, h["b1"], h["b2"])
    for t, (step, m, v) in enumerate(zip(steps, ms, vs, strict=True), start=1):
        m_hat = m / (1 - h["b1"] ** t)
        v_hat = v / (1 - h["b2"] ** t)
        sgd = -eta * m_hat
        bound = eta * np.abs(m_hat) * np.sqrt(v_hat) / eps
        if np.any(np.abs(step - sgd) > bound * (1 + 1e-9) + 1e-12 * np.abs(sgd) + 1e-300):
            what = "momentum SGD's step -eta*m_hat" if momentum else "SGD's step -eta*g"
            raise Violation(
                f"With lr = eta*eps and eps = {eps:.3g} large, Adam's step is {what} up to "
                f"eta*|m_hat|*sqrt(v_hat)/eps. At step {t} (eta = {eta:.3g}) that is "
                f"{_fmt(sgd)} within {_fmt(bound)}, but the step was {_fmt(step)}."
            )


LARGE_EPS_SGD = Property(
    "adam-with-large-eps-is-sgd",
    "b1 = 0, lr = eta*eps: |step_t + eta*g_t| <= eta*|g_t|*sqrt(v_hat_t)/eps -> 0 as eps -> inf.",
    frozenset({"adam"}),
    lambda s, d: _large_eps(s, d, momentum=False),
    requires={"b1": 0.0, "eps": ..., "weight_decay": 0.0},
)

LARGE_EPS_MOMENTUM = Property(
    "adam-with-large-eps-is-momentum-sgd",
    "b1 > 0, lr = eta*eps: |step_t + eta*m_hat_t| <= eta*|m_hat_t|*sqrt(v_hat_t)/eps "
    "(bias-corrected momentum SGD).",
    frozenset({"adam"}),
    lambda s, d: _large_eps(s, d, momentum=True),
    requires={"b1": ..., "eps": ..., "weight_decay": 0.0},
)


def _faded(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, eps=0.0, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 60, 1e-2, 1e2, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    ms, vs = _moments(grads, h["b1"], h["b2"])
    lr, b1, b2 = h["lr"], h["b1"], h["b2"]
    for t, (step, m, v) in enumerate(zip(steps, ms, vs, strict=True), start=1):
        uncorrected = -lr * m / np.sqrt(v)
        rate = abs(math.sqrt(1 - b2**t) / (1 - b1**t) - 1)
        gap = np.abs(step - uncorrected)
        if not _close(gap, np.abs(uncorrected) * rate, rtol=1e-6, atol=1e-12 * lr):
            raise Violation(
                f"Once the bias correction fades Adam's step is the uncorrected "
                f"-lr*m_t/sqrt(v_t), and the gap is exactly |uncorrected| * "
                f"|sqrt(1 - b2^t)/(1 - b1^t) - 1| = {_fmt(np.abs(uncorrected) * rate)} at "
                f"t = {t}; it was {_fmt(gap)}."
            )


FADED = Property(
    "adam-approaches-the-uncorrected-step",
    "eps = 0: |step_t - (-lr*m_t/sqrt(v_t))| = |lr*m_t/sqrt(v_t)| * "
    "|sqrt(1 - b2^t)/(1 - b1^t) - 1|, which tends to 0.",
    frozenset({"adam"}),
    _faded,
    requires={"eps": 0.0, "weight_decay": 0.0},
)


# --- reductions -------------------------------------------------------------------------------


def _reduces_to_sgd(subject: Subject, draw: Draws, momentum: float) -> None:
    given, h = subject.draw(draw, momentum=momentum)
    grads = draw(ost.gradient_sequences(1, 20, 1e-3, 1e3), "gradients")
    start = draw(ost.vectors(1e-2, 1e2), "params")
    steps, _ = run_sequence(subject.build(given), grads, start, move=True)
    p = start.copy()
    seen = np.zeros(2)
    for t, (step, g) in enumerate(zip(steps, grads, strict=True), start=1):
        expected = -h["lr"] * (g + h["weight_decay"] * p)
        seen = seen + np.abs(g + h["weight_decay"] * p)
        # momentum's own contribution is at most lr*momentum*|b_t| <= lr*momentum*sum|g_k|
        # ... and a step reported as new minus old parameters is exact to their last bits
        slack = 2 * h["lr"] * momentum * seen + 4 * np.spacing(np.abs(p)) + 1e-300
        if not _close(step, expected, rtol=1e-9, atol=slack):
            raise Violation(
                f"With momentum = {momentum:g} this is plain SGD, step = -lr*(g + "
                f"weight_decay*theta) = {_fmt(expected)} at step {t}; it was {_fmt(step)}."
            )
        p = p + step


MOMENTUM_ZERO = Property(
    "momentum-zero-is-sgd",
    "momentum = 0: every step is SGD's, -lr*(g_t + weight_decay*theta_t).",
    frozenset({"momentum"}),
    lambda s, d: _reduces_to_sgd(s, d, 0.0),
    requires={"momentum": 0.0},
)

NESTEROV_ZERO = Property(
    "nesterov-momentum-to-zero-is-sgd",
    "momentum -> 0 (1e-12; torch refuses exactly 0): every step is SGD's to 1e-9.",
    frozenset({"nesterov"}),
    lambda s, d: _reduces_to_sgd(s, d, 1e-12),
    requires={"momentum": 1e-12},
)


def _b1_zero(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, b1=0.0, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 30, 1e-3, 1e3), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    _, vs = _moments(grads, 0.0, h["b2"])
    for t, (step, g, v) in enumerate(zip(steps, grads, vs, strict=True), start=1):
        expected = -h["lr"] * g / (np.sqrt(v / (1 - h["b2"] ** t)) + h["eps"])
        if not _close(step, expected, rtol=1e-9, atol=1e-12 * h["lr"]):
            root = np.sqrt(v / (1 - h["b2"] ** t))
            raise Violation(
                f"With b1 = 0 Adam is RMSprop (alpha = b2) with bias correction: step {t} "
                f"must be -lr*g/(sqrt(v/(1 - b2^t)) + eps) = {_fmt(expected)}; it was "
                f"{_fmt(step)}.{_eps_hint(step, -h['lr'] * g, root, h['eps'])}"
            )


B1_ZERO = Property(
    "adam-with-b1-zero-is-bias-corrected-rmsprop",
    "b1 = 0: step_t = -lr*g_t/(sqrt(v_t/(1 - b2^t)) + eps), RMSprop with alpha = b2 and "
    "bias correction.",
    frozenset({"adam"}),
    _b1_zero,
    requires={"b1": 0.0, "weight_decay": 0.0},
)


def _adamw_is_adam(subject: Subject, draw: Draws) -> None:
    from optverify.optim.adam import adam

    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 30, 1e-3, 1e3), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    reference = adam(lr=h["lr"], b1=h["b1"], b2=h["b2"], eps=h["eps"])
    expected, _ = run_sequence(reference, grads, np.zeros(2))
    for t, (step, want) in enumerate(zip(steps, expected, strict=True), start=1):
        if not _close(step, want, rtol=1e-9, atol=1e-12 * h["lr"]):
            raise Violation(
                f"With weight_decay = 0 AdamW is Adam: step {t} must be {_fmt(want)}; it was "
                f"{_fmt(step)}."
            )


ADAMW_IS_ADAM = Property(
    "adamw-without-decay-is-adam",
    "weight_decay = 0: AdamW's steps are Adam's.",
    frozenset({"adamw"}),
    _adamw_is_adam,
    requires={"weight_decay": 0.0},
)


def _amsgrad_max(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, eps=0.0, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(2, 30, 1e-3, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    ms, _ = _moments(grads, h["b1"], h["b2"])
    previous = np.zeros(2)
    for t, (step, m) in enumerate(zip(steps, ms, strict=True), start=1):
        m_hat = m / (1 - h["b1"] ** t)
        with np.errstate(all="ignore"):
            v_max = (h["lr"] * m_hat / step) ** 2 * (1 - h["b2"] ** t)
        if np.any(v_max < previous * (1 - 1e-9)) or not np.all(np.isfinite(v_max)):
            raise Violation(
                f"AMSGrad divides by the running maximum v_max of v_t, which never "
                f"decreases. Read off the steps, v_max went from {_fmt(previous)} to "
                f"{_fmt(v_max)} at step {t}."
            )
        previous = v_max


AMSGRAD_MAX = Property(
    "amsgrad-v-max-never-decreases",
    "v_max_t = max(v_max_(t-1), v_t) >= v_max_(t-1), read off the steps (eps = 0).",
    frozenset({"amsgrad"}),
    _amsgrad_max,
    requires={"eps": 0.0, "weight_decay": 0.0},
)


def _adagrad_rate(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(2, 30, 1e-3, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    previous = np.full(2, np.inf)
    for t, (step, g) in enumerate(zip(steps, grads, strict=True), start=1):
        rate = np.abs(step) / np.abs(g)
        if np.any(rate > previous * (1 + 1e-12)):
            raise Violation(
                f"AdaGrad's accumulator sum_(k<=t) g_k^2 never decreases, so its effective "
                f"rate |step|/|g| never grows. It went from {_fmt(previous)} to {_fmt(rate)} "
                f"at step {t} (gradient {_fmt(g)})."
            )
        previous = rate


ADAGRAD_RATE = Property(
    "adagrad-effective-rate-never-grows",
    "s_t = s_(t-1) + g_t^2 >= s_(t-1), so |step_t|/|g_t| = lr_t/(sqrt(s_t) + eps) never grows.",
    frozenset({"adagrad"}),
    _adagrad_rate,
    requires={"weight_decay": 0.0},
)


def _adamw_decay(subject: Subject, draw: Draws) -> None:
    wd = draw(st.floats(1e-4, 0.1), "weight_decay")
    given, h = subject.draw(draw, weight_decay=wd)
    start = draw(ost.vectors(1e-2, 1e2), "params")
    count = draw(st.integers(1, 10), "steps")
    steps, _ = run_sequence(subject.build(given), np.zeros((count, 2)), start, move=True)
    p = start.copy()
    for t, step in enumerate(steps, start=1):
        expected = p * (1 - h["lr"] * wd)
        if not _close(p + step, expected, rtol=1e-12, atol=1e-300):
            raise Violation(
                f"With a zero gradient AdamW only decays: theta <- theta*(1 - lr*wd) = "
                f"{_fmt(expected)} at step {t} (lr = {h['lr']:.6g}, wd = {wd:.6g}); it went "
                f"to {_fmt(p + step)}. Decay added to the gradient (L2) is normalized by "
                "Adam instead of applied directly."
            )
        p = p + step


ADAMW_DECAY = Property(
    "adamw-zero-gradient-shrinks-by-exactly-one-minus-lr-wd",
    "g = 0 from the initial state: theta_t = theta_(t-1)*(1 - lr*weight_decay).",
    frozenset({"adamw"}),
    _adamw_decay,
    requires={"weight_decay": ...},
)


def _momentum_constant(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    c = draw(ost.vectors(1e-3, 1e3, zeros=False), "constant gradient c")
    count = draw(st.integers(1, 30), "steps")
    steps, _ = run_sequence(subject.build(given), np.tile(c, (count, 1)), np.zeros(2))
    mu, lr = h["momentum"], h["lr"]
    tau = h.get("dampening", 0.0)
    nesterov = subject.kind == "nesterov"
    b = c.copy()
    for t, step in enumerate(steps, start=1):
        if t > 1:
            b = mu * b + (1 - tau) * c
        # torch keeps no buffer at all with momentum = 0: plain SGD
        heavy_or_nesterov = -lr * (c + mu * b) if nesterov else -lr * b
        expected = -lr * c if mu == 0 else heavy_or_nesterov
        if not _close(step, expected, rtol=1e-9):
            rule = "-lr*(g + mu*b_t)" if nesterov else "-lr*b_t"
            raise Violation(
                f"With a constant gradient c = {_fmt(c)}, the buffer is b_1 = c, b_t = "
                f"mu*b_(t-1) + (1 - dampening)*c, and the step is {rule} = {_fmt(expected)} "
                f"at step {t} (mu = {mu:.6g}); it was {_fmt(step)}."
            )


MOMENTUM_CONSTANT = Property(
    "momentum-buffer-for-a-constant-gradient",
    "g_t = c: b_1 = c, b_t = mu*b_(t-1) + (1 - dampening)*c; step -lr*b_t (heavy ball) or "
    "-lr*(c + mu*b_t) (Nesterov); momentum = 0 is plain SGD, -lr*c.",
    frozenset({"momentum", "nesterov"}),
    _momentum_constant,
    requires={"weight_decay": 0.0},
)


def _adadelta_first(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    g = draw(ost.vectors(1e-6, 1e6), "gradient")
    steps, _ = run_sequence(subject.build(given), g[None], np.zeros(2))
    lr, rho, eps = h["lr"], h["rho"], h["eps"]
    expected = -lr * np.sqrt(eps) / np.sqrt((1 - rho) * g * g + eps) * g
    if not _close(steps[0], expected, rtol=1e-9, atol=1e-300):
        raise Violation(
            f"Adadelta starts with an empty step history u_0 = 0, so its first step is "
            f"-lr*sqrt(eps)*g/sqrt((1 - rho)*g^2 + eps) = {_fmt(expected)} for g = {_fmt(g)} "
            f"(rho = {rho:.6g}, eps = {eps:.3g}); it was {_fmt(steps[0])}."
        )


ADADELTA_FIRST = Property(
    "adadelta-first-step",
    "u_0 = 0: step_1 = -lr*sqrt(eps)*g/sqrt((1 - rho)*g^2 + eps), at most lr*sqrt(eps/(1 - rho)) "
    "in size whatever g is.",
    frozenset({"adadelta"}),
    _adadelta_first,
    requires={"weight_decay": 0.0},
)


def _radam_warmup(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(1, 30, 1e-3, 1e3), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    lr, b1, b2, eps = h["lr"], h["b1"], h["b2"], h["eps"]
    ms, vs = _moments(grads, b1, b2)
    rho_inf = 2 / (1 - b2) - 1
    scale = max(1.0, float(np.max(np.abs(grads))))
    for t, (step, m, v) in enumerate(zip(steps, ms, vs, strict=True), start=1):
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            rect = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            expected = -lr * m_hat * rect * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            phase = f"rho_t = {rho_t:.6g} > 5: the rectified adaptive step"
        else:
            expected = -lr * m_hat
            phase = f"rho_t = {rho_t:.6g} <= 5: the un-adapted momentum step -lr*m_hat"
        if not _close(step, expected, rtol=1e-9, atol=1e-12 * lr * scale):
            raise Violation(
                f"At step {t} RAdam takes {phase}, {_fmt(expected)}; it took {_fmt(step)}."
            )


RADAM_WARMUP = Property(
    "radam-rectifies-only-when-the-variance-is-tractable",
    "rho_t = rho_inf - 2t*b2^t/(1 - b2^t): step = -lr*m_hat while rho_t <= 5, then "
    "-lr*r_t*m_hat*sqrt(1 - b2^t)/(sqrt(v_t) + eps).",
    frozenset({"radam"}),
    _radam_warmup,
    requires={"weight_decay": 0.0},
)


# --- structure --------------------------------------------------------------------------------


def _zero_gradient(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw, weight_decay=0.0)
    start = draw(ost.vectors(1e-3, 1e3), "params")
    count = draw(st.integers(1, 5), "steps")
    steps, _ = run_sequence(subject.build(given), np.zeros((count, 2)), start)
    for t, step in enumerate(steps, start=1):
        if not np.all(step == 0):
            raise Violation(
                f"From the initial state, a zero gradient must give a zero step (there is "
                f"nothing to follow, and no weight decay); step {t} was {_fmt(step)}."
            )


ZERO_GRADIENT = Property(
    "zero-gradient-gives-zero-step",
    "weight_decay = 0: g_t = 0 from the initial state gives step_t = 0.",
    ALL,
    _zero_gradient,
    requires={"weight_decay": 0.0},
)


def _permutation(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw)
    grads = draw(ost.gradient_sequences(1, 15, 1e-6, 1e6), "gradients")
    start = draw(ost.vectors(1e-3, 1e3), "params")
    plain, _ = run_sequence(subject.build(given), grads, start)
    swapped, _ = run_sequence(subject.build(given), grads[:, ::-1], start[::-1])
    for t, (a, b) in enumerate(zip(plain, swapped, strict=True), start=1):
        if not _close(b, a[::-1], rtol=1e-15):
            raise Violation(
                f"Swapping the coordinates of the gradients and the parameters must swap "
                f"the step: step {t} was {_fmt(a)}, and with swapped inputs {_fmt(b)}."
            )


PERMUTATION = Property(
    "permuting-coordinates-permutes-the-step",
    "step(P g, P theta) = P step(g, theta) for a permutation P of the coordinates.",
    ALL,
    _permutation,
)


def _batch(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw)
    size = draw(st.integers(2, 4), "batch size")
    count = draw(st.integers(1, 10), "steps")
    grads = draw(
        st.lists(ost.gradient_sequences(count, count, 1e-6, 1e6), min_size=size, max_size=size),
        "gradients",
    )
    starts = draw(st.lists(ost.vectors(1e-3, 1e3), min_size=size, max_size=size), "params")
    together, _ = run_sequence(
        subject.build(given), np.stack(grads, axis=1), np.stack(starts, axis=0)
    )
    for k in range(size):
        alone, _ = run_sequence(subject.build(given), grads[k], starts[k])
        for t, (a, b) in enumerate(zip(alone, together, strict=True), start=1):
            if not _close(b[k], a, rtol=1e-12, atol=1e-300):
                raise Violation(
                    f"A batch must equal its members run one by one: member {k} of a batch "
                    f"of {size} stepped {_fmt(b[k])} at step {t}, alone {_fmt(a)}."
                )


BATCH = Property(
    "a-batch-equals-its-members",
    "Running starts as one batch (leading axis) gives each the steps it gets alone.",
    ALL,
    _batch,
)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, Mapping):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in _leaves(v)]
    return []


def _no_mutation(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw)
    grads = draw(ost.gradient_sequences(2, 6, 1e-3, 1e3), "gradients")
    params = draw(ost.vectors(1e-3, 1e3), "params")
    optimizer = subject.build(given)
    with np.errstate(all="ignore"):
        state = optimizer.init(params)
        for t, g in enumerate(grads, start=1):
            copies = (g.copy(), params.copy(), [leaf.copy() for leaf in _leaves(state)])
            updates, new_state = optimizer.update(g, state, params)
            changed = [
                name
                for name, before, after in (("grads", copies[0], g), ("params", copies[1], params))
                if not np.array_equal(before, after, equal_nan=True)
            ]
            if any(
                not np.array_equal(b, a, equal_nan=True)
                for b, a in zip(copies[2], _leaves(state), strict=True)
            ):
                changed.append("state")
            if changed:
                raise Violation(
                    f"update must not modify its inputs; at step {t} it modified "
                    f"{' and '.join(changed)} in place."
                )
            state, params = new_state, params + np.asarray(updates)


NO_MUTATION = Property(
    "update-does-not-mutate-its-inputs",
    "update(g, state, theta) leaves g, state and theta unchanged.",
    ALL,
    _no_mutation,
)


def _finite(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw)
    grads = draw(ost.gradient_sequences(1, 20, 1e-12, 1e6), "gradients")
    start = draw(ost.vectors(1e-3, 1e3), "params")
    steps, _ = run_sequence(subject.build(given), grads, start)
    for t, step in enumerate(steps, start=1):
        if not np.all(np.isfinite(step)):
            raise Violation(
                f"Finite gradients (here at most 1e6 in size) must give finite steps; step "
                f"{t} was {_fmt(step)} for the gradient {_fmt(grads[t - 1])}."
            )


FINITE = Property(
    "finite-inputs-give-finite-outputs",
    "Finite gradients and parameters (eps > 0) give finite steps.",
    ALL,
    _finite,
)


def _quadratic(draw: Draws) -> tuple[np.ndarray, float]:
    low = draw(ost.magnitudes(1e-2, 10.0), "small curvature")
    high = draw(ost.magnitudes(1e-2, 10.0), "large curvature")
    angle = draw(st.floats(0.0, math.pi), "angle")
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    hessian = rotation @ np.diag([low, high]) @ rotation.T
    return hessian, max(low, high)


def _first_rise(subject: Subject, draw: Draws) -> tuple[dict[str, Any], float, Any]:
    """Run on a drawn convex quadratic with lr < 2/L; the first (step, f before, f after) at
    which f rose, or None."""
    hessian, lipschitz = _quadratic(draw)
    fraction = draw(st.floats(0.01, 0.99), "lr * L / 2")
    given, h = subject.draw(draw, lr=2 * fraction / lipschitz, weight_decay=0.0)
    start = draw(ost.vectors(1e-2, 1e2, zeros=False), "start")
    optimizer = subject.build(given)
    p = start.copy()
    state = optimizer.init(p)
    loss = 0.5 * p @ hessian @ p
    for t in range(1, 31):
        updates, state = optimizer.update(hessian @ p, state, p)
        p = p + updates
        new = 0.5 * p @ hessian @ p
        if new > loss * (1 + 1e-12) + 1e-300:
            return h, lipschitz, (t, loss, new)
        loss = new
    return h, lipschitz, None


def _monotone(subject: Subject, draw: Draws) -> None:
    h, lipschitz, rise = _first_rise(subject, draw)
    if rise is not None:
        t, before, after = rise
        raise Violation(
            f"Gradient descent with lr = {h['lr']:.6g} < 2/L = {2 / lipschitz:.6g} "
            f"decreases an L-smooth convex quadratic at every step; f rose from "
            f"{before:.6g} to {after:.6g} at step {t}."
        )


MONOTONE = Property(
    "sgd-decreases-a-convex-quadratic-monotonically",
    "lr < 2/L: plain SGD decreases f(theta) = theta^T H theta/2 at every step (L = max "
    "eigenvalue of H).",
    frozenset({"sgd"}),
    _monotone,
    requires={"lr": ..., "weight_decay": 0.0},
    note="Momentum methods need not: see the claim momentum-decreases-monotonically.",
)


PROPERTIES: tuple[Property, ...] = (
    BIAS_CONSTANT,
    BIAS_FADES,
    FIRST_STEP,
    EPS_GUARDS,
    SCALE_INVARIANCE,
    SGD_LINEAR,
    ADAM_BOUND,
    LARGE_EPS_SGD,
    LARGE_EPS_MOMENTUM,
    FADED,
    MOMENTUM_ZERO,
    NESTEROV_ZERO,
    B1_ZERO,
    ADAMW_IS_ADAM,
    AMSGRAD_MAX,
    ADAGRAD_RATE,
    ADAMW_DECAY,
    MOMENTUM_CONSTANT,
    ADADELTA_FIRST,
    RADAM_WARMUP,
    ZERO_GRADIENT,
    PERMUTATION,
    BATCH,
    NO_MUTATION,
    FINITE,
    MONOTONE,
)
"""Every invariant, in the order reports list them."""


# --- claims that are false --------------------------------------------------------------------


def _paper_bound(subject: Subject, draw: Draws) -> None:
    given, h = subject.draw(draw, eps=0.0, weight_decay=0.0, b2=draw(st.floats(0.01, 0.999), "b2"))
    grads = draw(ost.gradient_sequences(1, 10, 1e-3, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    b1, b2, lr = h["b1"], h["b2"], h["lr"]
    paper = (1 - b1) / math.sqrt(1 - b2) if (1 - b1) > math.sqrt(1 - b2) else 1.0
    from hypothesis import target

    worst = max(float(np.max(np.abs(s))) / lr for s in steps)
    target(worst / paper, label="step / paper's bound")
    for t, step in enumerate(steps, start=1):
        size = float(np.max(np.abs(step))) / lr
        if size > paper * (1 + 1e-9):
            raise Violation(
                f"The Adam paper (Kingma & Ba 2015, section 2.1) bounds the step by "
                f"lr*(1 - b1)/sqrt(1 - b2) when (1 - b1) > sqrt(1 - b2), else by lr: here "
                f"{paper:.6g} lr (b1 = {b1:.6g}, b2 = {b2:.6g}). At step {t} the step was "
                f"{size:.6g} lr; the exact bound at t = {t} is {adam_bound(t, b1, b2):.6g} lr."
            )


PAPER_BOUND = Property(
    "adam-paper-step-bound",
    "|step| <= lr*(1 - b1)/sqrt(1 - b2) if (1 - b1) > sqrt(1 - b2), else |step| <= lr "
    "(Kingma & Ba 2015, sec. 2.1).",
    frozenset({"adam"}),
    _paper_bound,
    requires={"eps": 0.0, "b2": ..., "weight_decay": 0.0},
    note="An approximation the paper states; some gradient sequences exceed it.",
    expect="refuted",
)


def _adam_is_sgd(subject: Subject, draw: Draws) -> None:
    given, _ = subject.draw(draw, eps=0.0, weight_decay=0.0)
    g = draw(ost.nonzero_vectors(), "gradient")
    c = draw(ost.magnitudes(1.001, 1e3), "scale c")
    one, _ = run_sequence(subject.build(given), g[None], np.zeros(2))
    scaled, _ = run_sequence(subject.build(given), (c * g)[None], np.zeros(2))
    if not _close(scaled[0], c * one[0], rtol=1e-6):
        raise Violation(
            f"An SGD step is proportional to the gradient, so multiplying the gradient by "
            f"c = {c:.6g} multiplies the step by c. Adam's step stayed {_fmt(one[0])} for "
            f"g = {_fmt(g)} and {_fmt(c * g)}: it is scale invariant, not SGD."
        )


ADAM_IS_SGD = Property(
    "adam-is-sgd",
    "Adam's step is an SGD step: proportional to the gradient.",
    frozenset({"adam"}),
    _adam_is_sgd,
    requires={"eps": 0.0, "weight_decay": 0.0},
    note="Adam is like SGD only with eps >> sqrt(v_hat) (lr = eta*eps).",
    expect="refuted",
)


def _adam_is_rmsprop_momentum(subject: Subject, draw: Draws) -> None:
    from optverify.optim.adaptive import rmsprop

    given, h = subject.draw(draw, weight_decay=0.0)
    grads = draw(ost.gradient_sequences(2, 10, 1e-3, 1e3, zeros=False), "gradients")
    steps, _ = run_sequence(subject.build(given), grads, np.zeros(2))
    ms, vs = _moments(grads, h["b1"], h["b2"])
    t = len(grads)
    uncorrected = -h["lr"] * ms[-1] / (np.sqrt(vs[-1]) + h["eps"])
    torch_rms = rmsprop(lr=h["lr"] * (1 - h["b1"]), alpha=h["b2"], eps=h["eps"], momentum=h["b1"])
    rms_steps, _ = run_sequence(torch_rms, grads, np.zeros(2))
    if not _close(rms_steps[-1], uncorrected, rtol=1e-6):
        raise Violation(
            f"Adam without bias correction is -lr*m_t/(sqrt(v_t) + eps), momentum applied "
            f"before dividing; torch's RMSprop with momentum = b1 (lr scaled by 1 - b1) "
            f"applies it after: b_t = b1*b_(t-1) + g_t/(sqrt(v_t) + eps). At step {t} they "
            f"give {_fmt(uncorrected)} and {_fmt(rms_steps[-1])} (Adam's own step "
            f"{_fmt(steps[-1])})."
        )


ADAM_IS_RMSPROP_MOMENTUM = Property(
    "uncorrected-adam-is-rmsprop-with-momentum",
    "-lr*m_t/(sqrt(v_t) + eps) equals torch's RMSprop(alpha = b2, momentum = b1, lr*(1 - b1)).",
    frozenset({"adam"}),
    _adam_is_rmsprop_momentum,
    requires={"weight_decay": 0.0},
    note="They differ in where momentum is applied: before or after the rescaling.",
    expect="refuted",
)


def _momentum_monotone(subject: Subject, draw: Draws) -> None:
    h, _, rise = _first_rise(subject, draw)
    if rise is not None:
        t, before, after = rise
        raise Violation(
            f"With momentum = {h['momentum']:.6g} and lr = {h['lr']:.6g} < 2/L, f rose "
            f"from {before:.6g} to {after:.6g} at step {t}: momentum overshoots, so it does "
            "not descend monotonically (it still converges for these settings)."
        )


MOMENTUM_MONOTONE = Property(
    "momentum-decreases-monotonically",
    "lr < 2/L: SGD with momentum decreases an L-smooth convex quadratic at every step.",
    frozenset({"momentum"}),
    _momentum_monotone,
    requires={"weight_decay": 0.0},
    note="True of plain SGD, not of momentum methods.",
    expect="refuted",
)


CLAIMS: tuple[Property, ...] = (
    PAPER_BOUND,
    ADAM_IS_SGD,
    ADAM_IS_RMSPROP_MOMENTUM,
    MOMENTUM_MONOTONE,
)
"""Statements that are false, each with a kind to refute it on."""


def by_name(name: str) -> Property:
    """The property or claim called ``name``."""
    for prop in (*PROPERTIES, *CLAIMS):
        if prop.name == name:
            return prop
    known = ", ".join(p.name for p in PROPERTIES)
    raise InvalidArgument(f"property={name!r} is unknown: it needs to be one of {known}.")
