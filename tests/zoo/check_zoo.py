"""Check every row of the zoo's manifest numerically, independently of optverify.

Usage (from the repository root):

    python tests/zoo/check_zoo.py            # every row whose dependencies are installed
    python tests/zoo/check_zoo.py --only optax

For each row, the implementation is run on a few random gradient sequences (2-D parameters;
two or three entries for dict, list and torch APIs; x and y vectors for tutorials) with
non-default hyperparameters, and its steps are compared with this script's own reference
implementation of the claimed rule or dialect. Rows claiming torch's rule are also compared
with ``torch.optim`` itself in float64 (when torch is installed). A wrong row is compared with
the torch rule of the kind it claims to be, and must differ (or mutate its inputs).

This is not a pytest module (no ``test_`` prefix); it imports nothing from optverify.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import inspect
import math
import re
import sys
import tomllib
import warnings
from pathlib import Path
from typing import Any

import numpy as np

try:
    import torch

    # float64 throughout, including torch's scalar state (NAdam's mu_product, step counters),
    # which follows the default dtype.
    torch.set_default_dtype(torch.float64)
except ImportError:  # the optax venv has no torch
    torch = None

try:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax  # noqa: F401
except ImportError:
    jax = None

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MANIFEST = HERE / "manifest.toml"

STEPS = 12
SEEDS = (0, 1, 2)
MATCH = 1e-10  # correct and variant rows: max relative step difference allowed
DIFFER = 1e-3  # wrong rows: min relative step difference required

# Non-default values, so that a misplaced or ignored hyperparameter shows.
TEST_VALUES = {
    "b1": 0.8,
    "b2": 0.95,  # rho_t of RAdam crosses (4, 5] at t = 5
    "eps": 1e-3,
    "momentum": 0.7,
    "alpha": 0.85,
    "rho": 0.8,
    "weight_decay": 0.1,
    "momentum_decay": 0.01,
    "initial_accumulator_value": 0.3,
}
TEST_LR = {
    "sgd": 0.1,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 0.1,
    "adadelta": 0.7,
    "rmsprop": 0.01,
    "adam": 0.01,
    "amsgrad": 0.01,
    "adamw": 0.01,
    "adamax": 0.01,
    "nadam": 0.01,
    "radam": 0.01,
}
ADAM_LIKE = ["lr", "b1", "b2", "eps"]
REQUIRED = {
    "sgd": ["lr"],
    "momentum": ["lr", "momentum"],
    "nesterov": ["lr", "momentum"],
    "adagrad": ["lr", "eps"],
    "adadelta": ["lr", "rho", "eps"],
    "rmsprop": ["lr", "alpha", "eps"],
    "adam": ADAM_LIKE,
    "amsgrad": ADAM_LIKE,
    "adamw": [*ADAM_LIKE, "weight_decay"],
    "adamax": ADAM_LIKE,
    "nadam": [*ADAM_LIKE, "momentum_decay"],
    "radam": ADAM_LIKE,
}
# Every rule each kind can legitimately follow: torch's and the named dialects.
DIALECTS = {
    "sgd": ["torch"],
    "momentum": ["torch", "ema"],
    "nesterov": ["torch", "sutskever"],
    "adagrad": ["torch", "eps-inside-sqrt", "initial-accumulator"],
    "adadelta": ["torch"],
    "rmsprop": ["torch", "eps-inside-sqrt"],
    "adam": ["torch", "eps-inside-sqrt", "eps-hat"],
    "amsgrad": ["torch", "eps-inside-sqrt"],
    "adamw": ["torch", "paper", "l2"],
    "adamax": ["torch", "eps-outside-max"],
    "nadam": ["torch", "constant-momentum"],
    "radam": ["torch", "threshold-4"],
}
# Hyperparameters a row may leave implicit: the code then behaves as this value.
IMPLICIT = {"weight_decay": 0.0, "initial_accumulator_value": 0.0, "momentum_decay": 0.004}

# How the stateful modules hold their parameters.
CONTAINER = {
    "numpy_from_scratch": "array",
    "deep_learning_book": "array",
    "dl_from_scratch": "dict",
    "keras_like": "dict",
    "dict_models": "dict",
    "list_api": "list",
}

Params = dict[str, np.ndarray]


# ---------------------------------------------------------------------------------------------
# References: one step of each rule and dialect on one array, with the state in a dict
# ---------------------------------------------------------------------------------------------


def ref_step(kind: str, rule: str, hp: dict[str, float], st: dict[str, Any], theta, g):
    """Return the new theta. ``st`` holds this entry's state (created empty)."""
    lr = hp["lr"]
    st["t"] = t = st.get("t", 0) + 1
    zeros = np.zeros_like(theta)

    if kind == "sgd":
        return theta - lr * g

    if kind == "momentum":
        mu = hp["momentum"]
        if rule == "torch":
            st["b"] = g.copy() if t == 1 else mu * st["b"] + g
        elif rule == "ema":
            st["b"] = mu * st.get("b", zeros) + (1 - mu) * g
        else:
            raise KeyError(rule)
        return theta - lr * st["b"]

    if kind == "nesterov":
        mu = hp["momentum"]
        if rule == "torch":
            st["b"] = g.copy() if t == 1 else mu * st["b"] + g
            return theta - lr * (g + mu * st["b"])
        if rule == "sutskever":
            v = st.get("v", zeros)
            st.setdefault("lookahead", []).append(theta + mu * v)
            st["v"] = mu * v - lr * g
            return theta + st["v"]
        raise KeyError(rule)

    if kind == "adagrad":
        eps = hp["eps"]
        s0 = hp["initial_accumulator_value"] if rule == "initial-accumulator" else 0.0
        st["s"] = st.get("s", zeros + s0) + g * g
        if rule in ("torch", "initial-accumulator"):
            return theta - lr * g / (np.sqrt(st["s"]) + eps)
        if rule == "eps-inside-sqrt":
            return theta - lr * g / np.sqrt(st["s"] + eps)
        raise KeyError(rule)

    if kind == "adadelta":
        rho, eps = hp["rho"], hp["eps"]
        st["v"] = rho * st.get("v", zeros) + (1 - rho) * g * g
        u = st.get("u", zeros)
        delta = np.sqrt(u + eps) / np.sqrt(st["v"] + eps) * g
        st["u"] = rho * u + (1 - rho) * delta * delta
        return theta - lr * delta

    if kind == "rmsprop":
        a, eps = hp["alpha"], hp["eps"]
        st["v"] = a * st.get("v", zeros) + (1 - a) * g * g
        if rule == "torch":
            return theta - lr * g / (np.sqrt(st["v"]) + eps)
        if rule == "eps-inside-sqrt":
            return theta - lr * g / np.sqrt(st["v"] + eps)
        raise KeyError(rule)

    # the Adam family
    b1, b2, eps = hp["b1"], hp["b2"], hp["eps"]
    wd = hp.get("weight_decay", 0.0)
    if kind == "adamw":
        if rule == "torch":
            theta = theta * (1 - lr * wd)
        elif rule == "paper":
            theta = theta - wd * theta
        elif rule == "l2":
            g = g + wd * theta
        else:
            raise KeyError(rule)
    elif kind == "adam" and wd:
        g = g + wd * theta  # torch.optim.Adam's weight_decay is L2
    bc1, bc2 = 1 - b1**t, 1 - b2**t
    st["m"] = b1 * st.get("m", zeros) + (1 - b1) * g

    if kind == "adamax":
        if rule == "torch":
            st["u"] = np.maximum(b2 * st.get("u", zeros), np.abs(g) + eps)
            return theta - lr / bc1 * st["m"] / st["u"]
        if rule == "eps-outside-max":
            st["u"] = np.maximum(b2 * st.get("u", zeros), np.abs(g))
            return theta - lr / bc1 * st["m"] / (st["u"] + eps)
        raise KeyError(rule)

    st["v"] = b2 * st.get("v", zeros) + (1 - b2) * g * g
    m, v = st["m"], st["v"]

    if kind in ("adam", "adamw"):
        r = "torch" if kind == "adamw" else rule
        if r == "torch":
            return theta - lr * (m / bc1) / (np.sqrt(v / bc2) + eps)
        if r == "eps-inside-sqrt":
            return theta - lr * (m / bc1) / np.sqrt(v / bc2 + eps)
        if r == "eps-hat":
            return theta - lr * math.sqrt(bc2) / bc1 * m / (np.sqrt(v) + eps)
        raise KeyError(rule)

    if kind == "amsgrad":
        st["vmax"] = np.maximum(st.get("vmax", zeros), v)
        if rule == "torch":
            return theta - lr / bc1 * m / (np.sqrt(st["vmax"]) / math.sqrt(bc2) + eps)
        if rule == "eps-inside-sqrt":
            return theta - lr * (m / bc1) / np.sqrt(st["vmax"] / bc2 + eps)
        raise KeyError(rule)

    if kind == "nadam":
        if rule == "torch":
            psi = hp["momentum_decay"]
            mu_t = b1 * (1 - 0.5 * 0.96 ** (t * psi))
            mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
            st["mu_prod"] = st.get("mu_prod", 1.0) * mu_t
            denom = np.sqrt(v / bc2) + eps
            theta = theta - lr * (1 - mu_t) / (1 - st["mu_prod"]) * g / denom
            return theta - lr * mu_next / (1 - st["mu_prod"] * mu_next) * m / denom
        if rule == "constant-momentum":
            return theta - lr / (np.sqrt(v / bc2) + eps) * (b1 * m / bc1 + (1 - b1) * g / bc1)
        raise KeyError(rule)

    if kind == "radam":
        threshold = {"torch": 5.0, "threshold-4": 4.0}[rule]
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2**t / bc2
        if rho_t > threshold:
            rect = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            return theta - lr * (m / bc1) * rect * math.sqrt(bc2) / (np.sqrt(v) + eps)
        return theta - lr * m / bc1

    raise KeyError(kind)


