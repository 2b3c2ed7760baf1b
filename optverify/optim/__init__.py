"""The optimizer wing: optimizers as pure ``(init, update)`` pairs, and the batched runner.

Nothing here imports SymPy, Hypothesis or matplotlib.
"""
