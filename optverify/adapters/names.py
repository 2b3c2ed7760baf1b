"""Which of a user's parameters is which hyperparameter: names matched, aliases included.

Code names the same quantity many ways: ``lr``, ``learning_rate``, ``step_size``, ``eta``;
``beta1``, ``betas=(b1, b2)``; ``epsilon``, ``delta`` (Goodfellow et al.'s stabiliser, whose
learning rate is ``epsilon``); ``decay_rate`` or ``rho`` for RMSprop's smoothing. The table
below lists, for each of our names, the code names that may stand for it, most likely first;
a name that could mean two things (``alpha`` is Adam's learning rate in the paper and
RMSprop's smoothing constant in torch) is taken only where it is unambiguous for the kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from optverify.optim.records import OptimizerRecord

__all__ = ["Binding", "bind_names"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "lr": ("lr", "learning_rate", "learningrate", "step_size", "stepsize", "eta", "lr0", "rate"),
    "b1": ("b1", "beta1", "beta_1", "betas[0]", "rho1", "mom1", "beta"),
    "b2": ("b2", "beta2", "beta_2", "betas[1]", "rho2", "mom2"),
    "eps": ("eps", "epsilon", "fuzz_factor", "eps_hat", "delta"),
    "momentum": ("momentum", "mu", "gamma", "beta", "friction"),
    "dampening": ("dampening",),
    "alpha": ("alpha", "decay_rate", "rho", "decay", "gamma", "beta", "beta2"),
    "rho": ("rho", "decay_rate", "gamma", "decay", "beta"),
    "weight_decay": ("weight_decay", "wd", "weight_decay_rate", "l2", "lambda_", "lmbda", "lam"),
    "lr_decay": ("lr_decay",),
    "initial_accumulator_value": ("initial_accumulator_value", "initial_accumulator"),
    "momentum_decay": ("momentum_decay", "schedule_decay"),
    "centered": ("centered",),
    "decoupled_weight_decay": ("decoupled_weight_decay",),
    "maximize": ("maximize",),
}
"""Our name -> the code names that may mean it, most likely first."""


@dataclass(frozen=True)
class Binding:
    """Our hyperparameter names bound to the code's: ``names[ours] = (code_name, index)``,
    where ``index`` picks an item of a tuple parameter (``betas[0]``) or is ``None``."""

    names: Mapping[str, tuple[str, int | None]]

    def code_name(self, ours: str) -> str:
        """How the code spells ``ours`` (``betas[0]``)."""
        name, index = self.names[ours]
        return name if index is None else f"{name}[{index}]"

    def translate(
        self, ours: Mapping[str, object], defaults: Mapping[str, object]
    ) -> dict[str, object]:
        """Keyword arguments for the code from values in our names; a tuple parameter is
        filled from ``defaults`` (the code's own) where only one of its items is given."""
        out: dict[str, object] = {}
        for key, value in ours.items():
            name, index = self.names[key]
            if index is None:
                out[name] = value
                continue
            current = out.get(name, defaults.get(name))
            items = list(current) if isinstance(current, tuple | list) else [None, None]
            while len(items) <= index:
                items.append(None)
            items[index] = value
            out[name] = tuple(items)
        return out


def _candidates(code: Iterable[str], defaults: Mapping[str, object]) -> list[str]:
    """Code names, with ``betas`` (a pair) seen as ``betas[0]`` and ``betas[1]``."""
    out = []
    for name in code:
        value = defaults.get(name)
        if isinstance(value, tuple | list) and len(value) == 2:
            out += [f"{name}[0]", f"{name}[1]"]
        out.append(name)
    return out


def bind_names(
    code_names: Iterable[str], kind: OptimizerRecord, defaults: Mapping[str, object] | None = None
) -> Binding:
    """Bind the kind's hyperparameters to the code's parameter names.

    Exact names win, then aliases in the table's order, each code name used once. Two
    ambiguities are settled by the names present: ``epsilon`` is the learning rate when
    ``delta`` is there too and nothing else names the learning rate (Goodfellow et al.); and
    a name an earlier hyperparameter of the kind already took is not reused.
    """
    defaults = defaults or {}
    code = _candidates(code_names, defaults)
    lowered = {c.lower(): c for c in code}
    ours = [h.name for h in kind.hyperparameters]
    taken: set[str] = set()
    bound: dict[str, tuple[str, int | None]] = {}

    def take(our: str, alias: str) -> bool:
        found = lowered.get(alias)
        if found is None or found in taken:
            return False
        taken.add(found)
        if found.endswith("]"):
            base, _, rest = found.partition("[")
            bound[our] = (base, int(rest[:-1]))
            taken.add(base)
        else:
            bound[our] = (found, None)
        return True

    for our in ours:  # exact names first
        take(our, our)
    # Goodfellow, Bengio & Courville's names: epsilon the learning rate, delta the stabiliser,
    # alpha the momentum, rho (rho1, rho2) the decay rates.
    goodfellow = (
        "epsilon" in lowered
        and not any(a in lowered for a in _ALIASES["lr"])
        and any(n in lowered for n in ("delta", "rho1", "rho2", "alpha"))
    )
    if goodfellow and "lr" in ours and "lr" not in bound:
        take("lr", "epsilon")
        if "momentum" in ours and "momentum" not in bound:
            take("momentum", "alpha")
    for our in ours:
        if our in bound:
            continue
        aliases = _ALIASES.get(our, (our,))
        if our == "lr" and "alpha" not in ours:  # Adam's paper calls the learning rate alpha
            aliases = (*aliases, "alpha")
        for alias in aliases:
            if take(our, alias):
                break
    return Binding(bound)
