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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, reproduce_failure, settings
from hypothesis import strategies as st

from optverify.adapters.resolve import Candidate, resolve_optimizer
from optverify.errors import InvalidArgument, UserCodeError
from optverify.optim.records import OptimizerRecord
from optverify.parallel import fork_map
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
from optverify.verification.matching import match_rule
from optverify.verification.report import Failure, PropertyResult, Report

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


def _explain(error: BaseException) -> str:
    if isinstance(error, Violation):
        return str(error)
    first = (str(error).splitlines() or [""])[0]
    return f"the optimizer raised {type(error).__name__}: {first}"


def _no_record(error: BaseException) -> bool:
    return not hasattr(error, "__optverify_record__")


def _failure(
    error: BaseException, name: str, command: str | None, record: dict[str, Any]
) -> Failure:
    """One failure: its own counterexample (the draws of the run that raised it), the
    sentence explaining it, and the replay line its blob gives."""
    notes = "\n".join(getattr(error, "__notes__", []))
    found = _BLOB.search(notes)
    how = None
    if found:
        token = f"{found.group(1)}:{found.group(2)}"
        how = f"{command} --property {name} --replay {token}" if command else token
    drawn = getattr(error, "__optverify_record__", None)
    return Failure(drawn if drawn is not None else jsonable(dict(record)), _explain(error), how)


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
        except Exception as error:
            error.__optverify_record__ = jsonable(dict(record))  # type: ignore[attr-defined]
            raise

    test = given(st.data())(body)
    # Phase.explain only annotates Hypothesis's own printout, which is not shown
    phases = [p for p in Phase if p is not Phase.explain and (shrink or p is not Phase.shrink)]
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
        if not version or not blob:
            raise InvalidArgument(
                f"replay={replay!r} is invalid: write it as VERSION:BLOB, as a failure's "
                "replay line prints it."
            )
        test = reproduce_failure(version, blob.encode())(test)
    started = time.perf_counter()
    try:
        with np.errstate(all="ignore"):
            test()
    except _Abort as abort:
        raise abort.error from None
    except Exception as error:
        seconds = time.perf_counter() - started
        if replay and not isinstance(error, Violation | ExceptionGroup) and _no_record(error):
            raise InvalidArgument(
                f"replay={replay!r} is invalid: it is not a token this property's failure "
                "printed (Hypothesis says: "
                f"{(str(error).splitlines() or [type(error).__name__])[0][:80]})."
            ) from None
        errors = list(error.exceptions) if isinstance(error, ExceptionGroup) else [error]
        failures = [_failure(e, prop.name, command, record) for e in errors]
        status = "refuted" if prop.expect == "refuted" else "failed"
        first = failures[0]
        return PropertyResult(
            prop.name,
            prop.statement,
            status,
            runs[0],
            seconds,
            first.counterexample,
            first.explanation,
            first.replay,
            more=tuple(failures[1:]),
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
    optimizer: Callable[..., Any] | str | Any,
    kind: OptimizerRecord | str | None = None,
    *,
    profile: str | None = "ci",
    properties: Iterable[str] | None = None,
    label: str | None = None,
    replay: str | None = None,
    command: str | None = None,
    on_result: Callable[[PropertyResult], None] | None = None,
    shrink: bool = True,
    fixed: Mapping[str, float] | None = None,
    strict: bool = False,
    gradient: str | None = None,
    shape: str | None = None,
    workers: int = 1,
) -> Report:
    """Verify an optimizer: which rule it follows, which invariants hold, and the verdict.

    Args:
      optimizer: a name (``"adam"``, ``"seed-adam"``, ``"torch:Adam"``, ``"optax:adam"``,
        ``"module:attr"``) or a user's object in any shape the adapters take: our contract's
        factory, a class with ``update(params, grads)``, a CS231n ``step(w, dw, config)``, a
        tutorial step function, a ``torch.optim.Optimizer`` subclass, an optax factory.
      kind: the update rule it implements (``"adam"``, ``"sgd"``, ...); read off the name
        when it says (``AdamOptimizer``).
      profile: ``quick``, ``dev``, ``ci`` or ``thorough`` (all derandomized); ``None`` for the
        Hypothesis profile currently loaded.
      properties: only these property names; default every invariant.
      label: the name to report it under.
      replay: ``VERSION:BLOB`` from a failure's replay line, to re-run exactly that example.
      command: the command line prefix used to print replay instructions.
      on_result: called after each property (for progress displays).
      shrink: shrink counterexamples to the smallest (the default), or report the first found.
      fixed: values of hyperparameters the code does not take (``{"eps": 1e-7}``); the
        others it does not take are estimated from probe steps.
      strict: a dialect is a failure too; only torch's rule passes.
      gradient: the module-level gradient a tutorial step function reads.
      shape: the code's shape, instead of detecting it.
      workers: check properties side by side on this many forked processes (the verdicts
        are the same; only the wait is shorter).
    """
    candidate = resolve_optimizer(optimizer, kind, gradient=gradient, shape=shape)
    stated = _stated(candidate, fixed or {})
    # A built-in is torch's rule by construction (the golden tests hold it to torch itself);
    # everything else is compared with every rule of its kind.
    match = None
    if candidate.shape != "built-in" or candidate.kind.name != candidate.label:
        match = match_rule(
            candidate.factory,
            candidate.kind,
            accepted=candidate.accepted,
            code_defaults=candidate.code_defaults,
            stated=stated,
            profile=_effort(profile),
        )
    constants = dict(match.constants) if match is not None else {}
    if match is not None and match.rule is None:  # estimates under no rule mean nothing
        defaults = candidate.kind.defaults()
        constants = {
            name: (value, how) if how == "stated" else (float(defaults[name]), "assumed")
            for name, (value, how) in constants.items()
        }
    subject = Subject.of(
        candidate.factory,
        candidate.kind,
        label or candidate.label,
        fixed={name: value for name, (value, _) in constants.items()},
        rule=match.rule if match is not None and match.rule is not None else "torch",
    )

    def check(prop: Property) -> PropertyResult:
        return check_property(prop, subject, profile, replay=replay, command=command, shrink=shrink)

    results = fork_map(check, _select(properties), workers, on_result)
    return Report(
        subject.label,
        subject.kind.name,
        profile or "loaded",
        tuple(results),
        match,
        candidate.shape,
        dict(candidate.names),
        constants,
        candidate.notes,
        strict,
    )


def _stated(candidate: Candidate, fixed: Mapping[str, float]) -> dict[str, float]:
    """Stated constants, checked: hyperparameters of the kind that the code does not take."""
    out = {}
    for name, value in fixed.items():
        h = candidate.kind.hyperparameter(name)
        if name in candidate.accepted:
            raise InvalidArgument(
                f"fixed {name}={value!r} is invalid: {name} is a parameter of this code "
                f"({candidate.names[name]}); only constants it does not take are stated."
            )
        out[name] = float(h.check(value))
    return out


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
