"""Test configuration: Hypothesis profiles and a non-interactive matplotlib backend.

Choose a profile with ``HYPOTHESIS_PROFILE=dev|ci|thorough`` (default ``dev``). CI uses ``ci``:
derandomized, so a run is reproducible, and without deadlines, so a slow machine never flakes.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

os.environ.setdefault("MPLBACKEND", "Agg")
