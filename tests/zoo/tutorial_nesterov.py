"""
Nesterov accelerated gradient, the way Sutskever et al. (2013) write it:

    v_{t+1}     = mu * v_t - lr * grad f(theta_t + mu * v_t)
    theta_{t+1} = theta_t + v_{t+1}

i.e. first jump along the old velocity, look at the slope *there*, then correct.
Test function: Booth, minimum f(1, 3) = 0.
"""
import numpy as np


def f(x, y):
    return (x + 2*y - 7)**2 + (2*x + y - 5)**2


def df(x, y):
    dx = 2*(x + 2*y - 7) + 4*(2*x + y - 5)
    dy = 4*(x + 2*y - 7) + 2*(2*x + y - 5)
    return dx, dy


vx, vy = 0.0, 0.0


def nesterov(x, y, vx, vy, lr=0.01, mu=0.9):
    # gradient at the look-ahead point
    dx, dy = df(x + mu*vx, y + mu*vy)
    vx = mu*vx - lr*dx
    vy = mu*vy - lr*dy
    return x + vx, y + vy, vx, vy


if __name__ == "__main__":
    x, y = -8.0, 8.0
    for i in range(200):
        x, y, vx, vy = nesterov(x, y, vx, vy)
    print(x, y, f(x, y))
