"""Reading a tutorial post into code, prose and maths blocks, without running anything.

``optverify review POST`` executes a post's code in a sandbox and checks its formulas; this
module only finds them. A post comes in one of four formats, chosen by suffix (``.md`` and
``.markdown``, ``.ipynb``, ``.py``, anything else is plain text) or named explicitly:

- **markdown**: fenced and indented code blocks found by markdown-it; Python fences (and
  unlabelled ones whose content is Python) are code, ``math``/``latex``/``tex`` fences are
  maths, other languages are skipped. Maths in the text: ``$$...$$``, ``\\[...\\]``,
  ``\\begin{equation|align|gather|multline}...\\end{...}`` (kept whole, environment included),
  and inline ``$...$`` (not ``$5 and $10``: no space after the opening or before the closing
  dollar, no digit after the closing one).
- **notebook**: markdown cells as markdown, code cells as code with IPython magics made
  harmless (``pass  # %matplotlib inline``); ``%%bash``-like cells and raw cells are skipped.
- **script**: one code block per ``# %%`` cell (the whole file without markers), markdown
  cells as markdown; prose and maths also from comments and docstrings.
- **text**: a page copied from a browser, see :mod:`optverify.review.textposts`.

Prose is one block per paragraph, its lines joined by single spaces, displayed maths taken out
and inline maths kept as written (it is also a maths block of its own), emphasis as written;
headings are not prose, they name the ``section`` of the blocks below them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from optverify.errors import InvalidArgument
from optverify.review.pysource import ipython_to_python, is_real, try_parse

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = ["MAX_POST_BYTES", "Block", "Post", "parse_post", "read_post"]

BlockKind = Literal["code", "prose", "math"]
PostFormat = Literal["markdown", "notebook", "script", "text"]
FORMATS: tuple[PostFormat, ...] = ("markdown", "notebook", "script", "text")
_SUFFIXES: dict[str, PostFormat] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".ipynb": "notebook",
    ".py": "script",
}

MAX_POST_BYTES = 5 * 1024 * 1024
"""Largest post read (5 MB): the longest tutorial is a few hundred kilobytes with its images."""


@dataclass(frozen=True)
class Block:
    """One piece of a post, in reading order.

    Attributes:
      kind: ``code`` (Python source ready to exec), ``prose`` (plain text of one paragraph) or
        ``math`` (the LaTeX source of one formula as written, whitespace-trimmed).
      text: the code, prose or LaTeX.
      line: 1-based line where the block starts: in the file, or in the notebook cell's source.
        For code, line ``line + k`` of the source is line ``k + 1`` of ``text``.
      cell: 0-based index of the unit it came from: the notebook cell, the markdown fence or
        stretch of text between fences, the ``# %%`` cell, the run of code or text in a text
        post. It never decreases along a post.
      section: the text of the nearest heading above (``''`` before the first heading).
      display: for maths, False when inline (``$x$``); True for everything else.
    """

    kind: BlockKind
    text: str
    line: int
    cell: int
    section: str
    display: bool = True


@dataclass(frozen=True)
class Post:
    """A post read into blocks, for the review to run and check."""

    path: Path
    format: PostFormat
    blocks: tuple[Block, ...]

    def code(self) -> list[Block]:
        """The code blocks, in the order they run."""
        return [b for b in self.blocks if b.kind == "code"]

    def prose(self) -> list[Block]:
        """The prose paragraphs, in reading order."""
        return [b for b in self.blocks if b.kind == "prose"]

    def maths(self, *, display: bool | None = True) -> list[Block]:
        """The formulas: displayed ones by default, inline ones with ``display=False``, all of
        them with ``display=None``."""
        return [b for b in self.blocks if b.kind == "math" and display in (None, b.display)]


@dataclass(frozen=True)
class Piece:
    """A block before its section is known, or a heading (``kind='heading'``).

    The parsers emit pieces in any order; sorting by :attr:`key` gives reading order, and a
    heading sorts before anything else that starts on its line.
    """

    cell: int
    line: int
    kind: Literal["heading", "code", "prose", "math"]
    text: str
    col: int = 0
    display: bool = True

    @property
    def key(self) -> tuple[int, int, int, int]:
        rank = ("heading", "code", "prose", "math").index(self.kind)
        return (self.cell, self.line, rank, self.col)


def read_post(path: Path, *, format: str | None = None) -> Post:
    """Read the post at ``path`` (format from the suffix unless given) into blocks.

    Raises InvalidArgument, naming the post, when the file is missing, unreadable, larger than
    :data:`MAX_POST_BYTES`, not UTF-8 text (or binary), empty, or a notebook that is not one.
    """
    path = Path(path)
    chosen = _check_format(format) if format is not None else _SUFFIXES.get(path.suffix.lower())
    try:
        if path.is_dir():
            fail(path, "it is a directory, not a file")
        size = path.stat().st_size
        if size <= MAX_POST_BYTES:
            with path.open("rb") as stream:
                data = stream.read(MAX_POST_BYTES + 1)
                size = len(data)
    except FileNotFoundError:
        fail(path, "there is no such file")
    except OSError as error:
        fail(path, f"it cannot be read ({error.strerror or error})")
    if size > MAX_POST_BYTES:
        fail(path, f"it is larger than the {_amount(MAX_POST_BYTES)} limit ({_amount(size)})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        fail(path, f"it is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line})")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        fail(path, f"it is a binary file, not text (a NUL byte on line {line})")
    if not text.strip():
        fail(path, "it is empty")
    return parse_post(text, chosen or "text", path)


def parse_post(text: str, format: str, path: Path = Path("post")) -> Post:
    """Split ``text``, a post in ``format`` (markdown, notebook, script or text), into blocks.

    ``path`` only names the post in blocks and messages. A post without code is returned as
    it is: whether that is an error is the caller's decision.
    """
    chosen = _check_format(format)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if chosen == "markdown":
        pieces = markdown_pieces(text)
    elif chosen == "notebook":
        from optverify.review.notebooks import notebook_pieces

        pieces = notebook_pieces(text, path)
    elif chosen == "script":
        from optverify.review.notebooks import python_pieces

        pieces = python_pieces(text)
    else:
        from optverify.review.textposts import text_pieces

        pieces = text_pieces(text)
    section, blocks = "", []
    for piece in sorted(pieces, key=lambda p: p.key):
        if piece.kind == "heading":
            section = piece.text
        else:
            blocks.append(
                Block(piece.kind, piece.text, piece.line, piece.cell, section, piece.display)
            )
    return Post(path, chosen, tuple(blocks))


def _check_format(format: str) -> PostFormat:
    for name in FORMATS:
        if format == name:
            return name
    raise InvalidArgument(
        f"format={format!r} is invalid: it must be one of {', '.join(map(repr, FORMATS))}."
    )


def fail(path: Path, reason: str) -> Any:
    raise InvalidArgument(f"post={str(path)!r} is invalid: {reason}.")


def _amount(size: int) -> str:
    return f"{size / 2**20:.3g} MB" if size >= 2**20 else f"{size} bytes"


_NO_BLANK = r"(?:(?!\n[ \t]*\n).)"
_MATH = re.compile(
    rf"""(?P<code>(?P<ticks>`+){_NO_BLANK}+?(?P=ticks))
    | \$\$(?P<dollars>{_NO_BLANK}+?)\$\$
    | \\\[(?P<bracket>{_NO_BLANK}+?)\\\]
    | (?P<env>\\begin\{{(?P<name>equation|align|gather|multline|eqnarray)(?P<star>\*?)\}}
        .+?\\end\{{(?P=name)(?P=star)\}})
    | \\\((?P<paren>{_NO_BLANK}+?)\\\)
    | (?<![\\$\w])\$(?P<inline>[^\s$](?:[^$\n]|\n(?![ \t]*\n))*?)(?<![\s\\])\$(?![\d$])""",
    re.S | re.X,
)
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    latex: str
    display: bool
    written: str = ""  # the formula with its delimiters, as in the text


def find_maths(text: str) -> list[_Span]:
    """The formulas in ``text``, outside inline code, in order."""
    spans = []
    for match in _MATH.finditer(text):
        if match["code"] is None:
            inner = match["dollars"] or match["bracket"] or match["env"] or match["paren"]
            latex = (inner if inner is not None else match["inline"]).strip()
            display = match["inline"] is None and match["paren"] is None
            if latex:
                spans.append(_Span(match.start(), match.end(), latex, display, match[0]))
    return spans


def _mask(text: str, spans: list[_Span]) -> str:
    """``text`` with displayed maths blanked and inline maths as numbered placeholders, line
    breaks kept, so that what is left parses as paragraphs on the same lines."""
    parts, last = [], 0
    for index, span in enumerate(spans):
        breaks = "\n" * text.count("\n", span.start, span.end)
        mark = "" if span.display else f"\ue000{index}\ue001"
        parts += [text[last : span.start], mark + breaks]
        last = span.end
    return "".join([*parts, text[last:]])


def _math_pieces(text: str, spans: list[_Span], cell: int, first_line: int) -> list[Piece]:
    return [
        Piece(
            cell,
            first_line + text.count("\n", 0, s.start),
            "math",
            s.latex,
            s.start - text.rfind("\n", 0, s.start) - 1,
            s.display,
        )
        for s in spans
    ]


def _one_line(text: str, spans: list[_Span]) -> str:
    """``text`` on one line, its inline maths back as written (``$x$``, ``\\(x\\)``)."""
    return " ".join(_PLACEHOLDER.sub(lambda m: spans[int(m[1])].written, text).split())


def _prose(text: str, spans: list[_Span]) -> str:
    """A paragraph on one line with its inline maths, ``''`` if it holds nothing but maths."""
    return _one_line(text, spans) if _PLACEHOLDER.sub(" ", text).strip() else ""


def plain_pieces(text: str, cell: int, first_line: int) -> list[Piece]:
    """Maths and prose paragraphs of text that is not markdown (comments, docstrings); a line
    underlined with ``===`` or ``---`` is a heading."""
    spans = find_maths(text)
    pieces = _math_pieces(text, spans, cell, first_line)
    lines = _mask(text, spans).split("\n")
    start = 0
    for index in range(len(lines) + 1):
        if index < len(lines) and lines[index].strip():
            continue
        paragraph = lines[start:index]
        if len(paragraph) > 1 and re.fullmatch(r"\s*(=+|-+)\s*", paragraph[1]):
            heading = _one_line(paragraph[0], spans)
            pieces.append(Piece(cell, first_line + start, "heading", heading))
            paragraph, start = paragraph[2:], start + 2
        if prose := _prose("\n".join(paragraph), spans):
            pieces.append(Piece(cell, first_line + start, "prose", prose))
        start = index + 1
    return pieces


# --- markdown --------------------------------------------------------------------------------

_PYTHON_INFOS = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3", "pycon"})
_MATH_INFOS = frozenset({"math", "latex", "tex", "katex"})


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def markdown_pieces(text: str, *, cell: int | None = None, offset: int = 0) -> list[Piece]:
    """Blocks of markdown ``text`` whose line 1 is line ``offset + 1`` of the file.

    With ``cell`` None (a markdown file) every fence and every stretch of text between fences
    is a cell of its own; otherwise everything is in ``cell`` (a notebook's markdown cell).
    """
    lines = text.split("\n")
    if lines[0].strip() == "---":  # YAML front matter: metadata, not text
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), -1)
        lines[: end + 1] = [""] * (end + 1)
    fences = [t for t in _markdown().parse("\n".join(lines)) if t.map and t.type in _FENCES]
    units = [0] * len(lines)  # line -> unit: the text before fence k is 2k, fence k is 2k + 1
    pieces = []
    for k, fence in enumerate(fences):
        assert fence.map is not None
        begin, end = fence.map
        units[begin:] = [2 * k + 1] * (end - begin) + [2 * k + 2] * (len(lines) - end)
        lines[begin:end] = [""] * (end - begin)
        kind, content = _fence_content(fence)
        if kind is not None:
            first = begin + (2 if fence.type == "fence" else 1)
            pieces.append(Piece(2 * k + 1, first + offset, kind, content))
    outside = "\n".join(lines)
    spans = find_maths(outside)
    pieces += _math_pieces(outside, spans, 0, 1 + offset)
    tokens = _markdown().parse(_mask(outside, spans))
    for opening, inline in pairwise(tokens):
        if inline.type != "inline" or not opening.map or opening.type not in _PARAGRAPHS:
            continue
        words, at = _inline_text(inline.children or []), opening.map[0] + 1 + offset
        if opening.type == "heading_open":
            pieces.append(Piece(0, at, "heading", _one_line(words, spans)))
        elif prose := _prose(words, spans):
            pieces.append(Piece(0, at, "prose", prose))
    if cell is not None:
        return [replace(p, cell=cell) for p in pieces]
    # Number the units that hold something, in order; fences carry their unit already.
    for i, line in enumerate(lines):
        if not line.strip() and units[i] % 2 == 0:
            units[i] = -1
    used = sorted({u for u in units if u >= 0})
    return [
        replace(p, cell=used.index(p.cell if p.cell % 2 else units[p.line - 1 - offset]))
        for p in pieces
    ]


_PARAGRAPHS = ("heading_open", "paragraph_open")
_FENCES = ("fence", "code_block")


def _fence_content(fence: Token) -> tuple[Literal["code", "math"] | None, str]:
    """What a fenced or indented block holds: ``("code", python)``, ``("math", latex)``, or
    ``(None, "")`` for another language or text that is not Python."""
    words = re.findall(r"[\w+-]+", fence.info.lower())
    info = words[0] if words else ""
    content = fence.content
    if info in _MATH_INFOS:
        return "math", content.strip()
    if info == "pycon" or (not info and content.lstrip().startswith(">>>")):
        prompts = re.findall(r"(?m)^(?:>>>|\.\.\.)(?: |$)(.*)$", content)
        return "code", "\n".join(prompts) + "\n"
    if info in _PYTHON_INFOS:
        converted = ipython_to_python(content)
        return ("code", converted[0]) if converted else (None, "")
    if not info:
        module = try_parse(content)[0]
        if module is not None and any(is_real(s) for s in module.body):
            return "code", content
    return None, ""


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("em_open", "em_close", "strong_open", "strong_close"):
            parts.append(child.markup)  # emphasis as written: quotes keep it
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return "".join(parts)
