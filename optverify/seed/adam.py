"""The post's Adam as an optimizer with the common ``(init, update)`` contract.

:func:`optverify.seed.specimens.adam` is the post's code, unchanged. This adapter runs that very
function on every update, so its bugs come along: the step counter reset (the bias correction
never fades), the subtracted epsilon, the moments swapped in nothing but the printed formula.

Two ways to feed it a gradient:

- ``gradient="post"`` (the default): the post's function calls the post's ``df``, exactly as the
  post runs it, whatever gradient the caller passes. On the ``seed`` surface this reproduces the
  post's trajectory.
- ``gradient="given"``: the post's function runs with its ``df`` replaced by the gradient the
  caller passes, so the update rule can be verified and compared on true gradients.

The post keeps every moment in ever-growing lists; the function only ever reads the last
entry, so the adapter hands it lists holding just that entry (memory stays flat in the number
of steps) and reads back what it appends.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from optverify.errors import InvalidArgument
from optverify.optim.adam import ADAM
from optverify.optim.base import Array, Optimizer, require_params
from optverify.optim.records import OptimizerRecord, choice, learning_rate, unit_interval
from optverify.seed import specimens

__all__ = ["SEED_ADAM", "SeedAdamState", "seed_adam"]


class SeedAdamState(NamedTuple):
    """Steps taken (the post's own ``t`` is reset on every call) and the last entries of the
    post's cache lists ``m_x, m_y, v_x, v_y``."""

    t: int
    m_x: Array
    m_y: Array
    v_x: Array
    v_y: Array


PostAdam = Callable[..., tuple[Any, Any]]


def _post_adam_with_gradient(dx: Array, dy: Array) -> PostAdam:
    """The post's ``adam``, its code untouched, with ``df`` bound to return ``(dx, dy)``."""
    namespace = dict(specimens.adam.__globals__)
    namespace["df"] = lambda x, y: (dx, dy)
    function = specimens.adam
    rebound: PostAdam = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__
    )
    return rebound


def seed_adam(*, lr: float, b1: float, b2: float, gradient: str) -> Optimizer:
    r"""The post's Adam, bugs included (a specimen, not an optimizer to use).

    What the post's code computes, with :math:`t` reset to 1 on every call:

    .. math::
        m_n &\leftarrow \beta_1 m_{n-1} + (1 - \beta_1) g_n, \qquad
        v_n \leftarrow \beta_2 v_{n-1} + (1 - \beta_2) g_n^2 \\
        \theta_{n+1} &\leftarrow \theta_n - \alpha \frac{m_n / (1 - \beta_1)}
            {\sqrt{v_n / (1 - \beta_2)} - 10^{-8}}

    Args:
      lr: :math:`\alpha`, > 0 (the post's default 5e-2).
      b1: :math:`\beta_1` in [0, 1) (the post's ``beta1``).
      b2: :math:`\beta_2` in [0, 1) (the post's ``beta2``).
      gradient: ``"post"`` to use the post's own ``df`` as the post does, ``"given"`` to use
        the gradient passed to ``update``.

    References:
      iissaacc, "Optimizer 3", velog.io, 2021-07-07 (a copy ships as
      ``optverify/seed/optimizer-3.txt``).
    """

    def init(params: ArrayLike) -> SeedAdamState:
        zeros = np.zeros(np.shape(params)[:-1])
        return SeedAdamState(t=0, m_x=zeros, m_y=zeros, v_x=zeros, v_y=zeros)

    def update(
        grads: ArrayLike, state: SeedAdamState, params: ArrayLike | None = None
    ) -> tuple[Array, SeedAdamState]:
        p = require_params(params, "the post's adam moves the point itself, so params")
        g = np.asarray(grads, dtype=np.float64)
        if p.shape[-1:] != (2,):
            raise InvalidArgument(
                f"params of shape {p.shape} are invalid: the post's adam takes points (x, y)."
            )
        step: PostAdam = (
            specimens.adam if gradient == "post" else _post_adam_with_gradient(g[..., 0], g[..., 1])
        )

        def history(last: Array) -> list[Array]:
            return [last] if state.t > 0 else []

        cache: dict[str, Any] = {
            "m": {"x": history(state.m_x), "y": history(state.m_y)},
            "v": {"x": history(state.v_x), "y": history(state.v_y)},
        }
        x, y = step(p[..., 0], p[..., 1], cache, beta1=b1, beta2=b2, lr=lr)
        moved = np.stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)], -1)
        new_state = SeedAdamState(
            state.t + 1,
            np.asarray(cache["m"]["x"][-1], dtype=np.float64),
            np.asarray(cache["m"]["y"][-1], dtype=np.float64),
            np.asarray(cache["v"]["x"][-1], dtype=np.float64),
            np.asarray(cache["v"]["y"][-1], dtype=np.float64),
        )
        return moved - p, new_state

    return Optimizer(init, update)


SEED_ADAM = OptimizerRecord(
    name="seed-adam",
    family="adaptive moments",
    rule=seed_adam,
    hyperparameters=(
        learning_rate(5e-2),
        unit_interval("b1", 0.9),
        unit_interval("b2", 0.999, draw=(0.0, 0.999)),
        choice("gradient", "post", ("post", "given")),
    ),
    summary="the post's own Adam, bugs included (a specimen)",
    color="#000000",
    kind=ADAM,
    specimen=True,
)
