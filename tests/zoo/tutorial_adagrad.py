# AdaGrad on a tilted quadratic. Part 3 of the optimizer series.
import numpy as np


def f(x, y):
    return x**2 + 5*y**2 + 2*x*y + 3*x


def df(x, y):
    return 2*x + 2*y + 3, 10*y + 2*x


# running sum of squared gradients, one per coordinate
cache = {'x': 0.0, 'y': 0.0}


def adagrad(x, y, cache, lr=0.5):
    dx, dy = df(x, y)
    # add the squared gradient to the history
    gx = cache['x'] + dx**2
    gy = cache['y'] + dy**2
    x = x - lr * dx / (np.sqrt(gx) + 1e-8)
    y = y - lr * dy / (np.sqrt(gy) + 1e-8)
    return x, y


if __name__ == '__main__':
    x, y = 2.0, 2.0
    for i in range(100):
        x, y = adagrad(x, y, cache)
    print(x, y, f(x, y))
