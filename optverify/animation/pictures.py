"""Pictures of many starts: basins of attraction, and final loss against learning rate.

:func:`basin` runs an N x N grid of starts as one batch and colours each start by the minimum
it reached (or that it diverged or stalled), beside a map of how many steps it took.
:func:`sweep` runs each optimizer over a log-spaced range of learning rates from one start and
plots the final loss: the evidence for or against "Adam needs a higher learning rate".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optverify.errors import InvalidArgument
from optverify.files import atomic_path
from optverify.optim.base import Optimizer, get
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
    out: str | Path | None = None,
    tolerance: float | None = None,
) -> BasinResult:
    """Which minimum each start of a ``grid`` x ``grid`` lattice reaches, and how fast.

    A start has reached a minimum when it ends within ``tolerance`` of it (default: 1e-3 of
    the window's diagonal); its arrival step is the first recorded step from which it stays
    within ``tolerance``. Steps are recorded every ``steps // 100`` to keep memory bounded.
    """
    import time

    if isinstance(grid, bool) or not isinstance(grid, int) or not 2 <= grid <= 2000:
        raise InvalidArgument(f"grid={grid!r} is invalid: it must be an integer in [2, 2000].")
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
    result = BasinResult(window, minima, reached, arrival, steps, seconds)
    if out is not None:
        path = _draw_basin(surface, trajectory.optimizer, result, Path(out))
        return BasinResult(window, minima, reached, arrival, steps, seconds, path)
    return result


def _figure(width: float, height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, FigureCanvasAgg(fig)


def _save_png(fig: Any, out: Path) -> Path:
    if out.suffix.lower() != ".png":
        raise InvalidArgument(f"out={str(out)!r} is invalid: the picture is written as a .png.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as temporary:
        fig.savefig(temporary, format="png", metadata={"Software": None})
    return out


def _draw_basin(surface: Surface, name: str, result: BasinResult, out: Path) -> Path:
    from matplotlib.colors import ListedColormap

    fig, _ = _figure(11, 4.8)
    left, right = fig.subplots(1, 2)
    w = result.window
    extent = (w.xmin, w.xmax, w.ymin, w.ymax)
    palette = [
        "#4e79a7",
        "#f28e2b",
        "#59a14f",
        "#e15759",
        "#76b7b2",
        "#edc948",
        "#b07aa1",
        "#ff9da7",
        "#9c755f",
        "#bab0ac",
    ]
    colours = ["black", "#d9d9d9"] + [palette[i % len(palette)] for i in range(len(result.minima))]
    # colour 0: diverged, 1: stalled, 2 + i: minimum i
    mapped = np.where(
        result.reached == -1, 0, np.where(result.reached == -2, 1, result.reached + 2)
    )
    left.imshow(
        mapped,
        origin="lower",
        extent=extent,
        aspect="auto",
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=len(colours) - 0.5,
        interpolation="nearest",
    )
    for i, (x, y) in enumerate(result.minima):
        left.plot(x, y, marker="*", markersize=13, color=colours[i + 2], markeredgecolor="black")
    counts = result.counts()
    left.set_title(f"where {name} ends, {len(result.reached.ravel()):,} starts", fontsize=10)
    handles = [
        left.scatter([], [], marker="s", color=colours[i + 2], label=f"{label}: {count:,}")
        for i, (label, count) in enumerate(list(counts.items())[: len(result.minima)])
    ]
    handles.append(
        left.scatter([], [], marker="s", color="black", label=f"diverged: {counts['diverged']:,}")
    )
    handles.append(
        left.scatter([], [], marker="s", color="#d9d9d9", label=f"stalled: {counts['stalled']:,}")
    )
    left.legend(handles=handles, fontsize=7, loc="upper right", framealpha=0.85)
    arrival = np.where(result.arrival >= 0, result.arrival, np.nan).astype(float)
    image = right.imshow(
        arrival,
        origin="lower",
        extent=extent,
        aspect="auto",
        cmap="magma_r",
        interpolation="nearest",
    )
    fig.colorbar(image, ax=right, label="steps to arrive")
    right.set_title(f"steps to reach it (of {result.steps}; blank: never)", fontsize=10)
    for ax in (left, right):
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    fig.suptitle(f"Basins of {name} on the {surface.name} surface", fontsize=11)
    fig.tight_layout()
    return _save_png(fig, out)


@dataclass(frozen=True)
class SweepResult:
    """Final loss of each optimizer at each learning rate (inf where the run diverged)."""

    learning_rates: np.ndarray
    final_loss: dict[str, np.ndarray]
    minimum: float | None
    path: Path | None = None

    def best(self) -> dict[str, tuple[float, float]]:
        """Optimizer -> (learning rate, final loss) with the lowest final loss."""
        out = {}
        for name, losses in self.final_loss.items():
            i = int(np.argmin(np.where(np.isfinite(losses), losses, np.inf)))
            out[name] = (float(self.learning_rates[i]), float(losses[i]))
        return out


def sweep(
    surface: Surface,
    optimizers: Sequence[str],
    *,
    lr_range: tuple[float, float] = (1e-4, 1.0),
    points: int = 41,
    steps: int = 93,
    start: tuple[float, float],
    hyperparameters: dict[str, dict[str, Any]] | None = None,
    out: str | Path | None = None,
) -> SweepResult:
    """Final loss after ``steps`` steps from ``start`` for each optimizer and learning rate."""
    low, high = lr_range
    if not (0 < low < high and math.isfinite(high)):
        raise InvalidArgument(
            f"lr_range={lr_range!r} is invalid: it must be A:B with 0 < A < B, e.g. 1e-4:1."
        )
    if not 2 <= points <= 1000:
        raise InvalidArgument(f"points={points} is invalid: it must lie in [2, 1000].")
    rates = np.geomspace(low, high, points)
    extra = hyperparameters or {}
    finals: dict[str, np.ndarray] = {}
    for name in optimizers:
        losses = []
        for lr in rates:
            trajectory = run(
                get(name, **{**extra.get(name, {}), "lr": float(lr)}),
                surface,
                start,
                steps,
                record="final",
            )
            loss = float(trajectory.final_losses)
            losses.append(loss if trajectory.diverged_at < 0 and math.isfinite(loss) else math.inf)
        finals[name] = np.array(losses)
    result = SweepResult(rates, finals, surface.minimum_value)
    if out is not None:
        path = _draw_sweep(surface, result, steps, start, Path(out))
        return SweepResult(rates, finals, surface.minimum_value, path)
    return result


def _draw_sweep(
    surface: Surface, result: SweepResult, steps: int, start: tuple[float, float], out: Path
) -> Path:
    from optverify.animation.render import color_for

    fig, _ = _figure(7.5, 4.8)
    ax = fig.subplots()
    floor = result.minimum
    finite = np.concatenate(
        [v[np.isfinite(v)] for v in result.final_loss.values()] or [np.zeros(1)]
    )
    shift = floor if floor is not None else float(finite.min()) - 1e-12
    top = float(np.max(finite - shift)) if finite.size else 1.0
    for name, losses in result.final_loss.items():
        gap = np.where(np.isfinite(losses), np.maximum(losses - shift, 1e-16), np.nan)
        ax.plot(
            result.learning_rates, gap, marker="o", markersize=3, color=color_for(name), label=name
        )
        diverged = ~np.isfinite(losses)
        if diverged.any():
            ax.plot(
                result.learning_rates[diverged],
                np.full(diverged.sum(), top * 3),
                "x",
                color=color_for(name),
                markersize=7,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("final f - f*" if floor is not None else "final f - min")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(
        f"{surface.name}: final loss after {steps} steps from ({start[0]:g}, {start[1]:g}); "
        "x at the top: diverged",
        fontsize=9,
    )
    fig.tight_layout()
    return _save_png(fig, out)
