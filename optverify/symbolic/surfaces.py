"""Surfaces: a SymPy expression in ``x`` and ``y``, and everything numeric derived from it.

A :class:`Surface` is written once, as expression text in :mod:`optverify.symbolic.expressions`'
safe grammar. Its value, gradient and Hessian are never written by hand: they come from the
generated module :mod:`optverify.symbolic.generated` (written by ``optverify gradients``) when
that module was generated from the same text, and are otherwise derived with SymPy on first use.
Either way NumPy evaluates them on arrays of shape ``(..., 2)``.

The registry maps names to surfaces; the command line, the tests and the animations all read it.
SymPy is imported only when an expression must be derived.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from optverify.errors import InvalidArgument

if TYPE_CHECKING:
    import sympy as sp

__all__ = [
    "CODEGEN_VERSION",
    "Minimum",
    "NumericFunctions",
    "Surface",
    "Window",
    "as_surface",
    "from_expression",
    "get",
    "names",
    "register",
    "replace_window",
    "resolve",
]

CODEGEN_VERSION = 1
"""Bumped when the generated code's form changes, so that stale generated code is not used."""

Array = NDArray[np.float64]


class Window(NamedTuple):
    """An axis-aligned rectangle ``[xmin, xmax] x [ymin, ymax]``."""

    xmin: float
    xmax: float
    ymin: float
    ymax: float

    def contains(self, point: ArrayLike) -> bool:
        """Whether ``point`` (x, y) lies in the closed rectangle."""
        x, y = (float(v) for v in np.asarray(point, dtype=float).reshape(2))
        return self.xmin <= x <= self.xmax and self.ymin <= y <= self.ymax

    def __str__(self) -> str:
        return f"[{self.xmin:g}, {self.xmax:g}] x [{self.ymin:g}, {self.ymax:g}]"

    @classmethod
    def parse(cls, text: str) -> Window:
        """Parse ``"XMIN:XMAX,YMIN:YMAX"``, e.g. ``"-1:2,-2:1"``."""
        try:
            xs, ys = text.split(",")
            (xmin, xmax), (ymin, ymax) = (map(float, part.split(":")) for part in (xs, ys))
        except ValueError:
            raise InvalidArgument(
                f"window={text!r} is invalid: write it as XMIN:XMAX,YMIN:YMAX, e.g. -1:2,-2:1."
            ) from None
        return cls.checked(xmin, xmax, ymin, ymax)

    @classmethod
    def coerce(cls, value: object) -> Window:
        """A window from a :class:`Window` or four numbers ``(xmin, xmax, ymin, ymax)``."""
        if isinstance(value, Window):
            return value
        try:
            numbers = [float(v) for v in value]  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            numbers = []
        if len(numbers) != 4:
            raise InvalidArgument(
                f"window={value!r} is invalid: give (xmin, xmax, ymin, ymax), e.g. (-1, 2, -2, 1)."
            )
        return cls.checked(*numbers)

    @classmethod
    def checked(cls, xmin: float, xmax: float, ymin: float, ymax: float) -> Window:
        """Build a window, raising :class:`InvalidArgument` unless it is finite and non-empty."""
        bounds = (xmin, xmax, ymin, ymax)
        if not all(math.isfinite(b) for b in bounds) or not (xmin < xmax and ymin < ymax):
            raise InvalidArgument(
                f"window={bounds} is invalid: the bounds must be finite with xmin < xmax "
                "and ymin < ymax."
            )
        return cls(*(float(b) for b in bounds))


class Minimum(NamedTuple):
    """A known global minimum: where it is, its value, and whether f is smooth there."""

    point: tuple[float, float]
    value: float
    smooth: bool = True


class NumericFunctions(NamedTuple):
    """Value, gradient and Hessian as functions of ``(x, y)`` (floats or equal-shape arrays)."""

    value: Callable[[Any, Any], Any]
    gradient: Callable[[Any, Any], tuple[Any, Any]]
    hessian: Callable[[Any, Any], tuple[tuple[Any, Any], tuple[Any, Any]]]


def _as_points(points: ArrayLike) -> Array:
    array = np.asarray(points, dtype=np.float64)
    if array.ndim == 0 or array.shape[-1] != 2:
        raise InvalidArgument(
            f"points of shape {array.shape} are invalid: the last axis must hold (x, y), size 2."
        )
    return array


