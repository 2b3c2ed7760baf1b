"""What a post's code did while it ran: its plots and its optimizer calls, recorded.

Runs inside the sandbox child (:mod:`optverify.review.sandbox`), never in the toolkit's own
process. Two kinds of record:

- **Plots.** ``contour``, ``contourf``, ``imshow`` and ``plot_surface`` calls are recorded with
  their data (the grid and the plotted values), numbered in the order they ran: ``plot 1`` is
  the first such call of the whole post. Limits the post sets itself (``plt.xlim``,
  ``ax.set_ylim``, ``plt.axis``) are noted per axes, so the window a reader sees is the grid
  cut by those limits. Drawing still happens (on the Agg canvas, never shown).
- **Optimizer calls.** Each top-level function or class whose name says it is an optimizer
  (``adam``, ``sgd_momentum``, ``RMSpropOptimizer``) is wrapped right after its definition by
  :func:`watch_definitions` (an AST rewrite), so every call the post's loops make is recorded:
  its arguments, its result and, for a class, the parameters after the call (code that moves
  them in place returns nothing). The wrapper only records: it passes everything through.
"""

from __future__ import annotations

import ast
import functools
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CELL_PREFIX",
    "Call",
    "PlotCall",
    "Recorder",
    "watch_definitions",
]

CELL_PREFIX = "<post cell "
"""Code objects compiled from the post are named ``<post cell N>``: user frames are told apart
from the toolkit's and matplotlib's by this."""

WATCHED_METHODS = ("update", "step", "apply", "apply_gradients", "minimize", "__call__")
MAX_CALLS = 50_000
"""Recorded calls per function, at most (a loop of a million steps keeps its first 50,000)."""
MAX_PLOT_VALUES = 4_000_000
"""Plotted values kept per plot call, at most (larger grids are recorded strided)."""


@dataclass
class PlotCall:
    """One contour/contourf/imshow/plot_surface call: its grid, values and axes."""

    number: int
    function: str
    cell: int
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    axes: Any
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Call:
    """One call of a watched optimizer: its arguments, result and, for a method, the object's
    id and the first argument as it stood after the call."""

    name: str
    cell: int
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    result: Any
    instance: int | None = None
    after: Any = None


