"""The seed's ledger: what the post claims and shows, as checks computed at run time.

Each :class:`Claim` quotes the post (or its code), states the claim in English, and gets a
verdict from a check that runs now: ``holds``, ``refuted``, ``holds only under a condition``
or ``measured``, with the evidence the check produced. Nothing in a verdict is typed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optverify.optim.adam import ADAM
from optverify.optim.run import run
from optverify.optim.sgd import SGD
from optverify.seed import specimens
from optverify.seed.adam import SEED_ADAM
from optverify.serialize import jsonable
from optverify.symbolic import surfaces

__all__ = ["Claim", "ledger", "to_markdown"]


@dataclass(frozen=True)
class Claim:
    """One claim of the post, its verdict and the evidence behind it."""

    id: str
    quote: str
    statement: str
    verdict: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "quote": self.quote,
            "statement": self.statement,
            "verdict": self.verdict,
            "summary": self.summary,
            "evidence": jsonable(self.evidence),
        }


SEED = "seed"


def _gradient_claim(profile: str) -> Claim:
    from optverify.symbolic.audit import audit_gradient

    audit = audit_gradient(surfaces.get(SEED), specimens.df)
    findings = audit.findings()
    return Claim(
        "df-is-the-gradient",
        "def df(x, y): dx = 0.8*x*y**2 + 0.6*y + 0.6*x - 0.5*y + 0.31*y - 0.2; "
        "dy = 0.8*x**2*y + 0.6*x**2 + 0.6*y - 0.5*x*y + 0.31*x + 2.1",
        "The hand-written df is the gradient of f.",
        "holds" if audit.correct else "refuted",
        f"{len(findings)} wrong terms, found by an exact symbolic audit: " + "; ".join(findings),
        {
            "wrong_terms": findings,
            "difference": {c.component: str(c.difference) for c in audit.components},
        },
    )


def _convex_claim(profile: str) -> Claim:
    from optverify.symbolic.analysis import convexity

    report = convexity(surfaces.get(SEED), specimens.PLOT_WINDOW)
    return Claim(
        "surface-is-convex",
        "우리가 헤멜 Convex 지형이다. (This is the convex terrain we will wander.)",
        "The surface is convex.",
        "holds" if report.convex else "refuted",
        report.summary() + ("" if report.convex else " (checked in exact arithmetic)"),
        {
            "window": list(report.window),
            "witness": report.witness,
            "hessian_at_witness": report.witness_hessian,
            "min_eigenvalue": report.min_eigenvalue,
        },
    )


def _window_claim(profile: str) -> Claim:
    from optverify.symbolic.analysis import critical_points

    window = specimens.PLOT_WINDOW
    points = critical_points(surfaces.get(SEED), window)
    minima = [c for c in points if c.kind == "minimum"]
    lowest = min(minima, key=lambda c: c.value)
    inside = window.contains(lowest.point)
    return Claim(
        "window-contains-the-minimum",
        "가장 작은 원이 최소값을 갖는 지점이므로 optimizer가 저 원을 콕 찍으면 된다. (The smallest "
        "circle is where the minimum is, so the optimizer just has to hit it.) The plot spans "
        "x = np.arange(-1, 2, 0.01), y = np.arange(-2, 1, 0.01).",
        f"The plotted window {window} contains the minimum.",
        "holds" if inside else "refuted",
        f"the surface has {len(points)} critical point(s), found symbolically; the global "
        f"minimum is at ({lowest.point[0]:.5f}, {lowest.point[1]:.5f}) with f = "
        f"{lowest.value:.5f}, {'inside' if inside else 'outside'} {window}",
        {
            "critical_points": [
                {"point": list(c.point), "value": c.value, "kind": c.kind} for c in points
            ],
            "window": list(window),
        },
    )


def _contour_claim(profile: str) -> Claim:
    X, Y, Z = specimens.plotted_contour()  # noqa: N806
    seed = surfaces.get(SEED)
    x = np.arange(-1, 2, 0.01)
    y = np.arange(-2, 1, 0.01)
    true = seed.value(np.stack(np.meshgrid(x, y), axis=-1))
    radial = np.allclose(Z, np.hypot(X, Y))
    correlation = float(np.corrcoef(Z.ravel(), true.ravel())[0, 1])
    shows = not radial and correlation > 0.99
    return Claim(
        "contour-shows-the-surface",
        "X, Y = np.meshgrid(x, f(x, y)); Z = np.sqrt(X**2 + Y**2); plt.contour(X, Y, Z, 25)",
        "The contour plot shows the surface f.",
        "holds" if shows else "refuted",
        f"the plot contours sqrt(X^2 + Y^2), circles about the origin, over a grid whose "
        f"vertical axis holds f along the diagonal (x_i, y_i), from {Y.min():.3f} to "
        f"{Y.max():.3f}, not y in [-2, 1); on the same grid the plotted values and f have "
        f"correlation {correlation:.3f}",
        {
            "plotted_is_radial": bool(radial),
            "plotted_vertical_axis_range": [float(Y.min()), float(Y.max())],
            "correlation_with_f": correlation,
        },
    )


def _fades_claim(profile: str) -> Claim:
    checkpoints = (1, 10, 100, 1000, 5000)
    c = np.array([1.0, 1.0])

    def factors(optimizer: Any) -> list[float]:
        """The step divided by the uncorrected step -lr*m_t/sqrt(v_t), at the checkpoints."""
        params, state, seen = np.zeros(2), optimizer.init(np.zeros(2)), []
        m = v = 0.0
        for t in range(1, checkpoints[-1] + 1):
            updates, state = optimizer.update(c, state, params)
            params = params + updates
            m, v = 0.9 * m + 0.1, 0.999 * v + 0.001
            if t in checkpoints:
                seen.append(float(updates[0] / (-0.05 * m / math.sqrt(v))))
        return seen

    post = factors(SEED_ADAM.build(lr=0.05, gradient="given"))
    correct = factors(ADAM.build(lr=0.05, eps=0.0))

    def show(values: list[float]) -> str:
        return ", ".join(f"{v:.4f}" for v in values)

    return Claim(
        "bias-correction-fades",
        "조금 생각해보면 학습을 거듭할 수록 m̂과 v̂은 m과 v에 점점 가까워져서 "
        "(as training goes on, m̂ and v̂ get closer and closer to m and v); "
        "the code: t = 0 ... t += 1 inside adam()",
        "The code's bias correction fades as training proceeds.",
        "refuted",
        f"with a constant gradient, the step divided by the uncorrected step -lr*m_t/sqrt(v_t) "
        f"is the correction sqrt(1 - b2^t)/(1 - b1^t); at steps {list(checkpoints)} Adam's is "
        f"{show(correct)} (tending to 1), the post's stays {show(post)}: t = 0 at the top of "
        f"adam() resets the counter on every call, so the first step's correction is used "
        f"forever",
        {"steps": list(checkpoints), "post_factor": post, "adam_factor": correct},
    )


def _epsilon_claim(profile: str) -> Claim:
    g = np.array([1e-9, -1e-9])
    post_adam = SEED_ADAM.build(lr=0.05, gradient="given")
    updates, _ = post_adam.update(g, post_adam.init(np.zeros(2)), np.zeros(2))
    adam = ADAM.build(lr=0.05)
    correct, _ = adam.update(g, adam.init(np.zeros(2)), np.zeros(2))
    uphill = bool(np.all(updates * g > 0))
    return Claim(
        "epsilon-guards-the-division",
        "x = x - lr * hat_mx / (np.sqrt(hat_vx)- 1e-8)",
        "The 1e-8 guards the division against a zero denominator.",
        "refuted" if uphill else "holds",
        f"the code subtracts it: for a gradient {g[0]:g} the denominator is {1e-9:g} - 1e-8 "
        f"< 0, and the first step is {updates[0]:.4g} in x, uphill; Adam's +eps gives "
        f"{correct[0]:.4g}. At |g| = 1e-8 exactly the code divides by zero",
        {"gradient": g, "post_step": updates, "adam_step": correct},
    )


def _printed_rule_claim(profile: str) -> Claim:
    def printed(m_hat: float, v_hat: float, lr: float = 1.0) -> float:
        with np.errstate(all="ignore"):
            return float(-lr * (1 / np.sqrt(m_hat)) * v_hat)

    def adams(m_hat: float, v_hat: float, lr: float = 1.0, eps: float = 1e-8) -> float:
        return -lr * m_hat / (math.sqrt(v_hat) + eps)

    negative = printed(-0.5, 0.25)
    one, ten = printed(1.0, 1.0), printed(10.0, 100.0)
    return Claim(
        "printed-update-rule-is-adams",
        r"\theta_{n+1}=\theta_{n}-\alpha\cfrac{1}{\sqrt{\hat{m_n}}}\odot\hat{v}",
        "The printed update rule is Adam's.",
        "refuted",
        f"m and v are swapped: the printed rule takes the root of m_hat, which is negative "
        f"whenever the gradients are (m_hat = -0.5, v_hat = 0.25 gives {negative}), and scales "
        f"the step by c^1.5 when gradients scale by c ({one:g} -> {ten:.4g} for c = 10) where "
        f"Adam's step is unchanged ({adams(1.0, 1.0):.4g} -> {adams(10.0, 100.0):.4g})",
        {"printed_at_negative_m": negative, "printed_scaled": [one, ten]},
    )


def _exponent_claim(profile: str) -> Claim:
    b1 = 0.9
    # The post's indexing: m_1 = 0, m_n = b1*m_(n-1) + (1 - b1)*g for n >= 2.
    rows = []
    m = 0.0
    for n in range(2, 6):
        m = b1 * m + (1 - b1) * 1.0
        rows.append(
            {"n": n, "m_hat_printed": m / (1 - b1 ** (n + 1)), "unbiased": m / (1 - b1 ** (n - 1))}
        )
    return Claim(
        "printed-bias-correction-exponent",
        r"m_n = \beta_1 m_{n-1} + (1-\beta_1)\nabla f(\theta_n),\ m_1 = 0;\quad "
        r"\hat{m}_n = m_n / (1 - \beta_1^{n+1})",
        "The printed bias correction 1 - beta1^(n+1) makes m_hat unbiased.",
        "refuted",
        f"with m_1 = 0 and a constant gradient g, m_n = (1 - b1^(n-1)) g, so the unbiased "
        f"correction is 1 - b1^(n-1); the printed n + 1 gives m_hat_2 = "
        f"{rows[0]['m_hat_printed']:.4f} g instead of g (and the code uses 1 - b1^1 always)",
        {"constant_gradient_rows": rows},
    )


def _sgd_claim(profile: str) -> Claim:
    from optverify.verification.framework import Subject, by_name
    from optverify.verification.verify import check_property

    subject = Subject.of(ADAM.factory(), ADAM)
    refuted = check_property(by_name("adam-is-sgd"), subject, profile)
    holds = check_property(by_name("adam-with-large-eps-is-momentum-sgd"), subject, profile)
    return Claim(
        "adam-eventually-looks-like-sgd",
        "결국에는 SGD와 생김새가 비슷해진다. (In the end it comes to look like SGD.)",
        "Adam eventually looks like SGD.",
        "holds only under a condition",
        f"once the bias correction fades Adam's step is -lr*m_t/(sqrt(v_t) + eps), still "
        f"divided by the gradient's scale; it is SGD-like only when eps >> sqrt(v_hat) "
        f"(lr = eta*eps gives -eta*m_hat: {holds.status} on {holds.examples} examples). In "
        f"general it is not: {refuted.explanation}",
        {
            "counterexample": refuted.counterexample,
            "condition_property": holds.name,
            "condition_status": holds.status,
        },
    )


def _lr_claim(profile: str) -> Claim:
    seed = surfaces.get(SEED)
    target = min(m.value for m in seed.minima or ())
    rates = np.logspace(-4, 1, 51)
    finals: dict[str, list[float]] = {}
    for record in (SGD, ADAM):
        losses = []
        for lr in rates:
            trajectory = run(
                record.build(lr=float(lr)), seed, specimens.START, specimens.STEPS, record="final"
            )
            loss = float(trajectory.final_losses)
            losses.append(loss if trajectory.diverged_at < 0 and math.isfinite(loss) else math.inf)
        finals[record.name] = losses

    def best(name: str) -> tuple[float, float]:
        index = int(np.argmin(finals[name]))
        return float(rates[index]), finals[name][index]

    def first_within(name: str, gap: float) -> float | None:
        for lr, loss in zip(rates, finals[name], strict=True):
            if loss - target < gap:
                return float(lr)
        return None

    sgd_lr, sgd_loss = best(SGD.name)
    adam_lr, adam_loss = best(ADAM.name)
    sgd_ok, adam_ok = first_within(SGD.name, 1e-2), first_within(ADAM.name, 1e-2)
    return Claim(
        "adam-needs-a-higher-learning-rate",
        "이 과제에서 기본 세팅으로는 SGD보다 수렴이 더 어려웠고 "
        "알고리즘이 높은 학습률을 요구하는 것처럼 보인다. "
        "(On this task, with default settings, Adam converged with more difficulty than SGD "
        "and seems to require a higher learning rate.)",
        f"Adam needs a higher learning rate than SGD here ({specimens.STEPS} steps from "
        f"{specimens.START}).",
        "measured",
        f"a sweep of 51 learning rates from 1e-4 to 10, {specimens.STEPS} steps from the "
        f"post's start on the true gradient: SGD first gets within 0.01 of the minimum value "
        f"at lr = {sgd_ok if sgd_ok is None else f'{sgd_ok:.3g}'}, Adam at lr = "
        f"{adam_ok if adam_ok is None else f'{adam_ok:.3g}'}; best final losses "
        f"{sgd_loss:.5f} (SGD, lr {sgd_lr:.3g}) and {adam_loss:.5f} (Adam, lr {adam_lr:.3g}), "
        f"minimum {target:.5f}. Adam's steps are about lr long whatever the gradient, and the "
        f"minimum is 10 units away: at the post's lr = 0.05 it cannot arrive in "
        f"{specimens.STEPS} steps",
        {
            "learning_rates": rates,
            "final_loss": finals,
            "minimum": target,
            "first_lr_within_0.01": {SGD.name: sgd_ok, ADAM.name: adam_ok},
        },
    )


def _paper_bound_claim(profile: str) -> Claim:
    from optverify.verification.framework import Subject, by_name
    from optverify.verification.invariants.adam_family import adam_bound
    from optverify.verification.verify import check_property

    subject = Subject.of(ADAM.factory(), ADAM)
    result = check_property(by_name("adam-paper-step-bound"), subject, profile)
    b1, b2 = 0.9, 0.999
    t = 1000
    paper = (1 - b1) / math.sqrt(1 - b2)
    return Claim(
        "adam-paper-step-bound",
        "Kingma & Ba (2015), section 2.1: |Δ_t| <= α(1 - β1)/sqrt(1 - β2) if (1 - β1) > "
        "sqrt(1 - β2), and |Δ_t| <= α otherwise.",
        "Adam's step obeys the paper's bound.",
        "refuted" if result.status == "refuted" else f"not refuted in {result.examples} examples",
        f"A counterexample: {result.explanation} At the default betas the exact bound "
        f"(Cauchy-Schwarz, eps = 0) at t = {t} is {adam_bound(t, b1, b2):.4g} lr, above the "
        f"paper's {paper:.4g} lr, attained by gradients growing like (b1/b2)^j",
        {"counterexample": result.counterexample, "exact_bound_t1000": adam_bound(t, b1, b2)},
    )


CHECKS: tuple[Callable[[str], Claim], ...] = (
    _gradient_claim,
    _convex_claim,
    _window_claim,
    _contour_claim,
    _fades_claim,
    _epsilon_claim,
    _printed_rule_claim,
    _exponent_claim,
    _sgd_claim,
    _lr_claim,
    _paper_bound_claim,
)


def ledger(profile: str = "ci", on_claim: Callable[[Claim], None] | None = None) -> list[Claim]:
    """Check every claim now; ``on_claim`` is called after each (for progress)."""
    claims = []
    for check in CHECKS:
        claim = check(profile)
        claims.append(claim)
        if on_claim is not None:
            on_claim(claim)
    return claims


def to_markdown(claims: list[Claim]) -> str:
    """The findings page: a table of verdicts, then each claim with its evidence."""
    lines = [
        "# What the seed post claims, checked",
        "",
        "Generated by `optverify claims --format markdown`; every verdict below was computed "
        "when the page was made.",
        "",
        "| claim | verdict |",
        "|---|---|",
    ]
    lines += [f"| {c.statement} | **{c.verdict}** |" for c in claims]
    for c in claims:
        lines += [
            "",
            f"## {c.statement}",
            "",
            f"> {c.quote}",
            "",
            f"**{c.verdict}**: {c.summary.rstrip('.')}.",
        ]
    return "\n".join(lines) + "\n"
