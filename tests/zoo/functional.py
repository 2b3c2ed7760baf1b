"""A tiny optax-style optimizer library in pure NumPy.

An optimizer is a pair of pure functions:

    opt = adam(learning_rate=1e-3)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = params + updates

`params`/`grads` may be a single array or a dict/list of arrays (a "pytree").
Nothing is modified in place: every call returns fresh arrays and a fresh state.
"""
from typing import Any, Callable, NamedTuple

import numpy as np


class GradientTransformation(NamedTuple):
    init: Callable[[Any], Any]
    update: Callable[..., Any]


def tree_map(fn, tree, *rest):
    if isinstance(tree, dict):
        return {k: tree_map(fn, tree[k], *(r[k] for r in rest)) for k in tree}
    if isinstance(tree, (list, tuple)):
        return type(tree)(tree_map(fn, *xs) for xs in zip(tree, *rest))
    return fn(tree, *rest)


def zeros_like(tree):
    return tree_map(lambda p: np.zeros_like(p, dtype=np.float64), tree)


# ---------------------------------------------------------------------------
# SGD family
# ---------------------------------------------------------------------------

class TraceState(NamedTuple):
    trace: Any


def sgd(learning_rate: float = 1e-2, momentum: float = 0.9, nesterov: bool = False):
    """Heavy-ball momentum in the PyTorch convention:

        trace <- momentum * trace + g
        update = -lr * trace                  (nesterov: -lr * (g + momentum * trace))
    """

    def init(params):
        return TraceState(trace=zeros_like(params))

    def update(grads, state, params=None):
        trace = tree_map(lambda g, t: momentum * t + g, grads, state.trace)
        if nesterov:
            step = tree_map(lambda g, t: g + momentum * t, grads, trace)
        else:
            step = trace
        updates = tree_map(lambda s: -learning_rate * s, step)
        return updates, TraceState(trace=trace)

    return GradientTransformation(init, update)


def nesterov(learning_rate: float = 1e-2, momentum: float = 0.9):
    """SGD with Nesterov momentum (Sutskever et al. 2013, in the PyTorch form)."""
    return sgd(learning_rate, momentum, nesterov=True)


# ---------------------------------------------------------------------------
# Adaptive methods
# ---------------------------------------------------------------------------

class AdagradState(NamedTuple):
    count: int
    sum_of_squares: Any


def adagrad(learning_rate: float = 1e-2, eps: float = 1e-10):
    """Adagrad, no learning-rate decay, accumulator starting at zero."""

    def init(params):
        return AdagradState(count=0, sum_of_squares=zeros_like(params))

    def update(grads, state, params=None):
        sos = tree_map(lambda g, s: s + g * g, grads, state.sum_of_squares)
        updates = tree_map(lambda g, s: -learning_rate * g / (np.sqrt(s) + eps), grads, sos)
        return updates, AdagradState(count=state.count + 1, sum_of_squares=sos)

    return GradientTransformation(init, update)


class ScaleByAdamState(NamedTuple):
    count: int
    mu: Any
    nu: Any


def adam(learning_rate: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Kingma & Ba, Algorithm 1.

        mu <- b1 mu + (1 - b1) g          mu_hat = mu / (1 - b1^t)
        nu <- b2 nu + (1 - b2) g^2        nu_hat = nu / (1 - b2^t)
        update = -lr * mu_hat / (sqrt(nu_hat) + eps)
    """

    def init(params):
        return ScaleByAdamState(count=0, mu=zeros_like(params), nu=zeros_like(params))

    def update(grads, state, params=None):
        count = state.count + 1
        mu = tree_map(lambda g, m: b1 * m + (1 - b1) * g, grads, state.mu)
        nu = tree_map(lambda g, v: b2 * v + (1 - b2) * g**2, grads, state.nu)
        bc1 = 1 - b1**count
        bc2 = 1 - b2**count
        updates = tree_map(
            lambda m, v: -learning_rate * (m / bc1) / (np.sqrt(v / bc2) + eps), mu, nu
        )
        return updates, ScaleByAdamState(count=count, mu=mu, nu=nu)

    return GradientTransformation(init, update)


class ScaleByAmsgradState(NamedTuple):
    count: int
    mu: Any
    nu: Any
    nu_max: Any


def amsgrad(learning_rate: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """AMSGrad. eps goes under the square root (as in optax's `eps_root` / TF1 style),
    which keeps the update finite and smooth when nu_max is exactly zero."""

    def init(params):
        z = zeros_like(params)
        return ScaleByAmsgradState(count=0, mu=z, nu=z, nu_max=z)

    def update(grads, state, params=None):
        count = state.count + 1
        mu = tree_map(lambda g, m: b1 * m + (1 - b1) * g, grads, state.mu)
        nu = tree_map(lambda g, v: b2 * v + (1 - b2) * g**2, grads, state.nu)
        nu_max = tree_map(np.maximum, state.nu_max, nu)
        bc1 = 1 - b1**count
        bc2 = 1 - b2**count
        updates = tree_map(
            lambda m, vm: -learning_rate * (m / bc1) / np.sqrt(vm / bc2 + eps), mu, nu_max
        )
        return updates, ScaleByAmsgradState(count=count, mu=mu, nu=nu, nu_max=nu_max)

    return GradientTransformation(init, update)


class AdamaxState(NamedTuple):
    count: int
    mu: Any
    u: Any


def adamax(learning_rate: float = 2e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Adamax (Adam paper, section 7), PyTorch placement of eps:

        u <- max(b2 * u, |g| + eps)
        update = -lr / (1 - b1^t) * mu / u
    """

    def init(params):
        return AdamaxState(count=0, mu=zeros_like(params), u=zeros_like(params))

    def update(grads, state, params=None):
        count = state.count + 1
        mu = tree_map(lambda g, m: b1 * m + (1 - b1) * g, grads, state.mu)
        u = tree_map(lambda g, u_: np.maximum(b2 * u_, np.abs(g) + eps), grads, state.u)
        clr = learning_rate / (1 - b1**count)
        updates = tree_map(lambda m, u_: -clr * m / u_, mu, u)
        return updates, AdamaxState(count=count, mu=mu, u=u)

    return GradientTransformation(init, update)


def radam(learning_rate: float = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Rectified Adam. Same state as Adam. The rectified (adaptive) step is only taken once
    the approximated SMA length rho_t exceeds 5; before that it is SGD with momentum."""
    rho_inf = 2 / (1 - b2) - 1

    def init(params):
        return ScaleByAdamState(count=0, mu=zeros_like(params), nu=zeros_like(params))

    def update(grads, state, params=None):
        count = state.count + 1
        mu = tree_map(lambda g, m: b1 * m + (1 - b1) * g, grads, state.mu)
        nu = tree_map(lambda g, v: b2 * v + (1 - b2) * g**2, grads, state.nu)
        bc1 = 1 - b1**count
        bc2 = 1 - b2**count
        rho_t = rho_inf - 2 * count * b2**count / bc2
        if rho_t > 5.0:
            rect = np.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            updates = tree_map(
                lambda m, v: -learning_rate * (m / bc1) * rect * np.sqrt(bc2) / (np.sqrt(v) + eps),
                mu,
                nu,
            )
        else:
            updates = tree_map(lambda m: -learning_rate * m / bc1, mu)
        return updates, ScaleByAdamState(count=count, mu=mu, nu=nu)

    return GradientTransformation(init, update)
