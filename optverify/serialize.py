"""One rule for JSON: strictly valid JSON, non-finite numbers as ``null`` with the reason beside.

JSON has no ``Infinity`` or ``NaN``. Every result that serialises itself goes through
:func:`jsonable`: arrays become lists, NumPy scalars Python numbers, and a non-finite number
becomes ``null``; in a mapping, the key ``NAME_nonfinite`` beside ``NAME`` then says what it
was (``"inf"``, ``"-inf"``, ``"nan"``, or for a list which entries). :func:`dumps` writes it
with ``allow_nan=False``, so nothing else can slip through.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["dumps", "jsonable"]


def _word(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def _convert(value: Any, found: list[str]) -> Any:
    if isinstance(value, np.ndarray):
        return _convert(value.tolist(), found)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Mapping):
        return _mapping(value)
    if isinstance(value, list | tuple):
        out = []
        for index, item in enumerate(value):
            inner: list[str] = []
            out.append(_convert(item, inner))
            found.extend(f"[{index}]{where}" for where in inner)
        return out
    if isinstance(value, float) and not math.isfinite(value):
        found.append(f": {_word(value)}")
        return None
    return value


def _mapping(data: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        found: list[str] = []
        out[str(key)] = _convert(value, found)
        if found:
            if len(found) == 1 and found[0].startswith(": "):
                out[f"{key}_nonfinite"] = found[0][2:]
            else:
                shown = ", ".join(where.replace(": ", " ") for where in found[:10])
                more = f" and {len(found) - 10} more" if len(found) > 10 else ""
                out[f"{key}_nonfinite"] = f"{len(found)} not finite (null): {shown}{more}"
    return out


def jsonable(value: Any) -> Any:
    """``value`` made JSON-ready by the one rule (see the module docstring)."""
    return _convert(value, [])


def dumps(data: Any, *, indent: int | None = 2) -> str:
    """Strictly valid JSON text for ``data`` (after :func:`jsonable`)."""
    return json.dumps(jsonable(data), indent=indent, allow_nan=False)