def run_reference(kind, rule, hp, theta0: Params, grads: list[Params]):
    states: dict[str, dict[str, Any]] = {k: {} for k in theta0}
    traj = [{k: v.copy() for k, v in theta0.items()}]
    for g in grads:
        traj.append({k: ref_step(kind, rule, hp, states[k], traj[-1][k], g[k]) for k in theta0})
    return traj, states


def run_torch_rule(kind, hp, theta0: Params, grads: list[Params]):
    """torch.optim's own optimizer for the kind, float64."""
    names = list(theta0)
    ps = [torch.tensor(theta0[k], dtype=torch.float64, requires_grad=True) for k in names]
    lr, betas = hp["lr"], (hp.get("b1"), hp.get("b2"))
    o = torch.optim
    make = {
        "sgd": lambda: o.SGD(ps, lr=lr),
        "momentum": lambda: o.SGD(ps, lr=lr, momentum=hp["momentum"]),
        "nesterov": lambda: o.SGD(ps, lr=lr, momentum=hp["momentum"], nesterov=True),
        "adagrad": lambda: o.Adagrad(
            ps, lr=lr, eps=hp["eps"], initial_accumulator_value=hp["initial_accumulator_value"]
        ),
        "adadelta": lambda: o.Adadelta(ps, lr=lr, rho=hp["rho"], eps=hp["eps"]),
        "rmsprop": lambda: o.RMSprop(ps, lr=lr, alpha=hp["alpha"], eps=hp["eps"]),
        "adam": lambda: o.Adam(
            ps, lr=lr, betas=betas, eps=hp["eps"], weight_decay=hp["weight_decay"]
        ),
        "amsgrad": lambda: o.Adam(ps, lr=lr, betas=betas, eps=hp["eps"], amsgrad=True),
        "adamw": lambda: o.AdamW(
            ps, lr=lr, betas=betas, eps=hp["eps"], weight_decay=hp["weight_decay"]
        ),
        "adamax": lambda: o.Adamax(ps, lr=lr, betas=betas, eps=hp["eps"]),
        "nadam": lambda: o.NAdam(
            ps, lr=lr, betas=betas, eps=hp["eps"], momentum_decay=hp["momentum_decay"]
        ),
        "radam": lambda: o.RAdam(ps, lr=lr, betas=betas, eps=hp["eps"]),
    }
    opt = make[kind]()
    traj = [{k: v.copy() for k, v in theta0.items()}]
    for g in grads:
        for p, k in zip(ps, names, strict=True):
            p.grad = torch.tensor(g[k], dtype=torch.float64)
        opt.step()
        traj.append({k: p.detach().numpy().copy() for p, k in zip(ps, names, strict=True)})
    return traj


