"""The optimizer wing: update rules as pure ``(init, update)`` pairs, their records, and runs.

Registration happens here, once, in the order every listing shows: one
:class:`~optverify.optim.records.OptimizerRecord` per optimizer, defined beside its update rule.
Nothing here imports SymPy, Hypothesis or matplotlib.
"""

from optverify.optim.adam import ADAM, ADAMAX, ADAMW, AMSGRAD, NADAM, RADAM
from optverify.optim.adaptive import ADADELTA, ADAGRAD, RMSPROP
from optverify.optim.records import OptimizerRecord, Registry
from optverify.optim.sgd import MOMENTUM, NESTEROV, SGD

__all__ = ["REGISTRY", "OptimizerRecord", "Registry"]

REGISTRY = Registry()
"""Every optimizer by name: the built-ins in this order, then the specimens."""

REGISTRY.register(
    SGD,
    MOMENTUM,
    NESTEROV,
    ADAGRAD,
    ADADELTA,
    RMSPROP,
    ADAM,
    AMSGRAD,
    ADAMW,
    ADAMAX,
    NADAM,
    RADAM,
)
# The post's Adam lives with the rest of the case study, above this wing; it is loaded the
# first time a listing includes specimens or it is asked for by name.
REGISTRY.register_lazily("optverify.seed.adam", "SEED_ADAM")
