"""Per-coordinate adaptive rates: AdaGrad, Adadelta and RMSprop, as in ``torch.optim``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.optim.base import (
    Array,
    Optimizer,
    check_bool,
    check_lr,
    check_nonnegative,
    check_unit_interval,
    effective_gradient,
    lerp,
    make,
    register,
    zeros_like,
)

__all__ = ["AdadeltaState", "AdagradState", "RmspropState", "adadelta", "adagrad", "rmsprop"]


class AdagradState(NamedTuple):
    """Step count ``t`` and the running sum of squared gradients (torch's ``state_sum``)."""

    t: int
    sum: Array


class AdadeltaState(NamedTuple):
    """Step count ``t``, the average of squared gradients ``v_t`` and of squared steps ``u_t``."""

    t: int
    v: Array
    u: Array


class RmspropState(NamedTuple):
    """Step count ``t``, the average of squared gradients ``v_t``, the average gradient
    ``g_ave`` (centered only) and the momentum buffer ``b_t`` (momentum > 0 only)."""

    t: int
    v: Array
    g_ave: Array
    b: Array


@register("adagrad")
def adagrad(
    lr: float = 1e-2,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> Optimizer:
    r"""AdaGrad, as ``torch.optim.Adagrad``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
        \tilde\gamma &\leftarrow \gamma / (1 + (t - 1) \eta) \\
        s_t &\leftarrow s_{t-1} + g_t^2 \\
        \theta_t &\leftarrow \theta_{t-1} - \tilde\gamma \, g_t / (\sqrt{s_t} + \epsilon)

    Epsilon is added outside the square root, as torch does.

    Args:
      lr: the step size :math:`\gamma`, > 0 (torch's default 1e-2).
      lr_decay: :math:`\eta`, >= 0.
      weight_decay: L2 penalty :math:`\lambda`, >= 0.
      initial_accumulator_value: :math:`s_0`, >= 0.
      eps: :math:`\epsilon`, >= 0 (torch's default 1e-10).
      maximize: ascend instead of descend.

    References:
      Duchi, Hazan & Singer, Adaptive Subgradient Methods for Online Learning and Stochastic
      Optimization, JMLR 12 (2011).
    """
    lr = check_lr(lr)
    lr_decay = check_nonnegative("lr_decay", lr_decay)
    weight_decay = check_nonnegative("weight_decay", weight_decay)
    s0 = check_nonnegative("initial_accumulator_value", initial_accumulator_value)
    eps = check_nonnegative("eps", eps)
    maximize = check_bool("maximize", maximize)

    def init(params: ArrayLike) -> AdagradState:
        return AdagradState(t=0, sum=np.full(np.shape(params), s0, dtype=np.float64))

    def update(
        grads: ArrayLike, state: AdagradState, params: ArrayLike | None = None
    ) -> tuple[Array, AdagradState]:
        t = state.t + 1
        g = effective_gradient(grads, params, weight_decay, maximize)
        clr = lr / (1 + (t - 1) * lr_decay)
        s = state.sum + g * g
        return (-clr * g) / (np.sqrt(s) + eps), AdagradState(t, s)

    return make(
        "adagrad",
        init,
        update,
        lr=lr,
        lr_decay=lr_decay,
        weight_decay=weight_decay,
        initial_accumulator_value=s0,
        eps=eps,
        maximize=maximize,
    )


@register("adadelta")
def adadelta(
    lr: float = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> Optimizer:
    r"""Adadelta, as ``torch.optim.Adadelta``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
        v_t &\leftarrow \rho v_{t-1} + (1 - \rho) g_t^2 \\
        \Delta x_t &\leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t \\
        u_t &\leftarrow \rho u_{t-1} + (1 - \rho) \Delta x_t^2 \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma \Delta x_t

    Zeiler's method has no learning rate; torch multiplies the step by ``lr`` (default 1.0).

    Args:
      lr: :math:`\gamma`, > 0.
      rho: :math:`\rho` in [0, 1].
      eps: :math:`\epsilon`, >= 0 (torch's default 1e-6).
      weight_decay: L2 penalty :math:`\lambda`, >= 0.
      maximize: ascend instead of descend.

    References:
      Zeiler, ADADELTA: An Adaptive Learning Rate Method, arXiv:1212.5701 (2012).
    """
    lr = check_lr(lr)
    rho = check_unit_interval("rho", rho, closed=True)
    eps = check_nonnegative("eps", eps)
    weight_decay = check_nonnegative("weight_decay", weight_decay)
    maximize = check_bool("maximize", maximize)

    def init(params: ArrayLike) -> AdadeltaState:
        return AdadeltaState(t=0, v=zeros_like(params), u=zeros_like(params))

    def update(
        grads: ArrayLike, state: AdadeltaState, params: ArrayLike | None = None
    ) -> tuple[Array, AdadeltaState]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        v = rho * state.v + (1 - rho) * g * g
        delta = np.sqrt(state.u + eps) / np.sqrt(v + eps) * g
        u = rho * state.u + (1 - rho) * delta * delta
        return -lr * delta, AdadeltaState(state.t + 1, v, u)

    return make(
        "adadelta",
        init,
        update,
        lr=lr,
        rho=rho,
        eps=eps,
        weight_decay=weight_decay,
        maximize=maximize,
    )


@register("rmsprop")
def rmsprop(
    lr: float = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    maximize: bool = False,
) -> Optimizer:
    r"""RMSprop, as ``torch.optim.RMSprop``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
        v_t &\leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        \bar g_t &\leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t
            \quad \text{(centered only)} \\
        d_t &\leftarrow \sqrt{v_t - \bar g_t^2} + \epsilon
            \quad \text{(else } \sqrt{v_t} + \epsilon) \\
        b_t &\leftarrow \mu b_{t-1} + g_t / d_t, \qquad
        \theta_t \leftarrow \theta_{t-1} - \gamma b_t
            \quad \text{(momentum > 0; else } \theta_{t-1} - \gamma g_t / d_t)

    Epsilon is added outside the square root, and there is no bias correction, as in torch.
    With momentum, the momentum is applied *after* the rescaling.

    .. note:: torch's CPU kernels fuse multiply-adds; NumPy rounds each operation. The results
       agree to rounding, except where a rounding difference decides the answer: with
       ``centered=True`` and ``alpha`` near 0, :math:`v_t - \bar g_t^2` is the difference of
       two nearly equal numbers, which torch can round below zero (a NaN step) where this code
       gets zero.

    Args:
      lr: :math:`\gamma`, > 0 (torch's default 1e-2).
      alpha: smoothing constant :math:`\alpha` in [0, 1).
      eps: :math:`\epsilon`, >= 0.
      weight_decay: L2 penalty :math:`\lambda`, >= 0.
      momentum: :math:`\mu` in [0, 1).
      centered: divide by an estimate of the variance instead of the raw second moment.
      maximize: ascend instead of descend.

    References:
      Hinton, Srivastava & Swersky, Neural Networks for Machine Learning, lecture 6e (2012);
      centered form: Graves, Generating Sequences With Recurrent Neural Networks,
      arXiv:1308.0850 (2013).
    """
    lr = check_lr(lr)
    alpha = check_unit_interval("alpha", alpha)
    eps = check_nonnegative("eps", eps)
    weight_decay = check_nonnegative("weight_decay", weight_decay)
    mu = check_unit_interval("momentum", momentum)
    centered = check_bool("centered", centered)
    maximize = check_bool("maximize", maximize)

    def init(params: ArrayLike) -> RmspropState:
        zeros = zeros_like(params)
        return RmspropState(t=0, v=zeros, g_ave=zeros, b=zeros)

    def update(
        grads: ArrayLike, state: RmspropState, params: ArrayLike | None = None
    ) -> tuple[Array, RmspropState]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        v = alpha * state.v + (1 - alpha) * g * g
        g_ave = lerp(state.g_ave, g, 1 - alpha) if centered else state.g_ave
        d = (np.sqrt(v - g_ave * g_ave) if centered else np.sqrt(v)) + eps
        if mu > 0:
            b = mu * state.b + g / d
            return -lr * b, RmspropState(state.t + 1, v, g_ave, b)
        return (-lr * g) / d, RmspropState(state.t + 1, v, g_ave, state.b)

    return make(
        "rmsprop",
        init,
        update,
        lr=lr,
        alpha=alpha,
        eps=eps,
        weight_decay=weight_decay,
        momentum=mu,
        centered=centered,
        maximize=maximize,
    )
