"""What a review finds: one :class:`Finding` per checkable statement of a post.

A finding has a kind (what sort of statement), a subject (which one, named as the post names
it), a verdict and the evidence behind it. The JSON form is a public interface, documented in
``docs/reviewing-a-tutorial.md``::

    {"kind": "gradient", "subject": "df", "verdict": "wrong",
     "summary": "3 wrong terms ...", "evidence": {...}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from optverify.serialize import jsonable

__all__ = ["KINDS", "VERDICTS", "Finding"]

KINDS = (
    "surface",
    "gradient",
    "optimizer",
    "run",
    "plot",
    "window",
    "convexity",
    "minimum",
    "formula",
)
"""The kinds of finding, in the order a review reports them."""

VERDICTS = ("wrong", "holds", "variant", "unchecked")
"""``wrong``: the statement is false; ``holds``: it is true; ``variant``: a named legitimate
deviation from the reference rule; ``unchecked``: the review could not check it (the reason is
the summary)."""


@dataclass(frozen=True)
class Finding:
    """One checked statement of a post.

    Attributes:
      kind: one of :data:`KINDS`.
      subject: the statement's name in the post: a function as defined (``df``), ``plot N``
        (the N-th contour, contourf, plot_surface or imshow call that ran), a run
        (``adam from (0.5, 5.8)``), a quote, a point as written, or a formula's LaTeX as
        written.
      verdict: one of :data:`VERDICTS`.
      summary: one sentence: what was shown, with the numbers.
      evidence: what the check computed (JSON-ready after :func:`~optverify.serialize.jsonable`).
      fix: corrected code or LaTeX, where the verdict names the mistake (``""`` otherwise).
    """

    kind: str
    subject: str
    verdict: str
    summary: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    fix: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} is not one of {', '.join(KINDS)}")
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict={self.verdict!r} is not one of {', '.join(VERDICTS)}")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        """The finding :meth:`to_json` wrote (as the sandbox child sends it)."""
        return cls(
            data["kind"],
            data["subject"],
            data["verdict"],
            data["summary"],
            dict(data.get("evidence") or {}),
            data.get("fix", ""),
        )

    def to_json(self) -> dict[str, Any]:
        """The finding as strictly valid JSON data."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "subject": self.subject,
            "verdict": self.verdict,
            "summary": self.summary,
            "evidence": jsonable(dict(self.evidence)),
        }
        if self.fix:
            out["fix"] = self.fix
        return out
