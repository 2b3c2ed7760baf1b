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

from optverify.optim.base import Optimizer
from optverify.optim.run import run
from optverify.symbolic.surfaces import Surface, Window

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
    surface: Surface,
    optimizer: Optimizer,
    *,
    grid: int = 200,
    steps: int = 500,
    window: Window | None = None,
    tolerance: float | None = None,
) -> BasinResult:
    """Which minimum each start of a ``grid`` x ``grid`` lattice reaches, and how fast.

    A start has reached a minimum when it ends within ``tolerance`` of it (default: 1e-3 of
    the window's diagonal); its arrival step is the first recorded step from which it stays
    within ``tolerance``. Steps are recorded every ``steps // 100`` to keep memory bounded.
    """
    window = window or surface.window
    xs = np.linspace(window.xmin, window.xmax, grid)
    ys = np.linspace(window.ymin, window.ymax, grid)
    starts = np.stack(np.meshgrid(xs, ys), axis=-1)
    minima = _minima(surface, window)
    size = math.hypot(window.xmax - window.xmin, window.ymax - window.ymin)
    tolerance = tolerance if tolerance is not None else 1e-3 * size
    every = max(1, steps // 100)
    began = time.perf_counter()
    trajectory = run(optimizer, surface, starts, steps, every=every)
    seconds = time.perf_counter() - began
    final = trajectory.final_points
    reached = np.full(final.shape[:-1], -2, dtype=np.int64)
    arrival = np.full(final.shape[:-1], -1, dtype=np.int64)
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
    return BasinResult(window, minima, reached, arrival, steps, seconds, trajectory.optimizer)


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
    surface: Surface,
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
    rates = np.geomspace(*lr_range, points)
    finals: dict[str, np.ndarray] = {}
    for name, build in optimizers.items():
        losses = []
        for lr in rates:
            trajectory = run(build(float(lr)), surface, start, steps, record="final")
            loss = float(trajectory.final_losses)
            losses.append(loss if trajectory.diverged_at < 0 and math.isfinite(loss) else math.inf)
        finals[name] = np.array(losses)
    return SweepResult(rates, finals, surface.minimum_value, steps, start)
