"""Many runs at once: basins of attraction over a grid of starts, and learning-rate sweeps.

:func:`basin` runs an N x N grid of starts as one batch and records, for each start, the minimum
it reached (or that it diverged or stalled) and how many steps it took. :func:`sweep` runs each
optimizer over a log-spaced range of learning rates from one start and records the final loss:
the evidence for or against "Adam needs a higher learning rate". Drawing them is the animation
wing's job (:mod:`optverify.animation.pictures`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from optverify.errors import InvalidArgument
from optverify.limits import MAX_GRID, MAX_LR_POINTS, check_steps
from optverify.optim.base import Optimizer
from optverify.optim.coerce import as_optimizer, as_starts
from optverify.optim.run import CHUNK_SIZE, Trajectory, run
from optverify.symbolic.surfaces import Surface, Window, as_surface

__all__ = ["BasinResult", "SweepResult", "basin", "sweep"]


@dataclass(frozen=True)
class BasinResult:
    """Per start: which minimum it reached (index into ``minima``; -1 diverged, -2 stalled)
    and the first recorded step from which it stayed there (-1 if it never arrived)."""

    window: Window
    minima: list[tuple[float, float]]
    reached: np.ndarray
    arrival: np.ndarray
    steps: int
    seconds: float
    optimizer: str = ""
    path: Path | None = None

    def counts(self) -> dict[str, int]:
        """How many starts reached each minimum, diverged or stalled."""
        out = {
            f"minimum ({x:.4g}, {y:.4g})": int(np.sum(self.reached == i))
            for i, (x, y) in enumerate(self.minima)
        }
        out["diverged"] = int(np.sum(self.reached == -1))
        out["stalled"] = int(np.sum(self.reached == -2))
        return out

    def drawn(self, path: Path) -> BasinResult:
        """The same result, with the picture it was drawn in."""
        return replace(self, path=path)


def _minima(surface: Surface, window: Window) -> list[tuple[float, float]]:
    if surface.minima:
        return [m.point for m in surface.minima]
    from optverify.symbolic.analysis import critical_points

    found = [c.point for c in critical_points(surface, window) if c.kind == "minimum"]
    return [p for p in found if window.contains(p)]


def basin(
    surface: Surface | str,
    optimizer: Optimizer | str,
    *,
    grid: int = 200,
    steps: int = 500,
    window: Window | None = None,
    tolerance: float | None = None,
) -> BasinResult:
    """Which minimum each start of a ``grid`` x ``grid`` lattice reaches, and how fast.

    A start has reached a minimum when it ends within ``tolerance`` of it (default: 1e-3 of
    the window's diagonal); its arrival step is the first recorded step from which it stays
    within ``tolerance``. Steps are recorded every ``steps // 100``, and the grid runs in
    chunks of starts, so memory stays bounded whatever the grid.
    """
    optimizer = as_optimizer(optimizer)
    surface = as_surface(surface)
    if isinstance(grid, bool) or not isinstance(grid, int) or not 2 <= grid <= MAX_GRID:
        raise InvalidArgument(
            f"grid={grid!r} is invalid: it must be an integer in [2, {MAX_GRID}]."
        )
    steps = check_steps(steps)
    window = Window.coerce(window) if window is not None else surface.window
    xs = np.linspace(window.xmin, window.xmax, grid)
    ys = np.linspace(window.ymin, window.ymax, grid)
    starts = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    minima = _minima(surface, window)
    size = math.hypot(window.xmax - window.xmin, window.ymax - window.ymin)
    tolerance = tolerance if tolerance is not None else 1e-3 * size
    every = max(1, steps // 100)
    reached = np.full(len(starts), -2, dtype=np.int64)
    arrival = np.full(len(starts), -1, dtype=np.int64)
    began = time.perf_counter()
    # One chunk of starts at a time, so that memory holds one chunk's records, not the grid's.
    for first in range(0, len(starts), CHUNK_SIZE):
        part = slice(first, min(first + CHUNK_SIZE, len(starts)))
        trajectory = run(optimizer, surface, starts[part], steps, every=every)
        _arrivals(trajectory, minima, tolerance, reached[part], arrival[part])
    seconds = time.perf_counter() - began
    shape = (grid, grid)
    return BasinResult(
        window, minima, reached.reshape(shape), arrival.reshape(shape), steps, seconds,
        optimizer.name,
    )  # fmt: skip


def _arrivals(
    trajectory: Trajectory,
    minima: list[tuple[float, float]],
    tolerance: float,
    reached: np.ndarray,
    arrival: np.ndarray,
) -> None:
    """For each start of ``trajectory``: the minimum it ends near and from which recorded
    step it stays there (written into ``reached`` and ``arrival``)."""
    for i, point in enumerate(minima):
        distance = np.linalg.norm(trajectory.points - np.asarray(point), axis=-1)
        near = distance <= tolerance
        ends_here = near[-1] & (reached == -2)
        reached[ends_here] = i
        # the first record from which the start stays near: after the last record not near
        stays = np.flip(np.cumprod(np.flip(near, axis=0), axis=0), axis=0).astype(bool)
        first = np.argmax(stays, axis=0)
        arrival[ends_here] = trajectory.steps[first[ends_here]]
    reached[trajectory.diverged] = -1
    arrival[trajectory.diverged] = -1


@dataclass(frozen=True)
class SweepResult:
    """Final loss of each optimizer at each learning rate (inf where the run diverged)."""

    learning_rates: np.ndarray
    final_loss: dict[str, np.ndarray]
    minimum: float | None
    steps: int
    start: tuple[float, float]
    path: Path | None = None

    def best(self) -> dict[str, tuple[float, float]]:
        """Optimizer -> (learning rate, final loss) with the lowest final loss."""
        out = {}
        for name, losses in self.final_loss.items():
            i = int(np.argmin(np.where(np.isfinite(losses), losses, np.inf)))
            out[name] = (float(self.learning_rates[i]), float(losses[i]))
        return out

    def drawn(self, path: Path) -> SweepResult:
        """The same result, with the picture it was drawn in."""
        return replace(self, path=path)


def sweep(
    surface: Surface | str,
    optimizers: Mapping[str, Callable[[float], Optimizer]],
    *,
    lr_range: tuple[float, float] = (1e-4, 1.0),
    points: int = 41,
    steps: int = 93,
    start: tuple[float, float],
) -> SweepResult:
    """Final loss after ``steps`` steps from ``start`` for each optimizer and learning rate.

    ``optimizers`` maps a label to a function that builds the optimizer for a learning rate.
    """
    surface = as_surface(surface)
    low, high = (float(v) for v in lr_range)
    if not (0 < low < high and math.isfinite(high)):
        raise InvalidArgument(f"lr_range={lr_range!r} is invalid: it must be (a, b), 0 < a < b.")
    if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= MAX_LR_POINTS:
        raise InvalidArgument(
            f"points={points!r} is invalid: it must be an integer in [2, {MAX_LR_POINTS}]."
        )
    steps = check_steps(steps)
    origin = as_starts(start)
    if origin.shape != (2,):
        raise InvalidArgument(f"start={start!r} is invalid: give one point (x, y).")
    if not (np.isfinite(surface.value(origin)) and np.all(np.isfinite(surface.gradient(origin)))):
        raise InvalidArgument(
            f"start={tuple(origin.tolist())} is invalid: f or its gradient is not finite there."
        )
    start = (float(origin[0]), float(origin[1]))
    rates = np.geomspace(low, high, points)
    finals: dict[str, np.ndarray] = {}
    for name, build in optimizers.items():
        losses = []
        for lr in rates:
            trajectory = run(build(float(lr)), surface, start, steps, record="final")
            loss = float(trajectory.final_losses)
            losses.append(loss if trajectory.diverged_at < 0 and math.isfinite(loss) else math.inf)
        finals[name] = np.array(losses)
    return SweepResult(rates, finals, surface.minimum_value, steps, start)
