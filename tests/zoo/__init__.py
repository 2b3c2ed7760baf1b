"""The optimizer zoo: specimen implementations and their manifest (see README.md)."""
