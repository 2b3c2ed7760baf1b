"""Stochastic gradient descent, heavy-ball momentum and Nesterov momentum.

All three follow ``torch.optim.SGD`` exactly (its defaults, where weight decay goes, and its
first momentum step, which copies the gradient instead of damping it).
"""

from __future__ import annotations

from typing import NamedTuple

from numpy.typing import ArrayLike

from optverify.errors import InvalidArgument
from optverify.optim.base import (
    Array,
    Optimizer,
    check_bool,
    check_lr,
    check_nonnegative,
    check_unit_interval,
    effective_gradient,
    make,
    register,
    zeros_like,
)

__all__ = ["MomentumState", "SgdState", "momentum", "nesterov", "sgd"]


class SgdState(NamedTuple):
    """Plain SGD keeps only the step count ``t``."""

    t: int


class MomentumState(NamedTuple):
    """Step count ``t`` and the momentum buffer ``b_t`` (torch's ``momentum_buffer``)."""

    t: int
    b: Array


@register("sgd")
def sgd(lr: float = 1e-3, weight_decay: float = 0.0, maximize: bool = False) -> Optimizer:
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
    lr = check_lr(lr)
    weight_decay = check_nonnegative("weight_decay", weight_decay)
    maximize = check_bool("maximize", maximize)

    def init(params: ArrayLike) -> SgdState:
        return SgdState(t=0)

    def update(
        grads: ArrayLike, state: SgdState, params: ArrayLike | None = None
    ) -> tuple[Array, SgdState]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        return -lr * g, SgdState(state.t + 1)

    return make("sgd", init, update, lr=lr, weight_decay=weight_decay, maximize=maximize)


def _momentum(
    name: str,
    lr: float,
    momentum_: float,
    dampening: float,
    weight_decay: float,
    nesterov_: bool,
    maximize: bool,
) -> Optimizer:
    lr = check_lr(lr)
    mu = check_unit_interval("momentum", momentum_)
    tau = check_unit_interval("dampening", dampening, closed=True)
    weight_decay = check_nonnegative("weight_decay", weight_decay)
    maximize = check_bool("maximize", maximize)
    if nesterov_ and (mu <= 0 or tau != 0):
        raise InvalidArgument(
            f"momentum={momentum_!r}, dampening={dampening!r} is invalid for nesterov: "
            "Nesterov momentum needs momentum > 0 and dampening = 0."
        )

    def init(params: ArrayLike) -> MomentumState:
        return MomentumState(t=0, b=zeros_like(params))

    def update(
        grads: ArrayLike, state: MomentumState, params: ArrayLike | None = None
    ) -> tuple[Array, MomentumState]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        if mu == 0:  # torch skips the buffer entirely
            return -lr * g, MomentumState(state.t + 1, state.b)
        b = g.copy() if state.t == 0 else mu * state.b + (1 - tau) * g
        d = g + mu * b if nesterov_ else b
        return -lr * d, MomentumState(state.t + 1, b)

    return make(
        name,
        init,
        update,
        lr=lr,
        momentum=mu,
        **({} if nesterov_ else {"dampening": tau}),
        weight_decay=weight_decay,
        maximize=maximize,
    )


@register("momentum")
def momentum(
    lr: float = 1e-3,
    momentum: float = 0.9,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    maximize: bool = False,
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
    return _momentum("momentum", lr, momentum, dampening, weight_decay, False, maximize)


@register("nesterov")
def nesterov(
    lr: float = 1e-3,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> Optimizer:
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
    return _momentum("nesterov", lr, momentum, 0.0, weight_decay, True, maximize)
