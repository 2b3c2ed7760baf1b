"""Wall time of ``optverify verify``: every built-in, and one user optimizer at a time.

Each run is a fresh ``optverify verify ... --format json`` process with the ci profile (the
CLI's default), timed from start to exit, as a user waits for it. The goals: every built-in
under 60 s, one user optimizer under 15 s. The user optimizers are the zoo's rows
(``tests/zoo/manifest.toml``); the table also says whether each verdict and rule is the one the
manifest expects, so the run doubles as the zoo's count of bugs caught, dialects named and
false alarms.

    python benchmarks/bench_verify.py              # built-ins, torch classes, every zoo row
    python benchmarks/bench_verify.py --quick      # built-ins and one row of each shape
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROWS: list[dict[str, Any]] = tomllib.loads((ROOT / "tests/zoo/manifest.toml").read_text())["row"]
TORCH_CLASSES = {
    "SGD": "sgd", "Adagrad": "adagrad", "Adadelta": "adadelta", "RMSprop": "rmsprop",
    "Adam": "adam", "AdamW": "adamw", "Adamax": "adamax", "NAdam": "nadam", "RAdam": "radam",
}  # fmt: skip


def run(argv: list[str]) -> tuple[float, int, Any]:
    """(seconds, exit status, parsed JSON report) of ``optverify verify argv``."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "optverify", "verify", *argv, "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = None
    return seconds, result.returncode, report


def verdict_of(report: Any) -> tuple[str, str]:
    """(verdict, matched rule) of a one-optimizer report."""
    if not isinstance(report, dict):
        return "error", "-"
    entry = report["reports"][0]
    match = entry.get("matches") or {}
    return str(entry.get("verdict")), str(match.get("rule", "-"))


def available(shape: str) -> bool:
    module = {"torch": "torch", "optax": "optax"}.get(shape)
    return module is None or importlib.util.find_spec(module) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one zoo row of each shape")
    args = parser.parse_args()

    seconds, status, report = run(["--profile", "ci"])
    names = len(report["reports"]) if isinstance(report, dict) else 0
    print(f"every built-in ({names} optimizers, ci profile): {seconds:.1f} s, exit {status}\n")

    print("| optimizer | kind | s | verdict | rule | expected |\n|---|---|---|---|---|---|")
    times: list[float] = []
    tally = {"bugs caught": 0, "bugs missed": 0, "dialects named": 0, "dialects misnamed": 0,
             "correct passed": 0, "false alarms": 0}  # fmt: skip
    if importlib.util.find_spec("torch") is not None:
        for cls, kind in TORCH_CLASSES.items():
            seconds, status, report = run(["--optimizer", f"torch:{cls}", "--profile", "ci"])
            verdict, rule = verdict_of(report)
            times.append(seconds)
            ok = verdict == "correct"
            tally["correct passed" if ok else "false alarms"] += 1
            print(f"| torch:{cls} | {kind} | {seconds:.1f} | {verdict} | {rule} | correct |")
    seen: set[str] = set()
    for row in ROWS:
        if not available(row["shape"]) or (args.quick and row["shape"] in seen):
            continue
        seen.add(row["shape"])
        argv = ["--optimizer", row["target"], "--as", row["kind"], "--profile", "ci"]
        if "gradient_name" in row:
            argv += ["--gradient-name", row["gradient_name"]]
        seconds, status, report = run(argv)
        verdict, rule = verdict_of(report)
        times.append(seconds)
        expected = row["verdict"] + (f" ({row['rule']})" if "rule" in row else "")
        if row["verdict"] == "wrong":
            tally["bugs caught" if verdict == "wrong" else "bugs missed"] += 1
        elif row["verdict"] == "variant":
            named = verdict == "variant" and rule == row["rule"]
            tally["dialects named" if named else "dialects misnamed"] += 1
        else:
            ok = verdict == "correct"
            tally["correct passed" if ok else "false alarms"] += 1
        target = row["target"].removeprefix("tests/zoo/")
        print(f"| {target} | {row['kind']} | {seconds:.1f} | {verdict} | {rule} | {expected} |",
              flush=True)  # fmt: skip
    if times:
        print(f"\none user optimizer: median {statistics.median(times):.1f} s, "
              f"max {max(times):.1f} s over {len(times)} runs")  # fmt: skip
    print(", ".join(f"{k}: {v}" for k, v in tally.items()))
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
