# Plain gradient descent, part 1 of the optimizer series.
#
# Loss:  f(x, y) = 1/2 * (x^2 + 10 y^2)
# The 1/2 is there so the derivative comes out clean:  grad f = (x, 10 y).
import numpy as np


def f(x, y):
    return 0.5 * (x**2 + 10 * y**2)


def grad_f(x, y):
    return x, 10 * y


def gradient_descent(x, y, lr=0.1):
    dx, dy = grad_f(x, y)
    # theta <- theta - lr * 1/2 * grad   (the 1/2 from the loss)
    x = x - 0.5 * lr * dx
    y = y - 0.5 * lr * dy
    return x, y


if __name__ == "__main__":
    xs, ys = [4.0], [1.0]
    for _ in range(50):
        x, y = gradient_descent(xs[-1], ys[-1])
        xs.append(x)
        ys.append(y)
    print(xs[-1], ys[-1], f(xs[-1], ys[-1]))
