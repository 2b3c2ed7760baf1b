"""Hostile and unlucky input: every failure is one line with the right exit status.

Families, not instances: every allowed function through every command that evaluates a
surface, every kind of unwritable output, user code that exits or interrupts, internal errors,
interrupts and terminations, sizes past the limits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import optverify
from optverify.errors import InvalidArgument
from optverify.symbolic.expressions import FUNCTIONS

from .cli import run_cli


def one_line(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


# --- every allowed function through every command -------------------------------------------

COMMANDS: dict[str, list[str]] = {
    "analyze": ["analyze", "--format", "json"],
    "trace": ["trace", "--start", "0.5,0.5", "--steps", "5"],
    "animate": ["animate", "--start", "0.5,0.5", "--steps", "3", "--size", "160x120"],
    "basin": ["basin", "--grid", "4", "--steps", "3"],
    "sweep": ["sweep", "--start", "0.5,0.5", "--points", "3", "--steps", "3"],
    "gradients": ["gradients", "--print"],
}


@pytest.mark.slow
@pytest.mark.parametrize("function", sorted(FUNCTIONS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_allowed_function_works_in_every_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, function: str, command: str
) -> None:
    argv = [*COMMANDS[command], "--expr", f"{function}(x) + y**2"]
    if command in ("animate", "basin", "sweep"):
        suffix = ".gif" if command == "animate" else ".png"
        argv += ["--out", str(tmp_path / f"out{suffix}")]
    status, out, err = run_cli(capsys, *argv)
    assert status == 0, err
    assert "Traceback" not in err
    if command == "gradients":
        compile(out, "<generated>", "exec")


def test_a_kink_gives_an_undefined_hessian_not_a_crash() -> None:
    surface = optverify.surfaces.from_expression("abs(x) + y**2")
    hessian = surface.hessian(np.array([[0.0, 1.0], [1.0, 1.0]]))
    assert np.isnan(hessian[0, 0, 0])
    assert hessian[1, 0, 0] == 0.0
    analysis = optverify.analyze(surface)
    assert analysis.smooth is False


# --- expressions: bounded before SymPy evaluates them ----------------------------------------


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("sin(exp(exp(exp(5))))*x**2 + y**2", "overflows float64"),
        ("x**sin(exp(exp(exp(5))))", "overflows float64"),
        ("exp(1000) + x", "overflows float64"),
        ("sqrt(-1)*x", "not a real number"),
        ("acos(2) + x", "not a real number"),
        ("(-8)**(1/3)*x", "not a real number"),
        ("log(0) + x", "not a real number"),
        ("x/(1 - 1)", "division by zero"),
    ],
)
def test_hostile_constants_are_refused_at_once(expr: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidArgument, match=message):
        optverify.surfaces.from_expression(expr)
    assert time.perf_counter() - started < 5  # a hang would blow far past this


def test_a_newline_in_an_expression_still_gives_code_that_compiles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run_cli(capsys, "gradients", "--print", "--expr", "(x\n)\n+ y**2  # c")
    assert status == 0
    compile(out, "<generated>", "exec")


@pytest.mark.parametrize("value", ["-x**2+y**2", "-1.5*x**2 + y**2", "-(x**2) - y"])
def test_a_value_may_start_with_a_minus(capsys: pytest.CaptureFixture[str], value: str) -> None:
    status, out, err = run_cli(
        capsys, "trace", "--expr", value, "--start", "-1,-0.5", "--steps", "1"
    )
    assert status == 0, err
    assert out.startswith("step,x,y,loss")


def test_a_dense_polynomial_falls_back_to_newton_within_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import optverify.symbolic.analysis as analysis

    monkeypatch.setattr(analysis, "SYMBOLIC_SECONDS", 0.5)
    expr = "(1 + x + 2*y)**9/100 + (3 + x - y)**7*x**2/50 + (x - 3*y + 2)**8*y/70"
    started = time.perf_counter()
    result = optverify.analyze(optverify.surfaces.from_expression(expr))
    assert time.perf_counter() - started < 30
    assert result.method.startswith("newton (solving symbolically took over 0.5 s")


@pytest.mark.parametrize(
    ("expr", "start"),
    [("exp(x*300) + y", "3,0"), ("log(x) + y**2", "-1,0"), ("sqrt(x) + y", "-2,1")],
)
def test_a_non_finite_f_is_reported_as_divergence(
    capsys: pytest.CaptureFixture[str], expr: str, start: str
) -> None:
    status, out, err = run_cli(capsys, "trace", "--expr", expr, "--start", start, "--steps", "5")
    assert status == 0
    assert "diverged at step" in err
    assert len(out.strip().splitlines()) <= 2  # the header and the start


# --- sizes: refused at the edge with the limit in the message --------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["trace", "--steps", "1000000000000"], "the limit is 1,000,000 steps"),
        (["animate", "--steps", "100000000"], "the limit is 1,000,000 steps"),
        (["basin", "--grid", "2001"], "[2, 2000]"),
        (["sweep", "--points", "100000"], "[2, 1000]"),
        (["animate", "--size", "5000x5000"], "[80, 4000]"),
        (["audit-gradient", "--examples", "0"], "examples=0 is invalid"),
        (["sweep", "--optimizers", ","], "name at least one optimizer"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_sizes_past_the_limits_are_refused_before_any_work(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run_cli(capsys, *argv)
    assert status == 2
    assert message in err
    assert one_line(err)


def test_a_spec_past_the_limits_is_refused(tmp_path: Path) -> None:
    from optverify.animation.specs import load_spec

    spec = tmp_path / "big.toml"
    spec.write_text("steps = 1000000\nmax_frames = 5001\n[optimizers.adam]\n")
    with pytest.raises(InvalidArgument, match=r"max_frames.*outside \[2, 5000\]"):
        load_spec(spec)
    spec.write_text("size = [4000, 4001]\n[optimizers.adam]\n")
    with pytest.raises(InvalidArgument, match=r"outside \[80, 4000\]"):
        load_spec(spec)


def test_a_sweep_from_where_f_is_undefined_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_cli(capsys, "sweep", "--expr", "log(x) + y**2", "--start", "-1,0")
    assert status == 2
    assert "not finite there" in err
    assert one_line(err)


# --- outputs: every OSError one line, detected before the work where it can be ---------------


def test_outputs_that_cannot_be_written_are_refused_before_the_work(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    cases = [
        (["animate", "--steps", "2", "--out", str(tmp_path)], "written as a .gif"),
        (["trace", "--out", str(tmp_path)], "is a directory"),
        (["animate", "--steps", "2", "--out", str(a_file / "x.gif")], "is a file, not a folder"),
        (["basin", "--out", str(tmp_path / ("n" * 300 + ".png"))], "bytes long"),
        (["basin", "--out", str(tmp_path / "b.gif")], "written as a .png"),
        (["claims", "--format", "markdown", "--out", str(tmp_path / "f.txt")], ".md"),
    ]
    for argv, message in cases:
        started = time.perf_counter()
        status, _, err = run_cli(capsys, *argv)
        assert status == 2, argv
        assert message in err, err
        assert one_line(err)
        assert time.perf_counter() - started < 2, argv  # refused before the work
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_an_unwritable_folder_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    status, _, err = run_cli(capsys, "trace", "--out", str(locked / "t.csv"))
    assert status == 2
    assert "not writable" in err


def test_a_full_disk_is_one_line_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import optverify.files as files

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "t.csv"))

    monkeypatch.setattr(files.os, "fsync", full)
    status, _, err = run_cli(capsys, "trace", "--steps", "3", "--out", str(tmp_path / "t.csv"))
    assert status == 2
    assert "No space left on device" in err
    assert "t.csv" in err
    assert list(tmp_path.iterdir()) == []


def test_a_stale_temporary_of_a_killed_run_is_removed_by_the_next_write(tmp_path: Path) -> None:
    from optverify.files import write_text_atomically

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f".t.csv.{dead}.abcd.tmp"
    stale.write_text("half")
    write_text_atomically(tmp_path / "t.csv", "whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


# --- bad files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe\x00binary", "is not UTF-8 text"),
        (b"a = " + b"[" * 5000 + b"]" * 5000, "nests too deeply"),
        (b"title = '$\\\\frac{$'\n[optimizers.adam]\n", "cannot typeset"),
    ],
    ids=["binary", "deeply nested", "mathtext error"],
)
def test_bad_spec_files_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, message: str
) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_bytes(content)
    status, _, err = run_cli(capsys, "animate", str(spec), "--out", str(tmp_path / "bad.gif"))
    assert status == 2
    assert message in err
    assert one_line(err)
    assert not (tmp_path / "bad.gif").exists()


# --- user code that exits, interrupts or misbehaves ------------------------------------------

USER_MODULE = """
import sys

