from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from optverify.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_auditing_the_posts_df_exits_1_and_names_the_three_terms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "audit-gradient", "--surface", "seed")
    assert status == 1
    assert "0.6*y where the derivative has 0.6*x*y" in out
    assert "-0.5*y where the derivative has -0.25*y**2" in out
    assert "0.6*x**2 where the derivative has 0.3*x**2" in out


def test_audit_json_carries_differences_sympy_can_parse(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "audit-gradient", "--format", "json")
    assert status == 1
    data = json.loads(out)
    assert data["correct"] is False
    for component in data["components"]:
        sp.sympify(component["difference"])


def test_auditing_a_users_correct_gradient_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mygrad_ok.py").write_text(
        "def df(x, y):\n"
        "    return (0.8*x*y**2 + 0.6*x*y + 0.6*x - 0.25*y**2 + 0.31*y - 0.2,\n"
        "            0.8*x**2*y + 0.3*x**2 + 0.6*y - 0.5*x*y + 0.31*x + 2.1)\n"
    )
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(
        capsys, "audit-gradient", "--surface", "seed", "--gradient", "mygrad_ok:df"
    )
    assert status == 0
    assert "verdict: RIGHT" in out


def test_auditing_a_gradient_of_a_user_expression(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bowlgrad.py").write_text("def df(x, y):\n    return 2*x, 10*y\n")
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(
        capsys, "audit-gradient", "--expr", "x**2 + 10*y**2", "--gradient", "bowlgrad:df"
    )
    assert status == 1
    assert "10*y where the derivative has 20*y" in out


def test_gradients_check_passes_on_the_committed_module(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "gradients", "--check")
    assert status == 0
    assert "up to date" in out


def test_gradients_print_emits_runnable_code(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "gradients", "--surface", "seed", "--print")
    assert status == 0
    namespace: dict[str, object] = {}
    exec(out, namespace)
    df = namespace["df"]
    assert callable(df)
    dx, dy = df(1.0, 1.0)
    assert dx == pytest.approx(0.8 + 0.6 + 0.6 - 0.25 + 0.31 - 0.2)
    assert dy == pytest.approx(0.8 + 0.3 + 0.6 - 0.5 + 0.31 + 2.1)


def test_surfaces_json_lists_every_registered_surface(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "surfaces", "--format", "json")
    assert status == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["seed"]["convex"] == "no"
    assert rows["bowl"]["convex"] == "yes"
    assert rows["saddle"]["minima"] == []


def test_analyze_reports_the_seed_minimum_outside_the_posts_window(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(
        capsys, "analyze", "--surface", "seed", "--window", "-1:2,-2:1", "--format", "json"
    )
    assert status == 0
    data = json.loads(out)
    assert len(data["critical_points"]) == 1
    assert data["lowest_minimum_in_window"] is False
    assert data["convex"] is False
    assert data["witness"] is not None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audit-gradient", "--surface", "banana"], "surface='banana' is unknown"),
        (["audit-gradient", "--expr", "__import__('os').system('true')"], "attribute access"),
        (["audit-gradient", "--expr", "x.real"], "attribute access"),
        (["audit-gradient", "--expr", "(lambda: 0)()"], "lambdas"),
        (["audit-gradient", "--expr", "x[0]"], "subscripts"),
        (["audit-gradient", "--expr", "x" * 2000], "characters long"),
        (["audit-gradient", "--surface", "seed", "--expr", "x"], "not allowed with"),
        (["audit-gradient", "--surface", "rosenbrock"], "--gradient MODULE:FUNC"),
        (["audit-gradient", "--gradient", "nosuchmodule:df"], "no module named"),
        (["audit-gradient", "--gradient", "json:nosuchfunc"], "has no attribute"),
        (["audit-gradient", "--gradient", "json"], "MODULE:ATTR"),
        (["audit-gradient", "--gradient", "json:__doc__"], "not callable"),
        (["analyze", "--window", "2:1,0:1"], "xmin < xmax"),
        (["analyze", "--window", "-1:2"], "XMIN:XMAX,YMIN:YMAX"),
        (["gradients", "--surface", "seed"], "go with --print"),
        (["surfaces", "--format", "xml"], "invalid choice"),
        (["nosuchcommand"], "invalid choice"),
        (["audit-gradient", "--nonsense"], "unrecognized arguments"),
    ],
    ids=lambda v: " ".join(v)[:40] if isinstance(v, list) else None,
)
def test_bad_input_exits_2_with_one_line_on_stderr(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        status = main(argv)
    except SystemExit as exit:  # argparse's own errors exit from inside parse_args
        status = int(exit.code or 0)
    _, err = capsys.readouterr()
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_negative_numbers_work_as_option_values(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "analyze", "--surface", "bowl", "--window", "-1:2,-2:1")
    assert status == 0
    assert "[-1, 2] x [-2, 1]" in out


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("surfaces", "analyze", "audit-gradient", "gradients"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        out, _ = capsys.readouterr()
        assert "example:" in out
        assert f"optverify {command}" in out


def test_python_dash_m_runs_the_cli_without_importing_sympy_for_help() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['optverify', '--help']\n"
        "try:\n    runpy.run_module('optverify', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('sympy', 'hypothesis', 'matplotlib') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "usage: optverify" in result.stdout
    assert "HEAVY []" in result.stdout
