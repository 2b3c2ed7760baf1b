"""Which update rule is it? The differential check, and the constants code fixes.

A candidate (a user's optimizer behind our contract) is run beside every rule of the kind it
claims (:mod:`~optverify.verification.dialects`) on the same gradient sequences and
hyperparameters, drawn by Hypothesis, and on fixed probe sequences (tiny and huge gradients,
long runs). The closest rule and its largest relative difference are reported; the candidate
follows a rule when the difference is at most :data:`MATCH_TOLERANCE`.

Constants the code fixes instead of taking as parameters (``1e-7`` written inline for eps, a
fixed beta2, no learning rate at all) are used as stated (``--fixed eps=1e-7``) or estimated
from the probe steps under each rule: a one-dimensional search per constant (golden section
on a log or ``1 - beta`` scale, a few rounds over all of them), then the nearest round number
that fits as well.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optverify.errors import InvalidArgument, UserCodeError
from optverify.optim.base import reads_its_gradient
from optverify.optim.records import OptimizerRecord
from optverify.verification.dialects import TORCH, Rule, rules_for

__all__ = ["MATCH_TOLERANCE", "Match", "match_rule"]

MATCH_TOLERANCE = 1e-6
"""Largest relative difference between the candidate's steps and a rule's for the candidate
to follow that rule. Equivalent operation orders differ by rounding, about 1e-13 over the
sequences drawn here; every dialect differs from torch's rule by 1e-3 or more on the probes."""

ESTIMABLE = {
    "lr": ("log", 1e-8, 1e2),
    "eps": ("log", 1e-20, 1.0),
    "b1": ("beta", 0.0, 12.0),
    "b2": ("beta", 0.0, 12.0),
    "momentum": ("beta", 0.0, 12.0),
    "alpha": ("beta", 0.0, 12.0),
    "rho": ("beta", 0.0, 12.0),
    "momentum_decay": ("log", 1e-8, 1.0),
    "weight_decay": ("log", 1e-8, 1.0),
    "initial_accumulator_value": ("log", 1e-8, 10.0),
}
"""Constants that can be estimated from probe steps, and the scale searched."""


def _probes() -> list[np.ndarray]:
    """Fixed gradient sequences that tell the rules apart: tiny and huge magnitudes side by
    side (epsilon's placement), long constant runs (bias correction, warm-up thresholds), sign
    changes (momentum)."""
    constant = np.tile([1.0, -2.0], (12, 1))
    cycle = np.array([1e-3, 1.0, 1e3, 3e-6, 0.5, -2.0, 7e2, -4e-5, 2e-2, -1.0, 30.0, 1e-4])
    mixed = np.stack([cycle, -np.roll(cycle, 5)], axis=-1)
    tiny = np.tile([3e-7, -1e-6], (6, 1))
    return [constant, mixed, tiny, np.array([[1e3, -1e-4]])]


PROBE_START = np.array([0.5, -0.3])


