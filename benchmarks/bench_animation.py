"""A race of six optimizers, 200 frames, 600x500 pixels on the seed surface: optverify's
renderer against the way tutorials animate (FuncAnimation redrawing the whole figure every
frame, saved with PillowWriter), the same frames and size, in one run.

    python benchmarks/bench_animation.py [--frames 200] [--repeats 3]

Both draw the same figure: filled log-spaced contours of f with a colour bar, the six paths,
their current points, a loss-versus-step panel and a step counter. The tutorial way is written
as a careful tutorial would: it updates the artists' data in place (no re-contouring per
frame); the full redraw per frame is FuncAnimation.save's, whatever blit says.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

RACE = {
    "sgd": 0.05,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 1.0,
    "rmsprop": 0.05,
    "adam": 0.2,
}
SIZE = (600, 500)


def trajectories(frames: int) -> dict[str, object]:
    from optverify import optimizers, run, surfaces
    from optverify.seed import specimens

    seed = surfaces.get("seed")
    return {
        name: run(optimizers.get(name, lr=lr), seed, specimens.START, frames - 1)
        for name, lr in RACE.items()
    }


def ours(paths: dict[str, object], out: Path, fps: float) -> float:
    from optverify import surfaces
    from optverify.animation.render import Path2D, color_for, render

    seed = surfaces.get("seed")
    started = time.perf_counter()
    render(
        seed,
        [Path2D(f"{n} lr={RACE[n]}", t, color_for(n)) for n, t in paths.items()],  # type: ignore[arg-type]
        out,
        fps=fps,
        size=SIZE,
    )
    return time.perf_counter() - started


def tutorial(paths: dict[str, object], out: Path, fps: float) -> float:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    from optverify import surfaces
    from optverify.animation.render import color_for

    seed = surfaces.get("seed")
    started = time.perf_counter()
    fig, (ax, loss_ax) = plt.subplots(1, 2, figsize=(SIZE[0] / 100, SIZE[1] / 100), dpi=100)
    w = seed.window
    xs, ys = np.linspace(w.xmin, w.xmax, 240), np.linspace(w.ymin, w.ymax, 240)
    values = seed.value(np.stack(np.meshgrid(xs, ys), axis=-1))
    floor = min(values.min(), seed.minimum_value or values.min())
    levels = floor + np.concatenate([[0], np.geomspace(1e-4, values.max() - floor, 24)])
    filled = ax.contourf(xs, ys, values, levels=levels, cmap="YlGnBu_r")
    fig.colorbar(filled, ax=ax)
    ax.plot(*seed.minima[0].point, "*", color="gold", markersize=11)
    loss_ax.set_yscale("log")
    loss_ax.set_xlim(0, len(next(iter(paths.values())).steps))  # type: ignore[attr-defined]
    loss_ax.set_ylim(1e-11, 1e3)
    lines, heads, curves = [], [], []
    for name in paths:
        (line,) = ax.plot([], [], color=color_for(name), label=name)
        (head,) = ax.plot([], [], "o", color=color_for(name))
        (curve,) = loss_ax.plot([], [], color=color_for(name))
        lines.append(line)
        heads.append(head)
        curves.append(curve)
    ax.legend(fontsize=6)
    counter = fig.suptitle("")

    def update(frame: int) -> list[object]:
        for (_, t), line, head, curve in zip(paths.items(), lines, heads, curves, strict=True):
            p = t.points  # type: ignore[attr-defined]
            line.set_data(p[: frame + 1, 0], p[: frame + 1, 1])
            head.set_data([p[frame, 0]], [p[frame, 1]])
            curve.set_data(np.arange(frame + 1), t.losses[: frame + 1] - seed.minimum_value)  # type: ignore[attr-defined]
        counter.set_text(f"step {frame}")
        return [*lines, *heads, *curves, counter]

    frames = len(next(iter(paths.values())).steps)  # type: ignore[attr-defined]
    animation = FuncAnimation(fig, update, frames=frames, blit=True)
    animation.save(out, writer=PillowWriter(fps=fps))
    plt.close(fig)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fps", type=float, default=20.0)
    args = parser.parse_args()
    paths = trajectories(args.frames)
    folder = Path(tempfile.mkdtemp())
    results = {}
    for name, contender in (
        ("optverify", ours),
        ("tutorial (FuncAnimation + PillowWriter)", tutorial),
    ):
        out = folder / f"{name.split()[0]}.gif"
        seconds = min(contender(paths, out, args.fps) for _ in range(args.repeats))
        results[name] = (seconds, os.path.getsize(out))
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(
        f"race of {len(RACE)} optimizers, {args.frames} frames, {SIZE[0]}x{SIZE[1]}, "
        f"best of {args.repeats}"
    )
    for name, (seconds, size) in results.items():
        print(f"  {name:42s} {seconds:7.2f} s  {size / 1024:8.0f} KiB")
    (ours_s, ours_b), (ref_s, ref_b) = results.values()
    print(
        f"speed-up: {ref_s / ours_s:.1f}x (goal >= 30x); "
        f"size ratio: {ours_b / ref_b:.3f} (goal <= 0.2)"
    )


if __name__ == "__main__":
    main()