def snapshot(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` detached from the post's objects: numbers and arrays copied, tuples,
    lists and dicts of them copied to a small depth, anything else kept as its type's name."""
    if isinstance(value, bool | int | float | complex | str | type(None) | np.generic):
        return value
    if isinstance(value, np.ndarray):
        return value.copy() if value.size <= 10_000 else f"<array {value.shape}>"
    if depth < 3 and isinstance(value, tuple | list):
        items = [snapshot(v, depth + 1) for v in value[:64]]
        return tuple(items) if isinstance(value, tuple) else items
    if depth < 3 and isinstance(value, dict):
        return {str(k): snapshot(v, depth + 1) for k, v in list(value.items())[:64]}
    return f"<{type(value).__name__}>"


def _grid(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[np.ndarray, ...] | None:
    """(X, Y, Z) of a contour or surface call, X and Y broadcast to Z's shape."""
    arrays = [a for a in args if not isinstance(a, int | float | str)]
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    if len(arrays) >= 3 and np.ndim(arrays[2]) == 2:
        x, y, z = (np.ma.filled(np.ma.asarray(a, dtype=float), np.nan) for a in arrays[:3])
    elif arrays and np.ndim(arrays[0]) == 2:
        z = np.ma.filled(np.ma.asarray(arrays[0], dtype=float), np.nan)
        x, y = np.arange(z.shape[1], dtype=float), np.arange(z.shape[0], dtype=float)
    else:
        return None
    if x.ndim == 1 and y.ndim == 1:
        x, y = np.meshgrid(x, y)
    if x.shape != z.shape or y.shape != z.shape:
        return None
    return x, y, z


def _image(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[np.ndarray, ...] | None:
    """(X, Y, Z) of an ``imshow`` call: the pixel centres from ``extent`` and ``origin``."""
    import matplotlib as mpl

    if not args or np.ndim(args[0]) != 2:
        return None
    z: np.ndarray = np.ma.filled(np.ma.asarray(args[0], dtype=float), np.nan)
    rows, columns = z.shape
    origin = kwargs.get("origin") or mpl.rcParams["image.origin"]
    default = (
        (-0.5, columns - 0.5, rows - 0.5, -0.5)
        if origin == "upper"
        else (-0.5, columns - 0.5, -0.5, rows - 0.5)
    )
    left, right, bottom, top = kwargs.get("extent") or default
    xs = left + (np.arange(columns) + 0.5) * (right - left) / columns
    if origin == "upper":  # row 0 at the top
        ys = top + (np.arange(rows) + 0.5) * (bottom - top) / rows
    else:
        ys = bottom + (np.arange(rows) + 0.5) * (top - bottom) / rows
    x, y = np.meshgrid(xs, ys)
    return x, y, z


def _strided(grid: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    size = grid[2].size
    if size <= MAX_PLOT_VALUES:
        return tuple(a.copy() for a in grid)
    step = int(np.ceil(np.sqrt(size / MAX_PLOT_VALUES)))
    return tuple(a[::step, ::step].copy() for a in grid)


def _options(kwargs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    norm = kwargs.get("norm")
    if norm is not None:
        out["norm"] = norm if isinstance(norm, str) else type(norm).__name__
    for key in ("origin", "extent", "cmap"):
        if key in kwargs and isinstance(kwargs[key], str | tuple | list):
            out[key] = kwargs[key]
    return out


class Recorder:
    """Installs the plot and call recording; holds what was recorded."""

    def __init__(self) -> None:
        self.plots: list[PlotCall] = []
        self.calls: list[Call] = []
        self.explicit_limits: dict[int, set[str]] = {}
        self.cell = -1
        self.active = True
        self.constructed: dict[int, dict[str, Any]] = {}
        self._inside = False
        self.counts: dict[str, int] = {}

    # --- plots -------------------------------------------------------------------------------

    def install_plots(self) -> None:
        """Wrap the Axes methods that draw surfaces and set limits."""
        from matplotlib.axes import Axes

        for name in ("contour", "contourf"):
            self._wrap_plot(Axes, name, _grid)
        self._wrap_plot(Axes, "imshow", _image)
        try:
            from mpl_toolkits.mplot3d.axes3d import Axes3D  # type: ignore[import-untyped]

            self._wrap_plot(Axes3D, "plot_surface", _grid)
            for name in ("contour", "contourf"):
                self._wrap_plot(Axes3D, name, _grid)
        except ImportError:  # pragma: no cover - part of matplotlib
            pass
        for name, axis in (("set_xlim", "x"), ("set_ylim", "y")):
            self._wrap_limit(Axes, name, axis)

        import matplotlib.pyplot as plt

        plt.show = lambda *args, **kwargs: None
        plt.pause = lambda *args, **kwargs: None

    def _wrap_plot(self, cls: type, name: str, grid: Callable[..., Any]) -> None:
        original = getattr(cls, name)
        recorder = self

        @functools.wraps(original)
        def wrapper(axes: Any, *args: Any, **kwargs: Any) -> Any:
            if recorder._inside or not recorder.active:
                return original(axes, *args, **kwargs)
            recorder._inside = True
            try:
                result = original(axes, *args, **kwargs)
            finally:
                recorder._inside = False
            try:
                found = grid(args, kwargs)
            except Exception:  # an exotic call: drawn, not recorded
                found = None
            if found is not None:
                x, y, z = _strided(found)
                recorder.plots.append(
                    PlotCall(
                        len(recorder.plots) + 1,
                        name,
                        recorder.cell,
                        x,
                        y,
                        z,
                        axes,
                        _options(kwargs),
                    )
                )
            return result

        setattr(cls, name, wrapper)

    def _wrap_limit(self, cls: type, name: str, axis: str) -> None:
        original = getattr(cls, name)
        recorder = self

        @functools.wraps(original)
        def wrapper(axes: Any, *args: Any, **kwargs: Any) -> Any:
            if recorder.active and _from_post():
                recorder.explicit_limits.setdefault(id(axes), set()).add(axis)
            return original(axes, *args, **kwargs)

        setattr(cls, name, wrapper)

    # --- optimizer calls ---------------------------------------------------------------------

    def watch(self, obj: Any, name: str) -> Any:
        """``obj`` (a function or class defined by the post) with its calls recorded."""
        if isinstance(obj, type):
            self._watch_class(obj, name)
            return obj
        if not callable(obj) or getattr(obj, "__optverify_original__", None) is not None:
            return obj
        recorder = self

        @functools.wraps(obj)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not recorder.active or recorder.counts.get(name, 0) >= MAX_CALLS:
                return obj(*args, **kwargs)
            before = snapshot(args), snapshot(kwargs)
            result = obj(*args, **kwargs)
            recorder.counts[name] = recorder.counts.get(name, 0) + 1
            recorder.calls.append(Call(name, recorder.cell, before[0], before[1], snapshot(result)))
            return result

        wrapper.__optverify_original__ = obj  # type: ignore[attr-defined]
        return wrapper

    def _watch_class(self, cls: type, name: str) -> None:
        recorder = self
        init = cls.__init__  # type: ignore[misc]

        @functools.wraps(init)
        def recorded_init(instance: Any, *args: Any, **kwargs: Any) -> None:
            init(instance, *args, **kwargs)
            if recorder.active:
                recorder.constructed[id(instance)] = {"args": snapshot(args), **snapshot(kwargs)}

        cls.__init__ = recorded_init  # type: ignore[misc]
        cls.__optverify_init__ = init  # type: ignore[attr-defined]
        for method_name in WATCHED_METHODS:
            method = cls.__dict__.get(method_name)
            if method is None or not callable(method):
                continue
            setattr(cls, method_name, self._recorded_method(method, f"{name}.{method_name}"))

    def _recorded_method(self, method: Callable[..., Any], label: str) -> Callable[..., Any]:
        recorder = self

        @functools.wraps(method)
        def wrapper(instance: Any, *args: Any, **kwargs: Any) -> Any:
            if not recorder.active or recorder.counts.get(label, 0) >= MAX_CALLS:
                return method(instance, *args, **kwargs)
            before = snapshot(args), snapshot(kwargs)
            result = method(instance, *args, **kwargs)
            recorder.counts[label] = recorder.counts.get(label, 0) + 1
            after = snapshot(args[0]) if args else None
            recorder.calls.append(
                Call(
                    label,
                    recorder.cell,
                    before[0],
                    before[1],
                    snapshot(result),
                    id(instance),
                    after,
                )
            )
            return result

        wrapper.__optverify_original__ = method  # type: ignore[attr-defined]
        return wrapper


def _from_post(depth: int = 8) -> bool:
    """Whether the caller chain reaches the post's own code before matplotlib's autoscaling."""
    frame: types.FrameType | None = sys._getframe(2)
    for _ in range(depth):
        if frame is None:
            return False
        if frame.f_code.co_filename.startswith(CELL_PREFIX):
            return True
        if frame.f_code.co_name in ("autoscale_view", "_unstale_viewLim", "apply_aspect", "relim"):
            return False
        frame = frame.f_back
    return False


def watch_definitions(tree: ast.Module, is_optimizer: Callable[[str], bool]) -> ast.Module:
    """``tree`` with ``NAME = __optverify_watch__(NAME, "NAME")`` after each top-level
    function, and after each class whose name ``is_optimizer`` says is an optimizer's."""
    body: list[ast.stmt] = []
    for statement in tree.body:
        body.append(statement)
        watched = isinstance(statement, ast.FunctionDef) or (
            isinstance(statement, ast.ClassDef) and is_optimizer(statement.name)
        )
        if watched:
            name = statement.name  # type: ignore[attr-defined]
            call = ast.parse(f"{name} = __optverify_watch__({name}, {name!r})").body[0]
            body.append(ast.copy_location(call, statement))
    tree.body = body
    return ast.fix_missing_locations(tree)


def unwrap(obj: Any) -> Any:
    """The post's own function or class behind a recording wrapper."""
    if isinstance(obj, type):
        return obj
    return getattr(obj, "__optverify_original__", obj)


def restore_class(cls: type) -> None:
    """Undo :meth:`Recorder._watch_class` (so that verification copies plain objects)."""
    init = cls.__dict__.get("__optverify_init__")
    if init is not None:
        cls.__init__ = init  # type: ignore[misc]
    for method_name in WATCHED_METHODS:
        method = cls.__dict__.get(method_name)
        original = getattr(method, "__optverify_original__", None)
        if original is not None:
            setattr(cls, method_name, original)
