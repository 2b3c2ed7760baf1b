"""Pictures of many runs: basins of attraction, and final loss against learning rate.

:func:`draw_basin` colours each start of a :class:`~optverify.optim.landscape.BasinResult` by
the minimum it reached (or that it diverged or stalled), beside a map of how many steps it
took. :func:`draw_sweep` plots a :class:`~optverify.optim.landscape.SweepResult`'s final loss
against the learning rate. The computations are in :mod:`optverify.optim.landscape`; this
module only draws, through an explicit Agg canvas, and writes the PNG atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from optverify.files import atomic_path
from optverify.optim.landscape import BasinResult, SweepResult
from optverify.symbolic.surfaces import Surface

__all__ = ["draw_basin", "draw_sweep"]


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, FigureCanvasAgg(fig)


def _save_png(fig: Any, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as temporary:
        fig.savefig(temporary, format="png", metadata={"Software": None})
    return out


def draw_basin(surface: Surface, result: BasinResult, out: Path) -> BasinResult:
    """Draw ``result`` into the PNG ``out``; returns the result with its picture."""
    name = result.optimizer
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
    return result.drawn(_save_png(fig, out))


def draw_sweep(
    surface: Surface, result: SweepResult, colors: Mapping[str, str], out: Path
) -> SweepResult:
    """Draw ``result`` into the PNG ``out`` (each optimizer in ``colors[name]``); returns the
    result with its picture."""
    steps, start = result.steps, result.start

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
            result.learning_rates, gap, marker="o", markersize=3, color=colors[name], label=name
        )
        diverged = ~np.isfinite(losses)
        if diverged.any():
            ax.plot(
                result.learning_rates[diverged],
                np.full(diverged.sum(), top * 3),
                "x",
                color=colors[name],
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
    return result.drawn(_save_png(fig, out))
