from __future__ import annotations

import json
from pathlib import Path

import pytest

import optverify
from optverify.verification.verify import VerificationFailed

from .cli import run_cli

USER_MODULE = """
import numpy as np
import optverify

def good_adam(**hyperparameters):
    return optverify.optimizers.adam(**hyperparameters)

def post_style_adam(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0, maximize=False):
    def init(params):
        return (0, np.zeros(np.shape(params)), np.zeros(np.shape(params)))

    def update(grads, state, params=None):
        t, m, v = state
        m = b1 * m + (1 - b1) * grads
        v = b2 * v + (1 - b2) * grads**2
        step = -lr * (m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps)  # t frozen at 1
        return step, (t + 1, m, v)

    return optverify.optimizers.Optimizer(init, update)
"""


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "my_optimizers.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_users_correct_adam_passes(user_module: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        capsys, "verify", "--optimizer", "my_optimizers:good_adam", "--as", "adam",
        "--profile", "quick", "--format", "json",
    )  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert data["passed"] is True
    statuses = {r["name"]: r["status"] for r in data["reports"][0]["results"]}
    assert statuses["scale-invariance"] == "passed"


def test_a_users_broken_adam_fails_with_a_replayable_counterexample(
    user_module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run_cli(
        capsys, "verify", "--optimizer", "my_optimizers:post_style_adam", "--as", "adam",
        "--profile", "quick", "--property", "bias-correction-is-exact-for-a-constant-gradient",
    )  # fmt: skip
    assert status == 1
    assert "FAILED my_optimizers:post_style_adam: bias-correction-is-exact" in out
    assert "step counter is reset" in out
    assert "replay: optverify verify --optimizer my_optimizers:post_style_adam --as adam" in out


def test_markdown_output_has_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        capsys, "verify", "--optimizer", "sgd", "--profile", "quick", "--format", "markdown"
    )
    assert status == 0
    assert "| `zero-gradient-gives-zero-step` | passed |" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--optimizer", "adamm"], "optimizer='adamm' is unknown"),
        (["--optimizer", "nosuch:thing", "--as", "adam"], "no module named 'nosuch'"),
        (["--optimizer", "json:loads"], "kind is missing"),
        (["--optimizer", "json:loads", "--as", "lion"], "kind='lion' is unknown"),
        (["--as", "adam"], "--as goes with --optimizer"),
        (["--optimizer", "adam", "--property", "nope"], "property='nope' is unknown"),
        (["--optimizer", "adam", "--replay", "x:y"], "exactly one --property"),
        (["--profile", "forever"], "invalid choice"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_verify_input_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run_cli(capsys, "verify", *argv)
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_assert_verified_is_one_line_for_a_users_test_suite() -> None:
    report = optverify.assert_verified(optverify.optimizers.sgd, kind="sgd", profile="quick")
    assert report.passed

    def adam_with_sqrt_missing(**h: float) -> optverify.Optimizer:
        from tests.broken_optimizers import BROKEN

        return next(b for label, b, *_ in BROKEN if label == "square root missing")(**h)

    with pytest.raises(VerificationFailed, match="scale-invariance"):
        optverify.assert_verified(
            adam_with_sqrt_missing,
            kind="adam",
            profile="quick",
            properties=["scale-invariance", "zero-gradient-gives-zero-step"],
            shrink=False,
        )


@pytest.mark.torch
@pytest.mark.slow
def test_torch_adam_passes_everything_that_applies(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    status, out, _ = run_cli(
        capsys, "verify", "--optimizer", "torch:Adam", "--profile", "quick", "--format", "json"
    )
    assert status == 0, out
    results = json.loads(out)["reports"][0]["results"]
    assert sum(r["status"] == "passed" for r in results) >= 10


def test_claims_give_every_verdict_with_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(capsys, "claims", "--profile", "quick", "--format", "json")
    assert status == 0
    claims = {c["id"]: c for c in json.loads(out)}
    assert claims["df-is-the-gradient"]["verdict"] == "refuted"
    assert len(claims["df-is-the-gradient"]["evidence"]["wrong_terms"]) == 3
    assert claims["surface-is-convex"]["verdict"] == "refuted"
    assert claims["window-contains-the-minimum"]["verdict"] == "refuted"
    assert claims["contour-shows-the-surface"]["verdict"] == "refuted"
    assert claims["bias-correction-fades"]["verdict"] == "refuted"
    assert claims["epsilon-guards-the-division"]["verdict"] == "refuted"
    assert claims["printed-update-rule-is-adams"]["verdict"] == "refuted"
    assert claims["printed-bias-correction-exponent"]["verdict"] == "refuted"
    assert claims["adam-eventually-looks-like-sgd"]["verdict"] == "holds only under a condition"
    assert claims["adam-needs-a-higher-learning-rate"]["verdict"] == "measured"
    assert claims["adam-paper-step-bound"]["verdict"] == "refuted"
    fades = claims["bias-correction-fades"]["evidence"]
    post = fades["post_factor"]
    assert max(post) - min(post) < 1e-6  # the post's correction never changes
    assert fades["adam_factor"][-1] > 0.99
