"""Run an optimizer on a surface from many starting points at once.

:func:`run` moves a whole batch of starts with one optimizer state, so N starts cost one set of
NumPy operations per step, not N. A start diverges at the first step that makes its point or
the gradient there non-finite, or f at a recorded step non-finite; from then on it stops moving
(its point stays at the last finite one) while the others go on, and
:attr:`Trajectory.diverged_at` records the step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optverify.errors import InvalidArgument
from optverify.limits import check_steps
from optverify.optim.base import Array, Optimizer, with_gradient
from optverify.optim.coerce import as_optimizer, as_starts
from optverify.symbolic.surfaces import Surface, as_surface

__all__ = ["Trajectory", "run"]

GradientFn = Callable[[Array], Array]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Recorded points of a batched run.

    Attributes:
      points: shape ``(R, *batch, 2)``, the point of every start at each recorded step.
      losses: shape ``(R, *batch)``, f at those points.
      steps: shape ``(R,)``, which step each record is (0 is the start).
      diverged_at: shape ``batch``, the step at which each start diverged, -1 if it did not.
      optimizer: the optimizer's name; ``hyperparameters`` its settings.
      surface: the surface it ran on.
    """

    points: Array
    losses: Array
    steps: NDArray[np.int64]
    diverged_at: NDArray[np.int64]
    optimizer: str
    hyperparameters: dict[str, Any]
    surface: Surface

    @property
    def final_points(self) -> Array:
        """The last recorded points, shape ``(*batch, 2)``."""
        last: Array = self.points[-1]
        return last

    @property
    def final_losses(self) -> Array:
        """The last recorded losses, shape ``batch``."""
        last: Array = self.losses[-1]
        return last

    @property
    def diverged(self) -> NDArray[np.bool_]:
        """Whether each start diverged."""
        return self.diverged_at >= 0

    def to_markdown(self) -> str:
        """The run as Markdown: the optimizer and its settings, then where each start ended."""
        settings = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in self.hyperparameters.items())  # fmt: skip
        starts = self.points[0].reshape(-1, 2)
        ends = self.final_points.reshape(-1, 2)
        losses = self.final_losses.reshape(-1)
        gone = np.asarray(self.diverged_at).reshape(-1)
        lines = [
            f"**{self.optimizer}** ({settings or 'defaults'}) on {self.surface.name}, "
            f"{int(self.steps[-1])} steps",
            "",
            "| start | end | f at the end | diverged |",
            "|---|---|---|---|",
        ]
        for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
            where = f"at step {gone[k]}" if gone[k] >= 0 else "no"
            lines.append(f"| ({start[0]:.6g}, {start[1]:.6g}) | ({end[0]:.6g}, {end[1]:.6g}) "
                         f"| {losses[k]:.6g} | {where} |")  # fmt: skip
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from optverify.display import markdown_to_html

        return markdown_to_html(self.to_markdown())

    def to_json(self, *, rows: bool = True) -> dict[str, Any]:
        """A JSON-ready dict of a single-start run: settings, then (with ``rows``) one row per
        recorded step up to the divergence (see :func:`optverify.serialize.dumps` for
        non-finite numbers)."""
        diverged = int(np.max(self.diverged_at)) if np.any(self.diverged) else None
        last = len(self.steps) if diverged is None else diverged + 1
        points = self.points.reshape(len(self.steps), -1, 2)[:last, 0]
        losses = self.losses.reshape(len(self.steps), -1)[:last, 0]
        return {
            "surface": self.surface.name,
            "expression": self.surface.source,
            "optimizer": self.optimizer,
            "hyperparameters": dict(self.hyperparameters),
            "start": [float(v) for v in self.points.reshape(len(self.steps), -1, 2)[0, 0]],
            "steps": int(self.steps[-1]),
            "diverged_at": diverged,
            "trajectory": [
                {"step": int(s), "x": float(p[0]), "y": float(p[1]), "loss": float(f)}
                for s, p, f in zip(self.steps[:last], points, losses, strict=True)
            ]
            if rows
            else [],
        }


def _record_steps(steps: int, record: str, every: int | None) -> NDArray[np.int64]:
    if every is not None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise InvalidArgument(f"every={every!r} is invalid: it must be a positive integer.")
        return np.unique(np.append(np.arange(0, steps + 1, every), steps)).astype(np.int64)
    if record == "all":
        return np.arange(steps + 1, dtype=np.int64)
    if record == "final":
        return np.array([steps], dtype=np.int64)
    raise InvalidArgument(f"record={record!r} is invalid: it needs to be one of all, final.")


