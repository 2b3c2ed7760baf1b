"""Reading tutorial posts into code, prose and maths blocks (``optverify.review.sources``).

Nothing here runs a post's code: each test reads a post (or a snippet) and looks at its blocks.
"""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path

import pytest

from optverify.errors import InvalidArgument
from optverify.review.sources import Block, Post, parse_post, read_post

POSTS = Path(__file__).parent / "posts"
SEED = Path(__file__).parent.parent / "optverify" / "seed" / "optimizer-3.txt"
EXPECTED = tomllib.loads((POSTS / "expected.toml").read_text(encoding="utf-8"))["post"]

FORMATS = {"markdown": "markdown", "notebook": "notebook", "script": "script", "text": "text"}

# The functions and classes each post defines at top level, as its code cells show them.
DEFINED = {
    "bowl-momentum-correct.md": {"f", "df", "sgd", "sgd_momentum"},
    "rosenbrock-adam-rmsprop-de.ipynb": {
        "loss",
        "grad_loss",
        "RMSpropOptimizer",
        "AdamOptimizer",
    },
    "camel-rmsprop-ko.txt": {"f", "df", "rmsprop"},
    "himmelblau-nesterov.py": {
        "himmelblau",
        "gradient",
        "momentum_update",
        "Nesterov",
        "numerical_gradient",
        "sgd",
    },
    "beale-adam-es.md": {"f", "grad_f", "adam", "sgd"},
    "styblinski-adagrad-adamw.ipynb": {"objective", "dloss", "adagrad_update", "adamw_step"},
    "rosenbrock-momentum-medium.txt": {"rosenbrock", "grad_f", "sgd", "momentum"},
    "linreg-rmsprop-adam-de.py": {"loss", "grad_loss", "rmsprop_step", "adam_update"},
    "booth-nesterov-rmsprop-fr.md": {"f", "grad_f", "nesterov_update", "RMSprop"},
    "sixhump-adam-ko.ipynb": {"f", "df", "AdamOptimizer"},
    "optimizer-3.txt": {"f", "df", "adam"},
}


def _defined(post: Post) -> set[str]:
    names: set[str] = set()
    for block in post.code():
        module = ast.parse(block.text)
        names |= {
            node.name for node in module.body if isinstance(node, ast.FunctionDef | ast.ClassDef)
        }
    return names


def _path(name: str) -> Path:
    return SEED if name == SEED.name else POSTS / name


def _kinds(post: Post) -> list[tuple[str, str]]:
    return [(block.kind, block.text) for block in post.blocks]


# --- the ten posts and the seed ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "format"),
    [(p["file"], FORMATS[p["format"]]) for p in EXPECTED] + [(SEED.name, "text")],
)
def test_each_post_is_read_in_the_format_its_suffix_names(name: str, format: str) -> None:
    assert read_post(_path(name)).format == format


@pytest.mark.parametrize("name", sorted(DEFINED))
def test_every_code_block_of_a_post_compiles(name: str) -> None:
    post = read_post(_path(name))
    assert post.code(), f"{name} has no code"
    for block in post.code():
        compile(block.text, f"{name}:{block.line}", "exec")


@pytest.mark.parametrize(("name", "functions"), sorted(DEFINED.items()))
def test_the_code_blocks_define_the_functions_the_post_defines(
    name: str, functions: set[str]
) -> None:
    assert functions <= _defined(read_post(_path(name)))


@pytest.mark.parametrize("name", sorted(DEFINED))
def test_blocks_come_in_reading_order_and_cells_never_go_back(name: str) -> None:
    blocks = read_post(_path(name)).blocks
    assert [b.cell for b in blocks] == sorted(b.cell for b in blocks)
    assert all(b.text.strip() for b in blocks)


def test_the_seeds_mathjax_residue_lines_are_maths_never_code() -> None:
    post = read_post(SEED)
    code = "".join(block.text for block in post.code())
    displayed = [block.text for block in post.maths()]
    assert r"m_n = \beta_1 m_{n-1}+(1-\beta_1)\nabla f(\theta_n), \ m_1 =0" in displayed
    assert any(text.startswith(r"\theta_{n+1}=\theta_{n}") for text in displayed)
    assert "mn=β1mn1" not in code
    assert "vn=β2vn1" not in code
    assert "θn+1" not in code
    assert [b.line for b in post.code()] == [15, 53]


