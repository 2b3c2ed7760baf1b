"""The Adam family: Adam, AMSGrad, AdamW, Adamax, NAdam and RAdam, as in ``torch.optim``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.optim.base import (
    Array,
    Optimizer,
    decoupled_decay,
    effective_gradient,
    lerp,
    zeros_like,
)
from optverify.optim.records import (
    MAXIMIZE,
    Hyperparameter,
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
    "ADAM",
    "ADAMAX",
    "ADAMW",
    "AMSGRAD",
    "NADAM",
    "RADAM",
    "AdamState",
    "AdamaxState",
    "AmsgradState",
    "NadamState",
]


class AdamState(NamedTuple):
    """Step count ``t``, first moment ``m_t`` and second moment ``v_t``."""

    t: int
    m: Array
    v: Array


class AmsgradState(NamedTuple):
    """Adam's state plus ``v_max``, the running maximum of ``v_t``."""

    t: int
    m: Array
    v: Array
    v_max: Array


class AdamaxState(NamedTuple):
    """Step count ``t``, first moment ``m_t`` and the exponentially weighted infinity norm
    ``u_t``."""

    t: int
    m: Array
    u: Array


class NadamState(NamedTuple):
    """Adam's state plus ``mu_product``, the product of the momentum schedule
    :math:`\\prod_{i \\le t} \\mu_i`."""

    t: int
    m: Array
    v: Array
    mu_product: float


def _moments(
    state: AdamState | AmsgradState, g: Array, b1: float, b2: float
) -> tuple[Array, Array]:
    """``m_t = b1*m + (1 - b1)*g`` (as torch's lerp) and ``v_t = b2*v + (1 - b2)*g^2``."""
    return lerp(state.m, g, 1 - b1), b2 * state.v + (1 - b2) * g * g


def _adam_step(m: Array, v: Array, t: int, lr: float, b1: float, b2: float, eps: float) -> Array:
    """torch's Adam step from the moments:
    ``-lr/(1 - b1^t) * m / (sqrt(v)/sqrt(1 - b2^t) + eps)``."""
    step_size = lr / (1 - b1**t)
    bias_correction2_sqrt = (1 - b2**t) ** 0.5
    step: Array = (-step_size * m) / (np.sqrt(v) / bias_correction2_sqrt + eps)
    return step


def _weight_decay_split(weight_decay: float, decoupled: bool) -> tuple[float, float]:
    """(L2 coefficient added to the gradient, decoupled coefficient applied to the params)."""
    return (0.0, weight_decay) if decoupled else (weight_decay, 0.0)


def _init_adam(params: ArrayLike) -> AdamState:
    zeros = zeros_like(params)
    return AdamState(t=0, m=zeros, v=zeros)


def adam(
    *, lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool
) -> Optimizer:
    r"""Adam, as ``torch.optim.Adam``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t &\leftarrow m_t / (1 - \beta_1^t), \qquad
        \hat v_t \leftarrow v_t / (1 - \beta_2^t) \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    Epsilon is added to :math:`\sqrt{\hat v_t}` (the paper's Algorithm 1 and torch), not
    inside the root; torch computes the step as
    :math:`\frac{\gamma}{1-\beta_1^t} m_t / (\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon)`, and so
    does this code, so trajectories agree to rounding. ``weight_decay`` is L2 added to the
    gradient (see :func:`adamw` for the decoupled form).

    Args:
      lr: :math:`\gamma`, > 0 (default 1e-3).
      b1: :math:`\beta_1` in [0, 1) (torch's ``betas[0]``).
      b2: :math:`\beta_2` in [0, 1) (torch's ``betas[1]``).
      eps: :math:`\epsilon`, >= 0.
      weight_decay: :math:`\lambda`, >= 0.
      maximize: ascend instead of descend.

    References:
      Kingma & Ba, Adam: A Method for Stochastic Optimization, ICLR 2015, Algorithm 1.
    """

    def update(
        grads: ArrayLike, state: AdamState, params: ArrayLike | None = None
    ) -> tuple[Array, AdamState]:
        t = state.t + 1
        g = effective_gradient(grads, params, weight_decay, maximize)
        m, v = _moments(state, g, b1, b2)
        return _adam_step(m, v, t, lr, b1, b2, eps), AdamState(t, m, v)

    return Optimizer(_init_adam, update)


