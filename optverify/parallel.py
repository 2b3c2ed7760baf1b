"""Independent tasks on every core: forked workers, results in the order the tasks were given.

Verification is deterministic (every profile derandomizes Hypothesis), so which worker runs a
task, and when, changes no result: running properties side by side only makes the wait
shorter. Workers are forked, so they inherit everything the parent has loaded, a user's module
and its optimizer object included; nothing but the task's index and its result crosses a
process boundary.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["cores", "fork_map"]

T = TypeVar("T")
R = TypeVar("R")

_TASK: list[Any] = []


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run(index: int) -> Any:
    function, items = _TASK[-1]
    return function(items[index])


def fork_map(
    function: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    on_done: Callable[[R], None] | None = None,
) -> list[R]:
    """``[function(item) for item in items]`` on up to ``workers`` forked processes.

    ``on_done`` is called with each result, in order, as soon as it and those before it are
    in. With one worker, one item, or no ``fork`` on this platform, it runs here, in order.
    An exception a task raises is raised here; Ctrl-C stops every worker.
    """
    workers = min(workers, len(items))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = []
        for item in items:
            results.append(function(item))
            if on_done is not None:
                on_done(results[-1])
        return results
    _TASK.append((function, items))
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [pool.submit(_run, index) for index in range(len(items))]
            results = []
            try:
                for future in futures:
                    results.append(future.result())
                    if on_done is not None:
                        on_done(results[-1])
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
                raise
        return results
    finally:
        _TASK.pop()
