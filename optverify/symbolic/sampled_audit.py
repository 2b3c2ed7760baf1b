"""The audit's fallback: when a hand-written gradient cannot be called with symbols.

Hypothesis draws points in the surface's window and steers towards the point where the hand
gradient is furthest from the true one; the audit reports the worst point, its relative error
and what the function returned there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from optverify.errors import InvalidArgument
from optverify.symbolic.audit import (
    RELATIVE_TOLERANCE,
    GradientAudit,
    HandGradient,
    NumericAudit,
    two_components,
)
from optverify.symbolic.surfaces import Surface
from optverify.usercode import call

__all__ = ["sampled_audit"]


def sampled_audit(
    surface: Surface, hand: HandGradient, reason: str, max_examples: int
) -> GradientAudit:
    """Compare ``hand`` with the surface's gradient at points Hypothesis draws in the window,
    steering towards the largest relative error (``target``); ``reason`` says why the exact
    comparison could not be made."""

    window = surface.window
    grid = np.stack(
        np.meshgrid(
            np.linspace(window.xmin, window.xmax, 21), np.linspace(window.ymin, window.ymax, 21)
        ),
        axis=-1,
    )
    norms = np.linalg.norm(surface.gradient(grid), axis=-1)
    scale = float(np.median(norms[np.isfinite(norms)])) if np.isfinite(norms).any() else 1.0
    floor = 1e-6 * max(scale, 1e-12)
    worst: dict[str, Any] = {"error": -1.0, "examples": 0}

    def measure(x: float, y: float) -> float:
        truth = surface.gradient(np.array([x, y]))
        written: np.ndarray[Any, Any] | None = None
        failure: str | None = None
        try:
            with np.errstate(all="ignore"):
                raw = call("the gradient", hand, np.float64(x), np.float64(y))
                written = np.asarray(two_components(raw), float)
        except InvalidArgument:
            raise
        except Exception as error:
            failure = f"{type(error).__name__}: {error}".splitlines()[0]
        if written is not None and written.shape != (2,):
            failure = f"it returned components of shape {written.shape}, not two numbers"
            written = None
        if not np.all(np.isfinite(truth)):
            return 0.0  # the derivative is undefined here (a kink): nothing to compare
        if written is None:
            error_value = math.inf
        else:
            with np.errstate(all="ignore"):
                distance = np.linalg.norm(written - truth)
            error_value = float(distance / (np.linalg.norm(truth) + floor))
            if not math.isfinite(error_value):
                error_value = math.inf
        worst["examples"] += 1
        if error_value > worst["error"]:
            worst.update(
                error=error_value,
                point=(x, y),
                written=None if written is None else (float(written[0]), float(written[1])),
                expected=(float(truth[0]), float(truth[1])),
                failure=failure,
            )
        return error_value

    @settings(
        max_examples=max_examples,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.floats(window.xmin, window.xmax, allow_nan=False),
        st.floats(window.ymin, window.ymax, allow_nan=False),
    )
    def probe(x: float, y: float) -> None:
        target(min(measure(x, y), 1e300), label="relative error")

    probe()
    numeric = NumericAudit(
        reason,
        worst["examples"],
        worst["point"],
        worst["error"],
        worst["written"],
        worst["expected"],
        worst["failure"],
    )
    correct = numeric.error is None and numeric.worst_relative_error <= RELATIVE_TOLERANCE
    return GradientAudit(surface, "numeric", correct, (), numeric, False)