# ---------------------------------------------------------------------------------------------
# Drivers: run a row's implementation, whatever its shape, and return its trajectory
# ---------------------------------------------------------------------------------------------


def load(target: str):
    """A fresh copy of the module (tutorials keep state at module level), and the attribute."""
    path, attr = target.split(":")
    file = ROOT / path
    spec = importlib.util.spec_from_file_location(f"zoo_{file.stem}", file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod, getattr(mod, attr)


def code_kwargs(row, hp) -> dict[str, Any]:
    """Our hyperparameter values under the code's names ("betas[0]" -> betas tuple)."""
    kw: dict[str, Any] = {}
    tuples: dict[str, dict[int, float]] = {}
    for ours, theirs in row.get("hyperparameters", {}).items():
        m = re.fullmatch(r"(\w+)\[(\d+)\]", theirs)
        if m:
            tuples.setdefault(m[1], {})[int(m[2])] = hp[ours]
        else:
            kw[theirs] = hp[ours]
    for name, items in tuples.items():
        kw[name] = tuple(items[i] for i in range(len(items)))
    return kw


class Run:
    def __init__(self):
        self.traj: list[Params] = []
        self.mutated_grads = False
        self.gradient_calls: list[tuple[np.ndarray, np.ndarray]] = []

    def record(self, p: Params):
        self.traj.append({k: np.array(v, dtype=np.float64, copy=True) for k, v in p.items()})


def drive_functional(fn, kw, theta0, grads, xp=np):
    run = Run()
    opt = fn(**kw)
    p = xp.asarray(theta0["w"])
    state = opt.init(p)
    run.record({"w": np.asarray(p)})
    for g in grads:
        g_in = g["w"].copy() if xp is np else xp.asarray(g["w"])
        updates, state = opt.update(g_in, state, p)
        if not np.array_equal(np.asarray(g_in), g["w"]):
            run.mutated_grads = True
        p = p + updates
        run.record({"w": np.asarray(p)})
    return run


def drive_stateful(fn, kw, theta0, grads, container):
    run = Run()
    opt = fn(**kw)
    method = getattr(opt, "update", None) or opt.step
    names = list(theta0)

    def pack(d):
        if container == "array":
            return d["w"].copy()
        if container == "list":
            return [d[k].copy() for k in names]
        return {k: d[k].copy() for k in names}

    def unpack(obj):
        if container == "array":
            return {"w": obj}
        if container == "list":
            return dict(zip(names, obj, strict=True))
        return {k: obj[k] for k in names}

    p = pack(theta0)
    run.record(theta0)
    for g in grads:
        g_in = pack(g)
        ret = method(p, g_in)
        if ret is not None:
            p = ret
        if any(not np.array_equal(a, g[k]) for k, a in unpack(g_in).items()):
            run.mutated_grads = True
        run.record(unpack(p))
    return run


def drive_cs231n(fn, kw, theta0, grads):
    run = Run()
    config = dict(kw)
    w = theta0["w"].copy()
    run.record({"w": w})
    for g in grads:
        dw = g["w"].copy()
        w, config = fn(w.copy(), dw, config)
        if not np.array_equal(dw, g["w"]):
            run.mutated_grads = True
        run.record({"w": w})
    return run


def drive_tutorial(mod, fn, kw, theta0, grads, gradient_name):
    run = Run()
    queue = iter(grads)

    def feeder(x, y):  # stands in for the module's df / grad / gradient
        run.gradient_calls.append((np.copy(x), np.copy(y)))
        g = next(queue)
        return g["x"].copy(), g["y"].copy()

    setattr(mod, gradient_name, feeder)
    params = list(inspect.signature(fn).parameters.values())
    state_names = [q.name for q in params[2:] if q.default is inspect.Parameter.empty]
    state = [copy.deepcopy(getattr(mod, n, 0.0)) for n in state_names]
    x, y = theta0["x"].copy(), theta0["y"].copy()
    run.record({"x": x, "y": y})
    for _ in grads:
        n_calls = len(run.gradient_calls)
        ret = fn(x, y, *state, **kw)
        assert len(run.gradient_calls) == n_calls + 1, "one gradient call per step"
        x, y, *new_state = ret
        if new_state:
            state = new_state
        run.record({"x": x, "y": y})
    return run


def drive_torch(fn, kw, theta0, grads):
    run = Run()
    names = list(theta0)
    ps = [torch.tensor(theta0[k], dtype=torch.float64, requires_grad=True) for k in names]
    opt = fn(ps, **kw)
    run.record(theta0)
    for g in grads:
        for p, k in zip(ps, names, strict=True):
            p.grad = torch.tensor(g[k], dtype=torch.float64)
        opt.step()
        run.record({k: p.detach().numpy() for p, k in zip(ps, names, strict=True)})
    return run


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------


def rel_step_diff(a: list[Params], b: list[Params]) -> float:
    """max over steps of |step_a - step_b|_inf / |step_b|_inf (all entries together)."""
    worst = 0.0
    for t in range(1, len(b)):
        num = max(
            float(np.max(np.abs((a[t][k] - a[t - 1][k]) - (b[t][k] - b[t - 1][k])))) for k in b[t]
        )
        den = max(float(np.max(np.abs(b[t][k] - b[t - 1][k]))) for k in b[t])
        r = num / den if den > 0 else (0.0 if num == 0 else math.inf)
        if not math.isfinite(r):
            return math.inf
        worst = max(worst, r)
    return worst


def rel_point_diff(a, b) -> float:
    num = max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True))
    den = max(float(np.max(np.abs(y))) for y in b)
    return num / den


