"""The seed's code, reproduced faithfully, bugs included.

The blog post "Optimizer 3" (iissaacc, velog.io, 2021-07-07; a copy is
``optverify/seed/optimizer-3.txt``) implements
Adam in NumPy on a 2-D surface. Its code is kept here exactly as written (only type hints are
added) so that the toolkit can demonstrate each of its findings on the real thing:

- :func:`df` is the post's hand-derived gradient of :func:`f`. Three terms are wrong:
  ``0.6*y`` should be ``0.6*x*y`` and ``-0.5*y`` should be ``-0.25*y**2`` in the x component,
  ``0.6*x**2`` should be ``0.3*x**2`` in the y component (``optverify audit-gradient``).
- :func:`plotted_contour` is what the post's contour plot draws: ``sqrt(X**2 + Y**2)`` over a
  meshgrid of ``x`` against ``f(x, y)``, which is not the surface.
- :data:`PLOT_WINDOW` is the post's plotted window; the surface's only minimum lies outside it.
- :func:`adam` is the post's Adam. ``t = 0`` at the top of every call resets the step counter,
  so the bias correction is always the first step's, ``1 / (1 - beta**1)``, and never fades;
  ``np.sqrt(hat_v) - 1e-8`` subtracts epsilon, so a gradient below about 1e-8 in size flips
  the step's direction (and a zero gradient divides by -1e-8); it keeps every moment it ever
  computed in the ``cache`` lists. It calls :func:`df` for its gradient.
- :func:`run_post` is the post's loop: one call, then 92 more, from (0.5, 5.8).

Nothing else in the package imports this module's functions as truth: the registered ``seed``
surface is derived from the expression text, not from :func:`df`.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from optverify.symbolic import surfaces
from optverify.symbolic.surfaces import Window

__all__ = [
    "PLOT_WINDOW",
    "PRINTED_UPDATE",
    "START",
    "STEPS",
    "adam",
    "df",
    "f",
    "plotted_contour",
    "run_post",
]

PLOT_WINDOW = Window(-1.0, 2.0, -2.0, 1.0)
"""The window the post plots: ``x = np.arange(-1, 2, 0.01)``, ``y = np.arange(-2, 1, 0.01)``."""

START = cast(tuple[float, float], surfaces.get("seed").start)
"""The post's starting point, ``adamX, adamY = [.5], [5.8]`` (the seed surface's start)."""

STEPS = 93
"""Adam steps the post takes: one call, then ``for i in range(92)``."""


# fmt: off
def f(x: Any, y: Any) -> Any:
    return 0.4*x**2*y**2 + 0.3*x**2*y + 0.3*x**2 + 0.3*y**2 - 0.25*x*y**2 + 0.31*x*y - 0.2*x + 2.1*y


def df(x: Any, y: Any) -> tuple[Any, Any]:
    dx = 0.8*x*y**2 + 0.6*y + 0.6*x - 0.5*y + 0.31*y - 0.2
    dy = 0.8*x**2*y + 0.6*x**2 + 0.6*y - 0.5*x*y + 0.31*x + 2.1
    return dx, dy


def adam(x: Any, y: Any, cache: dict[str, Any], beta1: float = 0.9, beta2: float = 0.999, lr: float = 5e-2) -> tuple[Any, Any]:  # noqa: E501
    t = 0
    dx, dy = df(x, y)
    if len(cache['m']['x']) == 0 and len(cache['v']['y']) == 0:
        mx = (1 - beta1) * dx
        my = (1 - beta1) * dy
        vx = (1 - beta2) * np.square(dx)
        vy = (1 - beta2) * np.square(dy)
    else:
        mx = beta1 * cache['m']['x'][-1] + (1 - beta1) * dx
        my = beta1 * cache['m']['y'][-1] + (1 - beta1) * dy
        vx = beta2 * cache['v']['x'][-1] + (1 - beta2) * np.square(dx)
        vy = beta2 * cache['v']['y'][-1] + (1 - beta2) * np.square(dy)
    t += 1
    cache['m']['x'].append(mx)
    cache['m']['y'].append(my)
    cache['v']['x'].append(vx)
    cache['v']['y'].append(vy)
    hat_mx = mx / (1 - beta1**t)
    hat_my = my / (1 - beta1**t)
    hat_vx = vx / (1 - beta2**t)
    hat_vy = vy / (1 - beta2**t)
    x = x - lr * hat_mx / (np.sqrt(hat_vx)- 1e-8)
    y = y - lr * hat_my / (np.sqrt(hat_vy)- 1e-8)
    return x, y


def run_post() -> tuple[list[Any], list[Any]]:
    """The post's loop, verbatim: returns ``adamX, adamY`` (94 points: the start and 93 steps)."""
    cache: dict[str, Any] = {'v':{'x':[], 'y':[]}, 'm':{'x':[], 'y':[]}}
    adamX, adamY = [.5], [5.8]  # noqa: N806
    x, y = adam(*adamX, *adamY, cache)  # type: ignore[arg-type, call-arg]
    adamX.append(x)
    adamY.append(y)
    for i in range(92):  # noqa: B007
        x, y = adam(x, y, cache)
        adamX.append(x)
        adamY.append(y)
    return adamX, adamY
# fmt: on


PRINTED_UPDATE = r"\theta_{n+1}=\theta_{n}-\alpha\cfrac{1}{\sqrt{\hat{m_n}}}\odot\hat{v}"
"""The update rule as the post prints it (LaTeX): m and v are swapped, the root is on m."""


def plotted_contour() -> tuple[Any, Any, Any]:
    """The post's ``X, Y, Z`` handed to ``plt.contour``, computed exactly as the post does."""
    x = np.arange(-1, 2, 0.01)
    y = np.arange(-2, 1, 0.01)
    X, Y = np.meshgrid(x, f(x, y))  # noqa: N806
    Z = np.sqrt(X**2 + Y**2)  # noqa: N806
    return X, Y, Z
