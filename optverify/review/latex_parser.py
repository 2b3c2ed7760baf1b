"""The recursive-descent half of the LaTeX → SymPy translator (see :mod:`optverify.review.latex`).

:func:`parse` turns the tokens of one side of an equation into a SymPy expression, node by
node (no text is evaluated), recording every symbol as an :class:`~optverify.review.latex.Atom`
and every gradient as written. Constructs it does not read raise
:class:`~optverify.review.latex.LatexError` naming them.
"""

from __future__ import annotations

import re

import sympy as sp

from optverify.review.latex import EQUALS, GRAD, NAMED, Atom, LatexError, Parsed, Token, words

__all__ = ["GREEK", "parse"]

GREEK = words(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi rho varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda "
    "Xi Sigma Phi Psi Omega"
)
_CANONICAL = {
    "varepsilon": "epsilon",
    "eps": "epsilon",
    "vartheta": "theta",
    "varrho": "rho",
    "varphi": "phi",
}
_WRAPPERS = words("mathbf boldsymbol bm vec mathcal mathbb pmb mathsf mathscr")
_HATS = frozenset(("hat", "widehat"))
_DECORATIONS = frozenset(("bar", "tilde", "overline", "widetilde", "dot"))
_FRACS = frozenset(("frac", "cfrac", "dfrac", "tfrac"))
_TIMES = frozenset(("cdot", "times", "odot", "circ", "ast"))
_DIVIDES = frozenset(("div", "oslash"))
_FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "tanh": sp.tanh,
}


def parse(tokens: list[Token], latex: str) -> Parsed:
    """The SymPy expression of ``tokens`` (a slice of ``latex``'s tokens)."""
    parser = _Parser(list(tokens), latex)
    expr = parser.expression()
    if parser.pos < len(parser.tokens):
        raise LatexError(f"could not parse `{parser.describe(parser.tokens[parser.pos])}`")
    return Parsed(expr, parser.atoms, parser.gradients)