def _coordinates(p: Array) -> tuple[Array, Array]:
    # Contiguous copies: the ~20 operations of a derivative then run on unit-stride data,
    # which is faster than on the interleaved columns of an (N, 2) array.
    return np.ascontiguousarray(p[..., 0]), np.ascontiguousarray(p[..., 1])


@dataclass(frozen=True, eq=False)
class Surface:
    """A function f(x, y) given by an expression, with what is known about it.

    Attributes:
      name: the registry name (``seed``, ``rosenbrock``, ...).
      source: the expression text, in the grammar of
        :func:`~optverify.symbolic.expressions.parse_expression`; decimals are exact rationals.
      window: the default plotting window.
      minima: the known global minima; ``()`` when f is unbounded below, ``None`` when unknown.
      description: one line saying what the surface is.
      reference: where it comes from.
      start: a natural starting point for runs on it, if it has one (the seed post's start);
        commands that need a start and are not given one use it.
    """

    name: str
    source: str
    window: Window
    minima: tuple[Minimum, ...] | None = None
    description: str = ""
    reference: str = ""
    start: tuple[float, float] | None = None
    _numeric: list[NumericFunctions] = field(default_factory=list, repr=False)

    @cached_property
    def expr(self) -> sp.Expr:
        """The SymPy expression (imports SymPy on first use)."""
        from optverify.symbolic.expressions import parse_expression

        return parse_expression(self.source)

    @property
    def digest(self) -> str:
        """A digest of the expression text and the code generator's version."""
        text = f"optverify-codegen-{CODEGEN_VERSION}\n{self.source}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def functions(self) -> NumericFunctions:
        """The compiled value, gradient and Hessian (generated code when up to date)."""
        if not self._numeric:
            self._numeric.append(self._load_functions())
        return self._numeric[0]

    @property
    def derived_at_run_time(self) -> bool:
        """Whether the numeric functions had to be derived with SymPy (no generated code)."""
        return _generated_entry(self) is None

    def _load_functions(self) -> NumericFunctions:
        entry = _generated_entry(self)
        if entry is not None:
            return entry
        from optverify.symbolic.codegen import compile_functions

        return compile_functions(self.expr)

    def value(self, points: ArrayLike) -> Array:
        """f at ``points`` of shape ``(..., 2)``; returns shape ``(...)``."""
        p = _as_points(points)
        out = np.empty(p.shape[:-1])
        with np.errstate(all="ignore"):
            out[...] = self.functions.value(*_coordinates(p))
        return out

    def gradient(self, points: ArrayLike) -> Array:
        """The gradient (df/dx, df/dy) at ``points`` of shape ``(..., 2)``; same shape back."""
        p = _as_points(points)
        out = np.empty_like(p)  # the input's memory layout, so both columns write fast
        with np.errstate(all="ignore"):
            dx, dy = self.functions.gradient(*_coordinates(p))
            out[..., 0] = dx
            out[..., 1] = dy
        return out

    def hessian(self, points: ArrayLike) -> Array:
        """The Hessian at ``points`` of shape ``(..., 2)``; returns shape ``(..., 2, 2)``."""
        p = _as_points(points)
        out = np.empty((*p.shape, 2))
        with np.errstate(all="ignore"):
            (xx, xy), (yx, yy) = self.functions.hessian(*_coordinates(p))
            out[..., 0, 0] = xx
            out[..., 0, 1] = xy
            out[..., 1, 0] = yx
            out[..., 1, 1] = yy
        return out

    @property
    def minimum_value(self) -> float | None:
        """The global minimum value, if known."""
        return min(m.value for m in self.minima) if self.minima else None


def _generated_entry(surface: Surface) -> NumericFunctions | None:
    try:
        from optverify.symbolic import generated
    except ImportError:  # pragma: no cover - only before the first `optverify gradients`
        return None
    entry = generated.FUNCTIONS.get(surface.name)
    if entry is None or entry[0] != surface.digest:
        return None
    return NumericFunctions(entry[1], entry[2], entry[3])


_REGISTRY: dict[str, Surface] = {}


def register(surface: Surface) -> Surface:
    """Add ``surface`` to the registry under its name and return it."""
    if surface.name in _REGISTRY:
        raise InvalidArgument(f"surface name={surface.name!r} is already registered.")
    _REGISTRY[surface.name] = surface
    return surface


def names() -> list[str]:
    """The registered surfaces' names, in registration order."""
    return list(_REGISTRY)


