"""The post's own runs, found in its recorded calls and re-run the right way.

A **run** is a chain of calls of one optimizer where each call starts where the previous one
ended: ``x, y = adam(x, y, cache)`` in a loop, ``w, config = sgd(w, dw, config)``,
``opt.update(w, grad)``. A plain gradient-descent loop written inline
(``w = w - lr * grad(w)``) is found too, as a chain of gradient calls whose points move by a
constant multiple of the gradient. Each run is re-run from the same start, for the same number
of steps, with the exact gradient of the surface it descends and the correct optimizer (torch's
rule) with the same hyperparameters, and the two end points are compared.

A run whose cell raised or ran out of time cannot be compared: its finding is ``unchecked``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optverify.optim.sgd import SGD
from optverify.review.findings import Finding
from optverify.review.recording import Call

__all__ = ["Run", "check_run", "find_runs"]

SAME_END = 1e-3
"""A run holds when its end is within this distance (relative to the end's size, at least 1)
of the correct run's end."""


@dataclass
class Run:
    """A chain of optimizer (or gradient) calls: where it started, how many steps, its end."""

    name: str
    kind: str | None
    cell: int
    start: np.ndarray
    end: np.ndarray
    steps: int
    calls: list[Call] = field(default_factory=list)
    lr: float | None = None

    @property
    def subject(self) -> str:
        x, y = (f"{v:g}" for v in self.start)
        label = self.name.split(".")[0] if self.kind else "gradient descent"
        return f"{label} from ({x}, {y})"


def _point(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray) and value.shape == (2,) and value.dtype.kind in "fiu":
        return value.astype(float)
    if isinstance(value, list | tuple) and len(value) == 2 and all(_number(v) for v in value):
        return np.array(value, dtype=float)
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)


def _position_in(call: Call) -> tuple[np.ndarray, str] | None:
    args = call.args
    if len(args) >= 2 and _number(args[0]) and _number(args[1]):
        return np.array([args[0], args[1]], dtype=float), "xy"
    if args:
        point = _point(args[0])
        if point is not None:
            return point, "array"
    return None


def _position_out(call: Call, how: str) -> np.ndarray | None:
    result = call.result
    if how == "xy":
        if (
            isinstance(result, tuple | list)
            and len(result) >= 2
            and _number(result[0])
            and _number(result[1])
        ):
            return np.array(result[:2], dtype=float)
        return None
    point = _point(result)
    if point is not None:
        return point
    if isinstance(result, tuple | list) and result:
        point = _point(result[0])
        if point is not None:
            return point
    return _point(call.after) if call.instance is not None else None


def find_runs(calls: Sequence[Call], kinds: dict[str, str], gradients: set[str]) -> list[Run]:
    """The runs in ``calls``: chains of each optimizer (``kinds``: name -> kind) and inline
    gradient-descent chains of each gradient function (``gradients``)."""
    runs: list[Run] = []
    open_runs: dict[tuple[str, int | None], Run] = {}
    for call in calls:
        owner = call.name.split(".")[0]
        if owner in kinds:
            found = _position_in(call)
            end = _position_out(call, found[1]) if found is not None else None
            if found is None or end is None:
                continue
            key = (call.name, call.instance)
            current = open_runs.get(key)
            if current is not None and np.array_equal(current.end, found[0]):
                current.end, current.steps = end, current.steps + 1
                current.calls.append(call)
            else:
                current = Run(owner, kinds[owner], call.cell, found[0], end, 1, [call])
                open_runs[key] = current
                runs.append(current)
    runs = [r for r in runs if r.steps >= 2]
    for name in gradients:
        for inline in _gradient_descent(name, [c for c in calls if c.name == name]):
            # an optimizer's own gradient calls make the same chain: that run is already found
            if not any(_same_chain(inline, r) for r in runs if r.kind is not None):
                runs.append(inline)
    return sorted(runs, key=lambda r: r.calls[0].cell if r.calls else r.cell)


def _same_chain(inline: Run, run: Run) -> bool:
    """Whether an inline chain of gradient calls is ``run``'s own (same start, steps, cell)."""
    return bool(
        inline.cell == run.cell
        and abs(inline.steps - run.steps) <= 1
        and np.allclose(inline.start, run.start)
    )


def _gradient_descent(name: str, calls: list[Call]) -> list[Run]:
    """Inline gradient descent: p_(k+1) = p_k - lr*grad(p_k) with one lr for the whole chain
    (at least three steps). The end is the last point moved by its gradient."""
    runs: list[Run] = []
    chain: list[tuple[np.ndarray, np.ndarray, Call]] = []
    lr: float | None = None

    def close() -> None:
        if len(chain) >= 3 and lr is not None and lr > 0:
            p, g, _ = chain[-1]
            run = Run(
                name,
                None,
                chain[0][2].cell,
                chain[0][0],
                p - lr * g,
                len(chain),
                [c for _, _, c in chain],
                lr,
            )
            runs.append(run)

    for call in calls:
        found = _position_in(call)
        g = _point(call.result)
        if found is None or g is None:
            close()
            chain, lr = [], None
            continue
        p = found[0]
        if chain:
            q, h, _ = chain[-1]
            if lr is None and len(chain) == 1:
                lr = _ratio(q - p, h)
                if lr is not None:
                    chain.append((p, g, call))
                    continue
            elif lr is not None and np.allclose(p, q - lr * h, rtol=1e-12, atol=1e-12):
                chain.append((p, g, call))
                continue
            close()
        chain, lr = [(p, g, call)], None
    close()
    return runs