def test_the_seeds_code_is_two_runs_and_its_byline_and_headings_are_not_code() -> None:
    post = read_post(SEED)
    first, second = post.code()
    assert first.text.startswith("import numpy as np\n")
    assert "def df(x, y):" in first.text
    assert second.text.startswith("def adam(")
    assert "plt.xlabel" in second.text
    assert {b.section for b in post.blocks} >= {"Prologue", "Adam", "Epilogue"}
    assert any("6/12" in b.text for b in post.prose())


@pytest.mark.parametrize("name", ["camel-rmsprop-ko.txt", "rosenbrock-momentum-medium.txt"])
def test_rendered_formulas_glued_to_their_latex_in_text_posts_are_maths_not_code(
    name: str,
) -> None:
    post = read_post(POSTS / name)
    lines = (POSTS / name).read_text(encoding="utf-8").split("\n")
    code_lines = {b.line + k for b in post.code() for k in range(b.text.count("\n"))}
    assert post.maths()
    for block in post.maths():
        assert block.line not in code_lines
        assert lines[block.line - 1].strip().endswith(block.text)  # the LaTeX after its rendering
        assert len(block.text) < len(lines[block.line - 1].strip())


def test_the_notebooks_prose_keeps_inline_maths_and_emphasis_as_written() -> None:
    post = read_post(POSTS / "rosenbrock-adam-rmsprop-de.ipynb")
    prose = " ".join(b.text for b in post.prose())
    assert "Die Rosenbrock-Funktion ist **nicht konvex**." in prose
    assert "Das globale Minimum liegt also bei $(1, 1)$" in prose


def test_jupytext_percent_cells_are_code_blocks_and_markdown_cells_are_prose() -> None:
    post = read_post(POSTS / "linreg-rmsprop-adam-de.py")
    assert len(post.code()) == 7  # seven `# %%` code cells, seven `# %% [markdown]` cells
    assert post.code()[0].line == 34
    assert not any(b.text.startswith("# ---") for b in post.code())
    assert "RMSprop" in {b.section for b in post.blocks}


# --- snippets in other people's style ------------------------------------------------------------

MARKDOWN = """\
# Descent

It costs $5 and $10 a month, and the step is $\\eta g$.

```bash
pip install numpy
```

    import numpy as np
    def f(x, y):
        return x**2 + y**2

```py
def df(x, y):
    return 2*x, 2*y
```

~~~python
x = 1.0
~~~

```js
console.log(1)
```

```text
step 1: 0.8
```

```
print(f(x, 1.0))
```

```math
f(x, y) = x^2 + y^2
```
"""


def test_markdown_fences_of_other_languages_are_skipped() -> None:
    code = [b.text for b in parse_post(MARKDOWN, "markdown").code()]
    assert not any("pip install" in t or "console.log" in t or "step 1" in t for t in code)


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("an indented code block", "import numpy as np\ndef f(x, y):\n    return x**2 + y**2\n"),
        ("a py fence", "def df(x, y):\n    return 2*x, 2*y\n"),
        ("a tilde fence", "x = 1.0\n"),
        ("an unlabelled fence holding Python", "print(f(x, 1.0))\n"),
    ],
)
def test_markdown_code_is_found_in(style: str, expected: str) -> None:
    assert expected in [b.text for b in parse_post(MARKDOWN, "markdown").code()], style


def test_dollar_amounts_in_prose_are_not_maths() -> None:
    post = parse_post(MARKDOWN, "markdown")
    assert [b.text for b in post.maths(display=False)] == ["\\eta g"]
    assert post.prose()[0].text == "It costs $5 and $10 a month, and the step is $\\eta g$."
    assert [b.text for b in post.maths()] == ["f(x, y) = x^2 + y^2"]


def test_an_indented_code_block_starts_on_its_own_line() -> None:
    block = next(b for b in parse_post(MARKDOWN, "markdown").code() if "numpy" in b.text)
    assert MARKDOWN.split("\n")[block.line - 1].strip() == "import numpy as np"


def _notebook(*cells: tuple[str, str]) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {
                "kernelspec": {"name": "python3", "language": "python", "display_name": "P"}
            },
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": source, "id": f"c{i}"}
                | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                for i, (kind, source) in enumerate(cells)
            ],
        }
    )