class _Parser:
    """Recursive descent: expression → term (± term)*, term → factor (×|/|juxtaposed
    factor)*, factor → ±factor | primary (^ superscript)?"""

    def __init__(self, tokens: list[Token], latex: str) -> None:
        self.tokens = tokens
        self.latex = latex
        self.pos = 0
        self.atoms: dict[str, Atom] = {}
        self.gradients: list[tuple[str, str]] = []
        self.depth = 0

    # --- token helpers ---------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise LatexError("could not parse: the formula ends too early")
        self.pos += 1
        return token

    def is_op(self, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token is not None and token.kind == "op" and token.text == text

    def expect_close(self, opener: str) -> None:
        token = self.next()
        if token.kind != "op" or token.text not in ")]}":
            raise LatexError(
                f"could not parse `{self.describe(token)}` (expected a closing "
                f"bracket for `{opener}`)"
            )

    @staticmethod
    def describe(token: Token) -> str:
        if token.kind == "cmd":
            return "\\" + token.text
        if token.kind == "text":
            return f"\\text{{{token.text}}}"
        return token.text

    def source(self, start: int) -> str:
        first, last = self.tokens[start], self.tokens[self.pos - 1]
        return self.latex[first.start : last.end]

    # --- grammar ---------------------------------------------------------------------------

    def expression(self) -> sp.Expr:
        self.depth += 1
        if self.depth > 60:
            raise LatexError("could not parse: the formula is nested too deeply")
        sign = 1
        if self.is_op("-") or self.is_op("+"):
            sign = -1 if self.next().text == "-" else 1
        result = sign * self.term()
        while self.is_op("+") or self.is_op("-"):
            op = self.next().text
            term = self.term()
            result = result + term if op == "+" else result - term
        self.depth -= 1
        return result

    def term(self) -> sp.Expr:
        result = self.factor()
        while True:
            token = self.peek()
            if token is None:
                return result
            if (token.kind == "op" and token.text in "*/") or (
                token.kind == "cmd" and (token.text in _TIMES or token.text in _DIVIDES)
            ):
                self.pos += 1
                divide = token.text == "/" or token.text in _DIVIDES
                other = self.factor()
                result = result / other if divide else result * other
            elif self.starts_factor(token):
                result = result * self.factor()
            else:
                return result

    @staticmethod
    def starts_factor(token: Token) -> bool:
        if token.kind in ("letter", "number", "text"):
            return True
        if token.kind == "op":
            return token.text in "(["
        return token.text not in ("quad", "qquad") and token.text not in EQUALS

    def factor(self) -> sp.Expr:
        if self.is_op("-"):
            self.pos += 1
            return -self.factor()
        if self.is_op("+"):
            self.pos += 1
        base = self.primary()
        while self.is_op("^"):
            self.pos += 1
            base = base ** self.argument()
        return base

    def argument(self) -> sp.Expr:
        """A braced group or a single token (``\\frac12``, ``x^2``, ``\\sqrt x``)."""
        token = self.peek()
        if token is None:
            raise LatexError("could not parse: a `^`, `\\frac` or `\\sqrt` has no argument")
        if token.kind == "number" and len(token.text) > 1:
            self.tokens[self.pos] = Token("number", token.text[1:], token.start + 1, token.end)
            return sp.Integer(int(token.text[0])) if token.text[0].isdigit() else sp.Integer(0)
        if token.kind == "op" and token.text == "{":
            return self.group()
        return self.primary()

    def group(self) -> sp.Expr:
        opener = self.next().text
        expr = self.expression()
        self.expect_close(opener)
        return expr

    def primary(self) -> sp.Expr:
        token = self.peek()
        if token is None:
            raise LatexError("could not parse: the formula ends too early")
        if token.kind == "number":
            self.pos += 1
            return sp.Rational(token.text)
        if token.kind == "op" and token.text in "([{":
            return self.group()
        if token.kind == "letter":
            return self.letter()
        if token.kind == "text":
            return self.named_text()
        if token.kind == "cmd":
            return self.command(token)
        raise LatexError(f"could not parse `{self.describe(token)}`")

    def command(self, token: Token) -> sp.Expr:
        name = token.text
        if name in GREEK or name in ("eps", "epsilon"):
            return self.symbol(self.pos, _CANONICAL.get(name, name), next_pos=self.pos + 1)
        if name == "pi":
            self.pos += 1
            return sp.pi
        if name in _FRACS:
            return self.fraction()
        if name == "sqrt":
            self.pos += 1
            if self.is_op("["):
                raise LatexError("could not parse `\\sqrt[...]`")
            return sp.sqrt(self.argument())
        if name == "nabla":
            return self.nabla()
        if name in _HATS or name in _DECORATIONS:
            return self.decorated()
        if name in _WRAPPERS:
            return self.wrapped()
        if name in ("max", "min"):
            self.pos += 1
            args = self.arguments()
            return sp.Max(*args) if name == "max" else sp.Min(*args)
        if name in _FUNCTIONS:
            self.pos += 1
            return _FUNCTIONS[name](self.factor())
        raise LatexError(f"could not parse `\\{name}`")

    def arguments(self) -> list[sp.Expr]:
        if not (self.is_op("(") or self.is_op("{")):
            raise LatexError("could not parse `\\max` without parentheses")
        opener = self.next().text
        args = [self.expression()]
        while self.is_op(","):
            self.pos += 1
            args.append(self.expression())
        self.expect_close(opener)
        return args

    def fraction(self) -> sp.Expr:
        start = self.pos
        self.pos += 1
        partial = self.partial_fraction(start)
        if partial is not None:
            return partial
        numerator = self.argument()
        denominator = self.argument()
        return numerator / denominator

    def partial_fraction(self, start: int) -> sp.Expr | None:
        """``\\frac{\\partial L}{\\partial \\theta}``: the gradient at the current point."""
        first, second = self.peek(), self.peek(1)
        if not (first and second and first.text in "({" and second.text == "partial"):
            return None
        depth, i = 0, self.pos
        groups = 0
        while i < len(self.tokens) and groups < 2:
            depth += (
                {"(": 1, "{": 1, ")": -1, "}": -1}.get(self.tokens[i].text, 0)
                if self.tokens[i].kind == "op"
                else 0
            )
            i += 1
            if depth == 0:
                groups += 1
        self.pos = i
        return self.gradient_symbol(start)

    def gradient_symbol(self, start: int) -> sp.Expr:
        source = self.source(start)
        self.gradients.append((source, ""))
        atom = Atom("g", source=source, base_source="g")
        self.atoms.setdefault(atom.name, atom)
        return sp.Symbol(atom.name)

    def nabla(self) -> sp.Expr:
        start = self.pos
        self.pos += 1
        if self.is_op("^"):
            raise LatexError("could not parse `\\nabla^2` (a Hessian, not an update)")
        if self.is_op("_"):
            self.pos += 1
            self.skip_argument()
        token = self.peek()
        if token is not None and token.kind == "letter":
            self.pos += 1
        elif token is not None and token.kind == "cmd" and token.text in _WRAPPERS:
            self.pos += 1
            self.skip_argument()
        elif token is not None and token.kind == "text":
            self.pos += 1
        head = self.source(start)
        if not self.is_op("("):
            self.gradients.append((head, head))
            return self.gradient_symbol(start)
        self.pos += 1
        point = self.expression()
        depth = 0
        while self.peek() is not None and not (depth == 0 and self.is_op(")")):
            text = self.next().text
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text, 0)
        self.expect_close("(")
        self.gradients.append((self.source(start), head))
        return GRAD(point)

    def close_group(self) -> None:
        """Consume tokens through the bracket that closes the ``{`` or ``(`` just read."""
        depth = 1
        while depth:
            inner = self.next()
            if inner.kind == "op":
                depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(inner.text, 0)

    def skip_argument(self) -> None:
        token = self.next()
        if token.kind == "op" and token.text == "{":
            self.close_group()

    def letter(self) -> sp.Expr:
        start = self.pos
        token = self.next()
        run = token.text
        while (
            (nxt := self.peek())
            and nxt.kind == "letter"
            and nxt.start == self.tokens[self.pos - 1].end
        ):
            run += nxt.text
            if run in NAMED:
                self.pos += 1
                break
            if not any(name.startswith(run) for name in NAMED):
                break
            self.pos += 1
        if run in NAMED:
            return self.symbol(start, NAMED[run], next_pos=self.pos)
        self.pos = start + 1
        if token.text == "E" and self.is_op("["):
            depth, begin = 0, self.pos
            while True:
                inner = self.next()
                depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(inner.text, 0)
                if depth == 0:
                    break
            content = "".join(t.text for t in self.tokens[begin + 1 : self.pos - 1])
            return self.symbol(start, f"E[{content}]", next_pos=self.pos)
        return self.symbol(start, token.text, next_pos=self.pos)

    def named_text(self) -> sp.Expr:
        token = self.peek()
        assert token is not None
        text = token.text.replace(" ", "")
        if text in NAMED:
            return self.symbol(self.pos, NAMED[text], next_pos=self.pos + 1)
        if len(text) == 1 and text.isalpha():
            return self.symbol(self.pos, text, next_pos=self.pos + 1)
        raise LatexError(f"could not parse `{self.describe(token)}`")

    def wrapped(self) -> sp.Expr:
        start = self.pos
        self.pos += 1
        inner = self.atom_inside()
        if inner is None:
            return self.argument()
        base, index = inner
        return self.symbol(start, base, next_pos=self.pos, index=index)

    def decorated(self) -> sp.Expr:
        start = self.pos
        name = self.next().text
        braced = self.is_op("{")
        inner = self.atom_inside()
        if inner is None:
            raise LatexError(f"could not parse `\\{name}` of an expression")
        base, index = inner
        if name not in _HATS:
            return self.symbol(start, f"{name}{{{base}}}", next_pos=self.pos, index=index)
        return self.symbol(start, base, next_pos=self.pos, index=index, hat=True, braced=braced)

    def atom_inside(self) -> tuple[str, tuple[str | None, int] | None] | None:
        """The symbol inside ``\\hat{...}`` or ``\\mathbf{...}`` (a letter or Greek letter,
        maybe with its index: ``\\hat{m_t}``), or None for an expression."""
        braced = self.is_op("{")
        begin = self.pos
        if braced:
            self.pos += 1
        token = self.peek()
        if token is None:
            raise LatexError("could not parse: a decoration has no argument")
        if token.kind == "letter":
            base = token.text
        elif token.kind == "cmd" and (token.text in GREEK or token.text in ("eps", "epsilon")):
            base = _CANONICAL.get(token.text, token.text)
        elif token.kind == "cmd" and token.text in _WRAPPERS:
            self.pos += 1
            found = self.atom_inside()
            if found is None or not braced:
                self.pos = begin
                return None
            if not self.is_op("}") and not self.is_op(")"):
                self.pos = begin
                return None
            self.pos += 1
            return found
        else:
            self.pos = begin
            return None
        self.pos += 1
        if not braced:
            return base, None
        index = None
        if self.is_op("_"):
            self.pos += 1
            index = self.subscript(base)[1]
        if not (self.is_op(")") or self.is_op("}")):
            self.pos = begin
            return None
        self.pos += 1
        return base, index

    def subscript(self, base: str) -> tuple[str, tuple[str | None, int] | None]:
        """Read a subscript; returns the base (``beta`` + ``_1`` → ``beta_1``) and the time
        index, if the subscript is one."""
        start = self.pos
        token = self.next()
        if token.kind == "op" and token.text == "{":
            self.close_group()
            content = self.tokens[start + 1 : self.pos - 1]
        elif token.kind == "number" and len(token.text) > 1:
            self.tokens[self.pos - 1] = Token("number", token.text[1:], token.start + 1, token.end)
            self.pos -= 1
            content = [Token("number", token.text[0], token.start, token.start + 1)]
        else:
            content = [token]
        index = _index(content)
        greek = base in GREEK and base != "theta"
        if index is not None and index[0] is None and greek:
            return f"{base}_{index[1]}", None
        if index is None:
            text = "".join(self.describe(t) for t in content)
            return f"{base}_{{{text}}}", None
        return base, index

    def symbol(
        self,
        start: int,
        base: str,
        *,
        next_pos: int,
        index: tuple[str | None, int] | None = None,
        hat: bool = False,
        braced: bool = True,
    ) -> sp.Expr:
        self.pos = next_pos
        base_source = self.source(start)
        while self.is_op("_") or (self.is_op("^") and self.time_superscript()):
            if self.next().text == "_":
                base, found = self.subscript(base)
                index = found if found is not None else index
            else:
                index = self.superscript_index()
        source = self.source(start)
        if base == "epsilon":
            hat = False
        atom = Atom(base, hat, index, source, base_source, braced)
        self.atoms.setdefault(atom.name, atom)
        return sp.Symbol(atom.name)

    def time_superscript(self) -> bool:
        """``\\theta^{(t)}``: a superscript holding a parenthesised index."""
        first, second = self.peek(1), self.peek(2)
        return bool(first and first.text == "{" and second and second.text == "(")

    def superscript_index(self) -> tuple[str | None, int] | None:
        start = self.pos
        depth = 0
        while True:
            token = self.next()
            if token.kind == "op":
                depth += {"{": 1, "(": 1, "}": -1, ")": -1}.get(token.text, 0)
            if depth == 0:
                break
        return _index(self.tokens[start + 2 : self.pos - 2])


def _index(tokens: list[Token]) -> tuple[str | None, int] | None:
    """``t``, ``t-1``, ``n+1``, ``1`` as ``(variable, offset)``; None for anything else."""
    text = "".join(t.text for t in tokens)
    m = re.fullmatch(r"([a-zA-Z])(?:([+-])(\d+))?|(\d+)", text)
    if m is None:
        return None
    if m.group(4) is not None:
        return None, int(m.group(4))
    offset = int(m.group(3) or 0) * (-1 if m.group(2) == "-" else 1)
    return m.group(1), offset
