"""Animations as code: what to animate, from a TOML file, the command line or Python.

A spec names a surface (or an expression), the optimizers and their hyperparameters, the
starts, the steps, and how the GIF looks. ``animations/*.toml`` files are specs::

    title = "Adam and SGD on the seed surface"
    surface = "seed"            # or: expr = "x**2 + 10*y**2"
    start = [0.5, 5.8]          # or: starts = [[0.5, 5.8], [-1.0, 0.5]]
    steps = 200
    fps = 20
    size = [640, 480]
    window = [-2, 3, -6, 7]     # optional: xmin, xmax, ymin, ymax

    [optimizers.adam]
    lr = 0.2

    [optimizers.mine]                   # your own: MODULE:ATTR or path.py:ATTR, any shape
    optimizer = "my_adam.py:MyAdam"
    lr = 0.2

    [optimizers.adam-on-the-posts-df]   # any name; then say which optimizer it is
    optimizer = "adam"
    gradient = "post-df"                # the post's hand-derived df instead of the true one
    label = "Adam on the post's df"
    lr = 0.05

A bad spec is rejected with one line naming the file, the key and the fix.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from optverify.errors import InvalidArgument
from optverify.limits import (
    MAX_ANIMATION_STARTS,
    MAX_FRAMES,
    MAX_HOLD_SECONDS,
    MAX_LOOPS,
    MAX_RUNS,
    MAX_SIDE,
    MAX_STEPS,
    MIN_SIDE,
)
from optverify.optim import REGISTRY
from optverify.optim.base import Optimizer
from optverify.optim.run import run
from optverify.symbolic import surfaces
from optverify.symbolic.surfaces import Surface, Window

__all__ = [
    "AnimationSpec",
    "RunSpec",
    "build_paths",
    "load_spec",
    "shipped_specs",
]

GRADIENTS = ("true", "post-df")
"""Where a run's gradient comes from: the surface's symbolic gradient, or the post's df."""

SHIPPED = Path(__file__).with_name("gallery")
"""Specs that ship with the package (the seed's own are in ``optverify/seed/``)."""


@dataclass(frozen=True)
class RunSpec:
    """One optimizer run: the optimizer (built, its settings checked), its gradient, its label
    and colour."""

    optimizer: Optimizer
    label: str
    color: str
    gradient: str = "true"
    source: str = ""
    """The name it was given by (``adam``, ``my_adam.py:MyAdam``); ``""`` for an object."""

    @classmethod
    def of(
        cls,
        name: str | Any,
        hyperparameters: Mapping[str, Any] | None = None,
        *,
        gradient: str = "true",
        label: str | None = None,
        kind: str | None = None,
    ) -> RunSpec:
        """The run of the optimizer ``name`` with ``hyperparameters`` (in our names): a
        registered one, or a user's (``mymod.py:MyAdam``, ``torch:Adam``, ``optax:adam``, or the
        object itself), adapted as :mod:`optverify.adapters` does for verification."""
        if isinstance(name, str) and name in REGISTRY:
            record = REGISTRY.get(name)
            optimizer = record.build(**(hyperparameters or {}))
            shown = label or _label(optimizer, record.defaults(), gradient)
            return cls(optimizer, shown, record.color, gradient, name)
        from optverify.adapters.resolve import resolve_optimizer
        from optverify.animation.render import color_for

        candidate = resolve_optimizer(name, kind)
        optimizer = candidate.build(**(hyperparameters or {}))
        shown = label or _label(optimizer, candidate.code_defaults, gradient)
        color = candidate.color or color_for(candidate.label)
        return cls(optimizer, shown, color, gradient, name if isinstance(name, str) else "")


@dataclass(frozen=True)
class AnimationSpec:
    """Everything one animation needs (the surface carries the window shown)."""

    runs: tuple[RunSpec, ...]
    starts: tuple[tuple[float, float], ...]
    steps: int
    surface: Surface
    title: str | None = None
    fps: float = 20.0
    size: tuple[int, int] = (640, 480)
    max_frames: int = 240
    hold: float = 2.0
    loop: int = 0


def _label(optimizer: Optimizer, defaults: Mapping[str, Any], gradient: str) -> str:
    settings = dict(optimizer.hyperparameters)
    shown = {k: v for k, v in settings.items() if k == "lr" or defaults.get(k) != v}
    settings_text = ", ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()
    )
    suffix = " on the post's df" if gradient == "post-df" else ""
    name = optimizer.name
    return f"{name} ({settings_text}){suffix}" if settings_text else name + suffix


