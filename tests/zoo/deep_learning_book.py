"""
Chapter 8 of Goodfellow, Bengio & Courville, "Deep Learning" (2016), in NumPy.

Notation follows the book's pseudocode boxes, so watch out:
    epsilon  -- the learning rate (the book's ε)
    delta    -- the small constant for numerical stability (the book's δ)
    alpha    -- the momentum parameter (Algorithm 8.2)
    rho      -- decay rate(s)

Each optimizer keeps its own accumulation variables; call
    theta = opt.update(theta, g)
once per minibatch with the gradient estimate g.
"""
import numpy as np


class SGDMomentum:
    """Algorithm 8.2: SGD with momentum."""

    def __init__(self, epsilon=0.01, alpha=0.9):
        self.epsilon = epsilon
        self.alpha = alpha
        self.v = 0.0  # initial velocity v

    def update(self, theta, g):
        # Compute velocity update: v <- alpha v - epsilon g
        self.v = self.alpha * self.v - self.epsilon * g
        # Apply update: theta <- theta + v
        return theta + self.v


class AdaGrad:
    """Algorithm 8.4: AdaGrad."""

    def __init__(self, epsilon=0.01, delta=1e-7):
        self.epsilon = epsilon
        self.delta = delta
        self.r = 0.0  # gradient accumulation variable

    def update(self, theta, g):
        # Accumulate squared gradient: r <- r + g ⊙ g
        self.r = self.r + g * g
        # Compute update: Δθ <- - ε / (δ + √r) ⊙ g   (division and square root elementwise)
        delta_theta = -self.epsilon / (self.delta + np.sqrt(self.r)) * g
        return theta + delta_theta


class RMSProp:
    """Algorithm 8.5: RMSProp."""

    def __init__(self, epsilon=0.001, rho=0.9, delta=1e-6):
        self.epsilon = epsilon
        self.rho = rho
        self.delta = delta
        self.r = 0.0

    def update(self, theta, g):
        # Accumulate squared gradient: r <- ρ r + (1 - ρ) g ⊙ g
        self.r = self.rho * self.r + (1 - self.rho) * g * g
        # Compute parameter update: Δθ = - ε / √(δ + r) ⊙ g   (1/√(δ+r) applied elementwise)
        delta_theta = -self.epsilon / np.sqrt(self.delta + self.r) * g
        return theta + delta_theta


class Adam:
    """Algorithm 8.7: Adam."""

    def __init__(self, epsilon=0.001, rho1=0.9, rho2=0.999, delta=1e-8):
        self.epsilon = epsilon
        self.rho1 = rho1
        self.rho2 = rho2
        self.delta = delta
        self.s = 0.0  # 1st moment variable
        self.r = 0.0  # 2nd moment variable
        self.t = 0    # time step

    def update(self, theta, g):
        self.t += 1
        # Update biased first moment estimate: s <- ρ1 s + (1 - ρ1) g
        self.s = self.rho2 * self.s + (1 - self.rho2) * g
        # Update biased second moment estimate: r <- ρ2 r + (1 - ρ2) g ⊙ g
        self.r = self.rho1 * self.r + (1 - self.rho1) * g * g
        # Correct bias in first moment: ŝ <- s / (1 - ρ1^t)
        s_hat = self.s / (1 - self.rho1 ** self.t)
        # Correct bias in second moment: r̂ <- r / (1 - ρ2^t)
        r_hat = self.r / (1 - self.rho2 ** self.t)
        # Compute update: Δθ = - ε ŝ / (√r̂ + δ)
        delta_theta = -self.epsilon * s_hat / (np.sqrt(r_hat) + self.delta)
        return theta + delta_theta