def _steps(optimizer: Any, gradients: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The steps of ``optimizer`` fed ``gradients`` from ``start``, moving the parameters;
    shape ``(T, 2, 2)``: each step and the parameters it was taken from."""
    p = start.copy()
    out = []
    with np.errstate(all="ignore"):
        state = optimizer.init(p)
        for g in gradients:
            updates, state = optimizer.update(g.copy(), state, p.copy())
            step = np.asarray(updates, dtype=np.float64).reshape(p.shape)
            out.append((step, p))
            p = p + step
    return np.array(out)


def relative_difference(candidate: np.ndarray, reference: np.ndarray) -> float:
    """Largest ``|a - b| / |b|`` over the steps, infinite where one is finite and the other is
    not. Two floors keep it meaningful: 1e-12 of the largest step (exact zeros), and 8 ulps
    of the parameters (code that moves its parameters in place has its step read as new minus
    old, exact only to the parameters' last bits)."""
    a, b = np.asarray(candidate, float)[:, 0], np.asarray(reference, float)[:, 0]
    if a.shape != b.shape:
        return math.inf
    params = np.abs(np.asarray(reference, float)[:, 1])
    both = ~np.isfinite(a) & ~np.isfinite(b)
    finite_b = np.abs(b[np.isfinite(b)])
    floor = 1e-12 * float(finite_b.max()) if finite_b.size else 0.0
    floor = floor + 8 * np.spacing(np.where(np.isfinite(params), params, 0.0) + np.abs(b))
    with np.errstate(all="ignore"):
        error = np.maximum(np.abs(a - b) - floor, 0.0) / (np.abs(b) + 1e-300)
    error = np.where(both, 0.0, error)
    error = np.where(np.isnan(error), math.inf, error)
    return float(np.max(error)) if error.size else 0.0


@dataclass
class Match:
    """What the differential check found.

    Attributes:
      rule: the name of the rule the candidate follows, or ``None`` when none is within the
        tolerance.
      closest: the name of the rule with the smallest largest difference.
      differs: how the matched rule differs from torch's, in one sentence.
      errors: each rule's largest relative difference from the candidate.
      worst: for each rule, the example on which it differed most (for the report).
      constants: the constants the code fixes, as used for the matched (or closest) rule:
        name -> (value, how: ``stated`` or ``estimated``).
      examples: examples run, probes included.
      zero_steps: every probe step of the candidate was exactly zero (an adapter mistake such
        as reading the step as new minus old after the code changed the array in place).
    """

    rule: str | None
    closest: str
    errors: dict[str, float]
    worst: dict[str, dict[str, Any]]
    constants: dict[str, tuple[float, str]]
    examples: int
    zero_steps: bool = False
    tolerance: float = MATCH_TOLERANCE
    differs: str = ""
    per_rule_constants: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``matches`` field: the rule and its largest relative error, or ``None``."""
        if self.rule is None:
            return {}
        return {"rule": self.rule, "max_relative_error": self.errors[self.rule]}


def _to_search(name: str, value: float) -> float:
    scale = ESTIMABLE[name][0]
    if scale == "log":
        return math.log10(max(value, 1e-300))
    return -math.log10(max(1.0 - value, 1e-12))


def _from_search(name: str, x: float) -> float:
    scale = ESTIMABLE[name][0]
    return float(10.0**x if scale == "log" else 1.0 - 10.0 ** (-x))


def _bounds(name: str) -> tuple[float, float]:
    scale, low, high = ESTIMABLE[name]
    return (math.log10(low), math.log10(high)) if scale == "log" else (low, high)


def _golden(objective: Callable[[float], float], low: float, high: float) -> float:
    """The minimiser of a one-dimensional objective: a grid scan, then golden section in the
    best cell."""
    grid = np.linspace(low, high, 41)
    values = [objective(float(x)) for x in grid]
    best = int(np.argmin(values))
    a, b = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = objective(c), objective(d)
    for _ in range(60):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = objective(c)
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = objective(d)
    x = (a + b) / 2
    return float(grid[best]) if values[best] < objective(x) else x


def _simplex(objective: Callable[[np.ndarray], float], start: np.ndarray) -> np.ndarray:
    """Nelder and Mead's simplex search from ``start`` (for constants that are coupled, such
    as a learning rate and a decay rate that both set the first step's size)."""
    n = len(start)
    points = [start.astype(float)] + [start + 0.7 * np.eye(n)[i] for i in range(n)]
    values = [objective(p) for p in points]
    for _ in range(120 * n):
        order = np.argsort(values)
        points = [points[i] for i in order]
        values = [values[i] for i in order]
        centroid = np.mean(points[:-1], axis=0)
        reflected = centroid + (centroid - points[-1])
        f_reflected = objective(reflected)
        if f_reflected < values[0]:
            expanded = centroid + 2 * (centroid - points[-1])
            f_expanded = objective(expanded)
            points[-1], values[-1] = (
                (expanded, f_expanded) if f_expanded < f_reflected else (reflected, f_reflected)
            )
        elif f_reflected < values[-2]:
            points[-1], values[-1] = reflected, f_reflected
        else:
            contracted = centroid + 0.5 * (points[-1] - centroid)
            f_contracted = objective(contracted)
            if f_contracted < values[-1]:
                points[-1], values[-1] = contracted, f_contracted
            else:
                points = [points[0] + 0.5 * (p - points[0]) for p in points]
                values = [values[0]] + [objective(p) for p in points[1:]]
    best: np.ndarray = points[int(np.argmin(values))]
    return best


def _nice(name: str, value: float) -> list[float]:
    """Round numbers near ``value``, the kind code hard-codes, roundest first."""
    if ESTIMABLE[name][0] == "beta":
        gap = 1.0 - value
        if gap <= 0:
            return [value]
        exponent = math.floor(math.log10(gap))
        return [1 - round(gap / 10**exponent, digits) * 10**exponent for digits in (0, 1, 2)]
    if value <= 0:
        return [value]
    exponent = math.floor(math.log10(value))
    return [round(value / 10**exponent, digits) * 10**exponent for digits in (0, 1, 2)]


def _elementwise(candidate: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each step component's relative difference, capped at 10."""
    a, b = candidate[:, 0], reference[:, 0]
    with np.errstate(all="ignore"):
        error = np.abs(a - b) / (np.abs(b) + 1e-300)
    return np.minimum(np.where(np.isfinite(error), error, 10.0), 10.0).ravel()


def _normalized(steps: np.ndarray) -> np.ndarray:
    """Steps divided, coordinate by coordinate, by the probe's first step: the learning rate,
    a factor of every step of every rule, cancels."""
    out = steps.copy()
    first = steps[0, 0]
    with np.errstate(all="ignore"):
        scale = np.where(first != 0, first, 1.0)
        out[:, 0] = steps[:, 0] / scale
    return out


def _estimate(
    rule: Rule,
    unknown: list[str],
    known: Mapping[str, Any],
    candidate_steps: list[np.ndarray],
) -> tuple[dict[str, float], float]:
    """Estimates of the ``unknown`` constants under ``rule``, and the probe mismatch left.

    The learning rate scales every step, so the other constants are searched first on steps
    divided by each probe's first step (where it cancels), then the learning rate alone, then
    all of them once more: coupled constants (RMSprop's lr and alpha both set its first
    step) are found where a joint search would wander.
    """
    probes = _probes()
    defaults = {**rule.kind.defaults(), **{h.name: h.default for h in rule.extra}}
    current = {name: float(defaults.get(name, 0.0) or 0.0) for name in unknown}
    normalized_candidate = [_normalized(t) for t in candidate_steps]

    def reference_steps(values: Mapping[str, float]) -> list[np.ndarray] | None:
        try:
            reference = rule.optimizer({**known, **values})
            return [_steps(reference, gradients, PROBE_START) for gradients in probes]
        except (ArithmeticError, ValueError):
            return None

    def mismatch(values: Mapping[str, float]) -> float:
        """The largest relative difference on the probes (what a match is judged by)."""
        mine = reference_steps(values)
        if mine is None:
            return math.inf
        return max(relative_difference(t, m) for t, m in zip(candidate_steps, mine, strict=True))

    def misfit(values: Mapping[str, float], *, free_lr: bool = False) -> float:
        """The mean log relative difference per step: smooth where the largest is flat (one
        constant wrong makes almost every step wrong, whichever), so the search can descend;
        with ``free_lr``, on steps the learning rate does not affect."""
        mine = reference_steps(values)
        if mine is None:
            return 1.0
        theirs = normalized_candidate if free_lr else candidate_steps
        errors = np.concatenate(
            [
                _elementwise(t, _normalized(m) if free_lr else m)
                for t, m in zip(theirs, mine, strict=True)
            ]
        )
        return float(np.mean(np.log10(1e-16 + errors)))

    if not unknown:
        return {}, mismatch({})

    def coordinates(names: list[str], *, free_lr: bool = False) -> None:
        for name in names:
            low, high = _bounds(name)

            def objective(x: float, name: str = name) -> float:
                return misfit({**current, name: _from_search(name, x)}, free_lr=free_lr)

            current[name] = _from_search(name, _golden(objective, low, high))

    others = [n for n in unknown if n != "lr"]
    if len(others) > 1:  # coupled constants: start from the best point of a coarse grid
        per_axis = max(3, round(2000 ** (1 / len(others))))
        axes = [np.linspace(*_bounds(n), per_axis) for n in others]
        best_value, best_point = math.inf, None
        for point in itertools.product(*axes):
            trial = {
                **current,
                **{n: _from_search(n, float(x)) for n, x in zip(others, point, strict=True)},
            }
            value = misfit(trial, free_lr=True)
            if value < best_value:
                best_value, best_point = value, point
        if best_point is not None:
            current.update(
                {n: _from_search(n, float(x)) for n, x in zip(others, best_point, strict=True)}
            )
    for _ in range(2):
        coordinates(others, free_lr=True)
    coordinates(["lr"] if "lr" in unknown else [])
    coordinates(unknown)
    if len(unknown) > 1 and mismatch(current) > MATCH_TOLERANCE:

        def joint(x: np.ndarray) -> float:
            return misfit({n: _from_search(n, float(v)) for n, v in zip(unknown, x, strict=True)})

        best = _simplex(joint, np.array([_to_search(n, current[n]) for n in unknown]))
        current = {n: _from_search(n, float(v)) for n, v in zip(unknown, best, strict=True)}
        coordinates(unknown)
    left = mismatch(current)
    for name in unknown:  # the roundest number that fits as well
        for candidate in _nice(name, current[name]):
            trial = {**current, name: candidate}
            error = mismatch(trial)
            if error <= max(left, MATCH_TOLERANCE / 100):
                current, left = trial, min(left, error)
                break
    return current, left


TYPICAL = {
    "b1": (0.5, 0.99),
    "momentum": (0.5, 0.99),
    "b2": (0.9, 0.999),
    "alpha": (0.8, 0.999),
    "rho": (0.8, 0.999),
}
"""Ranges the rules are compared at, where they are narrower than the records': decay rates
away from 0 and 1, where algebraically equal forms (``m += (1 - b1)*(g - m)`` against
``m = b1*m + (1 - b1)*g``) also agree to rounding. Everything else is drawn from its record."""


@functools.lru_cache(maxsize=64)
def _typical(kind: OptimizerRecord, accepted: frozenset[str]) -> Any:
    from hypothesis import strategies as st

    from optverify.verification import strategies as ost

    narrowed = {
        name: st.floats(*TYPICAL[name])
        for name in accepted
        if name in TYPICAL and name in kind.defaults()
    }
    return ost.hyperparameters(kind, names=accepted, **narrowed)


def match_rule(
    factory: Callable[..., Any],
    kind: OptimizerRecord,
    *,
    accepted: frozenset[str],
    code_defaults: Mapping[str, Any],
    stated: Mapping[str, float],
    profile: Mapping[str, Any],
) -> Match:
    """Run the candidate beside every rule of ``kind``; see the module docstring.

    Args:
      factory: builds the candidate from hyperparameters in our names (``accepted`` ones).
      kind: the kind it claims.
      code_defaults: the code's own defaults, in our names (used for the probes).
      stated: constants the user stated for hyperparameters the code does not take.
      profile: Hypothesis settings (``max_examples``, ``derandomize``).
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import strategies as st

    from optverify.verification import strategies as ost

    probes = _probes()
    candidate = factory()
    # a look-ahead rule is only a rule of code that can take the gradient where it wants
    rules = [r for r in rules_for(kind) if not r.look_ahead or reads_its_gradient(candidate)]
    candidate_steps = [_steps(candidate, g, PROBE_START) for g in probes]
    zero = all(not np.any(s[:, 0]) for s in candidate_steps)
    # A hyperparameter the code does not take is estimated, unless the kind's default is zero:
    # code without weight decay, RMSprop's momentum or an accumulator's start value has none
    # (an AdaGrad accumulator that starts elsewhere is the initial-accumulator dialect).
    unknown_all = [
        name
        for name, default in kind.defaults().items()
        if name not in accepted and name not in stated and name in ESTIMABLE and default
    ]
    known_base: dict[str, Any] = {**code_defaults, **stated}
    per_rule: dict[str, dict[str, float]] = {}
    errors: dict[str, float] = {}
    worst: dict[str, dict[str, Any]] = {}
    for rule in rules:
        unknown = unknown_all + [h.name for h in rule.extra if h.name not in stated]
        estimates, left = _estimate(rule, unknown, known_base, candidate_steps)
        per_rule[rule.name] = estimates
        errors[rule.name] = left
        worst[rule.name] = {"probe": "fixed probe sequences"}

    draws: dict[str, Any] = {"examples": 0, "rejected": 0, "error": None}

    @settings(
        max_examples=int(profile.get("max_examples", 100)),
        derandomize=bool(profile.get("derandomize", True)),
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def search(data: st.DataObject) -> None:
        drawn = data.draw(_typical(kind, accepted), label="hyperparameters")
        gradients = data.draw(ost.gradient_sequences(1, 12, 1e-6, 1e3, zeros=False), "gradients")
        start = data.draw(ost.vectors(1e-2, 1e2), "params")
        try:
            theirs = _steps(factory(**drawn), gradients, start)
        except UserCodeError:
            raise
        except Exception as error:  # the code refuses these values: not a verdict on the rule
            draws["rejected"] += 1
            draws["error"] = f"{type(error).__name__}: {error}"
            return
        draws["examples"] += 1
        closest = math.inf
        for rule in rules:
            settings_ = {**known_base, **per_rule[rule.name], **drawn}
            try:
                mine = _steps(rule.optimizer(settings_), gradients, start)
            except (ArithmeticError, ValueError):
                continue
            difference = relative_difference(theirs, mine)
            closest = min(closest, difference)
            if difference > errors[rule.name]:
                errors[rule.name] = difference
                worst[rule.name] = {
                    "hyperparameters": dict(drawn),
                    "gradients": gradients.tolist(),
                    "params": start.tolist(),
                    "steps": theirs[:, 0].tolist(),
                    "rule_steps": mine[:, 0].tolist(),
                }
        target(min(closest, 1e300), label="closest rule's difference")

    search()
    if draws["examples"] == 0 and draws["rejected"]:
        raise InvalidArgument(
            f"the optimizer raised on every example drawn ({draws['error']}): check its "
            "hyperparameter names and ranges."
        )
    closest = min(rules, key=lambda r: (errors[r.name], r.name != TORCH))
    matched = closest if errors[closest.name] <= MATCH_TOLERANCE else None
    chosen = per_rule[closest.name]
    constants = {name: (float(value), "stated") for name, value in stated.items()}
    constants.update({name: (float(value), "estimated") for name, value in chosen.items()})
    return Match(
        matched.name if matched is not None else None,
        closest.name,
        errors,
        worst,
        constants,
        draws["examples"] + len(probes),
        zero,
        differs=closest.differs,
        per_rule_constants=per_rule,
    )
