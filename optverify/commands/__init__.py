"""The command groups of ``optverify``: each module adds its subcommands beside their handlers.

The order here is the order ``optverify --help`` lists them in.
"""

from optverify.commands import animate, review, surfaces, trace, verify

GROUPS = (surfaces, trace, verify, review, animate)
"""Modules with an ``add_commands(subparsers)`` function."""

__all__ = ["GROUPS"]
