"""optim.py -- optimizers for the tiny numpy MLP (nn.py)

model.parameters() gives a list of numpy arrays, model.gradients() the matching list of
gradients. Optimizers update the arrays in place:

    opt = AdamW(lr=1e-3, weight_decay=1e-2)
    for epoch in range(n_epochs):
        ...
        opt.step(model.parameters(), model.gradients())
"""
from typing import List

import numpy as np


class Optimizer:
    def __init__(self, lr: float):
        self.lr = lr
        self.state: List[dict] = []

    def _init_state(self, params: List[np.ndarray]) -> None:
        raise NotImplementedError

    def step(self, params: List[np.ndarray], grads: List[np.ndarray]) -> None:
        if not self.state:
            self._init_state(params)
        for i, (p, g) in enumerate(zip(params, grads)):
            self._update(i, p, g)

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError


class Adam(Optimizer):
    """Adam: m_t = b1 m + (1-b1) g ; v_t = b2 v + (1-b2) g^2 ; p -= lr * m_hat / (v_hat + eps)"""

    def __init__(self, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(lr)
        self.beta1, self.beta2 = betas
        self.eps = eps

    def _init_state(self, params):
        self.state = [{"step": 0, "m": np.zeros_like(p), "v": np.zeros_like(p)} for p in params]

    def _update(self, i, p, g):
        s = self.state[i]
        s["step"] += 1
        s["m"] = self.beta1 * s["m"] + (1 - self.beta1) * g
        s["v"] = self.beta2 * s["v"] + (1 - self.beta2) * g * g
        m_hat = s["m"] / (1 - self.beta1 ** s["step"])
        v_hat = s["v"] / (1 - self.beta2 ** s["step"])
        p -= self.lr * m_hat / (v_hat + self.eps)


class AMSGrad(Optimizer):
    """AMSGrad (Reddi et al., 2018): Adam, but the denominator uses the running max of v,
    so the effective step size can never grow. Bias correction as in torch.optim.Adam."""

    def __init__(self, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(lr)
        self.beta1, self.beta2 = betas
        self.eps = eps

    def _init_state(self, params):
        self.state = [
            {"step": 0, "m": np.zeros_like(p), "v": np.zeros_like(p), "v_max": np.zeros_like(p)}
            for p in params
        ]

    def _update(self, i, p, g):
        s = self.state[i]
        s["step"] += 1
        t = s["step"]
        s["m"] = self.beta1 * s["m"] + (1 - self.beta1) * g
        s["v"] = self.beta2 * s["v"] + (1 - self.beta2) * g * g
        np.maximum(s["v_max"], s["v"], out=s["v_max"])
        m_hat = s["m"] / (1 - self.beta1**t)
        denom = np.sqrt(s["v_max"] / (1 - self.beta2**t)) + self.eps
        p -= self.lr * m_hat / denom


class AdamW(Optimizer):
    """AdamW (Loshchilov & Hutter): weight decay applied to the weights directly,
    decoupled from the gradient statistics. Same convention as torch.optim.AdamW:
    p <- p * (1 - lr * weight_decay) before the Adam step."""

    def __init__(self, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        super().__init__(lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay

    def _init_state(self, params):
        self.state = [{"step": 0, "m": np.zeros_like(p), "v": np.zeros_like(p)} for p in params]

    def _update(self, i, p, g):
        s = self.state[i]
        s["step"] += 1
        t = s["step"]
        # decoupled decay
        p *= 1 - self.lr * self.weight_decay
        s["m"] = self.beta1 * s["m"] + (1 - self.beta1) * g
        s["v"] = self.beta2 * s["v"] + (1 - self.beta2) * np.square(g)
        bias_correction1 = 1 - self.beta1**t
        bias_correction2 = 1 - self.beta2**t
        step_size = self.lr / bias_correction1
        denom = np.sqrt(s["v"]) / np.sqrt(bias_correction2) + self.eps
        p -= step_size * s["m"] / denom
