from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optverify.seed import specimens

from .cli import run_cli


def test_trace_of_seed_adam_reproduces_the_posts_own_code_exactly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run_cli(
        capsys,
        "trace", "--optimizer", "seed-adam", "--surface", "seed",
        "--start", "0.5,5.8", "--lr", "0.05", "--steps", "93",
    )  # fmt: skip
    assert status == 0
    lines = out.strip().splitlines()
    assert lines[0] == "step,x,y,loss"
    rows = [line.split(",") for line in lines[1:]]
    xs, ys = specimens.run_post()
    assert len(rows) == 94
    assert [float(r[1]) for r in rows] == [float(v) for v in xs]
    assert [float(r[2]) for r in rows] == [float(v) for v in ys]
    assert [int(r[0]) for r in rows] == list(range(94))


def test_csv_writes_floats_with_full_precision(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(capsys, "trace", "--optimizer", "sgd", "--lr", "0.01", "--steps", "3")
    _step, x, _y, _loss = out.strip().splitlines()[-1].split(",")
    assert x == repr(float(x))
    assert len(x.replace("-", "").replace(".", "")) > 10


def test_json_carries_the_run_and_its_settings(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        capsys,
        "trace", "--surface", "rosenbrock", "--optimizer", "adam", "--lr", "0.05",
        "--set", "b1=0.8", "--set", "eps=1e-6", "--start", "-1.2,1.0", "--steps", "20",
        "--format", "json",
    )  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert data["surface"] == "rosenbrock"
    assert data["optimizer"] == "adam"
    assert data["hyperparameters"]["b1"] == 0.8
    assert data["hyperparameters"]["eps"] == 1e-6
    assert data["start"] == [-1.2, 1.0]
    assert data["diverged_at"] is None
    assert len(data["trajectory"]) == 21
    assert data["trajectory"][0] == {"step": 0, "x": -1.2, "y": 1.0, "loss": 24.199999999999996}


def test_a_diverging_trace_stops_at_the_divergence_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run_cli(
        capsys,
        "trace", "--surface", "rosenbrock", "--optimizer", "sgd", "--lr", "0.01",
        "--start", "-1.2,1", "--steps", "100",
    )  # fmt: skip
    assert status == 0
    assert "diverged at step 6" in err  # f overflows at step 6, the gradient at 7
    assert out.strip().splitlines()[-1].startswith("6,")


def test_trace_writes_a_file_atomically(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "trace.csv"
    status, _out, _ = run_cli(capsys, "trace", "--steps", "5", "--out", str(path))
    assert status == 0
    assert path.read_text().startswith("step,x,y,loss\n0,0.5,5.8,")
    assert [p.name for p in tmp_path.iterdir()] == ["trace.csv"]


def test_a_user_expression_can_be_traced(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        capsys, "trace", "--expr", "x**2 + 10*y**2", "--optimizer", "sgd", "--lr", "0.05",
        "--start", "-1.5,-1", "--steps", "50",
    )  # fmt: skip
    assert status == 0
    _, x, y, loss = out.strip().splitlines()[-1].split(",")
    assert abs(float(x)) < 0.01
    assert abs(float(y)) < 1e-6
    assert np.isfinite(float(loss))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--optimizer", "adamm"], "optimizer='adamm' is unknown"),
        (["--lr", "-0.1"], "lr=-0.1 is invalid: the learning rate must be positive."),
        (["--lr", "0"], "lr=0.0 is invalid"),
        (["--set", "b1=1.5"], "b1=1.5 is invalid: it must lie in [0, 1)."),
        (["--set", "b1"], "KEY=VALUE"),
        (["--set", "momentum=0.9"], "adam has no hyperparameter 'momentum'"),
        (["--start", "nan,1"], "must be finite"),
        (["--start", "1"], "X,Y"),
        (["--start", "inf,0"], "must be finite"),
        (["--steps", "-3"], "steps=-3"),
        (["--steps", "many"], "steps='many' is invalid"),
        (["--surface", "rosenbrock"], "start is missing"),
        (["--surface", "nope"], "surface='nope' is unknown"),
        (["--expr", "x.__class__"], "attribute access"),
        (["--format", "xml"], "invalid choice"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_bad_trace_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run_cli(capsys, "trace", *argv)
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_negative_numbers_are_values(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(
        capsys, "trace", "--surface", "bowl", "--start", "-7,-2", "--steps", "1", "--lr", "0.1"
    )
    assert status == 0
    assert out.splitlines()[1] == "0,-7.0,-2.0,6.45"


def test_trace_on_a_registered_surface_imports_neither_sympy_nor_hypothesis() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from optverify.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['trace', '--surface', 'seed', '--steps', '93'])\n"
        "print(sorted(m for m in ('sympy', 'hypothesis', 'matplotlib', 'rich') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
