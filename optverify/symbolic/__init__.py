"""The symbolic wing: expressions, surfaces, their analysis, gradient audits and code generation.

Importing this package imports neither SymPy nor Hypothesis; the modules that need them
(:mod:`.expressions`, :mod:`.analysis`, :mod:`.audit`, :mod:`.codegen`) are imported on use.
"""