def make_problem(shape: str, container: str | None, seed: int):
    rng = np.random.default_rng(seed)
    if shape == "tutorial":
        shapes = {"x": (3,), "y": (3,)}
    elif shape == "torch" or container in ("dict", "list"):
        shapes = {"W1": (2, 3), "b1": (3,), "W2": (3, 2)}
        if shape == "torch":
            shapes = {"W1": (2, 3), "b1": (3,)}
    else:
        shapes = {"w": (2, 3)}

    def draw(s):
        # mixed magnitudes, 1e-5 to 3: eps placement and small-gradient behaviour show
        return rng.standard_normal(s) * 10.0 ** rng.uniform(-5, 0.5, s)

    theta0 = {k: rng.uniform(-2, 2, s) for k, s in shapes.items()}
    grads = [{k: draw(s) for k, s in shapes.items()} for _ in range(STEPS)]
    return theta0, grads


def hyperparameters(row) -> dict[str, float]:
    kind = row["kind"]
    hp: dict[str, float] = {}
    for ours in row.get("hyperparameters", {}):
        hp[ours] = TEST_LR[kind] if ours == "lr" else TEST_VALUES[ours]
    hp.update(row.get("fixed", {}))
    needed = list(REQUIRED[kind])
    rule = row.get("rule", "torch")
    if kind == "nadam" and rule == "constant-momentum":
        needed.remove("momentum_decay")
    if kind == "adagrad" and rule == "initial-accumulator":
        needed.append("initial_accumulator_value")
    for name in needed:
        if name not in hp and name not in IMPLICIT:
            raise ValueError(f"{row['target']}: {name} is neither a hyperparameter nor fixed")
    for name, value in IMPLICIT.items():
        hp.setdefault(name, value)
    return hp


