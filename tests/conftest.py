"""Test configuration: the library's Hypothesis profiles, and a non-interactive backend.

Choose a profile with ``HYPOTHESIS_PROFILE=quick|dev|ci|thorough`` (default ``dev``): the same
profiles ``optverify verify --profile`` uses, defined once in
:data:`optverify.verification.framework.PROFILES`. CI uses ``ci``: derandomized, so a run is
reproducible, and without deadlines, so a slow machine never flakes.
"""

from __future__ import annotations

import os

from hypothesis import settings

from optverify.verification.framework import register_profiles

register_profiles()
settings.load_profile(f"optverify-{os.environ.get('HYPOTHESIS_PROFILE', 'dev')}")

os.environ.setdefault("MPLBACKEND", "Agg")
