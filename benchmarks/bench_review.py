"""Wall time of ``optverify review``: the seed post and the ten posts of ``tests/posts``.

Each review is a fresh ``optverify review POST --format json`` process, timed from start to
exit as a user waits for it (the sandbox child, its imports and the verification of the post's
optimizers included). The table also counts, for the ten posts, how many of the findings
``tests/posts/expected.toml`` lists the review gives the expected verdict. The goal: the seed
post in under 30 s.

    python benchmarks/bench_review.py            # the seed and the ten posts
    python benchmarks/bench_review.py --seed     # the seed only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTS = ROOT / "tests" / "posts"


def review(post: Path | None, profile: str) -> tuple[float, int, dict[str, Any]]:
    """(seconds, exit status, JSON) of ``optverify review [post]``."""
    argv = [sys.executable, "-m", "optverify", "review", "--format", "json", "--profile", profile]
    started = time.perf_counter()
    done = subprocess.run([*argv, *([str(post)] if post else [])], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return seconds, done.returncode, json.loads(done.stdout) if done.stdout else {}


def _same(kind: str, wanted: str, got: str) -> bool:
    wanted, got = " ".join(wanted.split()), " ".join(got.split())
    if kind == "run":
        w_name, _, w_start = wanted.rpartition(" from ")
        g_name, _, g_start = got.rpartition(" from ")
        return w_start == g_start and (g_name in w_name or w_name in g_name)
    if kind == "convexity":
        return wanted in got or got in wanted
    return wanted == got


def score(expected: list[dict[str, Any]], findings: list[dict[str, Any]]) -> tuple[int, int]:
    """(expected findings given their verdict, expected findings)."""
    right = 0
    for e in expected:
        found = {
            f["verdict"]
            for f in findings
            if f["kind"] == e["kind"] and _same(e["kind"], e["subject"], f["subject"])
        }
        right += e["verdict"] in found
    return right, len(expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="store_true", help="the seed post only")
    parser.add_argument("--profile", default="dev", help="Hypothesis profile (default: dev)")
    args = parser.parse_args()
    seconds, status, data = review(None, args.profile)
    counts = data.get("counts", {})
    print(f"{'post':40} {'seconds':>8} {'exit':>5} {'wrong':>6} {'holds':>6} {'expected':>9}")
    print(
        f"{'seed (optimizer-3.txt)':40} {seconds:8.1f} {status:5d} "
        f"{counts.get('wrong', 0):6d} {counts.get('holds', 0):6d} {'-':>9}"
    )
    if args.seed:
        return
    posts = tomllib.loads((POSTS / "expected.toml").read_text(encoding="utf-8"))["post"]
    total_right = total = 0
    times = []
    for post in posts:
        seconds, status, data = review(POSTS / post["file"], args.profile)
        right, count = score(post["finding"], data.get("findings", []))
        total_right, total = total_right + right, total + count
        times.append(seconds)
        counts = data.get("counts", {})
        print(
            f"{post['file']:40} {seconds:8.1f} {status:5d} {counts.get('wrong', 0):6d} "
            f"{counts.get('holds', 0):6d} {f'{right}/{count}':>9}"
        )
    print(
        f"\nexpected verdicts given: {total_right}/{total}; "
        f"median {sorted(times)[len(times) // 2]:.1f} s, max {max(times):.1f} s per post"
    )


if __name__ == "__main__":
    main()