def check_row(row) -> tuple[bool, str]:
    shape, kind, verdict = row["shape"], row["kind"], row["verdict"]
    rule = row.get("rule", "torch")  # a wrong row is held against torch's rule of its kind
    hp = hyperparameters(row)
    kw = code_kwargs(row, hp)
    module_stem = Path(row["target"].split(":")[0]).stem
    container = CONTAINER.get(module_stem)

    worst_rule = worst_torch_ref = worst_torch_impl = worst_look = 0.0
    others = [r for r in DIALECTS[kind] if r != rule]
    worst_other = dict.fromkeys(others, 0.0)  # how far the code is from every other rule
    mutated = False
    for seed in SEEDS:
        theta0, grads = make_problem(shape, container, seed)
        mod, fn = load(row["target"])
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if shape == "functional":
                run = drive_functional(fn, kw, theta0, grads)
            elif shape == "optax":
                run = drive_functional(fn, kw, theta0, grads, xp=jnp)
            elif shape == "stateful":
                run = drive_stateful(fn, kw, theta0, grads, container)
            elif shape == "cs231n":
                run = drive_cs231n(fn, kw, theta0, grads)
            elif shape == "tutorial":
                run = drive_tutorial(mod, fn, kw, theta0, grads, row["gradient_name"])
            elif shape == "torch":
                run = drive_torch(fn, kw, theta0, grads)
            else:
                raise ValueError(shape)
            ref, ref_states = run_reference(kind, rule, hp, theta0, grads)
        worst_rule = max(worst_rule, rel_step_diff(run.traj, ref))
        for other in others:
            hp_other = dict(hp)
            if other == "initial-accumulator" and not hp_other["initial_accumulator_value"]:
                hp_other["initial_accumulator_value"] = 0.1
            with np.errstate(all="ignore"):
                oref, _ = run_reference(kind, other, hp_other, theta0, grads)
            worst_other[other] = max(worst_other[other], rel_step_diff(run.traj, oref))
        mutated |= run.mutated_grads
        if kind == "nesterov" and rule == "sutskever":
            looks = [
                (np.asarray(x), np.asarray(y))
                for x, y in zip(
                    ref_states["x"]["lookahead"], ref_states["y"]["lookahead"], strict=True
                )
            ]
            worst_look = max(
                worst_look,
                max(rel_point_diff(c, e) for c, e in zip(run.gradient_calls, looks, strict=True)),
            )
        if verdict == "correct" and torch is not None:
            tref = run_torch_rule(kind, hp, theta0, grads)
            worst_torch_ref = max(worst_torch_ref, rel_step_diff(ref, tref))
            worst_torch_impl = max(worst_torch_impl, rel_step_diff(run.traj, tref))

    detail = f"vs {rule}: {worst_rule:9.2e}"
    nearest = min(worst_other.values(), default=math.inf)
    if verdict == "wrong":
        ok = (worst_rule > DIFFER and nearest > DIFFER) or mutated
        detail += "  (differs)" if worst_rule > DIFFER else "  (same steps)"
        if others:
            detail += f"  nearest dialect: {nearest:8.1e}"
        if mutated:
            detail += "  grads mutated in place"
    else:
        ok = worst_rule <= MATCH and not mutated
        if mutated:
            detail += "  grads mutated in place!"
        if kind == "nesterov" and rule == "sutskever":
            detail += f"  look-ahead point: {worst_look:8.1e}"
            ok &= worst_look <= MATCH
        if verdict == "variant":
            detail += f"  vs torch: {worst_other['torch']:8.1e}"
            ok &= worst_other["torch"] > DIFFER
        if verdict == "correct" and torch is not None:
            detail += f"  ref vs torch.optim: {worst_torch_ref:8.1e}"
            detail += f"  impl vs torch.optim: {worst_torch_impl:8.1e}"
            ok &= worst_torch_ref <= MATCH and worst_torch_impl <= MATCH
    return ok, detail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="check only rows of this shape")
    args = parser.parse_args(argv)

    rows = tomllib.loads(MANIFEST.read_text())["row"]
    counts = {"ok": 0, "FAIL": 0, "skipped": 0}
    for row in rows:
        if args.only and row["shape"] != args.only:
            continue
        target = row["target"].removeprefix("tests/zoo/")
        label = row.get("rule") or "bug"
        head = f"{target:44s} {row['kind']:9s} {row['verdict']:8s} {label:20s}"
        missing = (row["shape"] == "optax" and jax is None) or (
            row["shape"] == "torch" and torch is None
        )
        if missing:
            counts["skipped"] += 1
            print(f"{head} skipped ({row['shape']} not installed)")
            continue
        try:
            ok, detail = check_row(row)
        except Exception as exc:  # report, keep going
            ok, detail = False, f"error: {type(exc).__name__}: {exc}"
        counts["ok" if ok else "FAIL"] += 1
        print(f"{head} {'ok  ' if ok else 'FAIL'} {detail}")
    print(
        f"\n{counts['ok']} ok, {counts['FAIL']} FAIL, {counts['skipped']} skipped"
        f" (torch {torch.__version__ if torch else 'missing'},"
        f" optax {'present' if jax else 'missing'};"
        f" match <= {MATCH:g}, wrong rows differ > {DIFFER:g})"
    )
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