def _posts_df(points: np.ndarray) -> np.ndarray:
    from optverify.seed import specimens

    return np.stack(specimens.df(points[..., 0], points[..., 1]), axis=-1)


MAX_SPEC_BYTES = 1_000_000
"""A spec file is small: a larger one is refused before it is read."""

RECORDED_POINTS = 1_000_000
"""Points recorded across all runs and starts of one animation: longer runs record every
k-th step (and the last), which draws the same curve at any size and keeps memory flat."""


def _every(spec: AnimationSpec) -> int:
    """Record every k-th step so that at most :data:`RECORDED_POINTS` points are kept."""
    total = spec.steps * max(1, len(spec.runs)) * max(1, len(spec.starts))
    return max(1, math.ceil(total / RECORDED_POINTS))


def build_paths(spec: AnimationSpec) -> list[Any]:
    """Run every optimizer of ``spec`` and return the paths to draw."""
    from optverify.animation.render import Path2D

    paths = []
    seen: dict[str, int] = {}
    starts = np.array(spec.starts, dtype=float)
    every = _every(spec)
    for run_spec in spec.runs:
        gradient = _posts_df if run_spec.gradient == "post-df" else None
        trajectory = run(
            run_spec.optimizer, spec.surface, starts, spec.steps, every=every, gradient=gradient
        )
        name = run_spec.optimizer.name
        repeat = seen.get(name, 0)
        seen[name] = repeat + 1
        paths.append(Path2D(run_spec.label, trajectory, run_spec.color, "--" if repeat else "-"))
    return paths


# --- reading TOML ---------------------------------------------------------------------------

_TOP = (
    "title",
    "surface",
    "expr",
    "window",
    "start",
    "starts",
    "steps",
    "fps",
    "size",
    "max_frames",
    "hold",
    "loop",
    "optimizers",
)
_RUN = ("optimizer", "label", "gradient", "kind")


class _Reader:
    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, key: str, why: str) -> InvalidArgument:
        return InvalidArgument(f"{self.origin}: key {key!r}: {why}")

    def number(self, key: str, value: Any, *, positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"{value!r} is not a number; write e.g. {key} = 20")
        if not math.isfinite(value) or (positive and value <= 0):
            raise self.fail(key, f"{value!r} is invalid; it must be a finite positive number")
        return float(value)

    def integer(self, key: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"{value!r} is not an integer; write e.g. {key} = {low}")
        if not low <= value <= high:
            raise self.fail(key, f"{value} is outside [{low}, {high}]")
        return value

    def point(self, key: str, value: Any) -> tuple[float, float]:
        if not isinstance(value, list) or len(value) != 2:
            raise self.fail(key, f"{value!r} is not a point; write it as [x, y], e.g. [0.5, 5.8]")
        x, y = (self.number(key, v) for v in value)
        return x, y

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"{value!r} is not a string; write it in quotes")
        return value


