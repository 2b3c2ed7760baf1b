"""A small LaTeX → SymPy translator for the formulas of a tutorial post.

It reads the math people write for update rules and surfaces, and nothing else: sums,
differences, products (``\\cdot``, ``\\times``, ``\\odot``, juxtaposition), quotients
(``/``, ``\\frac``, ``\\cfrac``, ``\\dfrac``, ``\\tfrac``), powers, ``\\sqrt``, ``\\max``,
``\\min``, a few elementary functions, decorated symbols (``\\hat{m}_t``, ``\\hat m_t``,
``\\hat{m_t}``, ``\\widehat``, ``\\mathbf``, ``\\mathrm{lr}``) with subscripts and superscripts,
and gradients (``\\nabla f(\\theta_t)``, ``\\nabla_\\theta J(\\theta)``, ``\\nabla L``,
``\\frac{\\partial L}{\\partial \\theta}``, written as ``grad(point)`` or the symbol ``g``).
The SymPy tree is built node by node (in :mod:`optverify.review.latex_parser`); no text is
ever evaluated. Anything else raises :class:`LatexError` naming the construct
(``could not parse `\\sum```).

This module holds the data types, the tokenizer and the splitting of a display into
equations and sides; :mod:`optverify.review.latex_parser` builds the SymPy trees.

Every symbol is recorded as an :class:`Atom` (its base, hat, time index and source text), so
the caller can tell parameters, states, hyperparameters and the index apart. Decimals become
exact rationals: ``0.4`` is ``2/5``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

__all__ = [
    "EQUALS",
    "GRAD",
    "NAMED",
    "Atom",
    "LatexError",
    "Parsed",
    "Piece",
    "Token",
    "index_text",
    "split_display",
    "split_sides",
    "tokenize",
    "words",
]


def words(text: str) -> frozenset[str]:
    """The set of the space-separated words of ``text``."""
    return frozenset(text.split())


GRAD = sp.Function("grad")
"""``grad(point)``: the gradient of the post's objective at ``point``."""

_SIZES = words("left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle")
_SKIPPED = words(
    "displaystyle textstyle limits nolimits nonumber notag enspace thinspace medspace "
    "thickspace negthinspace quad qquad"
)
_TEXT = words("text mathrm operatorname textrm mbox textit mathit textnormal")
EQUALS = frozenset(("leftarrow", "gets", "coloneqq", "longleftarrow"))
_ALIGN_ENVS = words("aligned align align* split gathered gather gather* equation")
NAMED = {"lr": "lr", "eps": "epsilon", "epsilon": "epsilon", "wd": "wd"}
_OPEN = {"(": ")", "[": "]", "{": "}"}


class LatexError(ValueError):
    """The formula uses something the translator does not read (the message names it)."""


@dataclass(frozen=True)
class Token:
    """One lexical unit: ``cmd`` (name without backslash), ``letter``, ``number``, ``text``
    (the raw content of ``\\text{...}`` and kin), ``op`` (any other character)."""

    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Atom:
    """A symbol as written: ``base`` (``theta``, ``m``, ``beta_1``, ``E[g^2]``), ``hat``, the
    time ``index`` as ``(variable, offset)`` (``m_{t-1}`` is ``("t", -1)``; a numeric index
    ``m_1`` is ``(None, 1)``), ``source`` (the whole LaTeX) and ``base_source`` (without the
    index) and whether the hat was braced (``\\hat{m}``) or not (``\\hat m``)."""

    base: str
    hat: bool = False
    index: tuple[str | None, int] | None = None
    source: str = ""
    base_source: str = ""
    braced: bool = True

    @property
    def name(self) -> str:
        """The SymPy symbol name: ``hat{m}_{n-1}``, ``theta_{t+1}``, ``beta_1``."""
        head = f"hat{{{self.base}}}" if self.hat else self.base
        return head if self.index is None else f"{head}_{{{index_text(self.index)}}}"


def index_text(index: tuple[str | None, int]) -> str:
    """``("n", -1)`` → ``n-1``, ``("t", 0)`` → ``t``, ``(None, 1)`` → ``1``."""
    var, offset = index
    if var is None:
        return str(offset)
    return var if offset == 0 else f"{var}{offset:+d}"