def _ratio(moved: np.ndarray, g: np.ndarray) -> float | None:
    """lr with ``moved == lr * g`` (to rounding), if there is one."""
    nonzero = np.abs(g) > 0
    if not nonzero.any():
        return None
    ratios = moved[nonzero] / g[nonzero]
    if np.allclose(ratios, ratios[0], rtol=1e-9) and np.allclose(moved, ratios[0] * g, atol=1e-15):
        return float(ratios[0])
    return None


def hyperparameters(
    definition: Any,
    kind: str,
    run: Run,
    names: dict[str, str],
    constructed: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The run's hyperparameters in our names: the call's keywords, the code's defaults, a
    CS231n config's keys, a class's constructor arguments (``constructed``: what each
    instance's ``__init__`` was given, by ``id``)."""
    from optverify.optim import REGISTRY

    record = REGISTRY.get(kind)
    given: dict[str, Any] = {}
    first = run.calls[0]
    obj = definition
    if isinstance(obj, type):
        init: Any = getattr(obj, "__optverify_init__", None) or obj.__init__  # type: ignore[misc]
        given.update(_defaults(init))
        made = (constructed or {}).get(first.instance or -1, {})
        try:
            positional = list(inspect.signature(init).parameters)[1:]
        except (TypeError, ValueError):
            positional = []
        given.update(zip(positional, made.get("args", ()), strict=False))
        given.update({k: v for k, v in made.items() if k != "args"})
    else:
        given.update(_defaults(obj))
        given.update(first.kwargs)
        config = (
            first.result[1]
            if isinstance(first.result, tuple | list)
            and len(first.result) == 2
            and isinstance(first.result[1], dict)
            else None
        )
        if config:
            given.update(config)
    out: dict[str, Any] = {}
    for ours, theirs in names.items():
        base, _, index = theirs.partition("[")
        value = given.get(base)
        if index and isinstance(value, tuple | list):
            value = value[int(index.rstrip("]"))]
        if _number(value) or isinstance(value, bool):
            out[ours] = value
    known = record.defaults()
    return {k: v for k, v in out.items() if k in known}


def _defaults(function: Any) -> dict[str, Any]:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return {}
    return {
        p.name: p.default
        for p in signature.parameters.values()
        if p.default is not inspect.Parameter.empty
    }


def check_run(run: Run, surface: Any, settings: dict[str, Any], failed: str | None) -> Finding:
    """Re-run ``run`` with the exact gradient of ``surface`` and torch's rule; compare ends."""
    from optverify.optim import REGISTRY

    evidence: dict[str, Any] = {
        "start": run.start,
        "steps": run.steps,
        "end": run.end,
        "cell": run.cell,
        "hyperparameters": settings,
        "surface": surface.name,
    }
    if failed is not None:
        summary = f"the cell that runs it {failed}, so there is no end point to compare."
        return Finding("run", run.subject, "unchecked", summary, evidence)
    kind = run.kind or SGD.name
    if run.kind is None:
        settings = {"lr": run.lr}
    record = REGISTRY.get(kind)
    try:
        optimizer = record.build(**settings)
    except Exception as error:
        return Finding(
            "run",
            run.subject,
            "unchecked",
            f"its hyperparameters {settings} are not valid for {kind}: {error}",
            evidence,
        )
    p = run.start.copy()
    state = optimizer.init(p)
    with np.errstate(all="ignore"):
        for _ in range(run.steps):
            g = surface.gradient(p)
            update, state = optimizer.update(g, state, p)
            p = p + update
            if not np.all(np.isfinite(p)):
                break
        f_post, f_true = (float(surface.value(q)) for q in (run.end, p))
    distance = float(np.linalg.norm(run.end - p))
    evidence.update(reference_end=p, distance=distance, f_end=f_post, f_reference=f_true)
    minimum = _nearest_minimum(surface, p)
    if minimum is not None:
        evidence["nearest_minimum"] = minimum
    settings_text = ", ".join(f"{k} {v:g}" for k, v in settings.items())
    same = bool(np.isfinite(distance) and distance <= SAME_END * max(1.0, float(np.abs(p).max())))
    both_diverge = not np.all(np.isfinite(run.end)) and not np.all(np.isfinite(p))
    told = (
        f"{run.steps} steps ({settings_text}) from ({run.start[0]:g}, {run.start[1]:g}) end at "
        f"{_fmt(run.end)}, f = {f_post:.6g}; {kind} with torch's rule on the exact gradient "
        f"ends at {_fmt(p)}, f = {f_true:.6g}"
    )
    if same or both_diverge:
        return Finding(
            "run",
            run.subject,
            "holds",
            f"{told}: the same end (apart by {distance:.2g}).",
            evidence,
        )
    return Finding("run", run.subject, "wrong", f"{told}: {distance:.3g} apart.", evidence)


def _fmt(p: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in p) + ")"


def _nearest_minimum(surface: Any, point: np.ndarray) -> list[float] | None:
    minima = getattr(surface, "minima", None)
    if not minima:
        return None
    best = min(minima, key=lambda m: float(np.linalg.norm(np.asarray(m.point) - point)))
    return [float(v) for v in best.point]
