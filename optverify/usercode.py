"""Calling a user's code: whatever it raises, the toolkit says what happened.

An exception from user code is the user's code's answer (a gradient that fails, an optimizer
that raises) and is reported as such by the caller. But ``sys.exit(0)`` inside a gradient, a
``KeyboardInterrupt`` it raises itself, or any other ``BaseException`` must not end the
toolkit silently, nor with exit status 0: :func:`call` turns them into
:class:`~optverify.errors.UserCodeError` ("the gradient called sys.exit(0)").

A real Ctrl-C is not the user's code speaking: the command line installs
:func:`install_interrupt_handler`, which notes the signal, so a ``KeyboardInterrupt`` that
follows one goes through untouched. Without the handler (a notebook) every
``KeyboardInterrupt`` is taken to be real.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

from optverify.errors import UserCodeError

__all__ = ["call", "guard", "install_interrupt_handler"]

T = TypeVar("T")

_state = {"installed": False, "interrupted": False}


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _state["interrupted"] = True
    raise KeyboardInterrupt


def install_interrupt_handler() -> None:
    """Note every Ctrl-C before raising ``KeyboardInterrupt`` (main thread only)."""
    signal.signal(signal.SIGINT, _on_sigint)
    _state["installed"] = True


def _real_interrupt() -> bool:
    return not _state["installed"] or _state["interrupted"]


def call(what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)``, with ``BaseException`` turned into
    :class:`UserCodeError` naming ``what`` ("the gradient", "the optimizer's update")."""
    try:
        return function(*args, **kwargs)
    except Exception:
        raise
    except KeyboardInterrupt:
        if _real_interrupt():
            raise
        raise UserCodeError(f"{what} raised KeyboardInterrupt itself.") from None
    except SystemExit as exit:
        raise UserCodeError(f"{what} called sys.exit({exit.code!r}).") from None
    except BaseException as error:  # GeneratorExit, a user's own BaseException subclass
        raise UserCodeError(f"{what} raised {type(error).__name__}: {error}.") from None


def guard(what: str, function: Callable[..., T]) -> Callable[..., T]:
    """``function`` wrapped by :func:`call`."""

    def guarded(*args: Any, **kwargs: Any) -> T:
        return call(what, function, *args, **kwargs)

    guarded.__wrapped__ = function  # type: ignore[attr-defined]
    return guarded
