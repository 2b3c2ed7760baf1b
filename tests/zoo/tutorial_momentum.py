# Momentum vs plain gradient descent on an elongated bowl
# f(x, y) = x^2 / 20 + y^2  (the example from "Deep Learning from Scratch", ch. 6)
import numpy as np


def f(x, y):
    return x**2 / 20.0 + y**2


def gradient(x, y):
    return x / 10.0, 2.0 * y


# initial velocity
vx, vy = 0.0, 0.0


def momentum(x, y, vx, vy, lr=0.1, gamma=0.9):
    """One step of momentum. v accumulates lr-scaled gradients:
        v = gamma * v + lr * grad
        x = x - v
    Returns the new position and the new velocity."""
    dx, dy = gradient(x, y)
    vx = gamma * vx + lr * dx
    vy = gamma * vy + lr * dy
    x = x - vx
    y = y - vy
    return x, y, vx, vy


if __name__ == "__main__":
    x, y = -7.0, 2.0
    path = [(x, y)]
    for _ in range(30):
        x, y, vx, vy = momentum(x, y, vx, vy)
        path.append((x, y))
    print(np.array(path)[-5:])
