"""Running a post's code in the sandbox child, from the toolkit's side.

:func:`execute` writes the job (the code cells, the time limits) into a fresh temporary folder,
starts ``python -m optverify.review.sandbox`` there in a process group of its own, waits at
most the job's budget, kills the whole group if it overruns (or on Ctrl-C), and reads back what
the child wrote: each cell's outcome, the findings about the code and the facts the parent's
own checks need. The folder, and anything the post wrote into it, is removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ANALYSIS_SECONDS", "Execution", "execute"]

ANALYSIS_SECONDS = 600.0
"""Time the child has, after the cells, for its checks (verification included)."""


@dataclass
class Execution:
    """What the child reported: cells, findings (JSON), facts, printed output, the race GIF."""

    cells: list[dict[str, Any]]
    findings: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    race: bytes | None = None
    problem: str | None = None


def _environment(folder: Path) -> dict[str, str]:
    import optverify

    root = str(Path(optverify.__file__).resolve().parent.parent)
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    return {
        **keep,
        "HOME": str(folder),
        "TMPDIR": str(folder),
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(folder / ".matplotlib"),
        "PYTHONPATH": root,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NO_PROXY": "*",
    }


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def execute(
    cells: Sequence[tuple[int, str]],
    *,
    timeout: float,
    profile: str,
    race: bool = False,
) -> Execution:
    """Run ``cells`` (index, code) in the sandbox; each cell may take ``timeout`` seconds."""
    budget = timeout * len(cells) + ANALYSIS_SECONDS
    with tempfile.TemporaryDirectory(prefix="optverify-review-") as tmp:
        folder = Path(tmp).resolve()
        job = {
            "cells": [{"cell": index, "code": code} for index, code in cells],
            "timeout": timeout,
            "budget": budget,
            "profile": profile,
            "race": "race.gif" if race else None,
        }
        job_path = folder / "job.json"
        job_path.write_text(json.dumps(job))
        process = subprocess.Popen(
            [sys.executable, "-m", "optverify.review.sandbox", str(job_path)],
            cwd=folder,
            env=_environment(folder),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        problem = None
        try:
            _, stderr = process.communicate(timeout=budget)
            if process.returncode != 0:
                lines = stderr.decode("utf-8", "replace").strip().splitlines()
                problem = f"the sandbox stopped with status {process.returncode}" + (
                    f": {lines[-1][:300]}" if lines else ""
                )
        except subprocess.TimeoutExpired:
            _kill(process)
            problem = f"the review ran out of its {budget:g} s budget"
        except BaseException:
            _kill(process)
            raise
        return _collect(folder, problem)


def _collect(folder: Path, problem: str | None) -> Execution:
    result_path, progress_path = folder / "result.json", folder / "progress.json"
    if result_path.exists():
        data = json.loads(result_path.read_text())
        race = None
        if isinstance(data.get("facts", {}).get("race"), str):
            gif = folder / data["facts"]["race"]
            race = gif.read_bytes() if gif.is_file() else None
        return Execution(
            data["cells"], data["findings"], data["facts"], data.get("output", ""), race, problem
        )
    cells = json.loads(progress_path.read_text())["cells"] if progress_path.exists() else []
    return Execution(cells, problem=problem or "the sandbox wrote no result")
