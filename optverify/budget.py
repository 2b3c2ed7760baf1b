"""Time budgets for work that can blow up (Gröbner bases, solving, simplification).

``with time_limit(5.0): ...`` raises :class:`OutOfTime` inside the block once 5 seconds have
passed, so the caller can fall back to a cheaper method and say that it did. It uses a timer
signal, so it limits work on the main thread; elsewhere (a worker thread) the block runs
without a limit. Budgets nest: an inner one never extends an outer one.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["OutOfTime", "time_limit"]


class OutOfTime(Exception):
    """A time budget ran out; ``seconds`` says which."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the {seconds:g} s budget ran out")
        self.seconds = seconds


_deadlines: list[tuple[float, float]] = []
"""(deadline on the monotonic clock, budget in seconds) of the budgets in force, innermost last."""


def _arm() -> None:
    if not _deadlines:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    soonest = min(deadline for deadline, _ in _deadlines)
    signal.setitimer(signal.ITIMER_REAL, max(soonest - time.monotonic(), 1e-3))


_INSIST_SECONDS = 0.1
"""Once a budget has run out, the signal repeats this often until the block has ended: the
first :class:`OutOfTime` may be raised where Python swallows it (inside a garbage-collector
callback, a ``__del__``, or code that catches every exception), and a budget must still end."""


def _expired(signum: int, frame: FrameType | None) -> None:
    now = time.monotonic()
    for deadline, seconds in _deadlines:
        if deadline <= now + 1e-3:
            signal.setitimer(signal.ITIMER_REAL, _INSIST_SECONDS)
            raise OutOfTime(seconds)
    _arm()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`OutOfTime` in this block after ``seconds`` (main thread only)."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and math.isfinite(seconds)
    )
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expired)
    _deadlines.append((time.monotonic() + seconds, seconds))
    _arm()
    try:
        yield
    finally:
        _deadlines.pop()
        _arm()
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
