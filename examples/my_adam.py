"""An Adam written from the paper, to the ``init``/``update`` contract, for ``optverify verify``::

    optverify verify --optimizer examples/my_adam.py:my_adam --as adam --profile quick

From a test suite: ``optverify.assert_verified(my_adam, kind="adam")``.
"""

from typing import NamedTuple

import numpy as np


class AdamState(NamedTuple):
    t: int
    m: np.ndarray
    v: np.ndarray


class Adam(NamedTuple):
    init: object
    update: object


def my_adam(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    def init(params):
        zeros = np.zeros_like(np.asarray(params, dtype=float))
        return AdamState(0, zeros, zeros)

    def update(grads, state, params=None):
        g = np.asarray(grads, dtype=float)
        t = state.t + 1
        m = b1 * state.m + (1 - b1) * g
        v = b2 * state.v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        return -lr * m_hat / (np.sqrt(v_hat) + eps), AdamState(t, m, v)

    return Adam(init, update)
