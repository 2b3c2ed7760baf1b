"""Check the update-rule formulas a tutorial post displays, mathematically.

Each display is split into equations (:func:`~optverify.review.latex.split_display`); each
equation ``lhs = rhs`` whose left side is a parameter (θ, w, x, W, p), a state (m, v, s, b, u,
G, r, h, ``E[g^2]``) or a bias-corrected moment (``\\hat m``, ``\\hat v``) is an update rule.
Its right side is parsed to SymPy and rewritten in the canonical symbols of
:mod:`optverify.review.conventions`:

* the left side's parameter is ``TH1``, every parameter on the right ``TH0``;
* in a state recurrence the state with the left side's letter is ``S0`` (old) unless its index
  equals the left side's (then ``S1``); in a step every state is its newest value, whatever its
  index (``θ_{n+1} = θ_n - η g_n / \\sqrt{v_n}`` uses v_n, the newest);
* ``g_t`` and a gradient at a bare parameter are ``G``; a gradient at another point (a
  look-ahead) stays ``grad(point)`` so Sutskever's Nesterov can be recognised.

The rewritten side is compared with every reference form (torch's rule and the legitimate
equivalent forms and dialects) under every assignment of the author's scalars to the free
slots: the difference must vanish at three fixed positive sample points and simplify to 0 within
a time budget. No match: the known mistakes derived from the references are tried and name the
diagnosis; none of those either: ``wrong`` ("differs from ...") when the optimizer is clear,
``unchecked`` otherwise. Without ε a form is compared with ε = 0 (and holds, saying so).

Bias correction: a moment recurrence ``m_t = β m_{t-1} + ...`` whose stated start is
``m_{i} = 0`` has summed ``t - i`` gradients at index ``t``, so the correction is
``1 - β^{t-i}``; the start is ``m_0 = 0`` (exponent ``t``) unless a display of the section states
another one. State kept across the displays of one section: the stated starts and the velocity
sign convention (v = μv - ηg needs θ + v; v = μv + ηg needs θ - v).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from optverify.budget import OutOfTime, time_limit
from optverify.optim.adam import ADAM, ADAMW, AMSGRAD
from optverify.optim.adaptive import ADAGRAD, RMSPROP
from optverify.optim.sgd import MOMENTUM, NESTEROV, SGD
from optverify.review.conventions import (
    CANONICAL,
    EPS,
    FREE_SLOTS,
    REFERENCES,
    G,
    Mistake,
    Reference,
    bias_reference,
    mistakes,
)
from optverify.review.findings import Finding
from optverify.review.latex import GRAD, Atom, LatexError, Parsed, split_display, split_sides
from optverify.review.latex_parser import parse

__all__ = ["Display", "check_formulas", "surface_definitions"]

PARAMS = frozenset(("theta", "w", "W", "x", "p"))
STATES = frozenset(("m", "v", "s", "b", "u", "G", "r", "h"))
_FAMILY_WORDS = {
    record.name: (record.name, *more)
    for record, more in (
        (ADAMW, ()),
        (ADAM, ()),
        (RMSPROP, ()),
        (ADAGRAD, ()),
        (NESTEROV, ("nag",)),
        (MOMENTUM, ("모멘텀", "impulso", "élan", "momento")),
        (SGD, ("gradient descent", "경사")),
    )
}
_KIN = {ADAM.name: (ADAM.name, AMSGRAD.name), RMSPROP.name: (RMSPROP.name, ADAGRAD.name)}
"""Code kinds whose rule can follow the same ε-inside-the-root variant as a formula's family."""
_SAMPLES = ((0.3, 0.7, 0.45), (0.55, 0.2, 0.8), (0.15, 0.6, 0.35))


@dataclass(frozen=True)
class Display:
    """A displayed formula: its LaTeX as written, the heading above it and the prose near it."""

    latex: str
    section: str = ""
    context: str = ""


@dataclass
class _Section:
    """What the displays of one section have stated so far."""

    name: str
    starts: dict[str, int] = field(default_factory=dict)
    convention: str = ""


@dataclass
class _Result:
    verdict: str
    summary: str
    fix: str = ""
    evidence: dict[str, object] = field(default_factory=dict)


def _is_state(atom: Atom) -> bool:
    return atom.base in STATES or atom.base.startswith("E[")


