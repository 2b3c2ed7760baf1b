"""Optimizers for the two-layer net in `mlp.py`.

Parameters are kept in a dict, e.g.

    params = {"W1": np.random.randn(D, H) * 0.01, "b1": np.zeros(H),
              "W2": np.random.randn(H, C) * 0.01, "b2": np.zeros(C)}

and backprop returns a dict `grads` with the same keys. Every optimizer has
`update(params, grads)` and returns the (updated) params dict.
"""
import math

import numpy as np


class MomentumSGD:
    """SGD with (heavy-ball) momentum, PyTorch convention:
        v = momentum * v + g
        w = w - lr * v
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.velocity = {}

    def update(self, params, grads):
        for name, g in grads.items():
            if name not in self.velocity:
                # torch docs: "the buffer is initialised to the first gradient"
                self.velocity[name] = g.copy()
            self.velocity[name] = self.momentum * self.velocity[name] + g
            params[name] = params[name] - self.lr * self.velocity[name]
        return params


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.m = {}
        self.v = {}
        self.t = 0

    def update(self, params, grads):
        for k in params:
            if k not in self.m:
                self.m[k] = np.zeros_like(params[k])
                self.v[k] = np.zeros_like(params[k])
            self.t += 1

            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * grads[k]
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * (grads[k] ** 2)

            m_hat = self.m[k] / (1 - self.beta1 ** self.t)
            v_hat = self.v[k] / (1 - self.beta2 ** self.t)

            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.epsilon)
        return params


class AdamPaper:
    """Adam, written out from Algorithm 1 of Kingma & Ba."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m, self.v = {}, {}
        self.t = 0

    def update(self, params, grads):
        self.t += 1
        for k, g in grads.items():
            m = self.m.get(k, 0.0)
            v = self.v.get(k, 0.0)
            m = self.beta1 * m + (1 - self.beta1) * g
            v = self.beta2 * v + (1 - self.beta2) * np.square(g)
            self.m[k], self.v[k] = m, v
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            params[k] -= self.lr * m_hat / np.sqrt(v_hat) + self.eps
        return params


class AdamW:
    """AdamW: Adam with weight decay (Loshchilov & Hutter, 2019)."""

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, wd=1e-2):
        self.lr = lr
        self.b1, self.b2 = betas
        self.eps = eps
        self.wd = wd
        self.m = {}
        self.v = {}
        self.step_count = 0

    def update(self, params, grads):
        self.step_count += 1
        t = self.step_count
        new_params = {}
        for k, w in params.items():
            g = grads[k] + self.wd * w  # weight decay
            self.m[k] = self.b1 * self.m.get(k, np.zeros_like(w)) + (1 - self.b1) * g
            self.v[k] = self.b2 * self.v.get(k, np.zeros_like(w)) + (1 - self.b2) * g * g
            m_hat = self.m[k] / (1 - self.b1 ** t)
            v_hat = self.v[k] / (1 - self.b2 ** t)
            new_params[k] = w - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        return new_params


class NAdam:
    """Nesterov-accelerated Adam, as written in Ruder's overview (sec. 4.8):

        theta -= lr / (sqrt(v_hat) + eps) * (beta * m_hat + (1 - beta) * g / (1 - beta^t))
    """

    def __init__(self, lr=0.002, beta=0.9, eps=1e-8):
        self.lr = lr
        self.beta = beta
        self.eps = eps
        self.m = {}
        self.v = {}
        self.t = 0

    def update(self, params, grads):
        self.t += 1
        b1t = 1 - self.beta ** self.t
        out = {}
        for k in params:
            g = grads[k]
            self.m[k] = self.beta * self.m.get(k, 0) + (1 - self.beta) * g
            self.v[k] = 0.999 * self.v.get(k, 0) + 0.001 * g ** 2
            m_hat = self.m[k] / b1t
            v_hat = self.v[k] / (1 - 0.999 ** self.t)
            nesterov_m = self.beta * m_hat + (1 - self.beta) * g / b1t
            out[k] = params[k] - self.lr / (np.sqrt(v_hat) + self.eps) * nesterov_m
        return out


class RAdam:
    """Rectified Adam (Liu et al., 2020), Algorithm 2 of the paper.

    While the variance of the adaptive learning rate is intractable (rho_t <= 4) we fall back
    to SGD with (bias-corrected) momentum.
    """

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.rho_inf = 2.0 / (1.0 - beta2) - 1.0
        self.state = {}

    def update(self, params, grads):
        for k, p in params.items():
            st = self.state.setdefault(k, {"t": 0, "m": np.zeros_like(p), "v": np.zeros_like(p)})
            st["t"] += 1
            t, g = st["t"], grads[k]
            st["m"] = self.beta1 * st["m"] + (1 - self.beta1) * g
            st["v"] = self.beta2 * st["v"] + (1 - self.beta2) * g * g
            m_hat = st["m"] / (1 - self.beta1**t)

            beta2_t = self.beta2**t
            rho_t = self.rho_inf - 2 * t * beta2_t / (1 - beta2_t)
            if rho_t > 4:
                l_t = math.sqrt(1 - beta2_t) / (np.sqrt(st["v"]) + self.eps)
                r_t = math.sqrt(
                    (rho_t - 4) * (rho_t - 2) * self.rho_inf
                    / ((self.rho_inf - 4) * (self.rho_inf - 2) * rho_t)
                )
                p -= self.lr * m_hat * r_t * l_t
            else:
                p -= self.lr * m_hat
