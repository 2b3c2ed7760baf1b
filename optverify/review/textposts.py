"""Plain-text posts: a tutorial page copied from a browser, code and formulas unmarked.

Three heuristics, each with known limits:

- **Code** is a run of lines that parses as Python. A run grows line by line (blank lines
  included) while the source stays Python or only lacks its end (``def f(x):`` alone, an open
  bracket); the first line that makes it invalid ends it. Prose that parses as Python (``Adam``,
  ``0``, ``6/12``, ``Note: this``) is cut out of a run, and a run is kept only if it holds real
  code: an import, a definition, an assignment, a loop or branch, a ``with``, or a call. Limits:
  code that does not parse (a typo in the post) splits the run there; a prose line that is a
  call, like ``print(x)``, is code.
- **Formulas** copied from a MathJax or KaTeX page come as their rendered text glued to their
  LaTeX source: ``vn=ρvn1+(1ρ)gn2,v0=0v_n = \\rho v_{n-1} + ...``. A line is a displayed
  formula when some split point puts, before it, text whose letters and digits are (difflib
  ratio 0.85 or more) those of the LaTeX after it with commands read as letters (``\\beta`` as
  β) or dropped. Such lines can look like assignments; they are never code. In prose, a LaTeX
  fragment right after its own rendering (``β1\\beta_1``) is an inline formula, taken out of the
  prose, which keeps the rendering. Limits: a formula with neither a command nor ``_``, ``^``,
  ``{`` (``mm``) is not found; the LaTeX must run to the end of a displayed line.
- **Headings** are short lines (up to 60 characters and 8 words, starting with a capital or a
  letter without case, without sentence punctuation) between a blank line and a blank line or
  the end, where the next text is not another such line (``Adam``, ``Prologue``). Limits: a
  byline or a button label (``Share``) can become a heading.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from difflib import SequenceMatcher

from optverify.review.pysource import is_real, is_trivial, try_parse
from optverify.review.sources import Piece

__all__ = ["display_formula", "inline_formulas", "plain_latex", "text_pieces"]

_GREEK = (
    {
        name: chr(code)
        for name, code in zip(
            [
                "alpha",
                "beta",
                "gamma",
                "delta",
                "epsilon",
                "zeta",
                "eta",
                "theta",
                "iota",
                "kappa",
                "lambda",
                "mu",
                "nu",
                "xi",
                "omicron",
                "pi",
                "rho",
                "varsigma",
                "sigma",
                "tau",
                "upsilon",
                "phi",
                "chi",
                "psi",
                "omega",
            ],
            range(0x3B1, 0x3CA),
            strict=True,
        )
    }
    | {
        name.capitalize(): chr(code)
        for name, code in zip(
            [
                "gamma",
                "delta",
                "theta",
                "lambda",
                "xi",
                "pi",
                "sigma",
                "upsilon",
                "phi",
                "psi",
                "omega",
            ],
            (0x393, 0x394, 0x398, 0x39B, 0x39E, 0x3A0, 0x3A3, 0x3A5, 0x3A6, 0x3A8, 0x3A9),
            strict=True,
        )
    }
    | {"epsilon": "ϵ", "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "phi": "ϕ", "ell": "ℓ"}
)
_NAMED = frozenset(
    [
        "log",
        "ln",
        "exp",
        "sin",
        "cos",
        "tan",
        "sinh",
        "cosh",
        "tanh",
        "max",
        "min",
        "arg",
        "lim",
        "det",
        "sup",
        "inf",
    ]
)
_COMMAND = re.compile(r"\\([A-Za-z]+)|\\.")
_LATEX = re.compile(r"\\[A-Za-z]|[_^{]")
_MAX_OPEN_LINES = 200  # lines a run may grow without parsing (a long literal) before giving up
_CONTINUATIONS = ("else", "elif", "except", "finally")


def squash(text: str) -> str:
    """The letters and digits of ``text`` (NFKC: ``²`` is ``2``, ``ϵ`` is ``ε``)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())