def _slot(atom: Atom) -> str:
    return "M" if atom.base == "m" else "V"


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """``a == b`` as functions: zero at three fixed sample points, then ``simplify`` with a
    1 s budget (numerical agreement stands if the budget runs out)."""
    diff = sp.expand(a - b)
    if diff == 0:
        return True
    grads = sorted(diff.atoms(sp.Function), key=sp.srepr)
    stand = {fn: sp.Symbol(f"grad_{i}", positive=True) for i, fn in enumerate(grads)}
    plain = diff.xreplace(stand)
    names = sorted(plain.free_symbols, key=lambda s: s.name)
    for sample in _SAMPLES:
        values = {s: sp.Float(sample[i % 3] + 0.07 * i) for i, s in enumerate(names)}
        value = complex(plain.evalf(subs=values))
        if abs(value) > 1e-9:
            return False
    try:
        with time_limit(1.0):
            return bool(sp.simplify(diff) == 0)
    except OutOfTime:
        return True


def _words(display: Display) -> list[str]:
    text = f"{display.section} {display.context}".lower()
    return [family for family, words in _FAMILY_WORDS.items() if any(w in text for w in words)]


@dataclass
class _Equation:
    role: str
    lhs: Atom
    lhs_source: str
    rhs: sp.Expr
    free: list[sp.Symbol]
    names: dict[sp.Symbol, str]
    index: sp.Symbol | None


def _canonical(lhs: Atom, lhs_source: str, parsed: Parsed) -> _Equation | None:
    """The right side in canonical symbols, or None if the equation is not an update rule."""
    if lhs.base in PARAMS and not lhs.hat:
        role = "param"
    elif lhs.hat and _is_state(lhs):
        role = "MH" if lhs.base == "m" else "VH"
    elif _is_state(lhs):
        role = "state"
    else:
        return None
    index_var = lhs.index[0] if lhs.index else None
    states = {(_slot(a), a.hat) for a in parsed.atoms.values() if _is_state(a)}
    if role == "state":
        states.add((_slot(lhs), False))
    single = role == "state" or (
        role == "param" and len(states) == 1 and not any(h for _, h in states)
    )
    subs: dict[sp.Symbol, sp.Expr] = {}
    names: dict[sp.Symbol, str] = {}
    free: list[sp.Symbol] = []
    for name, atom in parsed.atoms.items():
        sym = sp.Symbol(name)
        target: sp.Expr | None = None
        if atom.base in PARAMS and not atom.hat:
            target = CANONICAL["TH0"]
        elif atom.base == "g":
            target = G
        elif atom.base in ("epsilon", "delta"):
            target = EPS
        elif _is_state(atom):
            old = (
                role == "state"
                and atom.base == lhs.base
                and not (atom.index and lhs.index and atom.index == lhs.index)
            )
            slot = "S" if single else _slot(atom)
            if atom.hat:
                target = CANONICAL[f"{_slot(atom)}H"]
            else:
                target = CANONICAL[f"{slot}{0 if old else 1}"]
        elif index_var is not None and atom.base == index_var and atom.index is None:
            continue
        elif atom.index is None and atom.base not in PARAMS:
            free.append(sym)
        else:
            return None
        if target is not None:
            subs[sym] = target
            names.setdefault(target, atom.source)
    rhs = parsed.expr.xreplace(subs)

    def gradient(point: sp.Expr) -> sp.Expr:
        return G if point == CANONICAL["TH0"] else GRAD(point)

    rhs = rhs.replace(
        lambda e: isinstance(e, sp.Function) and e.func == GRAD, lambda e: gradient(e.args[0])
    )
    for sym in free:
        names[sym] = parsed.atoms[sym.name].source
    if parsed.gradients:
        names.setdefault(G, parsed.gradients[0][0])
    index = sp.Symbol(index_var) if index_var else None
    return _Equation(role, lhs, lhs_source, rhs, free, names, index)


def _assignments(eq: _Equation, ref: Reference) -> list[dict[sp.Symbol, sp.Symbol]]:
    slots = [s for s in FREE_SLOTS if ref.rhs.has(s)]
    if len(slots) != len(eq.free):
        return []
    found = []
    for perm in itertools.permutations(slots):
        pairs = dict(zip(perm, eq.free, strict=True))
        if any(
            (slot.name == "B2" and sym.name == "beta_1")
            or (slot.name == "B1" and sym.name == "beta_2")
            for slot, sym in pairs.items()
        ):
            continue
        found.append(pairs)
    return found


