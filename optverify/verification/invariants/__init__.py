"""The invariants, one module per family; defining them registers them.

The order of the imports is the order reports list the properties in.
"""

from optverify.verification.invariants import adam_family, adaptive, rule, sgd_family, structure

__all__ = ["adam_family", "adaptive", "rule", "sgd_family", "structure"]
