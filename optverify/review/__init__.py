"""Reviewing a tutorial post: every checkable statement in it, checked (``optverify review``).

``review(path)`` returns a :class:`Review`: one :class:`Finding` per statement, each with its
verdict, evidence and, where it names a mistake, the fix. See ``docs/reviewing-a-tutorial.md``.
"""

from optverify.review.findings import KINDS, VERDICTS, Finding
from optverify.review.reviews import Review, bundled_post, review

__all__ = ["KINDS", "VERDICTS", "Finding", "Review", "bundled_post", "review"]
