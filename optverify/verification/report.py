"""What verification found, answering three questions in order, in JSON, Markdown and text:

1. Which rule is it? (the differential check: the matched rule or dialect, or none)
2. Which invariants hold? (the property suite, run with the rule's own constants)
3. The verdict: ``correct`` (torch's rule), ``variant`` (a named dialect) or ``wrong``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optverify.serialize import jsonable

if TYPE_CHECKING:
    from optverify.verification.matching import Match

__all__ = ["Failure", "PropertyResult", "Report"]


@dataclass(frozen=True)
class Failure:
    """One distinct failure Hypothesis found: its counterexample, explanation and replay."""

    counterexample: dict[str, Any] | None
    explanation: str
    replay: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "counterexample": jsonable(self.counterexample),
            "explanation": self.explanation,
            "replay": self.replay,
        }


@dataclass(frozen=True)
class PropertyResult:
    """The outcome of one property.

    ``status`` is ``passed``, ``failed``, ``not applicable`` for invariants, and ``refuted``
    (expected) or ``not refuted`` for refuted statements. A failure's first counterexample,
    explanation and replay line are the fields of the same names; further distinct failures
    of the same property (Hypothesis reports each) are in ``more``.
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
    more: tuple[Failure, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether this outcome is the expected one."""
        return self.status in ("passed", "not applicable", "refuted")

    @property
    def failures(self) -> list[Failure]:
        """Every distinct failure, the first one first."""
        if self.explanation is None:
            return []
        return [Failure(self.counterexample, self.explanation, self.replay), *self.more]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "statement": self.statement,
            "status": self.status,
            "examples": self.examples,
            "seconds": round(self.seconds, 3),
            "counterexample": jsonable(self.counterexample),
            "explanation": self.explanation,
            "replay": self.replay,
            "reason": self.reason,
            "more_failures": [f.to_json() for f in self.more],
        }


@dataclass(frozen=True)
class Report:
    """What :func:`~optverify.verification.verify.verify` found.

    Attributes:
      optimizer, kind, profile: what was verified, as what, how hard.
      results: one :class:`PropertyResult` per property.
      match: the differential check (``None`` when it was not run).
      shape: the code's shape (``built-in``, ``stateful``, ``cs231n``, ...).
      names: our hyperparameter names -> the code's.
      constants: hyperparameters the code does not take -> (value, ``stated``,
        ``estimated``, or ``assumed``: the kind's default, where the code follows no rule and
        so no estimate means anything).
      notes: what the adapter found out.
      strict: anything but torch's rule is a failure.
    """

    optimizer: str
    kind: str
    profile: str
    results: tuple[PropertyResult, ...]
    match: Match | None = None
    shape: str = "built-in"
    names: dict[str, str] = field(default_factory=dict)
    constants: dict[str, tuple[float, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    strict: bool = False

    @property
    def failures(self) -> list[PropertyResult]:
        """The properties that failed."""
        return [r for r in self.results if not r.ok]

    @property
    def examples(self) -> int:
        """Examples Hypothesis ran in all (the differential check's included)."""
        return sum(r.examples for r in self.results) + (self.match.examples if self.match else 0)

    @property
    def rule(self) -> str | None:
        """The rule the code follows (``torch`` or a dialect), ``None`` if none matched."""
        if self.match is None:
            return "torch"
        return self.match.rule

    @property
    def verdict(self) -> str:
        """``correct``, ``variant`` or ``wrong``."""
        if self.failures or self.rule is None:
            return "wrong"
        return "correct" if self.rule == "torch" else "variant"

    @property
    def passed(self) -> bool:
        """Whether the verdict is a pass (with ``strict``, only torch's rule is)."""
        return self.verdict == "correct" or (self.verdict == "variant" and not self.strict)

    def verdict_sentence(self) -> str:
        """The verdict in one sentence."""
        if self.verdict == "correct":
            return "correct (torch rule)"
        if self.verdict == "variant":
            assert self.match is not None
            strict = " — not torch's rule, and --strict asks for it" if self.strict else ""
            return f"correct (dialect {self.rule}: {self.match.differs}){strict}"
        reasons = []
        if self.rule is None and self.match is not None:
            closest = self.match.closest
            error = self.match.errors[closest]
            reasons.append(
                f"its steps follow no rule of {self.kind} (closest: {closest}, largest relative "
                f"difference {error:.3g}, the tolerance is {self.match.tolerance:g})"
            )
            if self.match.zero_steps:
                reasons.append(
                    "every probe step read as zero: the code did not move, or changed the "
                    "caller's array in place so that new minus old is 0 (an adapter mistake, "
                    "not a wrong rule)"
                )
        if self.failures:
            reasons.append(
                f"{len(self.failures)} propert{'y' if len(self.failures) == 1 else 'ies'} failed: "
                + ", ".join(r.name for r in self.failures)
            )
        return "wrong: " + "; ".join(reasons)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the rule, the invariants, the verdict."""
        out: dict[str, Any] = {
            "optimizer": self.optimizer,
            "kind": self.kind,
            "shape": self.shape,
            "profile": self.profile,
            "names": dict(self.names),
            "constants": {
                name: {"value": value, "how": how} for name, (value, how) in self.constants.items()
            },
            "notes": list(self.notes),
            "matches": None,
            "rules": {},
            "verdict": self.verdict,
            "verdict_text": self.verdict_sentence(),
            "passed": self.passed,
            "examples": self.examples,
            "results": [r.to_json() for r in self.results],
        }
        if self.match is not None:
            out["matches"] = self.match.to_json() or None
            out["rules"] = dict(self.match.errors)
            out["tolerance"] = self.match.tolerance
        return jsonable(out)  # type: ignore[no-any-return]

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from optverify.display import markdown_to_html

        return markdown_to_html(self.to_markdown())

    def to_markdown(self) -> str:
        """A Markdown section: the rule, a table of the properties, each failure in full."""
        lines = [f"### `{self.optimizer}` as {self.kind}: {self.verdict_sentence()}", ""]
        if self.match is not None:
            rows = ", ".join(f"{n} {e:.2g}" for n, e in self.match.errors.items())
            lines += [f"Rules (largest relative difference): {rows}.", ""]
        for name, (value, how) in self.constants.items():
            lines.append(f"- {name} is not a parameter of this code: {how} as {value:g}.")
        if self.constants:
            lines.append("")
        lines += ["| property | result | examples |", "|---|---|---|"]
        for r in self.results:
            shown = r.status if r.status != "not applicable" else f"n/a ({r.reason})"
            lines.append(f"| `{r.name}` | {shown} | {r.examples} |")
        for r in self.failures:
            lines += ["", f"**{r.name}** — {r.statement}"]
            for failure in r.failures:
                lines += ["", f"> {failure.explanation}", ""]
                if failure.counterexample:
                    lines.append(f"Counterexample: `{_compact(failure.counterexample)}`")
                if failure.replay:
                    lines.append(f"Replay: `{failure.replay}`")
        return "\n".join(lines) + "\n"

    def summary(self) -> str:
        """The verdict, then one line per failure."""
        head = f"{self.optimizer} ({self.kind}): {self.verdict_sentence()}"
        return "\n".join([head, *(f"{r.name}: {r.explanation}" for r in self.failures)])


def _compact(data: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in data.items())
