from __future__ import annotations

import types

import optverify


def test_all_names_exactly_the_public_objects() -> None:
    public = {
        name
        for name in dir(optverify)
        if not name.startswith("_") and not isinstance(getattr(optverify, name), types.ModuleType)
    }
    lazy = set(optverify._LAZY)
    modules = {
        name
        for name in dir(optverify)
        if isinstance(getattr(optverify, name), types.ModuleType) and name in optverify.__all__
    }
    assert set(optverify.__all__) == public | lazy | modules


def test_every_public_name_resolves() -> None:
    for name in optverify.__all__:
        assert getattr(optverify, name) is not None
