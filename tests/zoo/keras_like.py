"""NumPy ports of a few Keras 2.x optimizers, for a model whose weights live in a dict.

The math follows `keras/optimizers.py` (``get_updates``) line by line; the slot variables
are dicts keyed by weight name. ``step(params, grads)`` returns a NEW dict of weights and
leaves the one passed in untouched.
"""
import numpy as np


class Optimizer(object):
    def __init__(self, **kwargs):
        self.iterations = 0
        self.weights = {}

    def _slot(self, slot, name, like, value=0.0):
        d = self.weights.setdefault(slot, {})
        if name not in d:
            d[name] = np.full(np.shape(like), value, dtype=np.float64)
        return d[name]

    def step(self, params, grads):
        raise NotImplementedError


class Adagrad(Optimizer):
    """Adagrad optimizer.

    Adagrad is an optimizer with parameter-specific learning rates, which are adapted
    relative to how frequently a parameter gets updated during training.

    # Arguments
        learning_rate: float >= 0. Initial learning rate.
        epsilon: float >= 0. Fuzz factor.

    Accumulators start at 0.1 like tf.keras (`initial_accumulator_value=0.1`).
    """

    def __init__(self, learning_rate=0.01, epsilon=1e-7, **kwargs):
        super(Adagrad, self).__init__(**kwargs)
        self.learning_rate = learning_rate
        self.epsilon = epsilon

    def step(self, params, grads):
        new_params = {}
        for name, p in params.items():
            g = grads[name]
            a = self._slot("accumulators", name, p, value=0.1)
            new_a = a + np.square(g)  # update accumulator
            self.weights["accumulators"][name] = new_a
            new_params[name] = p - self.learning_rate * g / (np.sqrt(new_a) + self.epsilon)
        self.iterations += 1
        return new_params


class Adamax(Optimizer):
    """Adamax optimizer from Adam paper's Section 7.

    It is a variant of Adam based on the infinity norm.

    # Arguments
        learning_rate: float >= 0. Learning rate.
        beta_1: floats, 0 < beta < 1. Generally close to 1.
        beta_2: floats, 0 < beta < 1. Generally close to 1.
        epsilon: float >= 0. Fuzz factor.
    """

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super(Adamax, self).__init__(**kwargs)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def step(self, params, grads):
        self.iterations += 1
        t = float(self.iterations)
        lr_t = self.learning_rate / (1. - np.power(self.beta_1, t))

        new_params = {}
        for name, p in params.items():
            g = grads[name]
            m = self._slot("ms", name, p)
            u = self._slot("us", name, p)  # zero init

            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            u_t = np.maximum(self.beta_2 * u, np.abs(g))
            p_t = p - lr_t * m_t / (u_t + self.epsilon)

            self.weights["ms"][name] = m_t
            self.weights["us"][name] = u_t
            new_params[name] = p_t
        return new_params


class Nadam(Optimizer):
    """Nesterov Adam optimizer.

    Much like Adam is essentially RMSprop with momentum, Nadam is RMSprop with Nesterov
    momentum. Default parameters follow those provided in the paper.

    # Arguments
        learning_rate: float >= 0. Learning rate.
        beta_1: floats, 0 < beta < 1. Generally close to 1.
        beta_2: floats, 0 < beta < 1. Generally close to 1.
        epsilon: float >= 0. Fuzz factor.
        schedule_decay: the psi of Dozat's momentum schedule.

    # References
        - [Nadam report](http://cs229.stanford.edu/proj2015/054_report.pdf)
        - [On the importance of initialization and momentum in deep learning]
          (http://www.cs.toronto.edu/~fritz/absps/momentum.pdf)
    """

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 schedule_decay=0.004, **kwargs):
        super(Nadam, self).__init__(**kwargs)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.

    def step(self, params, grads):
        self.iterations += 1
        t = float(self.iterations)

        # Due to the recommendations in [2], i.e. warming momentum schedule
        momentum_cache_t = self.beta_1 * (1. - 0.5 * (np.power(0.96, t * self.schedule_decay)))
        momentum_cache_t_1 = self.beta_1 * (
            1. - 0.5 * (np.power(0.96, (t + 1) * self.schedule_decay)))
        m_schedule_new = self.m_schedule * momentum_cache_t
        m_schedule_next = self.m_schedule * momentum_cache_t * momentum_cache_t_1
        self.m_schedule = m_schedule_new

        new_params = {}
        for name, p in params.items():
            g = grads[name]
            m = self._slot("ms", name, p)
            v = self._slot("vs", name, p)

            # the following equations given in [1]
            g_prime = g / (1. - m_schedule_new)
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            m_t_prime = m_t / (1. - m_schedule_next)
            v_t = self.beta_2 * v + (1. - self.beta_2) * np.square(g)
            v_t_prime = v_t / (1. - np.power(self.beta_2, t))
            m_t_bar = (1. - momentum_cache_t) * g_prime + momentum_cache_t_1 * m_t_prime

            self.weights["ms"][name] = m_t
            self.weights["vs"][name] = v_t

            new_params[name] = p - self.learning_rate * m_t_bar / (np.sqrt(v_t_prime) + self.epsilon)
        return new_params
