"""The optimizers: each a factory returning an :class:`Optimizer` ``(init, update)`` pair.

Every built-in optimizer follows the update rule and defaults of its ``torch.optim``
counterpart, so trajectories agree with torch to float64 rounding::

    import optverify

    opt = optverify.optimizers.adam(lr=0.05)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = params + updates

``get(name, **hyperparameters)`` builds one by name; ``names()`` lists the built-ins.
Hyperparameter names are the same in Python, on the command line and in animation specs:
``lr, momentum, dampening, b1, b2, eps, alpha, rho, weight_decay, lr_decay, momentum_decay,
centered`` (plus ``maximize``, ``initial_accumulator_value`` and ``decoupled_weight_decay``
where torch has them).
"""

from __future__ import annotations

# The import order is the registration order, which is the order names() lists.
# isort: off
from optverify.optim.base import Optimizer, defaults, get, names
from optverify.optim.sgd import MomentumState, SgdState, momentum, nesterov, sgd
from optverify.optim.adaptive import (
    AdadeltaState,
    AdagradState,
    RmspropState,
    adadelta,
    adagrad,
    rmsprop,
)
from optverify.optim.adam import (
    AdamaxState,
    AdamState,
    AmsgradState,
    NadamState,
    adam,
    adamax,
    adamw,
    amsgrad,
    nadam,
    radam,
)
from optverify.optim.seed import SeedAdamState, seed_adam

# isort: on

__all__ = [
    "AdadeltaState",
    "AdagradState",
    "AdamState",
    "AdamaxState",
    "AmsgradState",
    "MomentumState",
    "NadamState",
    "Optimizer",
    "RmspropState",
    "SeedAdamState",
    "SgdState",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "amsgrad",
    "defaults",
    "get",
    "momentum",
    "nadam",
    "names",
    "nesterov",
    "radam",
    "rmsprop",
    "seed_adam",
    "sgd",
]