def test_notebook_magics_are_made_harmless_and_shell_cells_skipped() -> None:
    text = _notebook(
        ("code", "%matplotlib inline\nimport numpy as np\n!pip install numpy\nx = np.zeros(2)"),
        ("code", "%%bash\nls -l"),
        ("code", "%%time\ny = 1"),
        ("raw", "not code"),
        ("markdown", "## Setup\nThe step is $\\eta$."),
    )
    post = parse_post(text, "notebook")
    assert [(b.cell, b.line, b.text) for b in post.code()] == [
        (0, 1, "pass  # %matplotlib inline\nimport numpy as np\npass  # !pip install numpy\n"
         "x = np.zeros(2)"),
        (2, 2, "y = 1"),
    ]  # fmt: skip
    for block in post.code():
        compile(block.text, "cell", "exec")
    assert [(b.section, b.text) for b in post.prose()] == [("Setup", "The step is $\\eta$.")]


SCRIPT = '''\
"""Descent on a bowl.

The loss is $L(w) = w^2$.
"""

# %% [markdown]
# # Setup
# Some prose here.

# %%
def f(x, y):
    return x**2 + y**2

# %%
print(f(1, 2))
'''


def test_percent_cells_of_a_script_are_code_blocks_in_order() -> None:
    post = parse_post(SCRIPT, "script")
    code = post.code()
    assert [b.text for b in code][1:] == [
        "def f(x, y):\n    return x**2 + y**2\n",
        "print(f(1, 2))\n",
    ]
    assert [b.line for b in code] == [1, 11, 15]
    assert [b.cell for b in code] == sorted({b.cell for b in code})


def test_docstrings_and_markdown_cells_of_a_script_are_prose_and_maths() -> None:
    post = parse_post(SCRIPT, "script")
    assert "The loss is $L(w) = w^2$." in [b.text for b in post.prose()]
    assert "L(w) = w^2" in [b.text for b in post.maths(display=None)]
    assert ("Setup", "Some prose here.") in [(b.section, b.text) for b in post.prose()]


def test_a_text_post_keeps_blank_lines_inside_code() -> None:
    text = "Intro words here.\n\ndef f(x):\n\n    return x\n\nprint(f(2))\n\nThe end.\n"
    post = parse_post(text, "text")
    assert [b.text for b in post.code()] == ["def f(x):\n\n    return x\n\nprint(f(2))\n"]
    assert [b.text for b in post.prose()] == ["Intro words here.", "The end."]


def test_a_block_records_kind_text_line_cell_section_and_display() -> None:
    block = parse_post("# T\n\nSee $x$.\n", "markdown").maths(display=False)[0]
    assert block == Block("math", "x", 3, 0, "T", False)


# --- hostile inputs ------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


HOSTILE = [
    pytest.param("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8", id="binary"),
    pytest.param("zeros.txt", b"\x00" * 64, "binary file", id="NUL bytes"),
    pytest.param("latin1.md", "Café $x$\n".encode("latin-1"), "not UTF-8", id="non-UTF-8"),
    pytest.param("big.md", b"a" * (6 * 2**20), "larger than the 5 MB limit", id="6 MB"),
    pytest.param("broken.ipynb", b"{not json", "not a notebook", id="notebook not JSON"),
    pytest.param("list.ipynb", b"[1, 2]", "not a notebook", id="notebook JSON list"),
    pytest.param("deep.ipynb", b"[" * 100_000, "not a notebook", id="notebook nested deeply"),
    pytest.param("empty.md", b"", "empty", id="empty"),
    pytest.param("blank.txt", b"\n \n", "empty", id="blank"),
]


@pytest.mark.parametrize(("name", "data", "reason"), HOSTILE)
def test_a_hostile_file_raises_invalid_argument_in_one_line(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = _write(tmp_path, name, data)
    with pytest.raises(InvalidArgument) as caught:
        read_post(path)
    message = str(caught.value)
    assert "\n" not in message
    assert reason in message
    assert name in message


def test_a_missing_file_or_a_directory_raises_invalid_argument(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.md", tmp_path):
        with pytest.raises(InvalidArgument, match="is invalid"):
            read_post(path)


def test_an_unknown_format_raises_invalid_argument(tmp_path: Path) -> None:
    path = _write(tmp_path, "post.md", b"# T\n")
    with pytest.raises(InvalidArgument, match="format='pdf' is invalid"):
        read_post(path, format="pdf")
