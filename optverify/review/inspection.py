"""After the post's cells have run: everything its code defined and did, checked.

Runs in the sandbox child (:mod:`optverify.review.sandbox`) with the post's namespace and
what the :class:`~optverify.review.recording.Recorder` saw. Returns the findings about code
(surface, gradient, optimizer, run, plot, window) as JSON data, and the facts the parent needs
for the checks it makes itself (each surface's expression, the plotted windows, the kinds of
the post's optimizers).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from optverify.review.code_checks import (
    GradientFunction,
    SurfaceFunction,
    check_gradient,
    check_optimizer,
    definitions,
    find_functions,
    optimizer_kind,
)
from optverify.review.findings import Finding
from optverify.review.plots import check_plot, check_window, plotted_window
from optverify.review.recording import Recorder, restore_class
from optverify.review.runs import Run, check_run, find_runs, hyperparameters

__all__ = ["inspect_post"]

TOLERANCE = 1e-9


def _window_of(recorder: Recorder, surfaces: list[SurfaceFunction]) -> Any:
    """The window to analyse surfaces in: the first plot's grid, else the default."""
    from optverify.symbolic.surfaces import DEFAULT_WINDOW, Window

    for plot in recorder.plots:
        xs, ys = plot.x[np.isfinite(plot.x)], plot.y[np.isfinite(plot.y)]
        if xs.size and ys.size and np.ptp(xs) > 0 and np.ptp(ys) > 0:
            return Window(float(xs.min()), float(xs.max()), float(ys.min()), float(ys.max()))
    return DEFAULT_WINDOW


def _surface(function: SurfaceFunction, window: Any) -> Any:
    from optverify.symbolic.surfaces import from_expression

    return from_expression(str(function.expr), window, name=function.name)


def _global_minima(surface: Any, window: Any) -> tuple[list[Any], str]:
    """The lowest minima of ``surface`` (ties within 1e-9), searched around ``window``."""
    from optverify.budget import OutOfTime
    from optverify.symbolic.analysis import analyze
    from optverify.symbolic.surfaces import Window

    wide = Window(
        window.xmin - (window.xmax - window.xmin),
        window.xmax + (window.xmax - window.xmin),
        window.ymin - (window.ymax - window.ymin),
        window.ymax + (window.ymax - window.ymin),
    )
    try:
        analysis = analyze(surface, wide)
    except (OutOfTime, Exception):
        return [], "unknown"
    minima = analysis.minima
    if not minima:
        return [], analysis.method
    lowest = minima[0].value
    ties = [m for m in minima if abs(m.value - lowest) <= TOLERANCE * max(1.0, abs(lowest))]
    return ties, analysis.method