def all_surfaces() -> Iterator[Surface]:
    """The registered surfaces, in registration order."""
    return iter(list(_REGISTRY.values()))


def get(name: str) -> Surface:
    """The registered surface called ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InvalidArgument(
            f"surface={name!r} is unknown: it needs to be one of {', '.join(_REGISTRY)} "
            "(or give an expression in x and y instead)."
        ) from None


DEFAULT_WINDOW = Window(-3.0, 3.0, -3.0, 3.0)


def from_expression(text: str, window: Window | None = None, name: str = "expr") -> Surface:
    """A surface from expression text typed by a user; parsed (safely) right away.

    Runs of white space (newlines included) become one space: the text is an expression on
    one line wherever it is shown or written.
    """
    if not isinstance(text, str):
        raise InvalidArgument(f"expression={text!r} is invalid: it must be a string.")
    source = " ".join(text.split())
    surface = Surface(
        name=name,
        source=source,
        window=window or DEFAULT_WINDOW,
        minima=None,
        description=f"f(x, y) = {source}",
        reference="user expression",
    )
    _ = surface.expr  # fail now, with a clear message, if the text is invalid
    return surface


def resolve(name: str | None, expr: str | None, window: Window | None = None) -> Surface:
    """The surface named ``name`` or spelled by ``expr`` (not both), in ``window`` if given."""
    if name is not None and expr is not None:
        raise InvalidArgument(
            "surface and expr were both given: give a surface's name or an expression, not both."
        )
    if expr is not None:
        return from_expression(expr, window)
    surface = get(name if name is not None else "seed")
    return surface if window is None else replace_window(surface, window)


def as_surface(value: object) -> Surface:
    """A surface from a :class:`Surface` or a registered surface's name (the public Python
    functions accept either)."""
    if isinstance(value, Surface):
        return value
    if isinstance(value, str):
        return get(value)
    raise InvalidArgument(
        f"surface={value!r} is invalid: give a Surface or the name of one ({', '.join(_REGISTRY)})."
    )


def replace_window(surface: Surface, window: Window) -> Surface:
    """``surface`` with another default window."""
    return dataclasses.replace(surface, window=window, _numeric=surface._numeric)


_LIBRARY = "Surjanovic & Bingham, Virtual Library of Simulation Experiments, www.sfu.ca/~ssurjano"

for _surface in (
    Surface(
        "seed",
        "0.4*x**2*y**2 + 0.3*x**2*y + 0.3*x**2 + 0.3*y**2 - 0.25*x*y**2 + 0.31*x*y - 0.2*x + 2.1*y",
        Window(-2.0, 3.0, -6.0, 7.0),
        (Minimum((0.482384247137343, -4.255968289210564), -4.962203155151476),),
        "The surface of the blog post 'Optimizer 3' (2021): quartic, not convex, minimum "
        "outside the post's plot.",
        "iissaacc, 'Optimizer 3', velog.io, 2021-07-07 (a copy ships in optverify/seed/)",
        start=(0.5, 5.8),
    ),
    Surface(
        "bowl",
        "x**2/20 + y**2",
        Window(-10.0, 10.0, -5.0, 5.0),
        (Minimum((0.0, 0.0), 0.0),),
        "Ill-conditioned quadratic bowl, condition number 20: momentum's textbook case.",
        "Saito, Deep Learning from Scratch (2016), sec. 6.1",
    ),
    Surface(
        "rosenbrock",
        "(1 - x)**2 + 100*(y - x**2)**2",
        Window(-2.0, 2.0, -1.0, 3.0),
        (Minimum((1.0, 1.0), 0.0),),
        "Rosenbrock's banana: a narrow curved valley leading to (1, 1).",
        "Rosenbrock, The Computer Journal 3(3), 1960",
    ),
    Surface(
        "beale",
        "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
        Window(-4.5, 4.5, -4.5, 4.5),
        (Minimum((3.0, 0.5), 0.0),),
        "Beale's function: flat plateaus and sharp ridges around a minimum at (3, 0.5).",
        "Beale, On an iterative method for finding a local minimum (1958); " + _LIBRARY,
    ),
    Surface(
        "himmelblau",
        "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
        Window(-5.0, 5.0, -5.0, 5.0),
        (
            Minimum((3.0, 2.0), 0.0),
            Minimum((-2.805118086952745, 3.131312518250573), 0.0),
            Minimum((-3.779310253377747, -3.283185991286170), 0.0),
            Minimum((3.584428340330492, -1.848126526964404), 0.0),
        ),
        "Himmelblau's function: four global minima of value 0, one maximum, four saddles.",
        "Himmelblau, Applied Nonlinear Programming (1972)",
    ),
    Surface(
        "booth",
        "(x + 2*y - 7)**2 + (2*x + y - 5)**2",
        Window(-10.0, 10.0, -10.0, 10.0),
        (Minimum((1.0, 3.0), 0.0),),
        "Booth's function: a convex quadratic with minimum at (1, 3).",
        _LIBRARY,
    ),
    Surface(
        "matyas",
        "0.26*(x**2 + y**2) - 0.48*x*y",
        Window(-10.0, 10.0, -10.0, 10.0),
        (Minimum((0.0, 0.0), 0.0),),
        "Matyas function: a convex quadratic, nearly flat along the diagonal.",
        _LIBRARY,
    ),
    Surface(
        "three-hump-camel",
        "2*x**2 - 1.05*x**4 + x**6/6 + x*y + y**2",
        Window(-2.0, 2.0, -2.0, 2.0),
        (Minimum((0.0, 0.0), 0.0),),
        "Three-hump camel: one global and two local minima.",
        _LIBRARY,
    ),
    Surface(
        "six-hump-camel",
        "(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2",
        Window(-3.0, 3.0, -2.0, 2.0),
        (
            Minimum((0.08984201310031806, -0.7126564030207396), -1.0316284534898774),
            Minimum((-0.08984201310031806, 0.7126564030207396), -1.0316284534898774),
        ),
        "Six-hump camel: six local minima, two of them global.",
        "Dixon & Szegő, Towards Global Optimisation 2 (1978); " + _LIBRARY,
    ),
    Surface(
        "goldstein-price",
        "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))"
        "*(30 + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))",
        Window(-2.0, 2.0, -2.0, 2.0),
        (Minimum((0.0, -1.0), 3.0),),
        "Goldstein-Price function: values spanning six orders of magnitude, minimum 3.",
        "Goldstein & Price, Mathematics of Computation 25 (1971)",
    ),
    Surface(
        "mccormick",
        "sin(x + y) + (x - y)**2 - 1.5*x + 2.5*y + 1",
        Window(-1.5, 4.0, -3.0, 4.0),
        (Minimum((-0.5471975511965976, -1.5471975511965976), -1.9132229549810367),),
        "McCormick function: a tilted valley with a sine ripple.",
        "McCormick, Mathematical Programming 10 (1976); " + _LIBRARY,
    ),
    Surface(
        "styblinski-tang",
        "(x**4 - 16*x**2 + 5*x + y**4 - 16*y**2 + 5*y)/2",
        Window(-5.0, 5.0, -5.0, 5.0),
        (Minimum((-2.903534027771177, -2.903534027771177), -78.33233140754284),),
        "Styblinski-Tang function (2-D): four basins, one global.",
        "Styblinski & Tang, Neural Networks 3(4) (1990)",
    ),
    Surface(
        "rastrigin",
        "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
        Window(-5.12, 5.12, -5.12, 5.12),
        (Minimum((0.0, 0.0), 0.0),),
        "Rastrigin function: a bowl covered in a regular grid of local minima.",
        "Rastrigin, Systems of Extremal Control (1974); " + _LIBRARY,
    ),
    Surface(
        "ackley",
        "-20*exp(-0.2*sqrt(0.5*(x**2 + y**2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
        Window(-5.0, 5.0, -5.0, 5.0),
        (Minimum((0.0, 0.0), 0.0, smooth=False),),
        "Ackley function: a nearly flat outer region and a sharp, non-smooth central hole.",
        "Ackley, A Connectionist Machine for Genetic Hillclimbing (1987)",
    ),
    Surface(
        "saddle",
        "x**2 - y**2",
        Window(-2.0, 2.0, -2.0, 2.0),
        (),
        "Saddle: a critical point at the origin that is not a minimum; unbounded below.",
        "textbook",
    ),
    Surface(
        "monkey-saddle",
        "x**3 - 3*x*y**2",
        Window(-2.0, 2.0, -2.0, 2.0),
        (),
        "Monkey saddle: a degenerate critical point (zero Hessian) with three valleys.",
        "textbook",
    ),
):
    register(_surface)
