"""
Momentum vs. Nesterov on Himmelblau's function
===============================================

Companion script for my blog post "Four valleys, three optimizers"
(https://mkowalski.github.io/posts/four-valleys). Run it top to bottom; it
writes the figures and the optimizer paths next to itself.

    python himmelblau-nesterov.py

Himmelblau's function is the classic "which minimum do you end up in?" test:

    $$f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2$$

It has four minima, all with f = 0:

    (3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)

one local maximum at (-0.270845, -0.923039), where f is about 181.617, and four
saddle points between the valleys. Since it has more than one minimum it is
certainly not convex: a convex function cannot have two separate minima.

The optimizers (written out so you can compare them with the code below):

Heavy-ball momentum, with velocity v_0 = 0 and the gradient g_t evaluated at
theta_t,

    $$v_{t+1} = \\mu v_t + \\eta \nabla f(\theta_t), \\qquad \theta_{t+1} = \theta_t - v_{t+1}$$

Nesterov's accelerated gradient evaluates the gradient at the look-ahead point
theta_t - mu * v_t instead:

    $$v_{t+1} = \\mu v_t + \\eta \nabla f(\theta_t - \\mu v_t), \\qquad \theta_{t+1} = \theta_t - v_{t+1}$$

Maciej Kowalski, November 2022. MIT licence, do what you like with it.
"""
import matplotlib.pyplot as plt
import numpy as np

# ---------------------------------------------------------------------------
# The surface and its gradient
# ---------------------------------------------------------------------------

def himmelblau(x, y):
    return (x**2 + y - 11)**2 + (x + y**2 - 7)**2


def gradient(x, y):
    """Analytic gradient of Himmelblau's function (chain rule on both squares)."""
    a = x**2 + y - 11
    b = x + y**2 - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


# A sanity check before anything else: all four minima have zero gradient.
MINIMA = np.array([[3.0, 2.0],
                   [-2.805118, 3.131312],
                   [-3.779310, -3.283186],
                   [3.584428, -1.848126]])
for m in MINIMA:
    print("minimum", m, "f =", round(himmelblau(*m), 8), "|grad| =", np.linalg.norm(gradient(*m)))


# ---------------------------------------------------------------------------
# The landscape. f goes from 0 to about 900 on [-5, 5]^2, so I use
# logarithmically spaced levels; each line is still a level set of f.
# ---------------------------------------------------------------------------

xs = np.linspace(-5, 5, 500)
ys = np.linspace(-5, 5, 500)
X, Y = np.meshgrid(xs, ys)
Z = himmelblau(X, Y)

plt.figure(figsize=(7, 7))
plt.contour(X, Y, Z, levels=np.logspace(-1, 3, 20), cmap="jet")
plt.plot(MINIMA[:, 0], MINIMA[:, 1], "k*", markersize=12)
plt.plot(-0.270845, -0.923039, "k^")
plt.title("Himmelblau's function: four minima, one maximum")
plt.savefig("himmelblau.png", dpi=120)
plt.close()


# ---------------------------------------------------------------------------
# Optimizers. Both keep a velocity that starts at zero.
# ---------------------------------------------------------------------------

def momentum_update(p, v, grad, lr=0.002, mu=0.9):
    """One heavy-ball step. Returns the new point and the new velocity."""
    v = lr * grad - mu * v
    p = p - v
    return p, v


class Nesterov:
    """Nesterov momentum in the 'velocity' form popularised by CS231n.

    Instead of evaluating the gradient at the look-ahead point we change
    variables so that the gradient is evaluated at the current parameters;
    the look-ahead then shows up as a correction term in the update.
    """

    def __init__(self, lr=0.002, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = np.zeros_like(params)
        self.v = self.momentum * self.v - self.lr * grads
        return params - self.momentum * self.v + (1 + self.momentum) * self.v


# ---------------------------------------------------------------------------
# Run 1: momentum from the origin.
# ---------------------------------------------------------------------------

p = np.array([0.0, 0.0])
v = np.zeros(2)
path_momentum = [p.copy()]
for i in range(500):
    p, v = momentum_update(p, v, gradient(*p))
    path_momentum.append(p.copy())
path_momentum = np.array(path_momentum)
print("momentum ends at", path_momentum[-1], "f =", himmelblau(*path_momentum[-1]))
# -> momentum ends at about (3, 2), the minimum in the upper right.


# ---------------------------------------------------------------------------
# Run 2: Nesterov from (-4, 0), on the left edge, where the basins of the
# upper-left and the lower-left minimum meet.
# ---------------------------------------------------------------------------

opt = Nesterov(lr=0.002, momentum=0.9)
p = np.array([-4.0, 0.0])
path_nesterov = [p.copy()]
for i in range(500):
    p = opt.update(p, gradient(*p))
    path_nesterov.append(p.copy())
path_nesterov = np.array(path_nesterov)
print("Nesterov ends at", path_nesterov[-1], "f =", himmelblau(*path_nesterov[-1]))
# Nesterov goes up and settles in the upper-left minimum (-2.805, 3.131),
# just like plain momentum does from this start: the two methods only differ in
# where the gradient is evaluated, and from (-4, 0) that does not change the
# basin.


# ---------------------------------------------------------------------------
# Run 3: no calculus at all. Plain gradient descent with a finite-difference
# gradient. I take h = 0.25, a quarter of a unit, which is small compared to
# the size of the valleys.
# ---------------------------------------------------------------------------

def numerical_gradient(func, p, h=0.25):
    g = np.zeros_like(p)
    for i in range(len(p)):
        step = np.zeros_like(p)
        step[i] = h
        g[i] = (func(*(p + step)) - func(*p)) / h
    return g


def sgd(p, grad, lr=0.01):
    return p - lr * grad


p = np.array([-1.0, -1.0])
path_fd = [p.copy()]
for i in range(300):
    p = sgd(p, numerical_gradient(himmelblau, p))
    path_fd.append(p.copy())
path_fd = np.array(path_fd)
print("finite differences end at", path_fd[-1], "f =", himmelblau(*path_fd[-1]))
# Lands in the lower-left minimum (-3.78, -3.28), exactly where gradient
# descent with the analytic gradient goes from (-1, -1). Finite differences are
# all you need for a 2-D toy problem.


# ---------------------------------------------------------------------------
# All three paths on one figure, and the raw paths for the animation script.
# ---------------------------------------------------------------------------

plt.figure(figsize=(7, 7))
plt.contour(X, Y, Z, levels=np.logspace(-1, 3, 20), cmap="jet", alpha=0.6)
plt.plot(path_momentum[:, 0], path_momentum[:, 1], "r-", lw=2, label="momentum from (0, 0)")
plt.plot(path_nesterov[:, 0], path_nesterov[:, 1], "b-", lw=2, label="Nesterov from (-4, 0)")
plt.plot(path_fd[:, 0], path_fd[:, 1], "g-", lw=2, label="finite differences from (-1, -1)")
plt.plot(MINIMA[:, 0], MINIMA[:, 1], "k*", markersize=12)
plt.xlim(-5, 5)
plt.ylim(-5, 5)
plt.legend(loc="lower right")
plt.savefig("himmelblau_paths.png", dpi=120)

np.save("path_momentum.npy", path_momentum)
np.save("path_nesterov.npy", path_nesterov)
np.save("path_fd.npy", path_fd)
print("saved himmelblau.png, himmelblau_paths.png and three .npy files")
