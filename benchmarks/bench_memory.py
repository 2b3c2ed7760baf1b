"""Peak memory (maximum resident set size) of the README's commands and of the size limits.

Each command runs in a fresh process under ``/usr/bin/time``-like accounting (the child's
``ru_maxrss``), from a temporary folder, and the table says how long it took and how much
memory it peaked at. The goal: under 1 GiB for anything the limits allow.

    python benchmarks/bench_memory.py            # the README's commands and the limits
    python benchmarks/bench_memory.py --quick    # the README's commands only
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HUGE_SPEC = """
title = "the largest animation the limits allow, in size and steps"
steps = 1000000
max_frames = 120
size = [4000, 4000]
starts = [[0.5, 5.8], [-1.0, 0.5], [2.0, -3.0], [1.5, 4.0]]
[optimizers.sgd]
lr = 0.1
[optimizers.adam]
lr = 0.2
[optimizers.momentum]
lr = 0.01
"""

README = [
    ["animate"],
    ["basin", "--surface", "himmelblau", "--optimizer", "adam", "--lr", "0.05", "--grid", "400"],
    ["sweep", "--surface", "seed", "--optimizers", "sgd,adam", "--lr-range", "1e-3:3"],
    ["audit-gradient", "--surface", "seed"],
    ["analyze", "--surface", "seed", "--window", "-1:2,-2:1"],
    ["trace", "--optimizer", "seed-adam", "--lr", "0.05", "--steps", "93"],
    ["verify", "--profile", "ci"],
    ["claims"],
]

LIMITS = [
    ["basin", "--surface", "himmelblau", "--optimizer", "adam", "--lr", "0.05", "--grid", "2000",
     "--steps", "500"],
    ["trace", "--steps", "1000000", "--out", "trace.csv"],
    ["trace", "--steps", "1000000", "--format", "json", "--out", "trace.json"],
    ["animate", "huge.toml"],
]  # fmt: skip


def measure(argv: list[str], folder: Path) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit status) of ``optverify argv`` in a fresh process."""
    code = (
        "import resource, runpy, sys\n"
        f"sys.argv = ['optverify', *{argv!r}]\n"
        "try:\n    runpy.run_module('optverify', run_name='__main__')\n"
        "except SystemExit as e:\n    status = e.code\n"
        "else:\n    status = 0\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print('PEAK', peak, status, file=sys.stderr)\n"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    line = [x for x in result.stderr.splitlines() if x.startswith("PEAK")][-1].split()
    return seconds, int(line[1]) / 1024, int(line[2] or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the README's commands only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "huge.toml").write_text(HUGE_SPEC)
        rows = README + ([] if args.quick else LIMITS)
        print("| command | seconds | peak MiB | exit |\n|---|---|---|---|")
        for argv in rows:
            seconds, peak, status = measure(argv, folder)
            shown = "optverify " + " ".join(argv)
            print(f"| `{shown}` | {seconds:.1f} | {peak:.0f} | {status} |", flush=True)
    print(f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
