"""Checking the update-rule formulas a tutorial displays (optverify.review.formulas)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

import optverify
from optverify.review.formulas import Display, check_formulas, surface_definitions
from optverify.review.sources import read_post

POSTS = Path(__file__).parent / "posts"
SEED = Path(optverify.__file__).parent / "seed" / "optimizer-3.txt"
X, Y = sp.symbols("x y")
HALF = sp.Rational(1, 2)


def _displays(path: Path) -> list[Display]:
    post = read_post(path)
    return [Display(b.text, b.section) for b in post.blocks if b.kind == "math" and b.display]


def _expected_formulas() -> list[Any]:
    data = tomllib.loads((POSTS / "expected.toml").read_text(encoding="utf-8"))
    params = []
    for post in data["post"]:
        for number, entry in enumerate(post.get("finding", [])):
            if entry["kind"] == "formula":
                ident = f"{post['file']}-{number}-{entry['verdict']}"
                params.append(pytest.param(post["file"], entry["subject"], entry["verdict"],
                                           id=ident))  # fmt: skip
    return params


_FINDINGS: dict[str, dict[str, str]] = {}


def _verdicts(file: str) -> dict[str, str]:
    if file not in _FINDINGS:
        found = check_formulas(_displays(POSTS / file), {})
        _FINDINGS[file] = {" ".join(f.subject.split()): f.verdict for f in found}
    return _FINDINGS[file]


@pytest.mark.parametrize(("file", "subject", "verdict"), _expected_formulas())
def test_every_formula_of_the_posts_gets_its_expected_verdict(
    file: str, subject: str, verdict: str
) -> None:
    assert _verdicts(file).get(" ".join(subject.split())) == verdict


def test_the_posts_give_no_formula_finding_beyond_the_expected_ones() -> None:
    data = tomllib.loads((POSTS / "expected.toml").read_text(encoding="utf-8"))
    for post in data["post"]:
        expected = {" ".join(f["subject"].split()) for f in post.get("finding", [])
                    if f["kind"] == "formula"}  # fmt: skip
        assert set(_verdicts(post["file"])) == expected, post["file"]


@pytest.mark.parametrize(
    ("start", "verdict", "word", "fix_part"),
    [
        ("\\hat{m}_n=", "wrong", "exponent", "n - 1"),
        ("\\theta_{n+1}", "wrong", "m and v swapped", "\\sqrt{\\hat{v}}"),
        ("m_n =", "holds", "first moment", ""),
        ("v_n=", "holds", "second moment", ""),
    ],
)
def test_the_seed_posts_two_wrong_formulas_are_found_and_its_moments_hold(
    start: str, verdict: str, word: str, fix_part: str
) -> None:
    found = [f for f in check_formulas(_displays(SEED), {"adam": None})
             if f.subject.startswith(start)]  # fmt: skip
    assert len(found) == 1
    assert found[0].verdict == verdict
    assert word in found[0].summary
    assert fix_part in found[0].fix


def test_the_seed_bias_correction_counts_gradients_from_its_stated_m_1_equals_0() -> None:
    displays = [Display(r"m_n = \beta_1 m_{n-1}+(1-\beta_1) g_n, \ m_1 =0", "Adam"),
                Display(r"\hat{m}_n=\cfrac{m_n}{1-\beta_1^{n-1}}", "Adam")]  # fmt: skip
    assert [f.verdict for f in check_formulas(displays, {})] == ["holds", "holds"]


HANDWRITTEN = [
    # (section, earlier displays of the section, display, verdict, word in the summary)
    ("Adam", [], r"w_{t+1} = w_t - \alpha \cdot \frac{\hat m_t}{\sqrt{\hat v_t} + \varepsilon}",
     "holds", "Adam"),
    ("Adam", [], r"x_{k+1} = x_k - \mathrm{lr} \, \hat{m}_k / (\sqrt{\hat{v}_k} + \delta)",
     "holds", "Adam"),
    ("Adam", [], r"m_t = \beta_1 m_{t-1} + (1-\beta_1) \nabla_\theta J(\theta_{t-1})",
     "holds", "first moment"),
    ("Adam", [], r"v_t = \beta_2 v_{t-1} + (1-\beta_2) \nabla_\theta J(\theta_{t-1}) \odot "
     r"\nabla_\theta J(\theta_{t-1})", "holds", "second moment"),
    ("Adam", [], r"m_0 = 0, \quad \hat m_t = \cfrac{m_t}{1-\beta_1^{t}}", "holds", "bias"),
    ("Adam", [], r"v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t", "wrong", "not squared"),
    ("Adam", [], r"\hat{v}_t = \cfrac{v_t}{1-\beta_2^{t+1}}", "wrong", "exponent"),
    ("Adam", [], r"\hat{v}_t = v_t / (1-\beta_2)^t", "wrong", "(1-β)^t"),
    ("Adam", [], r"w_{t+1} = w_t - \eta \frac{\hat m_t}{\sqrt{\hat v_t} - \epsilon}",
     "wrong", "subtracted"),
    ("Adam", [], r"w_{t+1} = w_t + \eta \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}",
     "wrong", "sign"),
    ("Adam", [], r"w_{t+1} = w_t - \eta \frac{\hat m_t}{\hat v_t + \epsilon}",
     "wrong", "square root"),
    ("Adam", [], r"\theta_t = \theta_{t-1} - \eta \frac{\hat v_t}{\sqrt{\hat m_t} + \epsilon}",
     "wrong", "swapped"),
    ("Adam", [], r"\theta_t \leftarrow \theta_{t-1} - \alpha \hat m_t / \sqrt{\hat v_t + \epsilon}",
     "variant", "inside the root"),
    ("RMSProp", [], r"E[g^2]_t = \gamma E[g^2]_{t-1} + (1-\gamma) g_t^2", "holds", "RMSprop"),
    ("RMSProp", [], r"s_t = (1-\rho) s_{t-1} + \rho g_t^2", "wrong", "swapped"),
    ("RMSProp", [], r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{E[g^2]_t + \epsilon}} g_t",
     "variant", "inside the root"),
    ("RMSProp", [], r"\theta_{t+1} = \theta_t - \eta\, g_t / (v_t + \epsilon)", "wrong", "root"),
    ("AdaGrad", [], r"G_t = G_{t-1} + g_t \odot g_t", "holds", "AdaGrad"),
    ("AdaGrad", [], r"\theta_{t+1} = \theta_t - \frac{\eta}{\sqrt{G_t} + \epsilon} \odot g_t",
     "holds", "step"),
    ("Momentum", [r"v_t = \gamma v_{t-1} + \eta \nabla_\theta J(\theta)"], r"\theta = \theta - v_t",
     "holds", "velocity"),
    ("Momentum", [r"v_{t+1} = \mu v_t - \alpha g_t"], r"w_{t+1} = w_t + v_{t+1}",
     "holds", "velocity"),
    ("Momentum", [r"v_{t+1} = \mu v_t - \alpha g_t"], r"w_{t+1} = w_t - v_{t+1}",
     "wrong", "sign"),
    ("Nesterov", [], r"v_{t+1} = \mu v_t - \eta \nabla f(\theta_t + \mu v_t)",
     "holds", "Sutskever"),
    ("Nesterov", [], r"v_{t+1} = \mu v_t - \eta \nabla f(\theta_t - \mu v_t)",
     "wrong", "look-ahead"),
    ("SGD", [], r"w \gets w - \eta \, \frac{\partial L}{\partial w}", "holds", "gradient descent"),
    ("SGD", [], r"x_{k+1} = x_k + \eta \nabla f(x_k)", "wrong", "sign"),
    ("SGD", [], r"\theta_{t+1} = \theta_t - \eta \sum_i g_i", "unchecked", "cannot read"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("section", "before", "latex", "verdict", "word"),
    [pytest.param(*case, id=f"{case[0]}-{case[2][:40]}") for case in HANDWRITTEN],
)
def test_formulas_as_other_authors_write_them_get_the_right_verdict_and_diagnosis(
    section: str, before: list[str], latex: str, verdict: str, word: str
) -> None:
    displays = [Display(text, section) for text in [*before, latex]]
    finding = check_formulas(displays, {})[-1]
    assert finding.subject == latex
    assert finding.kind == "formula"
    assert finding.verdict == verdict, finding.summary
    assert word in finding.summary
    if verdict == "wrong" and word != "look-ahead":
        assert finding.fix


def test_eps_inside_the_root_says_whether_the_code_follows_the_same_variant() -> None:
    latex = r"\theta_t = \theta_{t-1} - \alpha \frac{\hat{m}_t}{\sqrt{\hat{v}_t + \epsilon}}"
    same = check_formulas([Display(latex, "Adam")], {"adam": "eps-inside-sqrt"})[0]
    other = check_formulas([Display(latex, "Adam")], {"adam": "torch"})[0]
    assert same.verdict == other.verdict == "variant"
    assert "follows the same variant" in same.summary
    assert "does not follow" in other.summary


@pytest.mark.parametrize(
    "latex", [r"\beta_1", "0.9", r"10^{-3}", r"\nabla^2 f = 2", r"f(x, y) = x^2 + 3y^2"]
)
def test_displays_that_are_not_update_rules_give_no_finding(latex: str) -> None:
    assert check_formulas([Display(latex)], {}) == []


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"f(x, y) = (x - 1)^2 + 10\,(y + 0.5)^2", (X - 1) ** 2 + 10 * (Y + HALF) ** 2),
        (r"f(x, y) = 2x^2 - 1.05x^4 + \frac{x^6}{6} + xy + y^2",
         2 * X**2 - sp.Rational(21, 20) * X**4 + X**6 / 6 + X * Y + Y**2),
        (r"f(x,y)=\tfrac12\left(x^4 - 16x^2 + 5x\right)", HALF * (X**4 - 16 * X**2 + 5 * X)),
    ],
)  # fmt: skip
def test_surface_definitions_read_the_displayed_function(latex: str, expected: sp.Expr) -> None:
    found = surface_definitions([Display(latex)])
    assert len(found) == 1
    assert found[0][0] == latex
    assert sp.expand(found[0][1] - expected) == 0


@pytest.mark.parametrize(
    "latex",
    [r"\theta_{t+1} = \theta_t - \eta g_t", r"L(w) = \frac{1}{5} \sum_{i=1}^{5} w_i", r"\beta_1"],
)
def test_surface_definitions_skip_what_is_not_a_surface(latex: str) -> None:
    assert surface_definitions([Display(latex)]) == []
