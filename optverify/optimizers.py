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
where torch has them). Every factory checks its arguments and raises
:class:`~optverify.errors.InvalidArgument` with the value and the valid range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optverify.optim import REGISTRY
from optverify.optim.adam import (
    ADAM,
    ADAMAX,
    ADAMW,
    AMSGRAD,
    NADAM,
    RADAM,
    AdamaxState,
    AdamState,
    AmsgradState,
    NadamState,
)
from optverify.optim.adaptive import (
    ADADELTA,
    ADAGRAD,
    RMSPROP,
    AdadeltaState,
    AdagradState,
    RmspropState,
)
from optverify.optim.base import Optimizer
from optverify.optim.records import OptimizerRecord
from optverify.optim.sgd import MOMENTUM, NESTEROV, SGD, MomentumState, SgdState
from optverify.seed.adam import SEED_ADAM, SeedAdamState

__all__ = [
    "AdadeltaState",
    "AdagradState",
    "AdamState",
    "AdamaxState",
    "AmsgradState",
    "MomentumState",
    "NadamState",
    "Optimizer",
    "OptimizerRecord",
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
    "record",
    "records",
    "rmsprop",
    "seed_adam",
    "sgd",
]

Factory = Callable[..., Optimizer]

sgd: Factory = SGD.factory()
momentum: Factory = MOMENTUM.factory()
nesterov: Factory = NESTEROV.factory()
adagrad: Factory = ADAGRAD.factory()
adadelta: Factory = ADADELTA.factory()
rmsprop: Factory = RMSPROP.factory()
adam: Factory = ADAM.factory()
amsgrad: Factory = AMSGRAD.factory()
adamw: Factory = ADAMW.factory()
adamax: Factory = ADAMAX.factory()
nadam: Factory = NADAM.factory()
radam: Factory = RADAM.factory()
seed_adam: Factory = SEED_ADAM.factory()


def names(*, specimens: bool = False) -> list[str]:
    """Registered optimizer names in registration order; specimens only if asked for."""
    return REGISTRY.names(specimens=specimens)


def records(*, specimens: bool = False) -> list[OptimizerRecord]:
    """The registered records in order; specimens only if asked for."""
    return REGISTRY.records(specimens=specimens)


def record(name: str) -> OptimizerRecord:
    """The record of optimizer ``name``."""
    return REGISTRY.get(name)


def defaults(name: str) -> dict[str, Any]:
    """The hyperparameters of optimizer ``name`` and their defaults."""
    return dict(REGISTRY.get(name).defaults())


def get(name: str, **hyperparameters: Any) -> Optimizer:
    """Build the optimizer registered as ``name`` with ``hyperparameters``.

    Raises:
      InvalidArgument: an unknown optimizer, an unknown hyperparameter name, or a value
        outside its valid range.
    """
    return REGISTRY.get(name).build(**hyperparameters)
