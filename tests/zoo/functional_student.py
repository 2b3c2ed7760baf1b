# HW3, part 2: optimizers as (init, update) pairs, like optax.
#   opt = make_adam(alpha=0.001)
#   s = opt.init(w)
#   upd, s = opt.update(g, s)      ->   w = w + upd
import collections

import numpy as np

Optimizer = collections.namedtuple("Optimizer", ["init", "update"])


def make_rmsprop(eta=0.01, gamma=0.9, eps=1e-8):
    # Hinton's lecture 6e: divide the gradient by a running average of its recent magnitude
    def init(w):
        return {"E_g2": np.zeros_like(w)}

    def update(g, state, w=None):
        E_g2 = gamma * state["E_g2"] + (1 - gamma) * g**2
        upd = -eta * g / (np.sqrt(E_g2) + eps)
        return upd, {"E_g2": E_g2}

    return Optimizer(init, update)


def make_adam(alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    # notation of the paper: alpha is the stepsize
    def init(w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}

    def update(g, state, w=None):
        t = state["t"] + 1
        m = beta1 * state["m"] + (1 - beta1) * g
        v = beta2 * state["v"] + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        upd = -alpha * m_hat / (np.sqrt(v_hat) - eps)
        return upd, {"m": m, "v": v, "t": t}

    return Optimizer(init, update)