def _spec_from_table(table: Mapping[str, Any], origin: str) -> AnimationSpec:
    read = _Reader(origin)
    unknown = [k for k in table if k not in _TOP]
    if unknown:
        raise read.fail(unknown[0], f"unknown key; the keys are {', '.join(_TOP)}")
    if "surface" in table and "expr" in table:
        raise read.fail("expr", "give surface or expr, not both")
    name = read.text("surface", table["surface"]) if "surface" in table else None
    expr = read.text("expr", table["expr"]) if "expr" in table else None
    if name is None and expr is None:
        name = "seed"
    if name is not None and name not in surfaces.names():
        raise read.fail(
            "surface", f"{name!r} is unknown; it is one of {', '.join(surfaces.names())}"
        )
    try:
        surface = surfaces.get(name) if name is not None else surfaces.from_expression(expr or "")
    except InvalidArgument as error:
        raise read.fail("expr", str(error)) from None
    if "start" in table and "starts" in table:
        raise read.fail("starts", "give start or starts, not both")
    if "starts" in table:
        raw = table["starts"]
        if not isinstance(raw, list) or not raw:
            raise read.fail("starts", "write it as a list of points, e.g. [[0, 0], [1, 1]]")
        if len(raw) > MAX_ANIMATION_STARTS:
            raise read.fail("starts", f"{len(raw)} starts; the limit is {MAX_ANIMATION_STARTS}")
        starts = tuple(read.point("starts", p) for p in raw)
    elif "start" in table:
        starts = (read.point("start", table["start"]),)
    elif surface.start is not None:
        starts = (surface.start,)
    else:
        raise read.fail("start", "missing; write e.g. start = [0.5, 5.8]")
    steps = read.integer("steps", table.get("steps", 100), 0, MAX_STEPS)
    fps = read.number("fps", table.get("fps", 20.0), positive=True)
    size_raw = table.get("size", [640, 480])
    if not isinstance(size_raw, list) or len(size_raw) != 2:
        raise read.fail("size", f"{size_raw!r} is not a size; write it as [width, height]")
    size = (
        read.integer("size", size_raw[0], MIN_SIDE, MAX_SIDE),
        read.integer("size", size_raw[1], MIN_SIDE, MAX_SIDE),
    )
    max_frames = read.integer("max_frames", table.get("max_frames", 240), 2, MAX_FRAMES)
    hold = read.number("hold", table.get("hold", 2.0))
    if not 0 <= hold <= MAX_HOLD_SECONDS:
        raise read.fail("hold", f"{hold:g} s is outside [0, {MAX_HOLD_SECONDS:g}] seconds")
    loop = read.integer("loop", table.get("loop", 0), 0, MAX_LOOPS)
    window = None
    if "window" in table:
        raw = table["window"]
        if not isinstance(raw, list) or len(raw) != 4:
            raise read.fail("window", "write it as [xmin, xmax, ymin, ymax]")
        try:
            window = Window.checked(*(read.number("window", v) for v in raw))
        except InvalidArgument as error:
            raise read.fail("window", str(error)) from None
    shown = surface if window is None else dataclasses.replace(surface, window=window)
    title = read.text("title", table["title"]) if "title" in table else None
    optimizers = table.get("optimizers")
    if not isinstance(optimizers, dict) or not optimizers:
        raise read.fail(
            "optimizers", "missing; add a table per optimizer, e.g. [optimizers.adam] lr = 0.1"
        )
    if len(optimizers) > MAX_RUNS:
        raise read.fail("optimizers", f"{len(optimizers)} runs; the limit is {MAX_RUNS}")
    runs = []
    for key, settings in optimizers.items():
        where = f"optimizers.{key}"
        if not isinstance(settings, dict):
            raise read.fail(where, "must be a table of hyperparameters, e.g. [optimizers.adam]")
        name = (
            read.text(f"{where}.optimizer", settings["optimizer"])
            if "optimizer" in settings
            else key
        )
        user = ":" in name
        if not user and name not in REGISTRY:
            everything = ", ".join(REGISTRY.names(specimens=True))
            raise read.fail(
                f"{where}.optimizer" if "optimizer" in settings else where,
                f"{name!r} is not an optimizer; it is one of {everything}, or MODULE:ATTR, "
                "torch:CLASS, optax:NAME",
            )
        known = REGISTRY.get(name).defaults() if not user else None
        hyper = {}
        for k, v in settings.items():
            if k in _RUN:
                continue
            if known is not None and k not in known:
                raise read.fail(
                    f"{where}.{k}",
                    f"{name} has no hyperparameter {k!r}; it takes {', '.join(known)}",
                )
            hyper[k] = v
        gradient = settings.get("gradient", "true")
        if gradient not in GRADIENTS:
            raise read.fail(
                f"{where}.gradient", f"{gradient!r} is invalid; it is one of {', '.join(GRADIENTS)}"
            )
        label = read.text(f"{where}.label", settings["label"]) if "label" in settings else None
        kind = read.text(f"{where}.kind", settings["kind"]) if "kind" in settings else None
        try:
            runs.append(RunSpec.of(name, hyper, gradient=gradient, label=label, kind=kind))
        except InvalidArgument as error:
            raise read.fail(where, str(error)) from None
    return AnimationSpec(
        tuple(runs), starts, steps, shown, title, fps, size, max_frames, hold, loop
    )


def load_spec(path: str | Path) -> AnimationSpec:
    """Read and validate an animation spec from a TOML file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            raise InvalidArgument(
                f"{path}: is {path.stat().st_size:,} bytes; a spec is at most "
                f"{MAX_SPEC_BYTES:,} bytes."
            )
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidArgument(f"{path}: cannot be read ({error.strerror or error}).") from None
    except UnicodeDecodeError as error:
        raise InvalidArgument(
            f"{path}: is not UTF-8 text (byte {error.start}); a spec is a TOML file."
        ) from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidArgument(f"{path}: is not valid TOML ({error}).") from None
    except RecursionError:
        raise InvalidArgument(f"{path}: nests too deeply to be a spec.") from None
    return _spec_from_table(table, str(path))


def shipped_specs() -> dict[str, AnimationSpec]:
    """File stem -> spec, for every spec that ships in ``optverify/animation/gallery/``."""
    return {path.stem: load_spec(path) for path in sorted(SHIPPED.glob("*.toml"))}


ProgressFn = Callable[[int, int], None]
