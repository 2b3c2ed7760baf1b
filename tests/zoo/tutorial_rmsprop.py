# RMSProp by hand. Everything fixed: step size 0.01, decay 0.9, 1e-6 fudge.
# Himmelblau's function, four minima; where do we end up from (0, 0)?
import numpy as np


def f(x, y):
    return (x**2 + y - 11)**2 + (x + y**2 - 7)**2


def df(x, y):
    dx = 4*x*(x**2 + y - 11) + 2*(x + y**2 - 7)
    dy = 2*(x**2 + y - 11) + 4*y*(x + y**2 - 7)
    return dx, dy


sx, sy = 0.0, 0.0   # running averages of squared gradients


def rmsprop(x, y, sx, sy):
    dx, dy = df(x, y)
    sx = 0.9*sx + 0.1*dx**2
    sy = 0.9*sy + 0.1*dy**2
    x = x - 0.01*dx/(np.sqrt(sx) + 1e-6)
    y = y - 0.01*dy/(np.sqrt(sy) + 1e-6)
    return x, y, sx, sy


if __name__ == '__main__':
    x, y = 0.0, 0.0
    for _ in range(1000):
        x, y, sx, sy = rmsprop(x, y, sx, sy)
    print(x, y, f(x, y))
