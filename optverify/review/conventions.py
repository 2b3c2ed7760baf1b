"""The reference update rules a displayed formula is compared with, and their known mistakes.

Every equation of a display is rewritten in *canonical symbols* (see
:func:`optverify.review.formulas.check_formulas` for the mapping from the author's letters):

* ``TH0``/``TH1``: the parameter before / after the step (θ, w, x, W, p);
* ``G``: the gradient at the current point (``g_t``, ``\\nabla f(\\theta_t)``,
  ``\\nabla_\\theta J(\\theta)``); a gradient at any other point stays ``grad(point)``;
* ``S0``/``S1``: the single state of a one-state recurrence (velocity, buffer, moment, sum of
  squares), old / new; ``M1``, ``V1``, ``MH``, ``VH``: the first and second moment and their
  bias-corrected forms in equations that use both;
* ``EPS``: ε, ``\\varepsilon``, δ;
* the *free slots* ``LR``, ``D`` (a decay ρ/α/γ), ``MU``, ``WD``, ``B1``, ``B2``: the author's
  remaining scalars are assigned to them by trying every injective assignment (β₁ never goes to
  ``B2`` nor β₂ to ``B1``), so ``\\alpha`` may be a learning rate in one post and RMSprop's decay
  in the next.

A :class:`Reference` is one legitimate form (torch's rule, or a known equivalent or dialect);
:func:`mistakes` derives the planted mistakes people make from it (swapped moments, missing
root, wrong sign, ε subtracted, wrong bias-correction exponent, ``(1-β)^t``). Limits: numbers in
place of hyperparameters (``0.9 v + 0.1 g^2``) are not matched to slots; element-wise products
are ordinary products.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from optverify.optim.adam import ADAM, ADAMW
from optverify.optim.adaptive import ADAGRAD, RMSPROP
from optverify.optim.sgd import MOMENTUM, NESTEROV, SGD
from optverify.review.latex import GRAD

__all__ = [
    "CANONICAL",
    "EPS",
    "FREE_SLOTS",
    "REFERENCES",
    "G",
    "Mistake",
    "Reference",
    "bias_reference",
    "mistakes",
]

TH0, TH1, G, EPS = sp.symbols("TH0 TH1 G EPS", positive=True)
S0, S1, M1, V1, MH, VH = sp.symbols("S0 S1 M1 V1 MH VH", positive=True)
LR, D, MU, WD, B1, B2 = sp.symbols("LR D MU WD B1 B2", positive=True)
FREE_SLOTS = (LR, D, MU, WD, B1, B2)
CANONICAL = {s.name: s for s in (TH0, TH1, G, EPS, S0, S1, M1, V1, MH, VH)}
"""The canonical symbols by name (the free slots are in :data:`FREE_SLOTS`)."""


@dataclass(frozen=True)
class Reference:
    """A legitimate form of one equation: ``lhs`` role (``param``, ``state``, ``MH``, ``VH``),
    the right-hand side in canonical symbols, the optimizer family, the verdict when it
    matches (``holds`` or ``variant``), the dialect name for variants, the velocity sign
    convention it sets or needs (``minus``: v = μv - ηg, θ + v; ``plus``: v = μv + ηg, θ - v;
    ``buffer``: torch's b = μb + g), and a phrase naming it."""

    role: str
    rhs: sp.Expr
    family: str
    name: str
    verdict: str = "holds"
    dialect: str = ""
    convention: str = ""


@dataclass(frozen=True)
class Mistake:
    """A wrong form derived from a reference, and the diagnosis of it."""

    rhs: sp.Expr
    diagnosis: str


def _refs() -> tuple[Reference, ...]:
    adam = -LR * MH / (sp.sqrt(VH) + EPS)
    root = -LR * G / (sp.sqrt(S1) + EPS)
    return (
        Reference("param", TH0 - LR * G, SGD.name, "plain gradient descent"),
        Reference("param", TH0 + adam, ADAM.name, "Adam's step"),
        Reference(
            "param",
            TH0 - LR * MH / sp.sqrt(VH + EPS),
            ADAM.name,
            "Adam's step with ε inside the root",
            "variant",
            "eps-inside-sqrt",
        ),
        Reference("param", TH0 - LR * WD * TH0 + adam, ADAMW.name, "AdamW's decoupled decay"),
        Reference("param", TH0 + root, RMSPROP.name, "RMSprop's / AdaGrad's step"),
        Reference(
            "param",
            TH0 - LR * G / sp.sqrt(S1 + EPS),
            RMSPROP.name,
            "RMSprop's / AdaGrad's step with ε inside the root",
            "variant",
            "eps-inside-sqrt",
        ),
        Reference(
            "param", TH0 - LR * S1, MOMENTUM.name, "torch's momentum step", convention="buffer"
        ),
        Reference(
            "param",
            TH0 - LR * (G + MU * S1),
            NESTEROV.name,
            "torch's Nesterov step",
            convention="buffer",
        ),
        Reference("param", TH0 + S1, MOMENTUM.name, "the velocity step θ + v", convention="minus"),
        Reference("param", TH0 - S1, MOMENTUM.name, "the velocity step θ - v", convention="plus"),
        Reference("state", B1 * S0 + (1 - B1) * G, ADAM.name, "Adam's first moment"),
        Reference("state", B2 * S0 + (1 - B2) * G**2, ADAM.name, "Adam's second moment"),
        Reference("state", D * S0 + (1 - D) * G**2, RMSPROP.name, "RMSprop's mean square"),
        Reference("state", S0 + G**2, ADAGRAD.name, "AdaGrad's sum of squares"),
        Reference(
            "state", MU * S0 + G, MOMENTUM.name, "torch's momentum buffer", convention="buffer"
        ),
        Reference(
            "state",
            MU * S0 - LR * G,
            MOMENTUM.name,
            "the CS231n velocity μv - ηg",
            convention="minus",
        ),
        Reference(
            "state", MU * S0 + LR * G, MOMENTUM.name, "the velocity μv + ηg", convention="plus"
        ),
        Reference(
            "state",
            MU * S0 - LR * GRAD(TH0 + MU * S0),
            NESTEROV.name,
            "Sutskever's Nesterov velocity",
            convention="minus",
        ),
        Reference(
            "state",
            MU * S0 + LR * GRAD(TH0 - MU * S0),
            NESTEROV.name,
            "Sutskever's Nesterov velocity (sign-flipped)",
            convention="plus",
        ),
        Reference(
            "state",
            MU * S0 + (1 - MU) * G,
            MOMENTUM.name,
            "momentum as a moving average",
            "variant",
            "ema",
            "buffer",
        ),
    )


REFERENCES = _refs()
"""Every reference form, in the order they are tried."""


def bias_reference(hat: sp.Symbol, exponent: sp.Expr) -> Reference:
    """Adam's bias correction ``m̂ = m / (1 - β₁^e)`` (or ``v̂`` with β₂) for the exponent
    ``e`` the stated initial index makes right (see :func:`~optverify.review.formulas`)."""
    moment, beta = (M1, B1) if hat == MH else (V1, B2)
    return Reference(hat.name, moment / (1 - beta**exponent), ADAM.name, "Adam's bias correction")


def _swap_moments(expr: sp.Expr) -> sp.Expr:
    return expr.xreplace({MH: VH, VH: MH})


def _drop_root(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda e: e.is_Pow and e.exp == sp.Rational(1, 2), lambda e: e.base)


def mistakes(ref: Reference, index: sp.Symbol | None, exponent: sp.Expr | None) -> list[Mistake]:
    """The known wrong forms of ``ref``, each with its diagnosis. ``exponent`` is the right
    bias-correction exponent and ``index`` the step symbol (for bias references only)."""
    rhs = ref.rhs
    found: list[Mistake] = []
    if ref.role == "param":
        step = rhs - TH0
        found.append(Mistake(TH0 - step, "wrong sign: the step is added, so it climbs"))
        if rhs.has(sp.sqrt(VH)) or rhs.has(sp.sqrt(S1)):
            found.append(Mistake(_drop_root(rhs), "missing square root in the denominator"))
        if rhs.has(EPS):
            found.append(Mistake(rhs.xreplace({EPS: -EPS}), "ε subtracted instead of added"))
        if rhs.has(MH):
            found.append(Mistake(_swap_moments(rhs), "m and v swapped"))
            found.append(Mistake(_swap_moments(_drop_root(rhs)), "m and v swapped"))
    elif ref.role == "state":
        if rhs.has(G**2):
            found.append(Mistake(rhs.xreplace({G**2: G}), "the gradient is not squared"))
        for decay in (B1, B2, D, MU):
            if rhs.has(1 - decay):
                swapped = rhs.xreplace({decay: 1 - decay})
                found.append(Mistake(swapped, "the decay weights β and 1-β are swapped"))
        if rhs.has(GRAD):
            flipped = rhs.replace(
                lambda e: isinstance(e, sp.Function) and e.func == GRAD,
                lambda e: GRAD(2 * TH0 - e.args[0]),
            )
            found.append(Mistake(flipped, "the look-ahead point has the wrong sign"))
    elif ref.role in ("MH", "VH") and index is not None and exponent is not None:
        moment, beta = (M1, B1) if ref.role == "MH" else (V1, B2)
        found.append(Mistake(moment / (1 - beta) ** exponent, "(1-β)^t instead of 1-β^t"))
        for shift in range(-2, 3):
            other = index + shift
            if sp.simplify(other - exponent) != 0:
                found.append(Mistake(moment / (1 - beta**other), "wrong bias-correction exponent"))
    return found