def _fix(eq: _Equation, rhs: sp.Expr, pairs: Mapping[sp.Symbol, sp.Symbol]) -> str:
    names = {**eq.names, **{slot: eq.names[sym] for slot, sym in pairs.items()}}
    defaults = {
        "EPS": "\\epsilon",
        "TH0": eq.lhs.base_source,
        "G": "g",
        "MH": "\\hat{m}",
        "VH": "\\hat{v}",
        "S1": "v",
        "S0": "v",
        "M1": "m",
        "V1": "v",
    }
    for sym in rhs.free_symbols:
        names.setdefault(sym, defaults.get(sym.name, sym.name))
    return f"{eq.lhs_source} = {sp.latex(rhs, symbol_names=names)}"


def _candidates(eq: _Equation, section: _Section, families: list[str]) -> list[Reference]:
    if eq.role in ("MH", "VH"):
        start = section.starts.get("m" if eq.role == "MH" else "v", 0)
        assert eq.index is not None
        offset = eq.lhs.index[1] if eq.lhs.index else 0
        return [bias_reference(CANONICAL[eq.role], eq.index + offset - start)]
    refs = sorted(
        (r for r in REFERENCES if r.role == eq.role), key=lambda r: r.family not in families
    )
    if "momentum" not in families:
        refs = [r for r in refs if r.verdict != "variant" or r.family != "momentum"]
    if section.convention in ("minus", "plus") and eq.role == "param":
        refs = [r for r in refs if r.convention in ("", "buffer", section.convention)]
    return refs


def _check_equation(eq: _Equation, section: _Section, families: list[str]) -> _Result:
    refs = _candidates(eq, section, families)
    no_eps = not eq.rhs.has(EPS)
    for ref in refs:
        target = ref.rhs.xreplace({EPS: 0}) if no_eps else ref.rhs
        for pairs in _assignments(eq, ref):
            if _same(eq.rhs.xreplace({v: k for k, v in pairs.items()}), target):
                if ref.convention in ("minus", "plus") and eq.role == "state":
                    section.convention = ref.convention
                note = " (written without ε)" if no_eps and ref.rhs.has(EPS) else ""
                return _Result(
                    ref.verdict,
                    f"{ref.name}{note}",
                    evidence={"family": ref.family, "dialect": ref.dialect},
                )
    for ref in refs:
        exponent = None
        if eq.role in ("MH", "VH"):
            exponent = _exponent(ref)
        for wrong in mistakes(ref, eq.index, exponent):
            target = wrong.rhs.xreplace({EPS: 0}) if no_eps else wrong.rhs
            for pairs in _assignments(eq, Reference(ref.role, wrong.rhs, ref.family, ref.name)):
                if _same(eq.rhs.xreplace({v: k for k, v in pairs.items()}), target):
                    return _wrong(eq, ref, wrong, pairs, section)
    if refs and eq.free and any(_assignments(eq, r) for r in refs):
        return _Result(
            "wrong",
            f"differs from every reference form of {eq.role} updates "
            f"({', '.join(sorted({r.name for r in refs}))})",
        )
    return _Result("unchecked", "no reference form with these hyperparameters to compare with")


def _exponent(ref: Reference) -> sp.Expr:
    power = next(iter(ref.rhs.atoms(sp.Pow) - {p for p in ref.rhs.atoms(sp.Pow) if p.exp == -1}))
    return power.exp


def _wrong(
    eq: _Equation,
    ref: Reference,
    wrong: Mistake,
    pairs: Mapping[sp.Symbol, sp.Symbol],
    section: _Section,
) -> _Result:
    fix = _fix(eq, ref.rhs, pairs)
    summary = f"{wrong.diagnosis}; {ref.name} reads {fix}"
    evidence: dict[str, object] = {"family": ref.family, "diagnosis": wrong.diagnosis}
    if eq.role in ("MH", "VH"):
        letter = "m" if eq.role == "MH" else "v"
        start = section.starts.get(letter, 0)
        evidence["stated_start"] = f"{letter}_{start} = 0" + (
            "" if letter in section.starts else " (assumed)"
        )
        summary = (
            f"{wrong.diagnosis}: with {evidence['stated_start']} the moment at index "
            f"{eq.index} has summed {sp.sstr(_exponent(ref))} gradients, so the "
            f"correction is 1 - β^({sp.sstr(_exponent(ref))})"
        )
    if eq.role == "param" and ref.convention in ("minus", "plus"):
        sign = "-" if ref.convention == "minus" else "+"
        summary += f" (the velocity of this section follows v = μv {sign} ηg)"
    return _Result("wrong", summary, fix, evidence)


