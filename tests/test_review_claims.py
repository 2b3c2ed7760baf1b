"""Convexity and minimum statements in a post's prose, found and checked
(``optverify.review.claims``).

The table is ``tests/posts/expected.toml``: every convexity and minimum entry of the ten posts,
checked on the surface the post's code defines, over that surface's default window.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

import pytest

from optverify.review.claims import Statement, check_statements, find_statements
from optverify.review.findings import Finding
from optverify.review.sources import read_post
from optverify.seed.specimens import PLOT_WINDOW
from optverify.symbolic.surfaces import Surface, from_expression, get

POSTS = Path(__file__).parent / "posts"
SEED = Path(__file__).parent.parent / "optverify" / "seed" / "optimizer-3.txt"
EXPECTED: list[dict[str, Any]] = tomllib.loads(
    (POSTS / "expected.toml").read_text(encoding="utf-8")
)["post"]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _plain(text: str) -> str:
    """Whitespace collapsed and emphasis markers dropped, for comparing quotes."""
    return _collapse(text.replace("**", "").replace("__", ""))


@functools.cache
def _findings(name: str) -> tuple[Finding, ...]:
    entry = next(p for p in EXPECTED if p["file"] == name)
    post = read_post(POSTS / name)
    statements = find_statements([(b.text, b.section) for b in post.prose()])
    return tuple(check_statements(statements, from_expression(entry["surface"]), None))


def _matching(name: str, kind: str, subject: str) -> list[Finding]:
    found = [f for f in _findings(name) if f.kind == kind]
    if kind == "minimum":  # a point as written
        return [f for f in found if _collapse(f.subject) == _collapse(subject)]
    return [f for f in found if _plain(subject) in _plain(f.subject)]  # a short quote


CASES = [
    pytest.param(
        post["file"], e["kind"], e["subject"], e["verdict"], id=f"{post['file']}: {e['subject']}"
    )
    for post in EXPECTED
    for e in post["finding"]
    if e["kind"] in ("convexity", "minimum")
]


def test_the_table_holds_ten_convexity_and_twenty_minimum_entries() -> None:
    kinds = [case.values[1] for case in CASES]
    assert (kinds.count("convexity"), kinds.count("minimum")) == (10, 20)


@pytest.mark.parametrize(("name", "kind", "subject", "verdict"), CASES)
def test_each_expected_statement_is_found_once_with_its_verdict(
    name: str, kind: str, subject: str, verdict: str
) -> None:
    matches = _matching(name, kind, subject)
    assert len(matches) == 1, [(f.subject, f.verdict) for f in _findings(name)]
    assert matches[0].verdict == verdict, matches[0].summary


@pytest.mark.parametrize("name", [p["file"] for p in EXPECTED])
def test_a_statement_the_table_does_not_list_is_never_called_wrong(name: str) -> None:
    # The table lists each post's checkable statements once; posts repeat some in other words
    # ("on this convex bowl", "the upper-left minimum (-2.805, 3.131)"), all of them true.
    listed = [(c.values[1], c.values[2]) for c in CASES if c.values[0] == name]
    for finding in _findings(name):
        if not any(_matching(name, kind, subject) == [finding] for kind, subject in listed):
            assert finding.verdict == "holds", (finding.subject, finding.summary)


def test_each_point_gets_one_finding_even_when_stated_twice() -> None:
    for post in EXPECTED:
        subjects = [f.subject for f in _findings(post["file"]) if f.kind == "minimum"]
        assert len(subjects) == len(set(subjects)), post["file"]


def test_the_seeds_convex_claim_about_its_non_convex_surface_is_found_wrong() -> None:
    post = read_post(SEED)
    statements = find_statements([(b.text, b.section) for b in post.prose()])
    assert [(s.kind, s.quote, s.negated) for s in statements] == [
        ("convexity", "우리가 헤멜 Convex 지형이다", False)
    ]
    for window in (None, PLOT_WINDOW):
        (finding,) = check_statements(statements, get("seed"), window)
        assert finding.verdict == "wrong"
        assert "not convex" in finding.summary


# --- hand-written sentences ----------------------------------------------------------------------

BOWL = from_expression("(x - 1)**2 + 10*(y + 0.5)**2")
ROSENBROCK = from_expression("(1 - x)**2 + 100*(y - x**2)**2")
# Two minima (0, ±sqrt(2)) and a saddle at the origin.
DOUBLE_WELL = from_expression("x**2 - y**2 + 0.25*y**4")


def _verdicts(text: str, surface: Surface) -> list[tuple[str, str, str]]:
    statements = find_statements([(text, "")])
    return [(f.kind, f.subject, f.verdict) for f in check_statements(statements, surface, None)]


CONVEXITY = [
    ("en", "This loss surface is convex.", BOWL, "holds"),
    ("en", "This loss surface is convex.", ROSENBROCK, "wrong"),
    ("en", "The Rosenbrock function is not convex.", ROSENBROCK, "holds"),
    ("en", "The bowl isn't convex.", BOWL, "wrong"),
    ("en", "The function is clearly non-convex.", ROSENBROCK, "holds"),
    ("de", "Die Funktion ist konvex.", BOWL, "holds"),
    ("de", "Die Funktion ist nicht konvex.", ROSENBROCK, "holds"),
    ("de", "Die Verlustfunktion ist konvex.", ROSENBROCK, "wrong"),
    ("fr", "La fonction est convexe.", ROSENBROCK, "wrong"),
    ("fr", "La fonction n'est pas convexe.", ROSENBROCK, "holds"),
    ("fr", "La fonction n'est pas convexe.", BOWL, "wrong"),
    ("es", "La función es convexa.", BOWL, "holds"),
    ("es", "La función no es convexa.", BOWL, "wrong"),
    ("ko", "이 함수는 볼록하다.", BOWL, "holds"),
    ("ko", "이 함수는 볼록하다.", ROSENBROCK, "wrong"),
    ("ko", "이 함수는 convex가 아니다.", ROSENBROCK, "holds"),
    ("ko", "이 함수는 볼록 함수가 아니다.", BOWL, "wrong"),
]


@pytest.mark.parametrize(
    ("language", "text", "surface", "verdict"),
    [pytest.param(*case, id=f"{case[0]}: {case[1]} ({case[3]})") for case in CONVEXITY],
)
def test_a_convexity_sentence_gets_the_verdict_its_surface_gives(
    language: str, text: str, surface: Surface, verdict: str
) -> None:
    assert _verdicts(text, surface) == [("convexity", text.rstrip("."), verdict)], language


MINIMUM = [
    ("en", "The minimum is at (1, -0.5).", BOWL, "(1, -0.5)", "holds"),
    ("en", "The minimum is at x = 1, y = -0.5.", BOWL, "x = 1, y = -0.5", "holds"),
    ("en", "The global minimum is at (1, 1).", ROSENBROCK, "(1, 1)", "holds"),
    ("en", "The minimum is at (-1, 1).", ROSENBROCK, "(-1, 1)", "wrong"),
    ("en", "The origin (0, 0) is a local minimum.", DOUBLE_WELL, "(0, 0)", "wrong"),
    ("en", "The global minimum is at (0, 0).", DOUBLE_WELL, "(0, 0)", "wrong"),
    ("en", "The local minima are (0, 1.414) and (0, -1.414).", DOUBLE_WELL, "(0, 1.414)", "holds"),
    ("de", "Der Tiefpunkt liegt bei (1; -0,5).", BOWL, "(1; -0,5)", "holds"),
    ("de", "Das globale Minimum liegt bei $(0, 0)$.", DOUBLE_WELL, "(0, 0)", "wrong"),
    ("fr", "Le minimum global est en $(1, 1)$.", ROSENBROCK, "(1, 1)", "holds"),
    ("fr", "Le minimum est en $(0, 0)$.", DOUBLE_WELL, "(0, 0)", "wrong"),
    ("es", "El mínimo está en (1, 1).", ROSENBROCK, "(1, 1)", "holds"),
    ("es", "El mínimo global está en (1, 0.5).", BOWL, "(1, 0.5)", "wrong"),
    ("ko", "최솟값은 (1, -0.5)이다.", BOWL, "(1, -0.5)", "holds"),
    ("ko", "(0, 0)이 global minimum이다.", DOUBLE_WELL, "(0, 0)", "wrong"),
]


@pytest.mark.parametrize(
    ("language", "text", "surface", "point", "verdict"),
    [pytest.param(*case, id=f"{case[0]}: {case[1]} ({case[4]})") for case in MINIMUM],
)
def test_a_stated_minimum_gets_the_verdict_its_surface_gives(
    language: str, text: str, surface: Surface, point: str, verdict: str
) -> None:
    assert ("minimum", point, verdict) in _verdicts(text, surface), language


NOT_CLAIMS = [
    ("en", "The path ends at (0.98, -0.50), close to the minimum."),
    ("en", "We start from (-1.5, 1.5), far from the minimum."),
    ("en", "If the function were convex, gradient descent would find the minimum."),
    ("en", "Is the function convex?"),
    ("en", "A convex function has at most one minimum."),
    ("en", "Adam is popular for convex optimization problems."),
    ("de", "Der Pfad endet bei (1, 1), nahe am Minimum."),
    ("de", "Wenn die Funktion konvex wäre, wäre alles einfach."),
    ("fr", "Le chemin finit en (1, 1), près du minimum."),
    ("es", "El camino termina en (1, 1), cerca del mínimo."),
    ("ko", "(0.5, 5.8)에서 출발해서 최솟값을 찾는다."),
]


@pytest.mark.parametrize(
    ("language", "text"), [pytest.param(*case, id=f"{case[0]}: {case[1]}") for case in NOT_CLAIMS]
)
def test_a_sentence_that_only_mentions_convexity_or_a_minimum_is_no_claim(
    language: str, text: str
) -> None:
    assert find_statements([(text, "")]) == [], language


def test_a_statement_carries_its_quote_point_as_written_and_scope() -> None:
    (statement,) = find_statements([("The global minimum is at $(1, -0.5)$.", "Bowl")])
    assert statement == Statement(
        "minimum",
        "global minimum is at $(1, -0.5)",
        False,
        (1.0, -0.5),
        "(1, -0.5)",
        "global",
        "Bowl",
    )


def test_code_lines_in_prose_are_skipped_but_prose_with_a_colon_is_read() -> None:
    text = "with determinant 39 > 0: this surface is convex.\nx = 1\nfor i in range(3):\n"
    statements = find_statements([(text, "")])
    assert [(s.kind, s.quote) for s in statements] == [("convexity", "this surface is convex")]


def test_a_repeated_statement_gives_one_finding() -> None:
    statements = find_statements([("The minimum is at (1, 1). The minimum is at (1, 1).", "")])
    assert len(statements) == 2
    assert len(check_statements(statements, ROSENBROCK, None)) == 1
