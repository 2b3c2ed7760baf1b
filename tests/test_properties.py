from __future__ import annotations

import functools
import os
from typing import Any

import pytest

from optverify import optimizers
from optverify.seed.adam import SEED_ADAM
from optverify.verification.framework import Subject, applicable, invariants, refuted
from optverify.verification.verify import check_property, verify

from .broken_optimizers import ADAMW_WITH_L2, BROKEN

PROFILE = {"dev": "quick", "ci": "dev", "thorough": "thorough"}.get(
    os.environ.get("HYPOTHESIS_PROFILE", "dev"), "quick"
)
"""The default run's profile for the big table (every built-in x every property): the ``ci``
profile's 100 examples each run in the slow suite, below."""

PROPERTIES = invariants()
REFUTED = refuted()


def subject(name: str) -> Subject:
    return Subject.of(optimizers.record(name).factory(), name)


CASES = [
    (name, prop)
    for name in optimizers.names()
    for prop in PROPERTIES
    if applicable(prop, subject(name)) is None
]


def test_every_property_applies_to_some_built_in_and_states_its_math() -> None:
    covered = {prop.name for _, prop in CASES}
    assert covered == {prop.name for prop in PROPERTIES}
    for prop in (*PROPERTIES, *REFUTED):
        assert prop.statement
        assert prop.kinds


def test_every_built_in_has_its_family_properties() -> None:
    per_optimizer: dict[str, set[str]] = {}
    for name, prop in CASES:
        per_optimizer.setdefault(name, set()).add(prop.name)
    structural = {
        "zero-gradient-gives-zero-step",
        "permuting-coordinates-permutes-the-step",
        "a-batch-equals-its-members",
        "update-does-not-mutate-its-inputs",
        "finite-inputs-give-finite-outputs",
    }
    for name in optimizers.names():
        assert structural <= per_optimizer[name]
        assert len(per_optimizer[name]) >= 6


@pytest.mark.parametrize(
    ("name", "prop"), CASES, ids=[f"{name}-{prop.name}" for name, prop in CASES]
)
def test_every_built_in_passes_every_property_that_applies(name: str, prop: Any) -> None:
    result = check_property(prop, subject(name), PROFILE)
    assert result.status == "passed", result.explanation


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "prop"), CASES, ids=[f"{name}-{prop.name}" for name, prop in CASES]
)
def test_every_built_in_passes_every_property_with_the_ci_profiles_examples(
    name: str, prop: Any
) -> None:
    result = check_property(prop, subject(name), "ci")
    assert result.status == "passed", result.explanation


@pytest.mark.parametrize(
    ("label", "broken", "kind", "catchers"), BROKEN, ids=[label for label, *_ in BROKEN]
)
def test_each_broken_optimizer_is_caught_by_the_properties_named_for_it(
    label: str, broken: Any, kind: str, catchers: set[str]
) -> None:
    report = verify(
        broken, kind, profile="quick", properties=sorted(catchers), label=label, shrink=False
    )
    failed = {r.name for r in report.failures}
    assert failed == catchers, report.summary()
    for result in report.failures:
        assert result.explanation
        assert result.counterexample


def test_there_are_at_least_ten_broken_optimizers() -> None:
    assert len(BROKEN) >= 10


SEED_FAILS = {
    "steps-follow-the-update-rule",
    "bias-correction-is-exact-for-a-constant-gradient",
    "bias-correction-fades",
    "first-step-is-a-sign-step",
    "epsilon-guards-the-division",
    "adam-with-b1-zero-is-bias-corrected-rmsprop",
}


def test_the_posts_adam_fails_exactly_the_bias_correction_and_epsilon_properties() -> None:
    report = verify("seed-adam", profile="quick", shrink=False)
    failed = {r.name for r in report.failures}
    assert failed == SEED_FAILS
    explanations = {r.name: r.explanation or "" for r in report.failures}
    assert "step counter is reset" in explanations["bias-correction-fades"]
    assert "eps subtracted" in explanations["first-step-is-a-sign-step"]
    assert "uphill" in explanations["epsilon-guards-the-division"]
    passed = {r.name for r in report.results if r.status == "passed"}
    assert "a-batch-equals-its-members" in passed
    assert "update-does-not-mutate-its-inputs" in passed


def test_properties_that_need_a_hyperparameter_the_factory_lacks_are_not_applicable() -> None:
    posts = Subject.of(functools.partial(SEED_ADAM.factory(), gradient="given"), "adam")
    scale = next(p for p in PROPERTIES if p.name == "scale-invariance")
    assert applicable(scale, posts) == "it needs eps = 0.0: eps is not a parameter of this code"


@pytest.mark.parametrize("statement", REFUTED, ids=[c.name for c in REFUTED])
def test_each_false_statement_is_refuted_with_a_counterexample(statement: Any) -> None:
    kind = statement.kinds[0].name
    result = check_property(statement, subject(kind), "ci", shrink=False)
    assert result.status == "refuted", result
    assert result.counterexample
    assert result.explanation


def test_a_failure_says_how_to_replay_it() -> None:
    _, broken, kind, catchers = BROKEN[0]
    report = verify(
        broken,
        kind,
        profile="quick",
        properties=sorted(catchers)[:1],
        command="optverify verify",
        shrink=False,
    )
    failure = report.failures[0]
    assert failure.replay is not None
    assert failure.replay.startswith(f"optverify verify --property {failure.name} --replay ")
    token = failure.replay.rsplit(" ", 1)[1]
    again = verify(
        broken, kind, profile="quick", properties=[failure.name], replay=token, shrink=False
    )
    assert again.failures[0].counterexample == failure.counterexample


def test_adamw_with_l2_decay_is_named_as_a_dialect_not_failed() -> None:
    report = verify(ADAMW_WITH_L2, "adamw", profile="quick", shrink=False)
    assert report.rule == "l2"
    assert report.verdict == "variant"
    assert "added to the gradient" in report.verdict_sentence()
