"""optverify: make gradient-descent tutorials correct and visible.

A surface is written once as a SymPy expression; its gradient and Hessian are derived from it;
hand-written gradients are audited against them term by term; optimizers that follow
``torch.optim`` run on it in batches; Hypothesis verifies their invariants; GIFs show them.

Heavy dependencies (SymPy, Hypothesis, matplotlib) are imported only by the functions that need
them, so ``import optverify`` is cheap.
"""

import typing as _typing

from optverify import optimizers
from optverify.errors import InvalidArgument
from optverify.optim.base import Optimizer
from optverify.optim.run import Trajectory, run
from optverify.symbolic import surfaces
from optverify.symbolic.surfaces import Minimum, Surface, Window

if _typing.TYPE_CHECKING:
    from optverify import strategies
    from optverify.animation.animate import animate
    from optverify.symbolic.analysis import analyze
    from optverify.symbolic.audit import audit_gradient
    from optverify.verification.verify import assert_verified, verify

__all__ = [
    "InvalidArgument",
    "Minimum",
    "Optimizer",
    "Surface",
    "Trajectory",
    "Window",
    "analyze",
    "animate",
    "assert_verified",
    "audit_gradient",
    "optimizers",
    "run",
    "strategies",
    "surfaces",
    "verify",
]

__version__ = "0.1.0"

_LAZY = {
    "analyze": ("optverify.symbolic.analysis", "analyze"),
    "animate": ("optverify.animation.animate", "animate"),
    "assert_verified": ("optverify.verification.verify", "assert_verified"),
    "audit_gradient": ("optverify.symbolic.audit", "audit_gradient"),
    "strategies": ("optverify", "strategies"),
    "verify": ("optverify.verification.verify", "verify"),
}


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        if module == "optverify":
            return importlib.import_module(f"optverify.{attribute}")
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'optverify' has no attribute {name!r}")
