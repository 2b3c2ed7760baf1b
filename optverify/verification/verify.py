"""Verify an optimizer against every property that applies to it.

::

    import optverify

    report = optverify.verify(my_adam_factory, kind="adam", profile="ci")
    print(report.table())
    optverify.assert_verified(my_adam_factory, kind="adam")  # one line in a test suite

``verify`` runs each applicable :class:`~optverify.verification.properties.Property` under
Hypothesis, which searches for a counterexample and shrinks it. The report says, for each
property, whether it passed, failed (with the shrunk counterexample, a sentence explaining it
and how to replay it) or does not apply (and why).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, reproduce_failure, settings
from hypothesis import strategies as st

from optverify.adapters.resolve import resolve_optimizer
from optverify.errors import InvalidArgument, UserCodeError
from optverify.optim import REGISTRY
from optverify.optim.records import OptimizerRecord
from optverify.serialize import jsonable
from optverify.verification.framework import (
    PROFILES,
    Draws,
    Property,
    Subject,
    Violation,
    applicable,
    by_name,
    invariants,
)

__all__ = [
    "PropertyResult",
    "Report",
    "VerificationFailed",
    "assert_verified",
    "check_property",
    "verify",
]

_BLOB = re.compile(r"@reproduce_failure\('([^']+)', b'([^']*)'\)")


class VerificationFailed(AssertionError):
    """Raised by :func:`assert_verified` when a property fails."""


@dataclass(frozen=True)
class PropertyResult:
    """The outcome of one property.

    ``status`` is ``passed``, ``failed``, ``not applicable`` for invariants, and ``refuted``
    (expected) or ``not refuted`` for claims.
    """

    name: str
    statement: str
    status: str
    examples: int = 0
    seconds: float = 0.0
    counterexample: dict[str, Any] | None = None
    explanation: str | None = None
    replay: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        """Whether this outcome is the expected one."""
        return self.status in ("passed", "not applicable", "refuted")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "statement": self.statement,
            "status": self.status,
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "counterexample": self.counterexample,
            "explanation": self.explanation,
            "replay": self.replay,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Report:
    """What :func:`verify` found: one :class:`PropertyResult` per property."""

    optimizer: str
    kind: str
    profile: str
    results: tuple[PropertyResult, ...]

    @property
    def passed(self) -> bool:
        """Whether every applicable property passed."""
        return all(r.ok for r in self.results)

    @property
    def failures(self) -> list[PropertyResult]:
        """The properties that failed."""
        return [r for r in self.results if not r.ok]

    @property
    def examples(self) -> int:
        """Examples Hypothesis ran in all."""
        return sum(r.examples for r in self.results)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "optimizer": self.optimizer,
            "kind": self.kind,
            "profile": self.profile,
            "passed": self.passed,
            "examples": self.examples,
            "results": [r.to_json() for r in self.results],
        }

    def to_markdown(self) -> str:
        """A Markdown section: a table, then each failure in full."""
        verdict = "all properties hold" if self.passed else f"{len(self.failures)} failed"
        lines = [
            f"### `{self.optimizer}` as {self.kind}: {verdict}",
            "",
            "| property | result | examples |",
            "|---|---|---|",
        ]
        for r in self.results:
            shown = r.status if r.status != "not applicable" else f"n/a ({r.reason})"
            lines.append(f"| `{r.name}` | {shown} | {r.examples} |")
        for r in self.failures:
            lines += ["", f"**{r.name}** — {r.statement}", "", f"> {r.explanation}", ""]
            if r.counterexample:
                lines.append(f"Counterexample: `{_compact(r.counterexample)}`")
            if r.replay:
                lines.append(f"Replay: `{r.replay}`")
        return "\n".join(lines) + "\n"

    def summary(self) -> str:
        """One line per failure, or that all passed."""
        if self.passed:
            return f"{self.optimizer} ({self.kind}): all {len(self.results)} properties passed"
        return "\n".join(f"{r.name}: {r.explanation}" for r in self.failures)


def _compact(data: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in data.items())


def _explain(error: BaseException) -> str:
    if isinstance(error, Violation):
        return str(error)
    first = (str(error).splitlines() or [""])[0]
    return f"the optimizer raised {type(error).__name__}: {first}"


class _Abort(BaseException):
    """Carries a :class:`UserCodeError` out of Hypothesis, which would otherwise shrink it."""

    def __init__(self, error: UserCodeError) -> None:
        super().__init__(str(error))
        self.error = error


def check_property(
    prop: Property,
    subject: Subject,
    profile: str | None = "ci",
    *,
    replay: str | None = None,
    command: str | None = None,
    shrink: bool = True,
) -> PropertyResult:
    """Run one property (or refuted statement) against ``subject`` under Hypothesis.

    ``profile`` names one of :data:`~optverify.verification.framework.PROFILES`; ``None``
    uses the Hypothesis profile currently loaded (a test suite's own). ``shrink=False``
    reports the first counterexample found instead of the smallest (faster, for tests that
    only ask whether a property fails).
    """
    effort = _effort(profile)
    reason = applicable(prop, subject)
    if reason is not None:
        return PropertyResult(prop.name, prop.statement, "not applicable", reason=reason)
    record: dict[str, Any] = {}
    known = _known_examples(prop, subject, record)
    if known is not None:
        return known
    runs = [0]

    def body(data: st.DataObject) -> None:
        runs[0] += 1
        record.clear()
        try:
            prop.check(subject, Draws(data, record))
        except UserCodeError as error:  # stop the search: there is no verdict to find
            raise _Abort(error) from None

    test = given(st.data())(body)
    phases = [phase for phase in Phase if shrink or phase not in (Phase.shrink, Phase.explain)]
    test = settings(
        **effort,
        phases=phases,
        verbosity=Verbosity.quiet,
        deadline=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )(test)
    if replay:
        version, _, blob = replay.partition(":")
        test = reproduce_failure(version, blob.encode())(test)
    started = time.perf_counter()
    try:
        with np.errstate(all="ignore"):
            test()
    except _Abort as abort:
        raise abort.error from None
    except Exception as error:
        seconds = time.perf_counter() - started
        notes = "\n".join(getattr(error, "__notes__", []))
        found = _BLOB.search(notes)
        how = None
        if found:
            token = f"{found.group(1)}:{found.group(2)}"
            how = f"{command} --property {prop.name} --replay {token}" if command else token
        status = "refuted" if prop.expect == "refuted" else "failed"
        return PropertyResult(
            prop.name,
            prop.statement,
            status,
            runs[0],
            seconds,
            jsonable(dict(record)),
            _explain(error),
            how,
        )
    seconds = time.perf_counter() - started
    status = "not refuted" if prop.expect == "refuted" else "passed"
    return PropertyResult(prop.name, prop.statement, status, runs[0], seconds)


def _known_examples(
    prop: Property, subject: Subject, record: dict[str, Any]
) -> PropertyResult | None:
    """Run the property's known examples first: the result if one fails, else None."""
    started = time.perf_counter()
    for number, example in enumerate(prop.examples, start=1):
        record.clear()
        try:
            with np.errstate(all="ignore"):
                prop.check(subject, Draws.replaying(example, record))
        except UserCodeError:
            raise
        except Exception as error:
            status = "refuted" if prop.expect == "refuted" else "failed"
            return PropertyResult(
                prop.name,
                prop.statement,
                status,
                number,
                time.perf_counter() - started,
                jsonable(dict(record)),
                _explain(error),
                None,
            )
    return None


def _effort(profile: str | None) -> dict[str, Any]:
    """Hypothesis settings for ``profile``: a named effort, or the loaded profile's."""
    if profile is None:
        loaded = settings.default or settings()
        return {
            "max_examples": loaded.max_examples,
            "derandomize": loaded.derandomize,
            "database": loaded.database,
        }
    if profile not in PROFILES:
        raise InvalidArgument(
            f"profile={profile!r} is unknown: it needs to be one of {', '.join(PROFILES)}."
        )
    return {"database": None, **PROFILES[profile]}


def verify(
    optimizer: Callable[..., Any] | str,
    kind: OptimizerRecord | str | None = None,
    *,
    profile: str | None = "ci",
    properties: Iterable[str] | None = None,
    label: str | None = None,
    replay: str | None = None,
    command: str | None = None,
    on_result: Callable[[PropertyResult], None] | None = None,
    shrink: bool = True,
) -> Report:
    """Verify an optimizer factory against every property that applies to its kind.

    Args:
      optimizer: a factory ``f(**hyperparameters) -> object with init/update``, or a name
        (``"adam"``, ``"seed-adam"``, ``"torch:Adam"``, ``"module:attr"``).
      kind: which update rule it implements (``"adam"``, ``"sgd"``, ...); inferred for names.
      profile: ``quick``, ``dev``, ``ci`` (deterministic) or ``thorough``; ``None`` for the
        Hypothesis profile currently loaded.
      properties: only these property names (claims included); default every invariant.
      label: the name to report it under.
      replay: ``VERSION:BLOB`` from a failure's replay line, to re-run exactly that example.
      command: the command line prefix used to print replay instructions.
      on_result: called after each property (for progress displays).
      shrink: shrink counterexamples to the smallest (the default), or report the first found.
    """
    if isinstance(optimizer, str):
        resolved = resolve_optimizer(
            optimizer, kind.name if isinstance(kind, OptimizerRecord) else kind
        )
        subject = Subject.of(resolved.factory, resolved.kind, label or resolved.label)
    else:
        if kind is None:
            raise InvalidArgument(
                f"kind is missing: say which update rule the factory implements "
                f"(one of {', '.join(REGISTRY.names())})."
            )
        subject = Subject.of(optimizer, kind, label)
    chosen = _select(properties)
    results = []
    for prop in chosen:
        result = check_property(
            prop, subject, profile, replay=replay, command=command, shrink=shrink
        )
        results.append(result)
        if on_result is not None:
            on_result(result)
    return Report(subject.label, subject.kind.name, profile or "loaded", tuple(results))


def _select(properties: Iterable[str] | None) -> Sequence[Property]:
    if properties is None:
        return invariants()
    return [by_name(name) for name in properties]


def assert_verified(
    optimizer: Callable[..., Any] | str,
    kind: OptimizerRecord | str | None = None,
    *,
    profile: str | None = None,
    **options: Any,
) -> Report:
    """:func:`verify`, raising :class:`VerificationFailed` if any property fails.

    For a user's test suite::

        def test_my_adam_is_adam():
            optverify.assert_verified(my_adam, kind="adam")

    By default it searches as hard as the Hypothesis profile the test suite has loaded
    (``max_examples``, ``derandomize``, the example database); ``profile="ci"`` and the other
    names choose a fixed effort. ``options`` are passed to :func:`verify`
    (``properties=[...]``, ``shrink=False``).
    """
    report = verify(optimizer, kind, profile=profile, **options)
    if not report.passed:
        raise VerificationFailed(report.summary())
    return report
