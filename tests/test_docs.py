"""The documentation says what the code does: tables derived from the registries, examples run.

The dialect table of ``docs/verifying-your-optimizer.md`` and the property table of
``docs/verification.md`` are compared with the records they describe, and every example file
on the page is written out and verified, with the verdict the page gives it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optverify.optim import REGISTRY
from optverify.verification.dialects import DIALECTS
from optverify.verification.framework import invariants
from optverify.verification.verify import verify

DOCS = Path(__file__).parent.parent / "docs"
PAGE = (DOCS / "verifying-your-optimizer.md").read_text()
BLOCK = re.compile(r"```python\n# (\w+\.py)\n(.*?)```", re.DOTALL)
EXAMPLES = dict(BLOCK.findall(PAGE))


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def row(*cells: str) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def dialect_table() -> str:
    """The dialect table, from :data:`DIALECTS`."""
    lines = [
        "| kind | dialect | update | how it differs from torch | reference |",
        "|---" * 5 + "|",
    ]
    lines += [row(d.kind.name, f"`{d.name}`", d.formula, d.differs, d.reference) for d in DIALECTS]
    return "\n".join(lines)


def property_table() -> str:
    """The property table, from the registered invariants."""
    every = len(REGISTRY.records())
    lines = ["| property | statement | applies to |", "|---|---|---|"]
    for p in invariants():
        kinds = [k.name for k in p.kinds]
        applies = "all" if len(kinds) == every else ", ".join(sorted(kinds))
        lines.append(row(f"`{p.name}`", p.statement, applies))
    return "\n".join(lines)


TABLES = {
    (DOCS / "verifying-your-optimizer.md", "dialects"): dialect_table,
    (DOCS / "verification.md", "properties"): property_table,
}
"""Each generated table: the page, the name of its marked section, and its generator."""


def section(path: Path, name: str) -> tuple[str, str, str]:
    """(before, table, after) around ``<!-- NAME: ... -->`` and ``<!-- /NAME -->``."""
    text = path.read_text()
    head, _, rest = text.partition(f"<!-- {name}:")
    marker, _, rest = rest.partition("-->\n")
    table, _, tail = rest.partition(f"<!-- /{name} -->")
    return f"{head}<!-- {name}:{marker}-->\n", table.strip(), f"<!-- /{name} -->{tail}"


@pytest.mark.parametrize(("path", "name"), list(TABLES), ids=[n for _, n in TABLES])
def test_each_generated_table_says_what_the_code_defines(path: Path, name: str) -> None:
    _, table, _ = section(path, name)
    assert table == TABLES[path, name](), f"regenerate it: python {__file__}"


if __name__ == "__main__":  # regenerate the tables
    for (path, name), generate in TABLES.items():
        before, _, after = section(path, name)
        path.write_text(f"{before}{generate()}\n{after}")


SHAPES = [
    # file, attribute, kind, verdict, rule, module it needs
    ("functional_momentum.py", "momentum", "momentum", "correct", "torch", None),
    ("stateful_adam.py", "Adam", "adam", "correct", "torch", None),
    ("cs231n_optim.py", "sgd_momentum", "momentum", "correct", "torch", None),
    ("step_rmsprop.py", "rmsprop_step", "rmsprop", "correct", "torch", None),
    ("tutorial_rmsprop.py", "rmsprop", "rmsprop", "correct", "torch", None),
    ("torch_sgd.py", "PlainSGD", "sgd", "correct", "torch", "torch"),
    ("optax_adam.py", "clipped_adam", "adam", "correct", "torch", "optax"),
]


def test_the_page_has_one_example_per_shape() -> None:
    assert sorted(EXAMPLES) == sorted(row[0] for row in SHAPES)


@pytest.mark.parametrize(
    ("file", "attribute", "kind", "verdict", "rule", "needs"),
    [pytest.param(*row, id=row[0], marks=[pytest.mark.slow] if row[5] else []) for row in SHAPES],
)
def test_each_example_on_the_page_gets_the_verdict_the_page_gives_it(
    tmp_path: Path, file: str, attribute: str, kind: str, verdict: str, rule: str,
    needs: str | None,
) -> None:  # fmt: skip
    if needs is not None:
        pytest.importorskip(needs)
    (tmp_path / file).write_text(EXAMPLES[file])
    report = verify(f"{tmp_path / file}:{attribute}", kind, profile="quick", shrink=False)
    assert (report.verdict, report.rule) == (verdict, rule), report.summary()
