# optim.py -- assignment 2, my solutions + a couple of extra rules (adagrad)
# same interface as the starter code: update(w, dw, config=None) -> (next_w, config)
import numpy as np


def adagrad(w, dw, config=None):
    """AdaGrad (Duchi et al. 2011). Not part of the assignment, added for the
    optimizer comparison notebook.

    config: learning_rate, epsilon, cache (sum of squared grads)
    """
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('cache', np.zeros_like(w))

    config['cache'] += dw * dw
    # eps under the root like in the lecture notes' "sqrt(cache + eps)" version
    next_w = w - config['learning_rate'] * dw / np.sqrt(config['cache'] + config['epsilon'])

    return next_w, config


def rmsprop(w, dw, config=None):
    """
    RMSProp.

    config: learning_rate, decay_rate, epsilon, cache
    """
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-2)
    config.setdefault('decay_rate', 0.99)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('cache', np.zeros_like(w))

    next_w = None
    lr, decay, eps = config['learning_rate'], config['decay_rate'], config['epsilon']
    # leaky running sum of squared gradients
    cache = decay * config['cache'] + decay * dw**2
    next_w = w - lr * dw / (np.sqrt(cache) + eps)
    config['cache'] = cache

    return next_w, config


def adam(x, dx, config=None):
    """
    Adam. Uses the "more efficient" ordering from section 2 of the paper:
    fold both bias corrections into the step size alpha_t.

    config: learning_rate, beta1, beta2, epsilon, m, v, t
    """
    if config is None: config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('m', np.zeros_like(x))
    config.setdefault('v', np.zeros_like(x))
    config.setdefault('t', 0)

    next_x = None
    beta1, beta2, eps = config['beta1'], config['beta2'], config['epsilon']
    t, m, v = config['t'], config['m'], config['v']
    m = beta1 * m + (1 - beta1) * dx
    v = beta2 * v + (1 - beta2) * (dx * dx)
    t += 1
    alpha = config['learning_rate'] * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    next_x = x - alpha * (m / (np.sqrt(v) + eps))
    config['t'] = t
    config['m'] = m
    config['v'] = v

    return next_x, config
