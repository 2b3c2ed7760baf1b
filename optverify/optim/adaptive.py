"""Per-coordinate adaptive rates: AdaGrad, Adadelta and RMSprop, as in ``torch.optim``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.optim.base import Array, Optimizer, effective_gradient, lerp, zeros_like
from optverify.optim.records import (
    MAXIMIZE,
    OptimizerRecord,
    TorchClass,
    decay,
    epsilon,
    flag,
    learning_rate,
    nonnegative,
    unit_interval,
)

__all__ = [
    "ADADELTA",
    "ADAGRAD",
    "RMSPROP",
    "AdadeltaState",
    "AdagradState",
    "RmspropState",
]


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


def adagrad(
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    initial_accumulator_value: float,
    eps: float,
    maximize: bool,
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
    s0 = initial_accumulator_value

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

    return Optimizer(init, update)


def adadelta(
    *, lr: float, rho: float, eps: float, weight_decay: float, maximize: bool
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

    return Optimizer(init, update)


def rmsprop(
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
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
    mu = momentum

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

    return Optimizer(init, update)


ADAGRAD = OptimizerRecord(
    name="adagrad",
    family="adaptive rates",
    rule=adagrad,
    hyperparameters=(
        learning_rate(1e-2),
        nonnegative("lr_decay", 0.0),
        decay(),
        nonnegative("initial_accumulator_value", 0.0, draw=(0.0, 1.0)),
        epsilon(1e-10),
        MAXIMIZE,
    ),
    summary="AdaGrad: per-coordinate rates from the sum of squared gradients",
    color="#d62728",
    torch=TorchClass("Adagrad"),
    gallery={"lr": 2.0},
)

ADADELTA = OptimizerRecord(
    name="adadelta",
    family="adaptive rates",
    rule=adadelta,
    hyperparameters=(
        learning_rate(1.0),
        unit_interval("rho", 0.9, closed=True, draw=(0.0, 1.0)),
        epsilon(1e-6),
        decay(),
        MAXIMIZE,
    ),
    summary="Adadelta: steps scaled by the ratio of running RMS step and gradient",
    color="#9467bd",
    torch=TorchClass("Adadelta"),
    gallery={"lr": 10.0},
)

RMSPROP = OptimizerRecord(
    name="rmsprop",
    family="adaptive rates",
    rule=rmsprop,
    hyperparameters=(
        learning_rate(1e-2),
        unit_interval("alpha", 0.99, draw=(0.0, 0.999)),
        epsilon(1e-8),
        decay(),
        unit_interval("momentum", 0.0),
        flag("centered", False),
        MAXIMIZE,
    ),
    summary="RMSprop: the gradient divided by a running RMS of gradients",
    color="#8c564b",
    torch=TorchClass("RMSprop"),
    gallery={"lr": 0.15},
)