def check_formulas(
    displays: Sequence[Display], code_rules: Mapping[str, str | None]
) -> list[Finding]:
    """One ``formula`` finding per display holding an update rule (see the module docstring)."""
    findings: list[Finding] = []
    section = _Section("\0")
    for display in displays:
        if display.section != section.name:
            section = _Section(display.section)
        families = _words(display)
        results: list[tuple[str, _Result]] = []
        for piece in split_display(display.latex):
            sides = split_sides(piece.tokens)
            if len(sides) != 2 or not sides[0] or not sides[1]:
                continue
            lhs_source = display.latex[sides[0][0].start : sides[0][-1].end]
            try:
                lhs_parsed = parse(sides[0], display.latex)
            except LatexError:
                continue
            if not isinstance(lhs_parsed.expr, sp.Symbol) or len(lhs_parsed.atoms) != 1:
                continue
            lhs = next(iter(lhs_parsed.atoms.values()))
            if lhs.base == "g":
                continue
            try:
                rhs_parsed = parse(sides[1], display.latex)
            except LatexError as error:
                if lhs.base in PARAMS or _is_state(lhs):
                    results.append(
                        (
                            piece.text,
                            _Result("unchecked", f"the translator cannot read it: {error}"),
                        )
                    )
                continue
            if lhs.index and lhs.index[0] is None and rhs_parsed.expr.is_Number:
                section.starts[lhs.base] = lhs.index[1]
                continue
            eq = _canonical(lhs, lhs_source, rhs_parsed)
            if eq is None or not (
                eq.rhs.free_symbols & set(CANONICAL.values()) or eq.rhs.has(GRAD)
            ):
                continue
            results.append((piece.text, _check_equation(eq, section, families)))
        if results:
            findings.append(_finding(display, results, code_rules))
    return findings


def _finding(
    display: Display, results: list[tuple[str, _Result]], code_rules: Mapping[str, str | None]
) -> Finding:
    order = ("wrong", "unchecked", "variant", "holds")
    verdict = min((r.verdict for _, r in results), key=order.index)
    parts = [f"`{text}`: {r.summary}" for text, r in results]
    fixes = [r.fix for _, r in results if r.fix]
    evidence: dict[str, object] = {
        "equations": [
            {"latex": t, "verdict": r.verdict, "summary": r.summary, **r.evidence}
            for t, r in results
        ]
    }
    summary = "; ".join(parts)
    if verdict == "variant":
        dialects = {str(r.evidence.get("dialect")) for _, r in results if r.verdict == "variant"}
        families = {str(r.evidence.get("family")) for _, r in results if r.verdict == "variant"}
        kin = {k for f in families for k in _KIN.get(f, (f,))}
        follows = [k for k in code_rules if k in kin and code_rules[k] in dialects]
        others = {k: code_rules[k] for k in code_rules if k in kin and k not in follows}
        if follows:
            summary += f"; the code's {', '.join(follows)} follows the same variant"
        elif others:
            rules = ", ".join(f"{k} follows {v or 'no known rule'}" for k, v in others.items())
            summary += f"; the code does not follow this variant ({rules})"
        else:
            summary += "; no code of this optimizer to compare with"
    return Finding("formula", display.latex, verdict, summary, evidence, "; ".join(fixes))


_SURFACE = re.compile(r"\s*([A-Za-z])\s*\(\s*([a-z](?:\s*,\s*[a-z])*)\s*\)\s*$")


def surface_definitions(displays: Sequence[Display]) -> list[tuple[str, sp.Expr]]:
    """``(latex, expr)`` for every equation ``f(x, y) = ...`` whose right side reads as an
    expression in exactly the named arguments (SymPy symbols ``x``, ``y``)."""
    found: list[tuple[str, sp.Expr]] = []
    for display in displays:
        for piece in split_display(display.latex):
            sides = split_sides(piece.tokens)
            if len(sides) != 2 or not sides[0] or not sides[1]:
                continue
            head = display.latex[sides[0][0].start : sides[0][-1].end]
            match = _SURFACE.fullmatch(head)
            if match is None:
                continue
            args = {sp.Symbol(a.strip()) for a in match.group(2).split(",")}
            try:
                expr = parse(sides[1], display.latex).expr
            except LatexError:
                continue
            if expr.free_symbols and expr.free_symbols <= args:
                found.append((piece.text, expr))
    return found
