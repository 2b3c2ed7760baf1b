"""Reviewing a tutorial post: every checkable statement in it, checked (``optverify review``)."""
