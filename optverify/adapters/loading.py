"""Load a user's object named ``MODULE:ATTR`` (or ``path/to/file.py:ATTR``)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from optverify.errors import InvalidArgument
from optverify.usercode import call

__all__ = ["load_object"]


def load_object(spec: str, what: str = "object") -> Any:
    """Import ``MODULE:ATTR`` with the current directory first on the path.

    ``MODULE`` may also be a path to a ``.py`` file. Failures raise :class:`InvalidArgument`
    with one line saying what went wrong.
    """
    module_name, sep, attribute = spec.rpartition(":")
    if not sep or not module_name or not attribute:
        raise InvalidArgument(
            f"{what}={spec!r} is invalid: write it as MODULE:ATTR, e.g. mygrad:df."
        )
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise InvalidArgument(f"{what}={spec!r} is invalid: there is no file {path}.")
            loader_spec = importlib.util.spec_from_file_location(path.stem, path)
            if loader_spec is None or loader_spec.loader is None:
                raise InvalidArgument(f"{what}={spec!r} is invalid: {path} cannot be imported.")
            module = importlib.util.module_from_spec(loader_spec)
            call(f"importing {path}", loader_spec.loader.exec_module, module)
        else:
            cwd = os.getcwd()
            if cwd not in sys.path:
                sys.path.insert(0, cwd)
            module = call(f"importing {module_name}", importlib.import_module, module_name)
    except InvalidArgument:
        raise
    except ModuleNotFoundError as error:
        raise InvalidArgument(
            f"{what}={spec!r} is invalid: no module named {error.name!r} "
            "(the module is imported from the current directory)."
        ) from None
    except Exception as error:
        raise InvalidArgument(
            f"{what}={spec!r} is invalid: importing {module_name} raised "
            f"{type(error).__name__}: {error}".splitlines()[0]
        ) from None
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise InvalidArgument(
            f"{what}={spec!r} is invalid: module {module_name} has no attribute {attribute!r}."
        ) from None
