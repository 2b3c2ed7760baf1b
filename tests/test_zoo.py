"""Optimizers written the way people write them, each with the verdict optverify must give.

The zoo (``tests/zoo/``, described in its README and ``manifest.toml``) holds exact torch
rules, named dialects and real bugs, in every shape: our contract, stateful classes on arrays,
dicts and lists, CS231n functions, tutorial step functions reading a global gradient, torch
subclasses and optax transformations. Each row asserts the verdict, the matched rule or
dialect, the hyperparameter names found, and for a bug the property that catches it. The whole
table runs under ``pytest -m slow``; one row of each shape and verdict runs by default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from optverify.verification.verify import verify

ZOO = Path(__file__).parent / "zoo"
ROWS: list[dict[str, Any]] = tomllib.loads((ZOO / "manifest.toml").read_text())["row"]

CATCHES = {
    "cs231n_student2.py:rmsprop": "steps-follow-the-update-rule",
    "numpy_from_scratch.py:Adagrad": "steps-follow-the-update-rule",
    "numpy_from_scratch.py:Adam": "bias-correction-fades",
    "dl_from_scratch.py:Nesterov": "momentum-buffer-for-a-constant-gradient",
    "list_api.py:Adam": "bias-correction-is-exact-for-a-constant-gradient",
    "dict_models.py:MomentumSGD": "momentum-buffer-for-a-constant-gradient",
    "dict_models.py:Adam": "permuting-coordinates-permutes-the-step",
    "dict_models.py:AdamPaper": "zero-gradient-gives-zero-step",
    "deep_learning_book.py:Adam": "bias-correction-fades",
    "functional_student.py:make_adam": "epsilon-guards-the-division",
    "functional_fast.py:make_adam": "update-does-not-mutate-its-inputs",
    "tutorial_adam.py:adam": "bias-correction-fades",
    "tutorial_gd.py:gradient_descent": "steps-follow-the-update-rule",
    "tutorial_adagrad.py:adagrad": "adagrad-effective-rate-never-grows",
    "torch_subclass.py:AMSGrad": "amsgrad-v-max-never-decreases",
    "optax_rows.py:my_adam": "bias-correction-fades",
}
"""For each bug, a property that must catch it (others may fail too)."""

DEFAULT_RUN = {
    "cs231n_style.py:adam",
    "dict_models.py:Adam",
    "dl_from_scratch.py:Adam",
    "tutorial_nesterov.py:nesterov",
    "tutorial_gd.py:gradient_descent",
    "functional.py:amsgrad",
    "torch_subclass.py:AdamW",
    "keras_like.py:Adagrad",
}
"""The rows the default test run checks: every shape, every verdict, an estimated constant."""


def key(row: dict[str, Any]) -> str:
    return row["target"].removeprefix("tests/zoo/")


def marks(row: dict[str, Any]) -> list[Any]:
    out = [] if key(row) in DEFAULT_RUN else [pytest.mark.slow]
    if row["shape"] == "torch":
        out.append(pytest.mark.torch)
    return out


@pytest.mark.parametrize("row", [pytest.param(r, id=key(r), marks=marks(r)) for r in ROWS])
def test_every_row_gets_its_verdict_rule_and_names(row: dict[str, Any]) -> None:
    if row["shape"] == "torch":
        pytest.importorskip("torch")
    if row["shape"] == "optax":
        pytest.importorskip("optax")
    report = verify(
        row["target"],
        row["kind"],
        profile="quick",
        shrink=False,
        gradient=row.get("gradient_name"),
    )
    assert report.verdict == row["verdict"], report.summary()
    assert report.shape == row["shape"]
    assert report.names == row.get("hyperparameters", {})
    if row["verdict"] == "wrong":
        caught = {r.name for r in report.failures}
        assert CATCHES[key(row)] in caught, report.summary()
    else:
        assert report.rule == row["rule"]
        assert not report.failures, report.summary()
        for name, value in row.get("fixed", {}).items():
            if name in report.constants:
                assert report.constants[name][0] == pytest.approx(value, rel=1e-6), name


def test_the_zoo_has_every_shape_and_enough_rows() -> None:
    assert {r["shape"] for r in ROWS} == {
        "functional", "stateful", "cs231n", "tutorial", "torch", "optax"
    }  # fmt: skip
    assert len(ROWS) >= 20
    assert {r["verdict"] for r in ROWS} == {"correct", "variant", "wrong"}
    assert set(CATCHES) == {key(r) for r in ROWS if r["verdict"] == "wrong"}


def test_a_strict_run_fails_a_dialect() -> None:
    target = "tests/zoo/cs231n_student2.py:adam"
    assert verify(target, "adam", profile="quick", shrink=False).passed
    strict = verify(target, "adam", profile="quick", shrink=False, strict=True)
    assert not strict.passed
    assert "not torch's rule" in strict.verdict_sentence()


def test_a_stated_constant_is_used_instead_of_estimated() -> None:
    report = verify(
        "tests/zoo/dl_from_scratch.py:AdaGrad",
        "adagrad",
        profile="quick",
        shrink=False,
        fixed={"eps": 1e-7},
        properties=["first-step-is-a-sign-step"],
    )
    assert report.constants["eps"] == (1e-7, "stated")
    assert report.verdict == "correct"
