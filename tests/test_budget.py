"""Time budgets end their block even where the first signal is swallowed."""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from optverify.budget import OutOfTime, time_limit


def _spin(seconds: float) -> None:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        pass


def _swallow_everything(seconds: float) -> None:
    with contextlib.suppress(OutOfTime):
        _spin(seconds)
    _spin(seconds)


def _sleep_in_a_gc_callback(seconds: float) -> None:
    def slow(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            time.sleep(0.3)

    gc.callbacks.append(slow)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(slow)
    _spin(seconds)


SWALLOWERS: list[tuple[str, Callable[[float], None]]] = [
    ("code that catches the first OutOfTime", _swallow_everything),
    ("a garbage-collector callback that is running when time runs out", _sleep_in_a_gc_callback),
]


def test_a_budget_ends_its_block() -> None:
    started = time.monotonic()
    with pytest.raises(OutOfTime), time_limit(0.1):
        _spin(5)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(("where", "work"), SWALLOWERS, ids=[w for w, _ in SWALLOWERS])
def test_a_budget_still_ends_when_its_first_signal_is_swallowed(
    monkeypatch: pytest.MonkeyPatch, where: str, work: Callable[[float], None]
) -> None:
    swallowed: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", swallowed.append)
    started = time.monotonic()
    with pytest.raises(OutOfTime), time_limit(0.1):
        work(5)
    assert time.monotonic() - started < 2, where


def test_nothing_fires_after_a_budget_that_ran_out_has_ended() -> None:
    with pytest.raises(OutOfTime), time_limit(0.05):
        _spin(5)
    _spin(0.5)


def test_an_inner_budget_never_extends_an_outer_one() -> None:
    started = time.monotonic()
    with pytest.raises(OutOfTime), time_limit(0.1), time_limit(10):
        _spin(5)
    assert time.monotonic() - started < 2