def amsgrad(
    *, lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool
) -> Optimizer:
    r"""AMSGrad, as ``torch.optim.Adam(amsgrad=True)``.

    Adam's moments, with the denominator built from the running maximum of :math:`v_t`:

    .. math::
        v^{max}_t &\leftarrow \max(v^{max}_{t-1}, v_t) \\
        \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} m_t
            / (\sqrt{v^{max}_t / (1 - \beta_2^t)} + \epsilon)

    torch keeps Adam's bias corrections (the paper has none) and takes the maximum of the
    uncorrected :math:`v_t`; so does this code.

    Args:
      lr, b1, b2, eps, weight_decay, maximize: as for :func:`adam`.

    References:
      Reddi, Kale & Kumar, On the Convergence of Adam and Beyond, ICLR 2018.
    """

    def init(params: ArrayLike) -> AmsgradState:
        zeros = zeros_like(params)
        return AmsgradState(t=0, m=zeros, v=zeros, v_max=zeros)

    def update(
        grads: ArrayLike, state: AmsgradState, params: ArrayLike | None = None
    ) -> tuple[Array, AmsgradState]:
        t = state.t + 1
        g = effective_gradient(grads, params, weight_decay, maximize)
        m, v = _moments(state, g, b1, b2)
        v_max = np.maximum(state.v_max, v)
        return _adam_step(m, v_max, t, lr, b1, b2, eps), AmsgradState(t, m, v, v_max)

    return Optimizer(init, update)


def adamw(
    *, lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool
) -> Optimizer:
    r"""AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    .. math::
        \theta'_{t-1} &\leftarrow \theta_{t-1} (1 - \gamma \lambda) \\
        \theta_t &\leftarrow \theta'_{t-1} - \gamma \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    with Adam's moments of the raw gradient. torch scales the decay by ``lr`` (the paper has a
    separate schedule multiplier); the default ``weight_decay`` is 1e-2 as in torch.

    Args:
      lr, b1, b2, eps, maximize: as for :func:`adam`.
      weight_decay: :math:`\lambda`, >= 0.

    References:
      Loshchilov & Hutter, Decoupled Weight Decay Regularization, ICLR 2019.
    """

    def update(
        grads: ArrayLike, state: AdamState, params: ArrayLike | None = None
    ) -> tuple[Array, AdamState]:
        t = state.t + 1
        g = effective_gradient(grads, params, 0.0, maximize)
        m, v = _moments(state, g, b1, b2)
        updates = _adam_step(m, v, t, lr, b1, b2, eps)
        decay = decoupled_decay(lr, weight_decay, params)
        return (updates if decay is None else updates + decay), AdamState(t, m, v)

    return Optimizer(_init_adam, update)


def adamax(
    *, lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool
) -> Optimizer:
    r"""Adamax, as ``torch.optim.Adamax``.

    .. math::
        g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        u_t &\leftarrow \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
        \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} m_t / u_t

    torch adds epsilon inside the maximum (the paper has none).

    Args:
      lr: :math:`\gamma`, > 0 (default 2e-3).
      b1, b2, eps, weight_decay, maximize: as for :func:`adam`.

    References:
      Kingma & Ba, Adam: A Method for Stochastic Optimization, ICLR 2015, Section 7.1.
    """

    def init(params: ArrayLike) -> AdamaxState:
        return AdamaxState(t=0, m=zeros_like(params), u=zeros_like(params))

    def update(
        grads: ArrayLike, state: AdamaxState, params: ArrayLike | None = None
    ) -> tuple[Array, AdamaxState]:
        t = state.t + 1
        g = effective_gradient(grads, params, weight_decay, maximize)
        m = lerp(state.m, g, 1 - b1)
        u = np.maximum(b2 * state.u, np.abs(g) + eps)
        clr = lr / (1 - b1**t)
        return (-clr * m) / u, AdamaxState(t, m, u)

    return Optimizer(init, update)