def plain_latex(source: str) -> str:
    """The letters and digits a renderer shows for ``source``: ``\\beta_1`` is ``β1``,
    ``\\frac{m_n}{1-\\beta_1^{n+1}}`` is ``mn1β1n1``."""

    def letters(match: re.Match[str]) -> str:
        name = match[1] or ""
        return _GREEK.get(name, name if name in _NAMED else "")

    return squash(_COMMAND.sub(letters, source))


def display_formula(line: str) -> str | None:
    """The LaTeX source of a line that is a formula's rendering glued to its source, else None."""
    text = line.strip()
    best, split = 0.0, 0
    for k in range(1, len(text)):
        if text[k - 1] in "\\_{}":  # the rendering has none of these
            break
        if not (text[k].isascii() and (text[k].isalnum() or text[k] in "\\(")):
            continue
        if _LATEX.search(text, k) is None:
            break
        rendered, source = squash(text[:k]), plain_latex(text[k:])
        if len(source) < 3 or not rendered:
            continue
        matcher = SequenceMatcher(None, rendered, source, autojunk=False)
        if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
            ratio = matcher.ratio()
            best, split = (ratio, k) if ratio > best else (best, split)
    return text[split:] if best >= 0.85 else None


def inline_formulas(line: str) -> list[tuple[int, int]]:
    """Spans of LaTeX sources that follow their own rendering inside a line of prose."""
    spans: list[tuple[int, int]] = []
    done = p = 0
    while p < len(line):
        c = line[p]
        starts = c.isascii() and (c.isalnum() or (c == "\\" and line[p + 1 : p + 2].isalpha()))
        end = _source_end(line, done, p) if starts else None
        if end is None:
            p += 1
        else:
            spans.append((p, end))
            done = p = end
    return spans


def _source_end(line: str, done: int, p: int) -> int | None:
    """The end of the longest LaTeX source at ``p`` whose rendering ends ``line[done:p]``."""
    rendered, end = squash(line[done:p]), _fragment_end(line, p)
    if not rendered:
        return None
    for q in range(end, p, -1):
        source = line[p:q]
        if _LATEX.search(source) is None:
            return None
        cut_command = re.search(r"\\[A-Za-z]+$", source) and line[q : q + 1].isalpha()
        if source.count("{") != source.count("}") or cut_command:
            continue
        plain = plain_latex(source)
        if plain and rendered.endswith(plain):
            return q
    return None


def _fragment_end(line: str, p: int) -> int:
    """Where a LaTeX fragment starting at ``p`` can end at the latest: at the first character
    that is not ASCII, or a space outside braces that no operator leans on."""
    depth, q = 0, p
    while q < len(line) and line[q].isascii():
        c = line[q]
        if c == " " and depth == 0:
            after = line[q:].lstrip()[:1]
            if not (after and after in "\\=+-^_{}") and line[:q].rstrip()[-1:] not in "=+-":
                break
        depth += (c == "{") - (c == "}")
        if depth < 0:
            break
        q += 1
    return q


def text_pieces(text: str) -> list[Piece]:
    """The code runs, formulas, headings and prose paragraphs of a plain-text post. Each code
    run is a cell, and so is each stretch of text between runs."""
    lines = text.split("\n")
    formulas = {i: f for i, line in enumerate(lines) if (f := display_formula(line)) is not None}
    runs = _code_runs(lines, set(formulas))
    pieces: list[Piece] = []
    cell, begin = 0, 0
    for start, end in [*runs, (len(lines), len(lines))]:
        if "".join(lines[begin:start]).strip():
            pieces += _text_stretch(lines, begin, start, cell, formulas)
            cell += 1
        if start < end:
            pieces.append(Piece(cell, start + 1, "code", "\n".join(lines[start:end]) + "\n"))
            cell += 1
        begin = end
    return pieces


