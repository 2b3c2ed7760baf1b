"""Convexity and minimum statements found in a post's prose (checked by :mod:`.claims`).

:func:`find_statements` reads English, Korean, German, French and Spanish prose by heuristics,
stated here with their limits. Code (fenced, or lines that look like code) is dropped and ``#``
comment markers removed; text splits at blank lines, bullets and ``. ! ?`` plus space; a
sentence ending in ``:`` joins a next block that starts with a point ("four minima:" + a list).

Convexity: convex / konvex / convexe / convexa / convexo / 볼록 ("Convex" in Korean text too).
It is negated by a prefix (non-, nicht-, 비), by a negating word (not, n't, nicht, kein, pas,
n', no, ...) at most three words before it in its clause and not across a conjunction, or by
아니/않 right after it. Skipped: questions, "if" clauses (wenn, si, ...), a negated "strictly
convex", and generic uses: a generic noun next to it (combination, hull, set, optimization,
problems, functions, 최적화, ...) or an indefinite article without a copula ("a convex function
cannot ..."; "f is a convex function" counts). Limit: it cannot tell that a sentence is about
another named function.

Minimum: a point ``(a, b)`` (in ``$..$``, ``\\(..\\)``, after ``(x, y) =``), ``(a; b)`` with decimal
commas, or ``x = a, y = b``; ``f(1, 1)`` is an argument list. Points joined only by commas,
"and" (und, et, y, 과, ...) and point-free parentheses form a list. It is a minimum statement
when a minimum word (minimum, minima, minimizer, optimum, Tiefpunkt, mínimo, óptimo, 최소, 최솟값,
극소, ...) is in its sentence with at most four words, no point and no sentence break between
them, none of which makes the point something else: a start (from, desde, 출발), an end (ends,
landet, terminan), a negation ("nowhere near the minimum"), a comparison (closer, than). So
"the path ends at (0.98, -0.50), close to the minimum" is no claim (a point followed by "close
to", "near", "nahe", "près de", "cerca de" the minimum word is near it, not it); a claim with
a longer gap is missed. global/local words (globale, 전역, lokal, 지역, 국소, 극소, ...) next to
the minimum word set the scope; near, about, etwa, 근처, ... make the point approximate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from optverify.review.pysource import try_parse

__all__ = ["Scope", "Statement", "find_statements"]
Scope = Literal["global", "local", "any"]


@dataclass(frozen=True)
class Statement:
    """A statement about the surface's convexity or a minimum: ``quote`` is the shortest
    fragment making it, as written (white space collapsed, emphasis kept); ``negated``: it
    denies convexity; for a minimum ``point`` and ``written`` (e.g. ``"(1, -0.5)"``) give the
    point, ``scope`` the kind stated, ``approximate`` that it is said to be near ("about", 근처).
    """

    kind: Literal["convexity", "minimum"]
    quote: str
    negated: bool
    point: tuple[float, float] | None = None
    written: str = ""
    scope: Scope = "any"
    section: str = ""
    approximate: bool = field(default=False, compare=False)


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# --- Text: blocks, sentences, clauses, words ---------------------------------------------------

_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.M | re.S)
_COMMENT = re.compile(r"^[ \t]*#+[ \t]?")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_CODE = re.compile(
    r"^\s*(?:def |class |import |from [\w.]+ import |for .+ in .+:|while .+:|if .+:\s*$|elif |"
    r"else:|try:|except|with .+:|return\b|print\(|plt\.|np\.|@\w|[)\]}]|"
    r"[\w\[\]'\".]+(?:\s*,\s*[\w\[\]'\".]+)*\s*[-+*/]?=(?!=)|[\w.]+\(.*\)\s*:?\s*$)"
)
_BLOCK_PART = re.compile(r"(?:else|try|finally)\s*:|(?:elif|except|return)\b|[)\]}@]")
_ABBREVIATIONS = _set("e.g i.e vs etc ca bzw usw cf fig eq approx resp")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:['’][A-Za-zÀ-ÖØ-öø-ÿ]+)?|[가-힣]+")
_NUM = r"[-−]?\d+(?:\.\d+)?"
_DNUM = r"[-−]?\d+(?:[.,]\d+)?"
_POINT = re.compile(
    rf"(?<![\w\])])\(\s*(?P<a>{_NUM})\s*,\s*(?P<b>{_NUM})\s*\)"
    rf"|(?<![\w\])])\(\s*(?P<c>{_DNUM})\s*;\s*(?P<d>{_DNUM})\s*\)"
    rf"|(?<![\w\\])x\s*=\s*(?P<e>{_NUM})(?![\w.(^])[\s$]*(?:,|;|and|und|et|y|e|이고)?[\s$,]*"
    rf"y\s*=\s*(?P<f>{_NUM})(?![\w(^]|\.\d)"
)
_SYMBOLIC_PREFIX = re.compile(r"\\?\(\s*x[^()$]{0,10},\s*y[^()$]{0,10}\\?\)\s*\$?\s*=\s*\$?\s*$")


def _is_code(line: str) -> bool:
    """A line that looks like code and is Python (perhaps unfinished, or the start or end of a
    block): "with determinant 39: both ..." and "x = 1 gives ..." are prose."""
    if not _CODE.match(line):
        return False
    stripped = line.strip()
    if _BLOCK_PART.match(stripped):
        return True
    module, incomplete = try_parse(stripped)
    return module is not None or incomplete


def _blocks(text: str) -> list[str]:
    """Prose blocks: code dropped, comment markers removed, split at blank lines and bullets."""
    blocks: list[list[str]] = [[]]
    for line in _FENCE.sub("\n", text).split("\n"):
        prose = _COMMENT.sub("", line)
        if not prose.strip() or (not line.lstrip().startswith("#") and _is_code(line)):
            blocks.append([])
            continue
        if _BULLET.match(prose):
            blocks.append([])
            prose = _BULLET.sub("", prose)
        blocks[-1].append(prose)
    return [joined for b in blocks if (joined := "\n".join(b).strip())]


def _split_sentences(block: str) -> list[str]:
    out, start = [], 0
    for m in re.finditer(r"[.!?。](?=\s)", block):
        before = block[start : m.start()].rsplit(None, 1)
        last = before[-1].lower().lstrip("(") if before else ""
        if re.fullmatch(r"[a-z]", last) or last in _ABBREVIATIONS:
            continue
        out.append(block[start : m.end()].strip())
        start = m.end()
    out.append(block[start:].strip())
    return [s for s in out if s]


def _sentences(prose: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    joinable = False  # the last block ended with ":"
    for text, section in prose:
        for block in _blocks(text):
            sentences = _split_sentences(block)
            if joinable and re.match(r"[\s$\\]*\(\s*[-−]?\d", sentences[0]):
                out[-1] = (out[-1][0] + "\n" + sentences.pop(0), out[-1][1])
            out.extend((s, section) for s in sentences)
            joinable = bool(out) and out[-1][0].endswith(":")
    return out


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """Clause spans: split at , ; : outside $..$ math, parentheses and brackets."""
    hide = re.sub(r"\$[^$]*\$|\([^()]*\)|\[[^\]]*\]", lambda m: "_" * len(m.group()), sentence)
    return [m.span() for m in re.finditer(r"[^,;:]+", hide)]


def _collapse(text: str) -> str:
    return " ".join(text.split()).strip(" .-")


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


# --- Convexity statements ------------------------------------------------------------------------

_CONVEX = re.compile(
    r"(?<![A-Za-zÀ-ÿ])(?:non|nicht|un)?-?(?:convex[eao]?s?|konvex(?:e[mnrs]?)?)(?![A-Za-zÀ-ÿ])"
    r"|(?:비)?볼록(?!성)\w*",
    re.I,
)
_NEGATIONS = _set(
    "not never no nicht kein keine keineswegs nie niemals pas non jamais ni nunca jamás nor "
    "neither hardly"
)
_STOPS = _set("and but because since so while und aber weil da denn et mais car donc pero porque")
_STRICT = _set("strictly strongly streng strikt stark strictement fortement estrictamente")
_INDEFINITE = _set(
    "a an any every ein eine einer einem einen eines jede jeder un une una uno unos unas des "
    "toute cualquier toda"
)
_COPULAS = _set("is are was were be being ist sind war wäre est sont était es son fue c'est it's")
_GENERIC = _set(
    "combination combinations hull set sets cone optimization optimisation programming program "
    "problem problems functions relaxation conjugate analysis case cases setting settings theory "
    "methods solver solvers losses kombination hülle menge mengen optimierung funktionen probleme "
    "combinaison enveloppe ensemble problème problèmes fonctions combinación envolvente conjunto "
    "optimización problema problemas funciones"
)
_CONDITIONAL = _set("if wenn falls si suppose assume assuming angenommen supposons supongamos ob")
_KOREAN_GENERIC = re.compile(r"\s*(?:한\s*)?(?:최적화|조합|집합|껍질|문제|함수(?:는|라면|에서는))")
_KOREAN_CONNECTIVE = re.compile(r"(?:서|고|며|는데|지만|므로|니까|면서)\s+")


def _convexity_in(sentence: str, section: str) -> list[tuple[int, Statement]]:
    if sentence.rstrip(" *_$").endswith("?"):
        return []
    found = []
    for start, end in _clauses(sentence):
        clause = sentence[start:end]
        for m in _CONVEX.finditer(clause):
            word, before, after = m.group().lower(), _words(clause[: m.start()]), clause[m.end() :]
            korean = "볼록" in word or bool(re.match(r"\s*[가-힣]", after))
            negated = word.startswith(("non", "nicht", "un", "비"))
            if before and re.search(r"\b(?:non|nicht)[-\s]*$", clause[: m.start()], re.I):
                negated, before = True, before[:-1]
            near: list[str] = []
            for w in reversed(before[-3:]):
                if w in _STOPS:
                    break
                near.append(w)
            if any(w in _NEGATIONS or w.endswith("n't") or w.startswith("n'") for w in near):
                negated = True
            if korean and re.match(r"[^,.;]{0,8}?(?:아니|않)", after):
                negated = True
            article = next((i for i, w in enumerate(before[-2:][::-1]) if w in _INDEFINITE), None)
            copula = article is not None and bool(
                _COPULAS & set(before[: len(before) - article - 1][-3:])
            )
            generic = (
                bool(_GENERIC & {*_words(after[:40])[:1], *before[-1:]})
                or (article is not None and not copula)
                or (korean and bool(_KOREAN_GENERIC.match(after)))
            )
            conditional = bool(before) and before[0] in _CONDITIONAL
            strict = negated and bool(_STRICT & set(near))
            if generic or conditional or strict or re.match(r"\S*(?:라면|다면)", after):
                continue
            first = 0
            for c in _KOREAN_CONNECTIVE.finditer(clause[: m.start()]) if korean else ():
                first = c.end()
            statement = Statement("convexity", _collapse(clause[first:]), negated, section=section)
            found.append((start + m.start(), statement))
    return found


# --- Minimum statements --------------------------------------------------------------------------

_MINIMUM = re.compile(
    r"minim(?:um|a|ums|izers?|isers?)|optim(?:um|a)|tiefpunkte?n?|minimalstellen?|mínim[oa]s?|"
    r"óptimos?",
    re.I,
)
_KOREAN_MINIMUM = re.compile(r"(?:최솟값|최소값|최소점|최소(?!제곱|화)|극소(?!수))")
_GLOBAL = re.compile(r"global\w*|전역")
_LOCAL = re.compile(r"lo[ck]al\w*|locaux|지역|국소")
_ARTICLES = _set("the a an der die das des dem den le la les l el los las du")
_BLOCKERS = _NEGATIONS | _set(
    "from start starts started starting begin begins initial end ends ended lands landed landet "
    "endet startet beginnt von ab part partent départ depuis termine terminent finit desde parte "
    "salimos terminan termina acaba instead rather statt anstatt lieu vez lugar nowhere far "
    "closer than näher als loin lejos"
)
_KOREAN_BLOCKERS = ("출발", "시작", "도착", "끝", "아니", "않", "대신", "멀")
_APPROXIMATE = _set(
    "near around about approximately roughly nearly etwa ungefähr nahe nähe circa environ près "
    "proche autour cerca alrededor aproximadamente 대략 약"
)
_NEAR_AFTER = _set("close closer near nearby next nahe nähe neben près proche cerca junto")
_GLUE = re.compile(
    r"[\s,]*(?:(?:and|und|et|y|e|or|oder|ou|o|sowie|과|와|및|또는|이나)[\s,]*)?", re.I
)


@dataclass(frozen=True)
class _Point:
    start: int
    end: int
    value: tuple[float, float]
    written: str


def _number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", "."))


def _points(sentence: str) -> list[_Point]:
    out = []
    for m in _POINT.finditer(sentence):
        a, b = next((m[x], m[y]) for x, y in ("ab", "cd", "ef") if m[x] is not None)
        prefix = _SYMBOLIC_PREFIX.search(sentence[max(0, m.start() - 40) : m.start()])
        start = m.start() - (len(prefix.group()) if prefix else 0)
        written = _collapse(m.group().replace("$", ""))
        out.append(_Point(start, m.end(), (_number(a), _number(b)), written))
    return out


def _lists(sentence: str, points: list[_Point]) -> list[list[_Point]]:
    groups: list[list[_Point]] = []
    for p in points:
        between = re.sub(r"[$*_\\]", " ", sentence[groups[-1][-1].end : p.start] if groups else "")
        while re.search(r"\([^()]*\)", between):
            between = re.sub(r"\([^()]*\)", " ", between)
        if groups and _GLUE.fullmatch(between):
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def _phrases(sentence: str) -> list[tuple[int, int, Scope]]:
    """Minimum words, widened to an adjacent scope word, with their scope."""
    words = list(_WORD.finditer(sentence))
    out: list[tuple[int, int, Scope]] = []
    for i, w in enumerate(words):
        if not (_MINIMUM.fullmatch(w.group()) or _KOREAN_MINIMUM.match(w.group())):
            continue
        start, end = w.start(), w.end()
        scope: Scope = "local" if w.group().startswith("극소") else "any"
        for j in (i - 1, i + 1):
            lo, hi = sorted((j, i))
            if scope != "any" or not 0 <= j < len(words):
                continue
            if not re.fullmatch(r"[\s*_\-]*", sentence[words[lo].end() : words[hi].start()]):
                continue  # not adjacent
            other = words[j].group().lower()
            if _GLOBAL.fullmatch(other) or _LOCAL.fullmatch(other):
                scope = "global" if _GLOBAL.fullmatch(other) else "local"
                start, end = min(start, words[j].start()), max(end, words[j].end())
        out.append((start, end, scope))
    return out


def _gap(text: str) -> tuple[int, bool] | None:
    """(words, approximate) between a minimum word and a point list; None if it is no claim."""
    words = [w for w in _words(text) if w not in _ARTICLES]
    blocked = bool(set(words) & _BLOCKERS) or any(k in text for k in _KOREAN_BLOCKERS)
    if blocked or len(words) > 4 or _POINT.search(text) or re.search(r"[;.!?]\s", text):
        return None
    approximate = bool(set(words) & _APPROXIMATE) or any(k in text for k in ("근처", "부근"))
    return len(words), approximate or "approx" in text or "≈" in text


def _minima_in(sentence: str, section: str) -> list[tuple[int, Statement]]:
    phrases = _phrases(sentence)
    found = []
    for group in _lists(sentence, _points(sentence)):
        best: tuple[int, int, int, Scope, bool] | None = None
        for start, end, scope in phrases:
            before = end <= group[0].start
            if not before and start < group[-1].end:
                continue
            between = sentence[end : group[0].start] if before else sentence[group[-1].end : start]
            if not before and set(_words(between)) & _NEAR_AFTER:
                continue  # "ends at (0.98, -0.5), close to the minimum": near it, not it
            gap = _gap(between)
            if gap is not None and (best is None or gap[0] < best[0]):
                tail = sentence[group[-1].end : group[-1].end + 12] if before else ""
                best = (gap[0], start, end, scope, gap[1] or "근처" in tail or "부근" in tail)
        if best is None:
            continue
        _, start, end, scope, approx = best
        for p in group:
            quote = _collapse(sentence[min(start, p.start) : max(end, p.end)])
            statement = Statement(
                "minimum", quote, False, p.value, p.written, scope, section, approx
            )
            found.append((p.start, statement))
    return found


def find_statements(prose: Sequence[tuple[str, str]]) -> list[Statement]:
    """The convexity and minimum statements in ``prose``: (text, section) pairs in reading
    order (a paragraph, a markdown cell or a whole file each). The module says how."""
    out: list[Statement] = []
    for sentence, section in _sentences(prose):
        found = _convexity_in(sentence, section) + _minima_in(sentence, section)
        out.extend(s for _, s in sorted(found, key=lambda pair: pair[0]))
    return out
