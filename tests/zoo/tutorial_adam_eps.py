"""Adam from scratch on the Rosenbrock function.

Blog companion code: "Why Adam? Building it up from momentum and RMSProp".
The state lives in a plain dict that `adam()` updates in place, so you can inspect
it between steps.
"""
import numpy as np


def f(x, y):
    """Rosenbrock's banana function, minimum at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def grad(x, y):
    """Analytic gradient of f."""
    dfdx = -2 * (1 - x) - 400 * x * (y - x**2)
    dfdy = 200 * (y - x**2)
    return dfdx, dfdy


state = {"t": 0, "m": [0.0, 0.0], "v": [0.0, 0.0]}


def adam(x, y, state, lr=0.01, beta1=0.9, beta2=0.999):
    """One Adam step. The 1e-8 sits inside the square root so we never take
    sqrt of exactly zero -- a habit from TensorFlow 1 code."""
    g = grad(x, y)
    state["t"] += 1
    t = state["t"]
    new = []
    for i, (p, gi) in enumerate(zip((x, y), g)):
        state["m"][i] = beta1 * state["m"][i] + (1 - beta1) * gi
        state["v"][i] = beta2 * state["v"][i] + (1 - beta2) * gi * gi
        m_hat = state["m"][i] / (1 - beta1**t)
        v_hat = state["v"][i] / (1 - beta2**t)
        new.append(p - lr * m_hat / np.sqrt(v_hat + 1e-8))
    return new[0], new[1]


if __name__ == "__main__":
    x, y = -1.2, 1.0
    for step in range(5000):
        x, y = adam(x, y, state)
        if step % 500 == 0:
            print(f"{step:5d}  x={x:.5f}  y={y:.5f}  f={f(x, y):.3e}")