def _code_runs(lines: list[str], stops: set[int]) -> list[tuple[int, int]]:
    """``[start, end)`` line ranges of code, in order."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        first = lines[i][:1]
        if i in stops or not (first.isalpha() or first in "_@([{#"):
            i += 1
            continue
        end = _grow(lines, i, stops)
        if end is None:
            i += 1
            continue
        module = try_parse("\n".join(lines[i:end]))[0]
        assert module is not None
        runs += _real_parts(lines, i, module.body)
        i = end
    return runs


def _grow(lines: list[str], start: int, stops: set[int]) -> int | None:
    """The end of the longest run from ``start`` that parses, or None.

    Only the source from the last complete top-level statement on is parsed again at each line,
    so a long run costs about as much as parsing it once.
    """
    best, base, open_lines = None, start, 0
    for j in range(start, len(lines)):
        line = lines[j]
        if j in stops:
            break
        if not line.strip():
            continue
        if (
            best is not None
            and open_lines == 0
            and not line[0].isspace()
            and not line.startswith(_CONTINUATIONS)
        ):
            base = j
        module, incomplete = try_parse("\n".join(lines[base : j + 1]))
        if module is not None:
            best, open_lines = j + 1, 0
        elif not incomplete or open_lines >= _MAX_OPEN_LINES:
            break
        else:
            open_lines += 1
    return best


def _real_parts(lines: list[str], start: int, body: list[ast.stmt]) -> list[tuple[int, int]]:
    """The parts of a run between prose-like statements that hold real code, with the comment
    lines right above each part."""
    parts, group = [], list[ast.stmt]()
    for statement in [*body, None]:
        if statement is not None and not is_trivial(statement):
            group.append(statement)
            continue
        if any(is_real(s) for s in group):
            first = min([group[0].lineno] + [d.lineno for d in _decorators(group[0])])
            a, b = start + first - 1, start + (group[-1].end_lineno or group[-1].lineno)
            while a > start and lines[a - 1].lstrip().startswith("#"):
                a -= 1
            parts.append((a, b))
        group = []
    return parts


def _decorators(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return statement.decorator_list
    return []


def _heading_like(line: str) -> bool:
    text = line.strip()
    return (
        0 < len(text) <= 60
        and len(text.split()) <= 8
        and text[0].isalpha()
        and not text[0].islower()
        and text[-1] not in ".!?:;,。…"
        and "=" not in text
    )


def _text_stretch(
    lines: list[str], begin: int, end: int, cell: int, formulas: dict[int, str]
) -> list[Piece]:
    """Formulas, headings and prose paragraphs of lines ``begin:end``."""
    pieces: list[Piece] = []
    paragraph: list[int] = []
    for i in [*range(begin, end), end]:
        if i < end and lines[i].strip() and i not in formulas:
            paragraph.append(i)
            continue
        if i in formulas:
            pieces.append(Piece(cell, i + 1, "math", formulas[i]))
        if len(paragraph) == 1 and _is_heading(lines, paragraph[0]):
            pieces.append(Piece(cell, paragraph[0] + 1, "heading", lines[paragraph[0]].strip()))
        elif paragraph:
            words = []
            for n in paragraph:
                kept, last = [], 0
                for p, q in inline_formulas(lines[n]):
                    pieces.append(Piece(cell, n + 1, "math", lines[n][p:q].strip(), p, False))
                    kept.append(lines[n][last:p])
                    last = q
                words += "".join([*kept, lines[n][last:]]).split()
            pieces.append(Piece(cell, paragraph[0] + 1, "prose", " ".join(words)))
        paragraph = []
    return pieces


def _is_heading(lines: list[str], i: int) -> bool:
    """A heading-like line between blank lines, not followed by another one."""
    if not _heading_like(lines[i]) or (i > 0 and lines[i - 1].strip()):
        return False
    if i + 1 < len(lines) and lines[i + 1].strip():
        return False
    following = next((line for line in lines[i + 1 :] if line.strip()), "")
    return not _heading_like(following)