def _descend(
    optimizer: Optimizer,
    grad_fn: GradientFn,
    starts: Array,
    steps: int,
    slot: NDArray[np.int64],
    points: Array,
    diverged_at: NDArray[np.int64],
) -> None:
    """Run one chunk of starts, writing into ``points`` and ``diverged_at`` (views)."""
    # Hold the (N, 2) points column by column in memory (a transposed (2, N) array): x and y
    # are then contiguous, so the surface's derivatives read them without copies, and NumPy
    # keeps that layout through every elementwise operation of the optimizer.
    p = np.ascontiguousarray(starts.T).T
    g = np.asarray(grad_fn(p), dtype=np.float64)
    alive = np.all(np.isfinite(g), axis=-1)
    diverged_at[~alive] = 0
    some_diverged = not bool(alive.all())
    if some_diverged:
        g = np.where(alive[:, None], g, 0.0)
    state = optimizer.init(p)
    if slot[0] >= 0:
        points[slot[0]] = p
    for t in range(1, steps + 1):
        updates, state = optimizer.update(g, state, p)
        moved = p + updates
        g = np.asarray(grad_fn(moved), dtype=np.float64)
        # One cheap reduction each; the per-start check runs only when something is off.
        if some_diverged or not (
            math.isfinite(float(np.sum(moved))) and math.isfinite(float(np.sum(g)))
        ):
            finite_point = np.all(np.isfinite(moved), axis=-1)
            finite = finite_point & np.all(np.isfinite(g), axis=-1)
            newly = alive & ~finite
            diverged_at[newly] = t
            # A start that just diverged keeps the point it reached if that is finite
            # (only its gradient overflowed); every diverged start then stays put.
            keep = alive | (newly & finite_point)
            alive = alive & finite
            some_diverged = some_diverged or bool(newly.any())
            if some_diverged:
                moved = np.where(keep[:, None], moved, p)
                g = np.where(alive[:, None], g, 0.0)
        p = moved
        if slot[t] >= 0:
            points[slot[t]] = p


def _stop_where_f_is_not_finite(
    points: Array, losses: Array, recorded: NDArray[np.int64], diverged_at: NDArray[np.int64]
) -> None:
    """A start whose f is not finite at a recorded step (``log(x)`` at negative x, f beyond
    float64) diverged there, as if its gradient had been: it stays at that point from then on
    (in place; ``points`` and ``losses`` are ``(R, N, 2)`` and ``(R, N)``)."""
    bad = ~np.isfinite(losses)
    if not bad.any():
        return
    first = np.argmax(bad, axis=0)
    hit = bad[first, np.arange(bad.shape[1])]
    step = recorded[first]
    earlier = hit & ((diverged_at < 0) | (step < diverged_at))
    for k in np.flatnonzero(earlier):
        row = int(first[k])
        diverged_at[k] = int(step[k])
        points[row + 1 :, k] = points[row, k]
        losses[row + 1 :, k] = losses[row, k]


CHUNK_SIZE = 16384
"""Starts moved together per chunk: small enough that NumPy's temporaries stay in cache and
are reused by the allocator, large enough that Python's per-step overhead is negligible."""


MAX_RECORD_BYTES = 512 * 2**20
"""Recorded points and losses one run may hold (24 bytes a point)."""


def run(
    optimizer: Optimizer | str,
    surface: Surface | str,
    starts: ArrayLike,
    steps: int,
    *,
    record: Literal["all", "final"] = "all",
    every: int | None = None,
    gradient: GradientFn | None = None,
    chunk_size: int | None = CHUNK_SIZE,
) -> Trajectory:
    """Run ``optimizer`` on ``surface`` from every start in ``starts`` for ``steps`` steps.

    Args:
      optimizer: an :class:`~optverify.optim.base.Optimizer`, a registered optimizer's name
        (its defaults), or any object with ``init`` and ``update``.
      surface: the surface (or a registered surface's name); its symbolic gradient drives the
        optimizer.
      starts: shape ``(2,)`` for one start or ``(..., 2)`` for a batch.
      steps: how many updates to make, >= 0.
      record: ``"all"`` keeps every step; ``"final"`` only the last, so memory stays flat in
        ``steps``.
      every: keep every ``every``-th step (and the last) instead.
      gradient: a function of points ``(N, 2) -> (N, 2)`` to use instead of the surface's
        gradient (a hand-written one, say); f still comes from the surface.
      chunk_size: move at most this many starts at a time (``None`` for all at once). Starts
        are independent (a batch equals its members run one by one, a property every
        optimizer must have), so chunking changes the speed, never the result.

    Returns:
      A :class:`Trajectory`.
    """
    optimizer = as_optimizer(optimizer)
    surface = as_surface(surface)
    p0 = as_starts(starts)
    steps = check_steps(steps)
    recorded = _record_steps(steps, record, every)
    held = len(recorded) * int(np.prod(p0.shape[:-1], dtype=np.int64)) * 24
    if held > MAX_RECORD_BYTES:
        raise InvalidArgument(
            f"steps={steps} from {p0.size // 2:,} starts would record {held / 2**30:.1f} GiB; "
            f"the limit is {MAX_RECORD_BYTES / 2**30:g} GiB: record='final' or every=K keeps less."
        )
    slot = np.full(steps + 1, -1, dtype=np.int64)
    slot[recorded] = np.arange(len(recorded))

    batch = p0.shape[:-1]
    flat = p0.reshape(-1, 2)
    n = flat.shape[0]
    grad_fn: GradientFn = gradient if gradient is not None else surface.gradient
    optimizer = with_gradient(optimizer, grad_fn)
    points = np.empty((len(recorded), n, 2))
    diverged_at = np.full(n, -1, dtype=np.int64)
    size = max(1, n if chunk_size is None or chunk_size <= 0 else int(chunk_size))
    with np.errstate(all="ignore"):
        for first in range(0, n, size):
            part = slice(first, min(first + size, n))
            _descend(
                optimizer, grad_fn, flat[part], steps, slot, points[:, part], diverged_at[part]
            )
    losses = surface.value(points)
    _stop_where_f_is_not_finite(points, losses, recorded, diverged_at)
    return Trajectory(
        points=points.reshape(len(recorded), *batch, 2),
        losses=losses.reshape(len(recorded), *batch),
        steps=recorded,
        diverged_at=diverged_at.reshape(batch),
        optimizer=optimizer.name,
        hyperparameters=dict(optimizer.hyperparameters),
        surface=surface,
    )