@dataclass
class Parsed:
    """A parsed expression, the atoms in it (by symbol name) and the gradients as written
    (``(source, head)``: ``("\\nabla f(\\theta_t)", "\\nabla f")``)."""

    expr: sp.Expr
    atoms: dict[str, Atom] = field(default_factory=dict)
    gradients: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Piece:
    """One equation of a display, with its place in the display's LaTeX."""

    text: str
    start: int
    end: int
    tokens: tuple[Token, ...]


_TOKEN = re.compile(r"\\([a-zA-Z]+|.)|([a-zA-Z])|(\d+\.?\d*|\.\d+)|(\s+)|(.)", re.S)


def tokenize(latex: str) -> list[Token]:
    """The tokens of ``latex``; spacing commands, ``\\left``/``\\right`` and alignment
    marks are dropped, ``\\text{...}`` becomes one ``text`` token."""
    tokens: list[Token] = []
    pos = 0
    drop_delimiter = False
    while pos < len(latex):
        m = _TOKEN.match(latex, pos)
        assert m is not None
        start, pos = m.start(), m.end()
        cmd, letter, number, space, other = m.groups()
        if space is not None:
            continue
        if cmd is not None:
            if cmd in _SIZES:
                drop_delimiter = True
                continue
            if cmd in ",;:! >" or cmd == " ":
                continue
            if cmd in "{}":
                tokens.append(Token("op", "(" if cmd == "{" else ")", start, pos))
            elif cmd == "\\":
                tokens.append(Token("op", "\\\\", start, pos))
            elif cmd in _TEXT or cmd in ("hspace", "label", "tag", "begin", "end"):
                content, pos = _braced(latex, pos)
                if cmd in ("begin", "end") and content.strip() not in _ALIGN_ENVS:
                    tokens.append(Token("cmd", cmd, start, pos))
                elif cmd in _TEXT:
                    tokens.append(Token("text", content.strip(), start, pos))
            elif cmd in ("quad", "qquad") or cmd not in _SKIPPED:
                tokens.append(Token("cmd", cmd, start, pos))
        elif letter is not None:
            tokens.append(Token("letter", letter, start, pos))
        elif number is not None:
            tokens.append(Token("number", number, start, pos))
        elif other == "." and (drop_delimiter or not tokens or pos == len(latex.rstrip())):
            pass
        elif other not in ("&", "~"):
            tokens.append(Token("op", other, start, pos))
        drop_delimiter = False
    return tokens


def _braced(latex: str, pos: int) -> tuple[str, int]:
    while pos < len(latex) and latex[pos] == " ":
        pos += 1
    if pos >= len(latex) or latex[pos] != "{":
        return "", pos
    depth, end = 0, pos
    for end in range(pos, len(latex)):
        depth += {"{": 1, "}": -1}.get(latex[end], 0)
        if depth == 0:
            break
    return latex[pos + 1 : end], end + 1


def _is_separator(token: Token) -> bool:
    if token.kind == "op":
        return token.text in (",", ";", "\\\\")
    if token.kind == "cmd":
        return token.text in ("quad", "qquad")
    return token.kind == "text" and token.text not in NAMED and len(token.text) != 1


def split_display(latex: str) -> list[Piece]:
    """The equations of a display, split at top-level ``,``, ``;``, ``\\\\``, ``\\quad``,
    ``\\qquad`` and words in ``\\text{}``; each with its span in ``latex``."""
    tokens = tokenize(latex)
    pieces: list[Piece] = []
    current: list[Token] = []
    depth = 0

    def close() -> None:
        if current:
            start, end = current[0].start, current[-1].end
            pieces.append(Piece(latex[start:end], start, end, tuple(current)))
        current.clear()

    for token in tokens:
        if token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth -= 1
        if depth <= 0 and _is_separator(token):
            close()
            depth = 0
            continue
        if token.kind == "cmd" and token.text in ("quad", "qquad"):
            continue
        current.append(token)
    close()
    return pieces


def split_sides(tokens: tuple[Token, ...] | list[Token]) -> list[list[Token]]:
    """The sides of an equation: split at top-level ``=``, ``:=``, ``\\leftarrow``, ``\\gets``."""
    sides: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth -= 1
        is_equal = (token.kind == "op" and token.text == "=") or (
            token.kind == "cmd" and token.text in EQUALS
        )
        if depth == 0 and is_equal:
            if sides[-1] and sides[-1][-1].kind == "op" and sides[-1][-1].text == ":":
                sides[-1].pop()
            sides.append([])
        else:
            sides[-1].append(token)
    return sides
