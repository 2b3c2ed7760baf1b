"""The seed's gallery: every optimizer descending the post's surface from the post's start.

One animation per optimizer record that has gallery settings, all of them racing, and the
seed's own specs shipped beside this module (``seed-race.toml``, ``seed-adam-vs-adam.toml``).
"""

from __future__ import annotations

from pathlib import Path

from optverify.animation.specs import AnimationSpec, RunSpec, load_spec
from optverify.optim import REGISTRY
from optverify.seed import specimens
from optverify.symbolic import surfaces

__all__ = ["gallery_specs"]

FOLDER = Path(__file__).parent


def gallery_specs(steps: int = 200) -> dict[str, AnimationSpec]:
    """File stem -> spec: one per optimizer on the seed surface, all of them, and the seed's
    shipped specs."""
    seed = surfaces.get("seed")
    start = (specimens.START,)
    entries = [(r, r.gallery) for r in REGISTRY.records() if r.gallery is not None]
    made = {
        f"seed-{record.name}": AnimationSpec(
            (RunSpec.of(record.name, hyper),),
            start,
            steps,
            seed,
            title=f"{record.name} on the seed surface",
        )
        for record, hyper in entries
    }
    made["seed-all"] = AnimationSpec(
        tuple(RunSpec.of(record.name, hyper) for record, hyper in entries),
        start,
        steps,
        seed,
        title=f"{_count(len(entries))} optimizers on the seed surface",
        size=(720, 540),
    )
    for path in sorted(FOLDER.glob("*.toml")):
        made[path.stem] = load_spec(path)
    return made


def _count(n: int) -> str:
    words = [
        *("zero", "one", "two", "three", "four", "five", "six"),
        *("seven", "eight", "nine", "ten", "eleven", "twelve"),
    ]
    return (words[n] if n < len(words) else str(n)).capitalize()
