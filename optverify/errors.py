"""The project's one error class for invalid arguments."""

from __future__ import annotations

__all__ = ["InvalidArgument", "UserCodeError"]


class InvalidArgument(ValueError):
    """An argument outside its valid range.

    The message names the offending value and says how to fix it, in one line, e.g.
    ``lr=-0.1 is invalid: the learning rate must be positive.`` The command line turns this
    exception into that one line on stderr and exit status 2.
    """


class UserCodeError(InvalidArgument):
    """A user's function (a gradient, an optimizer, a module at import) did something the
    toolkit cannot go on from: it called ``sys.exit``, raised ``KeyboardInterrupt`` itself, or
    another ``BaseException``. The message says which function and what it did, e.g.
    ``the gradient called sys.exit(0)``; the command line exits with status 2."""
