"""Hypothesis strategies for optimizers: see :mod:`optverify.verification.strategies`."""

from optverify.verification.strategies import (
    batch_shapes,
    gradient_sequences,
    hyperparameters,
    magnitudes,
    nonzero_vectors,
    points_in,
    points_on,
    vectors,
)

__all__ = [
    "batch_shapes",
    "gradient_sequences",
    "hyperparameters",
    "magnitudes",
    "nonzero_vectors",
    "points_in",
    "points_on",
    "vectors",
]