def exits(x, y):
    sys.exit(0)

def interrupts(x, y):
    raise KeyboardInterrupt

def endless(x, y):
    def components():
        while True:
            yield x
    return components()

def booleans(x, y):
    return True, False

class _Exits:
    def init(self, params):
        return 0

    def update(self, grads, state, params=None):
        sys.exit(0)

def exiting_adam(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
    return _Exits()
"""


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "usercode_mod.py").write_text(USER_MODULE)
    (tmp_path / "exits_at_import.py").write_text("import sys\nsys.exit(0)\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["audit-gradient", "--gradient", "usercode_mod:exits"], "the gradient called sys.exit(0)"),
        (["audit-gradient", "--gradient", "usercode_mod:interrupts"], "KeyboardInterrupt itself"),
        (["audit-gradient", "--gradient", "usercode_mod:endless"], "3 or more components"),
        (["audit-gradient", "--gradient", "usercode_mod:booleans"], "not a boolean"),
        (["audit-gradient", "--gradient", "exits_at_import:df"], "called sys.exit(0)"),
        (
            ["verify", "--optimizer", "usercode_mod:exiting_adam", "--as", "adam"],
            "the optimizer's update called sys.exit(0)",
        ),
    ],
    ids=["exit", "keyboard interrupt", "endless", "booleans", "exit at import", "optimizer exit"],
)
def test_user_code_that_exits_never_ends_in_exit_0(
    capsys: pytest.CaptureFixture[str], user_module: Path, argv: list[str], message: str
) -> None:
    status, _, err = (
        run_cli(capsys, *argv, "--profile", "quick")
        if "verify" in argv
        else (run_cli(capsys, *argv))
    )
    assert status == 2
    assert message in err
    assert one_line(err)


# --- internal errors, interrupts, usage ------------------------------------------------------


def test_an_internal_error_is_one_line_and_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import optverify.optim.run as run_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("an injected bug")

    monkeypatch.setattr(run_module, "_descend", broken)
    status, _, err = run_cli(capsys, "trace", "--steps", "3")
    assert status == 3
    assert "internal error: RuntimeError: an injected bug" in err
    assert "--debug" in err
    assert one_line(err)
    status, _, err = run_cli(capsys, "trace", "--steps", "3", "--debug")
    assert status == 3
    assert "Traceback" in err


def test_no_command_prints_the_usage_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys)
    assert status == 2
    assert out == ""
    assert err.startswith("usage: optverify")


def test_numpy_warnings_do_not_reach_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_cli(
        capsys, "trace", "--expr", "log(x) + sqrt(y)", "--start", "0.5,0.5", "--steps", "40",
        "--optimizer", "sgd", "--lr", "1",
    )  # fmt: skip
    assert status == 0
    assert "RuntimeWarning" not in err
    assert len(err.strip().splitlines()) <= 1


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_render_exits_cleanly_and_leaves_no_file(
    tmp_path: Path, sig: signal.Signals, status: int
) -> None:
    spec = tmp_path / "slow.toml"  # quick to run, long to render: 3001 large frames
    spec.write_text("steps = 3000\nmax_frames = 5000\nsize = [1600, 1200]\n[optimizers.adam]\n")
    child = subprocess.Popen(
        [sys.executable, "-m", "optverify", "animate", str(spec)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(tmp_path.glob(".slow.gif.*.tmp")):
        time.sleep(0.02)
    assert any(tmp_path.glob(".slow.gif.*.tmp")), "the render never started"
    time.sleep(0.2)
    child.send_signal(sig)
    _, err = child.communicate(timeout=60)
    assert child.returncode == status, err
    assert one_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slow.toml"]


# --- the public Python functions are an edge too ---------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: optverify.run("adam", 3, (0, 0), 5), "surface=3 is invalid"),
        (lambda: optverify.run(42, "seed", (0, 0), 5), "optimizer=42 is invalid"),
        (lambda: optverify.run("adam", "seed", "here", 5), "starts='here' is invalid"),
        (lambda: optverify.run("adam", "seed", (0, 0, 0), 5), "size 2"),
        (lambda: optverify.run("adam", "seed", (0, 0), -1), "steps=-1 is invalid"),
        (lambda: optverify.run("adam", "seed", (0, 0), 10**9), "the limit is 1,000,000"),
        (lambda: optverify.animate("seed", expr="x**2"), "both given"),
        (lambda: optverify.animate(size=(10, 10)), "[80, 4000]"),
        (lambda: optverify.animate(optimizers=7), "optimizers=7 is invalid"),
        (lambda: optverify.animate(fps=0), "fps=0 is invalid"),
        (lambda: optverify.analyze("banana"), "surface='banana' is unknown"),
        (lambda: optverify.analyze("seed", window=(1, 0)), "window=(1, 0) is invalid"),
        (lambda: optverify.audit_gradient(object(), lambda x, y: (x, y)), "is invalid"),
        (lambda: optverify.verify("adamm"), "optimizer='adamm' is unknown"),
    ],
    ids=lambda v: None,
)
def test_the_python_functions_raise_invalid_argument_not_type_errors(
    call: Any, message: str
) -> None:
    with pytest.raises(InvalidArgument) as info:
        call()
    assert message in str(info.value)


def test_the_python_functions_take_what_a_notebook_user_types() -> None:
    by_name = optverify.run("sgd", "bowl", [[-7.0, 2.0]], 3)
    by_object = optverify.run(optverify.optimizers.sgd(), optverify.surfaces.get("bowl"),
                              np.array([-7.0, 2.0]), 3)  # fmt: skip
    assert np.allclose(by_name.final_points[0], by_object.final_points)
    assert optverify.analyze("bowl", (-1, 1, -1, 1)).window == (-1.0, 1.0, -1.0, 1.0)


def test_dir_lists_the_lazily_exported_names() -> None:
    assert {"verify", "animate", "analyze", "audit_gradient"} <= set(dir(optverify))


def test_a_script_using_optverify_never_hangs_on_sympy(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text(
        textwrap.dedent("""
        import optverify
        try:
            optverify.surfaces.from_expression("sin(exp(exp(exp(5))))*x**2 + y**2")
        except optverify.InvalidArgument as error:
            print("refused:", error)
    """)
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("refused:")