def nadam(
    *,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
    weight_decay: float,
    momentum_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> Optimizer:
    r"""NAdam, as ``torch.optim.NAdam``.

    .. math::
        \mu_t &\leftarrow \beta_1 (1 - \tfrac12 \cdot 0.96^{t \psi}), \qquad
        \mu_{t+1} \leftarrow \beta_1 (1 - \tfrac12 \cdot 0.96^{(t+1) \psi}) \\
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        d_t &\leftarrow \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
        \theta_t &\leftarrow \theta_{t-1}
            - \gamma \frac{1 - \mu_t}{1 - \prod_{i \le t} \mu_i} \frac{g_t}{d_t}
            - \gamma \frac{\mu_{t+1}}{1 - \prod_{i \le t+1} \mu_i} \frac{m_t}{d_t}

    torch's momentum schedule :math:`\mu_t` (Dozat's, with ``momentum_decay`` :math:`\psi`)
    differs from the paper's constant :math:`\beta_1`; the moment :math:`m_t` still uses
    :math:`\beta_1`.

    Args:
      lr: :math:`\gamma`, > 0 (default 2e-3).
      b1, b2, eps, maximize: as for :func:`adam`.
      weight_decay: :math:`\lambda`, >= 0; L2 unless ``decoupled_weight_decay``.
      momentum_decay: :math:`\psi`, >= 0.
      decoupled_weight_decay: decay the parameters directly, as AdamW does.

    References:
      Dozat, Incorporating Nesterov Momentum into Adam, ICLR 2016 workshop.
    """
    psi = momentum_decay
    l2, decoupled = _weight_decay_split(weight_decay, decoupled_weight_decay)

    def init(params: ArrayLike) -> NadamState:
        return NadamState(t=0, m=zeros_like(params), v=zeros_like(params), mu_product=1.0)

    def update(
        grads: ArrayLike, state: NadamState, params: ArrayLike | None = None
    ) -> tuple[Array, NadamState]:
        t = state.t + 1
        g = effective_gradient(grads, params, l2, maximize)
        mu = b1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
        mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
        mu_product = state.mu_product * mu
        m = lerp(state.m, g, 1 - b1)
        v = b2 * state.v + (1 - b2) * g * g
        d = np.sqrt(v / (1 - b2**t)) + eps
        updates = (-lr * (1.0 - mu) / (1.0 - mu_product) * g) / d + (
            (-lr * mu_next) / (1.0 - mu_product * mu_next) * m
        ) / d
        decay = decoupled_decay(lr, decoupled, params)
        return (updates if decay is None else updates + decay), NadamState(t, m, v, mu_product)

    return Optimizer(init, update)


def radam(
    *,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
    weight_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
) -> Optimizer:
    r"""RAdam, as ``torch.optim.RAdam``.

    .. math::
        m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \rho_\infty &\leftarrow 2 / (1 - \beta_2) - 1, \qquad
        \rho_t \leftarrow \rho_\infty - 2 t \beta_2^t / (1 - \beta_2^t) \\
        r_t &\leftarrow \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
            {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}} \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma \hat m_t \, r_t
            \sqrt{1 - \beta_2^t} / (\sqrt{v_t} + \epsilon) \quad \text{if } \rho_t > 5, \\
        \theta_t &\leftarrow \theta_{t-1} - \gamma \hat m_t \quad \text{otherwise}

    torch switches to the rectified step when :math:`\rho_t > 5` (the paper says 4) and puts
    epsilon outside the root; so does this code.

    Args:
      lr: :math:`\gamma`, > 0 (default 1e-3).
      b1, b2, eps, maximize: as for :func:`adam`.
      weight_decay: :math:`\lambda`, >= 0; L2 unless ``decoupled_weight_decay``.
      decoupled_weight_decay: decay the parameters directly, as AdamW does.

    References:
      Liu et al., On the Variance of the Adaptive Learning Rate and Beyond, ICLR 2020.
    """
    l2, decoupled = _weight_decay_split(weight_decay, decoupled_weight_decay)

    def update(
        grads: ArrayLike, state: AdamState, params: ArrayLike | None = None
    ) -> tuple[Array, AdamState]:
        t = state.t + 1
        g = effective_gradient(grads, params, l2, maximize)
        m, v = _moments(state, g, b1, b2)
        bias_correction1 = 1 - b1**t
        bias_correction2 = 1 - b2**t
        m_hat = m / bias_correction1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * (b2**t) / bias_correction2
        if rho_t > 5.0:
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            adaptive = (bias_correction2**0.5) / (np.sqrt(v) + eps)
            updates = -(m_hat * lr * adaptive * rect)
        else:
            updates = -(m_hat * lr)
        decay = decoupled_decay(lr, decoupled, params)
        return (updates if decay is None else updates + decay), AdamState(t, m, v)

    return Optimizer(_init_adam, update)


def _family(lr: float, weight_decay: float = 0.0) -> tuple[Hyperparameter, ...]:
    """lr, b1, b2, eps and weight_decay, the hyperparameters every member of the family has."""
    return (
        learning_rate(lr),
        unit_interval("b1", 0.9),
        unit_interval("b2", 0.999, draw=(0.0, 0.999)),
        epsilon(1e-8),
        decay(weight_decay),
    )


_DECOUPLED = flag("decoupled_weight_decay", False)

ADAM = OptimizerRecord(
    name="adam",
    family="adaptive moments",
    rule=adam,
    hyperparameters=(*_family(1e-3), MAXIMIZE),
    summary="Adam: bias-corrected first and second moments",
    color="#e377c2",
    torch=TorchClass("Adam"),
    gallery={"lr": 0.2},
)

AMSGRAD = OptimizerRecord(
    name="amsgrad",
    family="adaptive moments",
    rule=amsgrad,
    hyperparameters=(*_family(1e-3), MAXIMIZE),
    summary="AMSGrad: Adam dividing by the running maximum of v",
    color="#17becf",
    torch=TorchClass("Adam", {"amsgrad": True}),
    gallery={"lr": 0.2},
)

ADAMW = OptimizerRecord(
    name="adamw",
    family="adaptive moments",
    rule=adamw,
    hyperparameters=(*_family(1e-3, weight_decay=1e-2), MAXIMIZE),
    summary="AdamW: Adam with decoupled weight decay",
    color="#bcbd22",
    torch=TorchClass("AdamW"),
    gallery={"lr": 0.2},
)

ADAMAX = OptimizerRecord(
    name="adamax",
    family="adaptive moments",
    rule=adamax,
    hyperparameters=(*_family(2e-3), MAXIMIZE),
    summary="Adamax: Adam with the infinity norm",
    color="#7f7f7f",
    torch=TorchClass("Adamax"),
    gallery={"lr": 0.5},
)

NADAM = OptimizerRecord(
    name="nadam",
    family="adaptive moments",
    rule=nadam,
    hyperparameters=(
        *_family(2e-3),
        nonnegative("momentum_decay", 4e-3, draw=(0.0, 0.01)),
        _DECOUPLED,
        MAXIMIZE,
    ),
    summary="NAdam: Adam with Nesterov momentum",
    color="#393b79",
    torch=TorchClass("NAdam"),
    gallery={"lr": 0.2},
)

RADAM = OptimizerRecord(
    name="radam",
    family="adaptive moments",
    rule=radam,
    hyperparameters=(*_family(1e-3), _DECOUPLED, MAXIMIZE),
    summary="RAdam: Adam with a rectified warm-up",
    color="#637939",
    torch=TorchClass("RAdam"),
    gallery={"lr": 0.3},
)
