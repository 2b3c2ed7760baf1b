"""The seed's code, reproduced faithfully, bugs included.

The blog post "Optimizer 3" (iissaacc, velog.io, 2021-07-07; ``../shared/seed/``) implements
Adam in NumPy on a 2-D surface. Its code is kept here exactly as written (only type hints are
added) so that the toolkit can demonstrate each of its findings on the real thing:

- :func:`df` is the post's hand-derived gradient of :func:`f`. Three terms are wrong:
  ``0.6*y`` should be ``0.6*x*y`` and ``-0.5*y`` should be ``-0.25*y**2`` in the x component,
  ``0.6*x**2`` should be ``0.3*x**2`` in the y component (``optverify audit-gradient``).
- :func:`plotted_contour` is what the post's contour plot draws: ``sqrt(X**2 + Y**2)`` over a
  meshgrid of ``x`` against ``f(x, y)``, which is not the surface.
- :data:`PLOT_WINDOW` is the post's plotted window; the surface's only minimum lies outside it.

Nothing else in the package imports this module's functions as truth: the registered ``seed``
surface is derived from the expression text, not from :func:`df`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from optverify.symbolic.surfaces import Window

__all__ = ["PLOT_WINDOW", "START", "STEPS", "df", "f", "plotted_contour"]

PLOT_WINDOW = Window(-1.0, 2.0, -2.0, 1.0)
"""The window the post plots: ``x = np.arange(-1, 2, 0.01)``, ``y = np.arange(-2, 1, 0.01)``."""

START = (0.5, 5.8)
"""The post's starting point, ``adamX, adamY = [.5], [5.8]``."""

STEPS = 93
"""Adam steps the post takes: one call, then ``for i in range(92)``."""


# fmt: off
def f(x: Any, y: Any) -> Any:
    return 0.4*x**2*y**2 + 0.3*x**2*y + 0.3*x**2 + 0.3*y**2 - 0.25*x*y**2 + 0.31*x*y - 0.2*x + 2.1*y


def df(x: Any, y: Any) -> tuple[Any, Any]:
    dx = 0.8*x*y**2 + 0.6*y + 0.6*x - 0.5*y + 0.31*y - 0.2
    dy = 0.8*x**2*y + 0.6*x**2 + 0.6*y - 0.5*x*y + 0.31*x + 2.1
    return dx, dy
# fmt: on


def plotted_contour() -> tuple[Any, Any, Any]:
    """The post's ``X, Y, Z`` handed to ``plt.contour``, computed exactly as the post does."""
    x = np.arange(-1, 2, 0.01)
    y = np.arange(-2, 1, 0.01)
    X, Y = np.meshgrid(x, f(x, y))  # noqa: N806
    Z = np.sqrt(X**2 + Y**2)  # noqa: N806
    return X, Y, Z
