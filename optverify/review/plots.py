"""The post's plots against its surface, and the windows they show.

A contour, filled contour, ``imshow`` or ``plot_surface`` shows the surface when its values,
at the positions where they are drawn, rise and fall with f: their rank correlation with f is
1. A monotone transform (``log(f - f* + 1)``, ``log1p(f)``, a logarithmic colour norm) has the
same level sets and is correct. Where the correlation is not 1 the finding says what the plot
shows instead, when it is one of the common mistakes: f with x and y swapped (a
``meshgrid(y, x)``), f upside down (``imshow`` without ``origin="lower"``), circles about the
origin (``sqrt(X**2 + Y**2)``).

The **window** of a plot is its grid's extent, cut by any limits the post set itself
(``plt.xlim``); its finding says whether the surface's global minimum is in it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from optverify.review.findings import Finding
from optverify.review.recording import PlotCall

__all__ = ["check_plot", "check_window", "plotted_window", "rank_correlation"]

SAME_LEVEL_SETS = 0.9999
"""Rank correlation from which the plotted values are taken to be f (or a monotone transform);
``imshow`` pixel centres alone give 0.99995 on a correct plot."""
MAX_POINTS = 40_000


def _ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=float)
    ranks[order] = np.arange(len(values), dtype=float)
    # ties share their mean rank
    sorted_values = values[order]
    edges = np.flatnonzero(np.diff(sorted_values)) + 1
    for block in np.split(np.arange(len(values)), edges):
        if len(block) > 1:
            ranks[order[block]] = ranks[order[block]].mean()
    return ranks


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation of ``a`` and ``b`` over the points where both are finite."""
    a, b = np.ravel(a).astype(float), np.ravel(b).astype(float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if len(a) > MAX_POINTS:
        index = np.linspace(0, len(a) - 1, MAX_POINTS).astype(int)
        a, b = a[index], b[index]
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    ra, rb = _ranks(a), _ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


Evaluate = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _describe(plot: PlotCall) -> str:
    options = ", ".join(f"{k}={v}" for k, v in plot.options.items() if k in ("norm", "origin"))
    return f"{plot.function}" + (f" ({options})" if options else "")


def check_plot(plot: PlotCall, surfaces: Sequence[tuple[str, Evaluate]]) -> tuple[Finding, str]:
    """Whether ``plot`` shows one of ``surfaces`` (name, f(X, Y)); the finding and the name of
    the surface it was judged against."""
    subject = f"plot {plot.number}"
    evidence: dict[str, Any] = {
        "call": plot.function,
        "cell": plot.cell,
        "grid": list(plot.z.shape),
        "x_range": [float(np.nanmin(plot.x)), float(np.nanmax(plot.x))],
        "y_range": [float(np.nanmin(plot.y)), float(np.nanmax(plot.y))],
        **plot.options,
    }
    if not surfaces:
        return Finding(
            "plot",
            subject,
            "unchecked",
            "the post defines no surface to compare the plot with.",
            evidence,
        ), ""
    scores = []
    for name, evaluate in surfaces:
        with np.errstate(all="ignore"):
            values = evaluate(plot.x, plot.y)
        scores.append((rank_correlation(plot.z, values), name, evaluate))
    valid = [s for s in scores if np.isfinite(s[0])]
    best = max(valid, key=lambda s: s[0]) if valid else scores[0]
    rho, name, evaluate = best
    evidence["rank_correlation"] = rho
    evidence["surface"] = name
    if np.isfinite(rho) and rho >= SAME_LEVEL_SETS:
        summary = (
            f"plot {plot.number} ({_describe(plot)}) shows {name}: the plotted values rise and "
            f"fall with {name} at every drawn position (rank correlation {rho:.5f})."
        )
        return Finding("plot", subject, "holds", summary, evidence), name
    shows = _what_it_shows(plot, evaluate, name)
    evidence.update(shows[1])
    summary = (
        f"plot {plot.number} ({_describe(plot)}) does not show {name}: rank correlation "
        f"{rho:.3f} with {name} on the plotted grid (x in [{evidence['x_range'][0]:.4g}, "
        f"{evidence['x_range'][1]:.4g}], y in [{evidence['y_range'][0]:.4g}, "
        f"{evidence['y_range'][1]:.4g}]){shows[0]}."
    )
    return Finding("plot", subject, "wrong", summary, evidence), name


def _what_it_shows(plot: PlotCall, evaluate: Evaluate, name: str) -> tuple[str, dict[str, Any]]:
    """The common mistake the plotted values fit, if one does."""
    with np.errstate(all="ignore"):
        tries = {
            "swapped": (
                evaluate(plot.y, plot.x),
                f"; it shows {name}(y, x): x and y are swapped (a meshgrid(y, x) or a "
                "transposed Z)",
            ),
            "upside down": (
                evaluate(plot.x, -plot.y) if plot.function == "imshow" else None,
                f"; it shows {name} upside down: imshow puts row 0 at the top unless "
                "origin='lower'",
            ),
            "circles": (
                np.hypot(plot.x, plot.y),
                "; it shows sqrt(X**2 + Y**2), circles about the origin",
            ),
        }
    for label, (values, sentence) in tries.items():
        if values is None:
            continue
        rho = rank_correlation(plot.z, values)
        if np.isfinite(rho) and rho >= SAME_LEVEL_SETS:
            return sentence, {"shows": label, "its_rank_correlation": rho}
    return "", {}


def plotted_window(plot: PlotCall, explicit: set[str]) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax): the grid's extent, cut by limits the post set itself."""
    xmin, xmax = float(np.nanmin(plot.x)), float(np.nanmax(plot.x))
    ymin, ymax = float(np.nanmin(plot.y)), float(np.nanmax(plot.y))
    if "x" in explicit:
        lo, hi = sorted(plot.axes.get_xlim())
        xmin, xmax = max(xmin, lo), min(xmax, hi)
    if "y" in explicit:
        lo, hi = sorted(plot.axes.get_ylim())
        ymin, ymax = max(ymin, lo), min(ymax, hi)
    return xmin, xmax, ymin, ymax


def check_window(
    plot: PlotCall, window: tuple[float, float, float, float], name: str, minima: Sequence[Any]
) -> Finding:
    """Whether the plotted window holds a global minimum of the surface (``minima``: the
    global minima, as critical points)."""
    subject = f"plot {plot.number}"
    xmin, xmax, ymin, ymax = window
    shown = f"[{xmin:.4g}, {xmax:.4g}] x [{ymin:.4g}, {ymax:.4g}]"
    evidence: dict[str, Any] = {"window": list(window), "surface": name}
    if not minima:
        return Finding(
            "window",
            subject,
            "unchecked",
            f"no global minimum of {name} was found to look for in the window.",
            evidence,
        )
    evidence["global_minima"] = [list(m.point) for m in minima]
    inside = [m for m in minima if xmin <= m.point[0] <= xmax and ymin <= m.point[1] <= ymax]
    first = minima[0]
    point = f"({first.point[0]:.6g}, {first.point[1]:.6g})"
    if inside:
        count = (
            f"{len(inside)} of its {len(minima)} global minima"
            if len(minima) > 1
            else (f"its global minimum {point}, f = {first.value:.6g},")
        )
        return Finding(
            "window",
            subject,
            "holds",
            f"the plotted window {shown} holds {count} of {name}.",
            evidence,
        )
    return Finding(
        "window",
        subject,
        "wrong",
        f"the global minimum of {name} is at {point}, "
        f"f = {first.value:.6g}, outside the plotted window {shown}.",
        evidence,
    )