def _evaluator(function: SurfaceFunction, surface: Any) -> Callable[..., np.ndarray]:
    if surface is not None:
        return lambda x, y: surface.value(np.stack([x, y], axis=-1))

    def numeric(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        from optverify.usercode import call

        try:
            return np.asarray(call("the surface", function.obj, x, y), dtype=float)
        except BaseException:
            return np.full(np.shape(x), np.nan)

    return numeric


def _reads(obj: Any, names: set[str]) -> list[str]:
    """The names among ``names`` that a function (or a class's methods) reads as globals."""
    code_names: set[str] = set()
    functions = [obj] if not isinstance(obj, type) else list(vars(obj).values())
    for function in functions:
        code = getattr(getattr(function, "__optverify_original__", function), "__code__", None)
        if code is not None:
            code_names.update(code.co_names)
    return [n for n in names if n in code_names]


def _run_surface(
    run: Run, definition: Any, paired: dict[str, SurfaceFunction], gradient_calls: dict[str, Any]
) -> SurfaceFunction | None:
    """The surface a run descends: the one of the gradient it reads or was fed."""
    if run.kind is None:
        return paired.get(run.name)
    read = _reads(definition, set(paired)) if definition is not None else []
    if read:
        return paired[read[0]]
    return None


def inspect_post(
    namespace: dict[str, Any], recorder: Recorder, cells: list[dict[str, Any]], job: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The findings about the post's code, and the facts for the parent's own checks."""
    found = definitions(namespace)
    for d in found:
        if isinstance(d.obj, type):
            restore_class(d.obj)
    surfaces, gradients = find_functions(found)
    window = _window_of(recorder, surfaces)
    symbolic = {s.name: _surface(s, window) for s in surfaces if s.expr is not None}
    findings: list[Finding] = []
    for s in surfaces:
        if s.expr is None:
            findings.append(
                Finding(
                    "surface",
                    s.name,
                    "holds",
                    f"{s.name} is a surface, sampled numerically: {s.reason}.",
                )
            )
            continue
        shown = symbolic[s.name].source
        args = "w" if s.one_argument else "x, y"
        note = " (x = w[0], y = w[1])" if s.one_argument else ""
        findings.append(
            Finding(
                "surface",
                s.name,
                "holds",
                f"{s.name}({args}) = {shown}{note}, read exactly from the code.",
                {"expression": shown, "one_argument": s.one_argument},
            )
        )

    paired: dict[str, SurfaceFunction] = {}
    for g in gradients:
        finding, surface_function = check_gradient(g, surfaces, window)
        findings.append(finding)
        if surface_function is not None:
            paired[g.name] = surface_function

    kinds: dict[str, str] = {}
    reports: dict[str, Any] = {}
    objects = {d.name: d.obj for d in found}
    for d in found:
        kind = optimizer_kind(d.name)
        if kind is None:
            continue
        kinds[d.name] = kind
        finding, report = check_optimizer(d, kind, job.get("profile", "dev"))
        if finding.verdict in ("wrong", "variant") and report is not None:
            finding = _with_fix(finding, d.obj, kind, report, recorder)
        findings.append(finding)
        reports[d.name] = report

    main = next(iter(paired.values()), None) or next(
        (s for s in surfaces if s.expr is not None), None
    )
    minima_of: dict[str, list[Any]] = {}

    def minima(name: str) -> list[Any]:
        if name not in minima_of:
            minima_of[name] = _global_minima(symbolic[name], window)[0]
        return minima_of[name]

    failures = {c["cell"]: c for c in cells if not c["ok"]}
    runs = find_runs(recorder.calls, kinds, {g.name for g in gradients})
    race = None
    for run in runs:
        target = _run_surface(run, objects.get(run.name), paired, {}) or main
        failed = _failure(failures.get(run.cell))
        if target is None or target.name not in symbolic:
            findings.append(
                Finding(
                    "run",
                    run.subject,
                    "unchecked",
                    "no surface of the post takes symbols to re-run it on.",
                )
            )
            continue
        settings: dict[str, Any] = {}
        if run.kind is not None:
            report = reports.get(run.name)
            names = dict(report.names) if report is not None else {}
            settings = hyperparameters(
                objects[run.name], run.kind, run, names, recorder.constructed
            )
            if report is not None:
                for name, (value, _) in report.constants.items():
                    settings.setdefault(name, value)
        surface = symbolic[target.name]
        finding = check_run(run, surface, settings, failed)
        if "nearest_minimum" not in finding.evidence and minima(target.name):
            finding.evidence["global_minima"] = [list(m.point) for m in minima(target.name)]  # type: ignore[index]
        findings.append(finding)
        if race is None and run.kind is not None and failed is None:
            race = (run, surface, settings)
    findings += _unfinished_runs(recorder, failures, runs, kinds, gradients)

    evaluators = [(s.name, _evaluator(s, symbolic.get(s.name))) for s in surfaces]
    windows: dict[str, list[float]] = {}
    for plot in recorder.plots:
        finding, name = check_plot(plot, evaluators)
        findings.append(finding)
        name = name if name in symbolic else (main.name if main is not None else "")
        shown = plotted_window(plot, recorder.explicit_limits.get(id(plot.axes), set()))
        windows[f"plot {plot.number}"] = list(shown)
        if name in symbolic:
            findings.append(check_window(plot, shown, name, minima(name)))
        else:
            findings.append(
                Finding(
                    "window",
                    f"plot {plot.number}",
                    "unchecked",
                    "no surface of the post takes symbols to find its minimum.",
                )
            )

    facts: dict[str, Any] = {
        "surfaces": [
            {
                "name": s.name,
                "expression": symbolic[s.name].source if s.name in symbolic else None,
                "one_argument": s.one_argument,
            }
            for s in surfaces
        ],
        "main_surface": main.name if main is not None else None,
        "windows": windows,
        "window": list(window),
        "optimizers": kinds,
        "gradients": {g: s.name for g, s in paired.items()},
    }
    if race is not None and job.get("race"):
        facts["race"] = _race(race, objects, job["race"])
    return [f.to_json() for f in findings], facts


def _with_fix(finding: Finding, obj: Any, kind: str, report: Any, recorder: Recorder) -> Finding:
    """The finding with the post's optimizer written again with the right rule, if it can be."""
    import dataclasses

    from optverify.optim import REGISTRY
    from optverify.review.fixes import optimizer_fix

    first = next((c for c in recorder.calls if c.name.split(".")[0] == finding.subject), None)
    args, result = (first.args, first.result) if first is not None else ((), None)
    fix = optimizer_fix(obj, REGISTRY.get(kind), report.shape, dict(report.names), args, result)
    return dataclasses.replace(finding, fix=fix) if fix else finding


def _failure(cell: dict[str, Any] | None) -> str | None:
    if cell is None:
        return None
    if cell.get("error") == "Timeout":
        return str(cell["message"]).replace("did not", "did not", 1)
    return f"raises {cell.get('error')}: {cell.get('message', '')}"


def _unfinished_runs(
    recorder: Recorder,
    failures: dict[int, dict[str, Any]],
    runs: list[Run],
    kinds: dict[str, str],
    gradients: list[GradientFunction],
) -> list[Finding]:
    """Runs cut short: a failed cell that called an optimizer or a gradient and holds no run
    found above is reported as unchecked, from the first point it was called at."""
    out = []
    covered = {r.cell for r in runs}
    names = set(kinds) | {g.name for g in gradients}
    for cell, outcome in failures.items():
        if cell in covered:
            continue
        calls = [c for c in recorder.calls if c.cell == cell and c.name.split(".")[0] in names]
        if not calls:
            continue
        first = calls[0]
        owner = first.name.split(".")[0]
        start = _start(first)
        label = owner if owner in kinds else "gradient descent"
        subject = f"{label} from ({start[0]:g}, {start[1]:g})" if start is not None else label
        why = _failure(outcome)
        out.append(
            Finding(
                "run",
                subject,
                "unchecked",
                f"the cell that runs it {why}, so there is no end point to compare.",
                {"cell": cell, "calls": len(calls)},
            )
        )
    return out


def _start(call: Any) -> list[float] | None:
    from optverify.review.runs import _position_in

    found = _position_in(call)
    return None if found is None else [float(v) for v in found[0]]


def _race(race: tuple[Run, Any, dict[str, Any]], objects: dict[str, Any], out: str) -> str:
    """The post's optimizer racing torch's rule from the post's start: a GIF in the folder."""
    from optverify.adapters.resolve import resolve_optimizer
    from optverify.animation.render import Path2D, render
    from optverify.optim import REGISTRY
    from optverify.optim.run import run as run_optimizer
    from optverify.symbolic.surfaces import Window

    run, surface, settings = race
    assert run.kind is not None
    try:
        candidate = resolve_optimizer(objects[run.name], run.kind)
        theirs = candidate.build(**{k: v for k, v in settings.items() if k in candidate.accepted})
        ours = REGISTRY.get(run.kind).build(**settings)
        steps = min(run.steps, 5000)
        paths = []
        for optimizer, label, color in (
            (theirs, f"{run.name} (the post's)", "#d62728"),
            (ours, f"{run.kind} (torch's rule)", "#1f77b4"),
        ):
            trajectory = run_optimizer(optimizer, surface, run.start, steps)
            paths.append(Path2D(label, trajectory, color, "-"))
        points = np.concatenate([p.trajectory.points.reshape(-1, 2) for p in paths])
        points = points[np.all(np.isfinite(points), axis=1)]
        lo, hi = points.min(axis=0), points.max(axis=0)
        pad = np.maximum((hi - lo) * 0.15, 0.5)
        window = Window(
            *(float(v) for v in (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1]))
        )
        render(
            surface,
            paths,
            Path(out),
            window=window,
            max_frames=120,
            size=(640, 480),
            title=f"{run.subject}: the post's {run.name} and {run.kind}",
        )
        return out
    except Exception as error:  # the race is an illustration: its failure is noted, not fatal
        return f"error: {type(error).__name__}: {str(error)[:200]}"
