"""Allocation-lean Adam for large flat parameter vectors.

Same contract as optax: ``updates, state = opt.update(grads, state)``; ``params += updates``.
The moment buffers are fresh arrays each step (so states can be kept and replayed), but the
update itself is computed in a reused buffer with ``out=`` ufuncs to save one full-size
allocation per step.
"""
from typing import NamedTuple

import numpy as np


class AdamState(NamedTuple):
    step: int
    exp_avg: np.ndarray
    exp_avg_sq: np.ndarray


class FastAdam(NamedTuple):
    init: object
    update: object


def make_adam(step_size=1e-3, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas

    def init(params):
        return AdamState(0, np.zeros_like(params), np.zeros_like(params))

    def update(grads, state, params=None):
        step = state.step + 1
        exp_avg = beta1 * state.exp_avg + (1.0 - beta1) * grads
        exp_avg_sq = beta2 * state.exp_avg_sq + (1.0 - beta2) * np.square(grads)

        # reuse the gradient buffer for the result (it is not needed any more)
        out = grads
        np.divide(exp_avg_sq, 1.0 - beta2**step, out=out)
        np.sqrt(out, out=out)
        out += eps
        np.divide(exp_avg, out, out=out)
        out *= -step_size / (1.0 - beta1**step)
        return out, AdamState(step, exp_avg, exp_avg_sq)

    return FastAdam(init, update)
