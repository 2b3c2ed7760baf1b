"""Dialects: legitimate variants of each update rule, each written as its own reference rule.

Many correct optimizers differ from ``torch.optim`` on purpose: epsilon inside the square
root, the Adam paper's "efficient" form, Keras's placement, an EMA momentum, Nesterov in
Sutskever's look-ahead form. Each :class:`Rule` here is one such update rule, written out with
its formula, the one sentence saying how it differs from torch's, and where it comes from. A
kind's rules are its torch rule (the built-in optimizer) and its dialects;
:mod:`optverify.verification.matching` says which one a user's code follows.

Every rule takes the kind's hyperparameters as keywords (all of them: the matcher fills in
defaults and the constants the code fixes) and applies weight decay as torch does (L2 added to
the gradient), except where the dialect is about weight decay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.optim.adam import ADAM, ADAMAX, ADAMW, AMSGRAD, NADAM, RADAM
from optverify.optim.adaptive import ADAGRAD, RMSPROP
from optverify.optim.base import Array, Optimizer, effective_gradient, zeros_like
from optverify.optim.records import Hyperparameter, OptimizerRecord, nonnegative
from optverify.optim.sgd import MOMENTUM, NESTEROV

__all__ = ["TORCH", "Rule", "rules_for"]

TORCH = "torch"
"""The name of every kind's own rule: ``torch.optim``'s, which the built-in follows."""


@dataclass(frozen=True)
class Rule:
    """An update rule of a kind: torch's, or a named dialect.

    Attributes:
      name: ``torch`` or the dialect's id (``eps-inside-sqrt``).
      kind: the optimizer kind it is a rule of.
      build: the reference implementation, from every hyperparameter of the kind (and
        ``extra`` ones) as keywords.
      formula: the update, in one line.
      differs: how it differs from torch's rule, in one sentence ("" for torch's).
      reference: where the form comes from.
      extra: constants this dialect has that the kind does not (AdaGrad's initial
        accumulator when code hard-codes it), with their defaults and ranges.
      look_ahead: the rule takes its gradient at a point other than ``params``, so only code
        that evaluates the gradient itself can follow it; fed the gradient at ``params``, it
        would step like another kind (Sutskever's Nesterov like heavy-ball momentum).
    """

    name: str
    kind: OptimizerRecord
    build: Callable[..., Optimizer]
    formula: str
    differs: str = ""
    reference: str = ""
    extra: tuple[Hyperparameter, ...] = field(default=())
    look_ahead: bool = False

    def optimizer(self, hyperparameters: Mapping[str, Any]) -> Optimizer:
        """The reference optimizer with ``hyperparameters`` (the kind's defaults filled in)."""
        settings = {**self.kind.defaults(), **{h.name: h.default for h in self.extra}}
        settings.update({k: v for k, v in hyperparameters.items() if k in settings})
        return self.build(**settings)


class Moments(NamedTuple):
    t: int
    m: Array
    v: Array


def _moments_init(params: ArrayLike) -> Moments:
    zeros = zeros_like(params)
    return Moments(0, zeros, zeros)


def _torch(kind: OptimizerRecord) -> Rule:
    return Rule(TORCH, kind, kind.build, "torch.optim's rule (see docs/optimizers.md)", "",
                f"torch.optim.{kind.torch.name if kind.torch else kind.name}")  # fmt: skip


# --- Adam and AMSGrad ------------------------------------------------------------------------


def _adam_eps_inside(*, amsgrad: bool) -> Callable[..., Optimizer]:
    def build(
        lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool, **_: Any
    ) -> Optimizer:
        def update(
            grads: ArrayLike, state: Any, params: ArrayLike | None = None
        ) -> tuple[Array, Any]:
            t = state.t + 1
            g = effective_gradient(grads, params, weight_decay, maximize)
            m = b1 * state.m + (1 - b1) * g
            v = b2 * state.v + (1 - b2) * g * g
            v_used = np.maximum(state.v_max, v) if amsgrad else v
            m_hat = m / (1 - b1**t)
            v_hat = v_used / (1 - b2**t)
            step = -lr * m_hat / np.sqrt(v_hat + eps)
            return step, (_AmsState(t, m, v, v_used) if amsgrad else Moments(t, m, v))

        return Optimizer(_ams_init if amsgrad else _moments_init, update)

    return build


class _AmsState(NamedTuple):
    t: int
    m: Array
    v: Array
    v_max: Array


def _ams_init(params: ArrayLike) -> _AmsState:
    zeros = zeros_like(params)
    return _AmsState(0, zeros, zeros, zeros)


def _adam_eps_hat(
    lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool, **_: Any
) -> Optimizer:
    def update(
        grads: ArrayLike, state: Moments, params: ArrayLike | None = None
    ) -> tuple[Array, Moments]:
        t = state.t + 1
        g = effective_gradient(grads, params, weight_decay, maximize)
        m = b1 * state.m + (1 - b1) * g
        v = b2 * state.v + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        return -lr_t * m / (np.sqrt(v) + eps), Moments(t, m, v)

    return Optimizer(_moments_init, update)


# --- AdamW -----------------------------------------------------------------------------------


def _adamw(*, decay: str) -> Callable[..., Optimizer]:
    def build(
        lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool, **_: Any
    ) -> Optimizer:
        def update(
            grads: ArrayLike, state: Moments, params: ArrayLike | None = None
        ) -> tuple[Array, Moments]:
            t = state.t + 1
            p = np.zeros_like(np.asarray(grads, float)) if params is None else np.asarray(params)
            g = effective_gradient(grads, p, weight_decay if decay == "l2" else 0.0, maximize)
            m = b1 * state.m + (1 - b1) * g
            v = b2 * state.v + (1 - b2) * g * g
            step = -lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
            if decay == "paper":
                step = step - weight_decay * p
            return step, Moments(t, m, v)

        return Optimizer(_moments_init, update)

    return build


# --- AdaGrad and RMSprop ---------------------------------------------------------------------


class Sum(NamedTuple):
    t: int
    s: Array


def _adagrad(*, inside: bool) -> Callable[..., Optimizer]:
    def build(
        lr: float,
        lr_decay: float,
        weight_decay: float,
        initial_accumulator_value: float,
        eps: float,
        maximize: bool,
        **_: Any,
    ) -> Optimizer:
        def init(params: ArrayLike) -> Sum:
            return Sum(0, np.full(np.shape(params), float(initial_accumulator_value)))

        def update(
            grads: ArrayLike, state: Sum, params: ArrayLike | None = None
        ) -> tuple[Array, Sum]:
            t = state.t + 1
            g = effective_gradient(grads, params, weight_decay, maximize)
            clr = lr / (1 + (t - 1) * lr_decay)
            s = state.s + g * g
            denominator = np.sqrt(s + eps) if inside else np.sqrt(s) + eps
            return -clr * g / denominator, Sum(t, s)

        return Optimizer(init, update)

    return build


class Rms(NamedTuple):
    t: int
    g_ave: Array
    v: Array
    b: Array


def _rms_init(params: ArrayLike) -> Rms:
    zeros = zeros_like(params)
    return Rms(0, zeros, zeros, zeros)


def _rmsprop_eps_inside(
    lr: float, alpha: float, eps: float, weight_decay: float, momentum: float, centered: bool,
    maximize: bool, **_: Any,
) -> Optimizer:  # fmt: skip
    def update(grads: ArrayLike, state: Rms, params: ArrayLike | None = None) -> tuple[Array, Rms]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        v = alpha * state.v + (1 - alpha) * g * g
        g_ave = alpha * state.g_ave + (1 - alpha) * g if centered else state.g_ave
        d = np.sqrt(v - g_ave * g_ave + eps) if centered else np.sqrt(v + eps)
        b = momentum * state.b + g / d
        return -lr * b, Rms(state.t + 1, g_ave, v, b)

    return Optimizer(_rms_init, update)


# --- momentum and Nesterov -------------------------------------------------------------------


class Velocity(NamedTuple):
    t: int
    b: Array


def _velocity_init(params: ArrayLike) -> Velocity:
    return Velocity(0, zeros_like(params))


def _ema_momentum(
    lr: float, momentum: float, dampening: float, weight_decay: float, maximize: bool, **_: Any
) -> Optimizer:
    def update(
        grads: ArrayLike, state: Velocity, params: ArrayLike | None = None
    ) -> tuple[Array, Velocity]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        b = momentum * state.b + (1 - momentum) * g
        return -lr * b, Velocity(state.t + 1, b)

    return Optimizer(_velocity_init, update)


def _sutskever(
    lr: float, momentum: float, weight_decay: float, maximize: bool, **_: Any
) -> Optimizer:
    def update(
        grads: ArrayLike, state: Velocity, params: ArrayLike | None = None
    ) -> tuple[Array, Velocity]:
        g = effective_gradient(grads, params, weight_decay, maximize)
        v = momentum * state.b - lr * g  # g taken at the look-ahead point theta + mu*v
        return v, Velocity(state.t + 1, v)

    return Optimizer(_velocity_init, update)


# --- Adamax, NAdam, RAdam --------------------------------------------------------------------


def _adamax_eps_outside(
    lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool, **_: Any
) -> Optimizer:
    def update(
        grads: ArrayLike, state: Moments, params: ArrayLike | None = None
    ) -> tuple[Array, Moments]:
        t = state.t + 1
        g = effective_gradient(grads, params, weight_decay, maximize)
        m = b1 * state.m + (1 - b1) * g
        u = np.maximum(b2 * state.v, np.abs(g))
        return -lr / (1 - b1**t) * m / (u + eps), Moments(t, m, u)

    return Optimizer(_moments_init, update)


def _nadam_constant(
    lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool, **_: Any
) -> Optimizer:
    def update(
        grads: ArrayLike, state: Moments, params: ArrayLike | None = None
    ) -> tuple[Array, Moments]:
        t = state.t + 1
        g = effective_gradient(grads, params, weight_decay, maximize)
        m = b1 * state.m + (1 - b1) * g
        v = b2 * state.v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        nesterov = b1 * m_hat + (1 - b1) * g / (1 - b1**t)
        return -lr * nesterov / (np.sqrt(v_hat) + eps), Moments(t, m, v)

    return Optimizer(_moments_init, update)


def _radam_threshold(threshold: float) -> Callable[..., Optimizer]:
    def build(
        lr: float, b1: float, b2: float, eps: float, weight_decay: float, maximize: bool, **_: Any
    ) -> Optimizer:
        def update(
            grads: ArrayLike, state: Moments, params: ArrayLike | None = None
        ) -> tuple[Array, Moments]:
            t = state.t + 1
            g = effective_gradient(grads, params, weight_decay, maximize)
            m = b1 * state.m + (1 - b1) * g
            v = b2 * state.v + (1 - b2) * g * g
            m_hat = m / (1 - b1**t)
            rho_inf = 2 / (1 - b2) - 1
            rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
            if rho_t > threshold:
                r = np.sqrt(
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                )
                step = -lr * m_hat * r * np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            else:
                step = -lr * m_hat
            return step, Moments(t, m, v)

        return Optimizer(_moments_init, update)

    return build


# --- the table -------------------------------------------------------------------------------

_ACCUMULATOR = nonnegative("initial_accumulator_value", 0.1, draw=(0.0, 1.0))

DIALECTS: tuple[Rule, ...] = (
    Rule("eps-inside-sqrt", ADAM, _adam_eps_inside(amsgrad=False),
         "theta -= lr * m_hat / sqrt(v_hat + eps)",
         "epsilon is added to v_hat inside the square root instead of to sqrt(v_hat).",
         "common in tutorials; e.g. early TensorFlow and Chainer ports"),
    Rule("eps-hat", ADAM, _adam_eps_hat,
         "lr_t = lr*sqrt(1 - b2^t)/(1 - b1^t); theta -= lr_t * m / (sqrt(v) + eps)",
         "epsilon is added to the uncorrected sqrt(v) (the paper's eps-hat), so it acts as "
         "eps/sqrt(1 - b2^t) on torch's scale.",
         "Kingma & Ba 2015, end of section 2 (the efficient form); Keras and TensorFlow"),
    Rule("eps-inside-sqrt", AMSGRAD, _adam_eps_inside(amsgrad=True),
         "theta -= lr * m_hat / sqrt(max(v)_hat + eps)",
         "epsilon is added to the maximum of v inside the square root.",
         "common in tutorials"),
    Rule("paper", ADAMW, _adamw(decay="paper"),
         "theta -= lr * m_hat/(sqrt(v_hat) + eps) + weight_decay * theta",
         "the decay is weight_decay*theta, not multiplied by lr (schedule multiplier 1).",
         "Loshchilov & Hutter 2019, Algorithm 2 with eta_t = 1"),
    Rule("l2", ADAMW, _adamw(decay="l2"),
         "g += weight_decay * theta; then Adam's step",
         "the decay is L2: added to the gradient before the moments, so Adam rescales it "
         "(the coupling AdamW was introduced to remove).",
         "Adam with L2 regularization, as torch.optim.Adam(weight_decay=...)"),
    Rule("eps-inside-sqrt", ADAGRAD, _adagrad(inside=True),
         "theta -= lr * g / sqrt(s + eps)",
         "epsilon is added to the sum of squares inside the square root.",
         "common in tutorials and course code"),
    Rule("initial-accumulator", ADAGRAD, _adagrad(inside=False),
         "s_0 = c > 0 fixed in the code; theta -= lr * g / (sqrt(s) + eps)",
         "the sum of squared gradients starts at a constant (TensorFlow's 0.1) that the code "
         "fixes, not at 0.",
         "tf.keras.optimizers.Adagrad(initial_accumulator_value=0.1)",
         (_ACCUMULATOR,)),
    Rule("eps-inside-sqrt", RMSPROP, _rmsprop_eps_inside,
         "theta -= lr * g / sqrt(v + eps)",
         "epsilon is added to the mean square inside the square root.",
         "Hinton's lecture 6e as often transcribed; TensorFlow 1's RMSPropOptimizer"),
    Rule("ema", MOMENTUM, _ema_momentum,
         "b = mu*b + (1 - mu)*g, b_0 = 0; theta -= lr * b",
         "the buffer is an exponential moving average of the gradients, so the first step is "
         "damped by (1 - mu) and every step is (1 - mu) times torch's.",
         "Ng, Deep Learning Specialization, course 2 (momentum as an EMA)"),
    Rule("sutskever", NESTEROV, _sutskever,
         "v = mu*v - lr*grad f(theta + mu*v); theta += v",
         "the gradient is taken at the look-ahead point theta + mu*v and the step is the new "
         "velocity; fed the gradient there, it steps like heavy-ball momentum.",
         "Sutskever, Martens, Dahl & Hinton 2013, equations (3)-(4)", look_ahead=True),
    Rule("eps-outside-max", ADAMAX, _adamax_eps_outside,
         "u = max(b2*u, |g|); theta -= lr/(1 - b1^t) * m / (u + eps)",
         "epsilon is added after the maximum instead of to |g| inside it.",
         "Keras's Adamax"),
    Rule("constant-momentum", NADAM, _nadam_constant,
         "theta -= lr/(sqrt(v_hat) + eps) * (b1*m_hat + (1 - b1)*g/(1 - b1^t))",
         "the momentum is the constant b1, without torch's schedule "
         "mu_t = b1*(1 - 0.5*0.96^(t*momentum_decay)).",
         "Ruder, An overview of gradient descent optimization algorithms (2016); Dozat 2016"),
    Rule("threshold-4", RADAM, _radam_threshold(4.0),
         "rectify when rho_t > 4",
         "the rectified step starts when rho_t > 4, the paper's threshold, not torch's 5.",
         "Liu et al. 2020, Algorithm 2"),
)  # fmt: skip


def rules_for(kind: OptimizerRecord) -> list[Rule]:
    """The kind's torch rule, then its dialects."""
    return [_torch(kind), *(rule for rule in DIALECTS if rule.kind is kind)]
