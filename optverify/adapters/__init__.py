"""User code as it comes: optimizers named on the command line or passed from Python.

:func:`~optverify.adapters.resolve.resolve_optimizer` turns a name (a built-in, the post's
``seed-adam``, ``torch:CLASS`` or a user's ``MODULE:ATTR``) into a factory and the update rule
it claims; :mod:`optverify.adapters.torch` presents ``torch.optim`` classes behind our
``(init, update)`` contract; :mod:`optverify.adapters.loading` imports a user's object.
"""
