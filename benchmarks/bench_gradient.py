"""Derived gradient vs a hand-written NumPy gradient on 10^6 points, in one run.

The derived gradient is the seed surface's, as every caller gets it: ``Surface.gradient`` on
an array of shape (N, 2), backed by the code that ``optverify gradients`` generates from the
SymPy expression (CSE + NumPy printer). The reference is the correct gradient written by hand
in NumPy, filling the same (N, 2) output array. Both are timed the same way: best of R repeats.

    python benchmarks/bench_gradient.py [--points 1000000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np

from optverify.symbolic import surfaces


def hand_written_gradient(points: np.ndarray) -> np.ndarray:
    x, y = points[..., 0], points[..., 1]
    out = np.empty(points.shape)
    out[..., 0] = 0.8 * x * y**2 + 0.6 * x * y + 0.6 * x - 0.25 * y**2 + 0.31 * y - 0.2
    out[..., 1] = 0.8 * x**2 * y + 0.3 * x**2 + 0.6 * y - 0.5 * x * y + 0.31 * x + 2.1
    return out


def best_time(
    function: Callable[[np.ndarray], np.ndarray], points: np.ndarray, repeats: int
) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function(points)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    seed = surfaces.get("seed")
    rng = np.random.default_rng(0)
    w = seed.window
    points = np.stack(
        [rng.uniform(w.xmin, w.xmax, args.points), rng.uniform(w.ymin, w.ymax, args.points)],
        axis=-1,
    )
    assert not seed.derived_at_run_time, "run `optverify gradients` first"
    derived = seed.gradient(points)
    hand = hand_written_gradient(points)
    assert np.allclose(derived, hand, rtol=1e-12, atol=1e-12), "the two gradients disagree"

    # Interleave the two so that drift in machine load affects both alike.
    derived_times, hand_times = [], []
    for _ in range(3):
        derived_times.append(best_time(seed.gradient, points, args.repeats))
        hand_times.append(best_time(hand_written_gradient, points, args.repeats))
    t_derived, t_hand = min(derived_times), min(hand_times)
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}"
    )
    print(f"points: {args.points:,}, best of {3 * args.repeats} runs each")
    print(f"derived (Surface.gradient, generated code): {t_derived * 1e3:8.2f} ms")
    print(f"hand-written NumPy gradient:                {t_hand * 1e3:8.2f} ms")
    print(f"ratio derived / hand-written: {t_derived / t_hand:.3f}  (goal: <= 1.3)")


if __name__ == "__main__":
    main()
