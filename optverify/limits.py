"""Every size and time limit, stated once.

The command line and the public Python functions check values against these at the edge and
quote the limit in the message; the library relies on them to keep peak memory under 1 GiB
and every symbolic step bounded in time.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "MAX_ANIMATION_STARTS",
    "MAX_FRAMES",
    "MAX_GRID",
    "MAX_HOLD_SECONDS",
    "MAX_LOOPS",
    "MAX_LR_POINTS",
    "MAX_PIXELS",
    "MAX_RUNS",
    "MAX_SIDE",
    "MAX_STEPS",
    "MAX_TRACE_STEPS",
    "MIN_SIDE",
    "SYMBOLIC_SECONDS",
    "USER_CODE_SECONDS",
    "check_hold",
    "check_loop",
    "check_size",
    "check_steps",
]

MAX_STEPS = 1_000_000
"""Steps of one run (animate, basin, sweep)."""

MAX_TRACE_STEPS = 1_000_000
"""Steps of ``optverify trace`` (one row each, streamed)."""

MAX_GRID = 2000
"""Starts per side of a basin picture (``grid`` x ``grid`` starts, run in chunks)."""

MAX_LR_POINTS = 1000
"""Learning rates of one sweep."""

MIN_SIDE, MAX_SIDE = 80, 4000
"""Width and height of an image or animation, in pixels."""

MAX_PIXELS = 4000 * 4000
"""Pixels of one frame."""

MAX_FRAMES = 5000
"""Frames of one animation (more steps are decimated to this many frames)."""

MAX_RUNS = 16
"""Optimizer runs drawn in one animation (each needs its own colours)."""

MAX_ANIMATION_STARTS = 64
"""Starts per optimizer in one animation."""

MAX_HOLD_SECONDS = 60.0
"""How long an animation's last frame may be held."""

MAX_LOOPS = 65535
"""How many times an animation may play (GIF stores the count in 16 bits; 0 is forever)."""

SYMBOLIC_SECONDS = 10.0
"""Budget of one symbolic step that can blow up (solving for critical points, an exact
eigenvalue, simplifying a user's gradient, deriving code); past it the cheaper method runs."""

USER_CODE_SECONDS = 60.0
"""Budget of a user's function called many times in one check (a gradient being audited)."""


def check_size(size: object) -> tuple[int, int]:
    """``size`` as ``(width, height)`` within [MIN_SIDE, MAX_SIDE], or InvalidArgument."""
    from optverify.errors import InvalidArgument

    values = list(size) if isinstance(size, tuple | list) else []
    if len(values) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values
    ):
        raise InvalidArgument(
            f"size={size!r} is invalid: give (width, height) in pixels, e.g. (640, 480)."
        )
    width, height = int(values[0]), int(values[1])
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InvalidArgument(
            f"size={size!r} is invalid: width and height must lie in [{MIN_SIDE}, {MAX_SIDE}]."
        )
    return width, height


def check_steps(steps: object, limit: int = MAX_STEPS) -> int:
    """``steps`` as an int in [0, limit], or InvalidArgument quoting the limit."""
    from optverify.errors import InvalidArgument

    if isinstance(steps, np.integer):
        steps = int(steps)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise InvalidArgument(f"steps={steps!r} is invalid: it must be an integer >= 0.")
    if steps > limit:
        raise InvalidArgument(f"steps={steps} is invalid: the limit is {limit:,} steps in one run.")
    return steps


def check_hold(hold: object) -> float:
    """``hold`` (seconds the last frame shows) as a float in [0, MAX_HOLD_SECONDS]."""
    from optverify.errors import InvalidArgument

    if isinstance(hold, bool) or not isinstance(hold, int | float | np.floating):
        raise InvalidArgument(f"hold={hold!r} is invalid: it must be a number of seconds.")
    if not (math.isfinite(hold) and 0 <= hold <= MAX_HOLD_SECONDS):
        raise InvalidArgument(
            f"hold={hold!r} is invalid: the last frame is held 0 to {MAX_HOLD_SECONDS:g} s."
        )
    return float(hold)


def check_loop(loop: object) -> int:
    """``loop`` (how many times an animation plays, 0 forever) as an int in [0, MAX_LOOPS]."""
    from optverify.errors import InvalidArgument

    if isinstance(loop, np.integer):
        loop = int(loop)
    if isinstance(loop, bool) or not isinstance(loop, int) or not 0 <= loop <= MAX_LOOPS:
        raise InvalidArgument(
            f"loop={loop!r} is invalid: it must be an integer from 0 (forever) to {MAX_LOOPS}."
        )
    return loop
