"""Stochastic gradient descent, heavy-ball momentum and Nesterov momentum.

All three follow ``torch.optim.SGD`` exactly (its defaults, where weight decay goes, and its
first momentum step, which copies the gradient instead of damping it).
"""

from __future__ import annotations

from typing import NamedTuple

from numpy.typing import ArrayLike

from optverify.optim.base import Array, Optimizer, effective_gradient, zeros_like
from optverify.optim.records import (
    MAXIMIZE,
    Hyperparameter,
    OptimizerRecord,
    TorchClass,
    decay,
    learning_rate,
    unit_interval,
)

__all__ = [
    "MOMENTUM",
    "NESTEROV",
    "SGD",
    "MomentumState",
    "SgdState",
]


class SgdState(NamedTuple):
    """Plain SGD keeps only the step count ``t``."""

    t: int


class MomentumState(NamedTuple):
    """Step count ``t`` and the momentum buffer ``b_t`` (torch's ``momentum_buffer``)."""

    t: int
    b: Array


def sgd(*, lr: float, weight_decay: float, maximize: bool) -> Optimizer:
    r"""Plain gradient descent, as ``torch.optim.SGD(lr, weight_decay=...)``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma g_t

    Args:
      lr: the step size :math:`\gamma`, > 0 (torch's default 1e-3).
      weight_decay: L2 penalty :math:`\lambda` added to the gradient, >= 0.
      maximize: ascend instead of descend.

    References:
      Robbins & Monro, A Stochastic Approximation Method, Ann. Math. Statist. 22 (1951).
    """

    def init(params: ArrayLike) -> SgdState:
        return SgdState(t=0)

    def update(
        grads: ArrayLike, state: SgdState, params: ArrayLike | None = None
    ) -> tuple[Array, SgdState]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        return -lr * g, SgdState(state.t + 1)

    return Optimizer(init, update)


def _buffer(state: MomentumState, g: Array, mu: float, tau: float) -> Array:
    """torch's momentum buffer: the gradient itself at the first step, then
    ``mu * b + (1 - tau) * g``."""
    return g.copy() if state.t == 0 else mu * state.b + (1 - tau) * g


def _init_momentum(params: ArrayLike) -> MomentumState:
    return MomentumState(t=0, b=zeros_like(params))


def momentum(
    *, lr: float, momentum: float, dampening: float, weight_decay: float, maximize: bool
) -> Optimizer:
    r"""Heavy-ball momentum, as ``torch.optim.SGD(lr, momentum=...)``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
        b_1 &\leftarrow g_1, \qquad
        b_t \leftarrow \mu b_{t-1} + (1 - \tau) g_t \quad (t > 1) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma b_t

    torch's form, not Polyak's: the step is :math:`\gamma b_t` rather than a velocity that
    already holds :math:`\gamma`, and the first buffer is the gradient itself, undamped. The
    default ``momentum=0.9`` is ours (torch's SGD defaults to 0, i.e. no momentum).

    Args:
      lr: the step size :math:`\gamma`, > 0.
      momentum: :math:`\mu` in [0, 1); 0 is plain SGD.
      dampening: :math:`\tau` in [0, 1].
      weight_decay: L2 penalty :math:`\lambda`, >= 0.
      maximize: ascend instead of descend.

    References:
      Polyak, Some methods of speeding up the convergence of iteration methods, USSR Comput.
      Math. Math. Phys. 4(5) (1964).
    """
    mu, tau = momentum, dampening

    def update(
        grads: ArrayLike, state: MomentumState, params: ArrayLike | None = None
    ) -> tuple[Array, MomentumState]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        if mu == 0:  # torch skips the buffer entirely
            return -lr * g, MomentumState(state.t + 1, state.b)
        b = _buffer(state, g, mu, tau)
        return -lr * b, MomentumState(state.t + 1, b)

    return Optimizer(_init_momentum, update)


def nesterov(*, lr: float, momentum: float, weight_decay: float, maximize: bool) -> Optimizer:
    r"""Nesterov momentum, as ``torch.optim.SGD(lr, momentum=..., nesterov=True)``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
        b_1 &\leftarrow g_1, \qquad b_t \leftarrow \mu b_{t-1} + g_t \quad (t > 1) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma (g_t + \mu b_t)

    This is the reformulation of Sutskever et al. (2013) that torch uses: the gradient is
    taken at the current point and the look-ahead is folded into the step. Dampening must be 0.

    Args:
      lr: the step size :math:`\gamma`, > 0.
      momentum: :math:`\mu` in (0, 1).
      weight_decay: L2 penalty :math:`\lambda`, >= 0.
      maximize: ascend instead of descend.

    References:
      Nesterov, A method for solving the convex programming problem with convergence rate
      O(1/k^2), Dokl. Akad. Nauk SSSR 269 (1983); Sutskever, Martens, Dahl & Hinton, On the
      importance of initialization and momentum in deep learning, ICML 2013.
    """
    mu = momentum

    def update(
        grads: ArrayLike, state: MomentumState, params: ArrayLike | None = None
    ) -> tuple[Array, MomentumState]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        b = _buffer(state, g, mu, 0.0)
        return -lr * (g + mu * b), MomentumState(state.t + 1, b)

    return Optimizer(_init_momentum, update)


SGD = OptimizerRecord(
    name="sgd",
    family="gradient descent",
    rule=sgd,
    hyperparameters=(learning_rate(1e-3), decay(), MAXIMIZE),
    summary="plain gradient descent",
    color="#1f77b4",
    torch=TorchClass("SGD"),
    gallery={"lr": 0.1},
)

MOMENTUM = OptimizerRecord(
    name="momentum",
    family="gradient descent",
    rule=momentum,
    hyperparameters=(
        learning_rate(1e-3),
        unit_interval("momentum", 0.9),
        unit_interval("dampening", 0.0, closed=True, draw=(0.0, 1.0)),
        decay(),
        MAXIMIZE,
    ),
    summary="heavy-ball momentum",
    color="#ff7f0e",
    torch=TorchClass("SGD"),
    gallery={"lr": 0.01, "momentum": 0.9},
)

NESTEROV = OptimizerRecord(
    name="nesterov",
    family="gradient descent",
    rule=nesterov,
    hyperparameters=(
        learning_rate(1e-3),
        Hyperparameter(
            "momentum",
            0.9,
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            why="it must lie in (0, 1): Nesterov momentum needs momentum > 0 and dampening = 0.",
            draw=(0.01, 0.99),
        ),
        decay(),
        MAXIMIZE,
    ),
    summary="Nesterov momentum",
    color="#2ca02c",
    torch=TorchClass("SGD", {"nesterov": True}),
    gallery={"lr": 0.01, "momentum": 0.9},
)
