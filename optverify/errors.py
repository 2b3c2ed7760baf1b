"""The project's one error class for invalid arguments."""

from __future__ import annotations

__all__ = ["InvalidArgument"]


class InvalidArgument(ValueError):
    """An argument outside its valid range.

    The message names the offending value and says how to fix it, in one line, e.g.
    ``lr=-0.1 is invalid: the learning rate must be positive.`` The command line turns this
    exception into that one line on stderr and exit status 2.
    """
