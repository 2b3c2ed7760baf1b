"""Time, size and peak memory of each animation format, next to the tutorial way.

The six-optimizer race of the README (sgd, momentum, nesterov, rmsprop, adam, adagrad at lr
0.05 on the seed surface) at 600x500 pixels and 200 steps, so 201 frames, each format written
by a fresh ``optverify animate ... --out race.SUFFIX`` process and timed from start to exit
(running the optimizers included). Video needs the ``video`` extra; a format whose writer is
missing is reported as such. The tutorial way (FuncAnimation with a full redraw per frame,
saved with PillowWriter) is measured by ``bench_animation.py``.

    python benchmarks/bench_formats.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMATS = (".gif", ".webp", ".apng", ".png", ".mp4", ".webm")
ARGS = ["--surface", "seed", "--optimizers", "sgd,momentum,nesterov,rmsprop,adam,adagrad",
        "--lr", "0.05", "--steps", "200", "--size", "600x500"]  # fmt: skip
PEAK = (
    "import resource, runpy, sys\n"
    "sys.argv = ['optverify', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('optverify', run_name='__main__')\n"
    "finally:\n"
    "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    print(f'PEAK {peak}', file=sys.stderr)\n"
)


def main() -> None:
    print(f"{'format':8} {'seconds':>8} {'KiB':>8} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for suffix in FORMATS:
            out = Path(folder) / f"race{suffix}"
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", PEAK, "animate", *ARGS, "--out", str(out)],
                capture_output=True, text=True,
            )  # fmt: skip
            seconds = time.perf_counter() - started
            peak = next((int(line.split()[1]) for line in done.stderr.splitlines()
                         if line.startswith("PEAK ")), 0)  # fmt: skip
            if done.returncode != 0 or not out.exists():
                reason = (done.stderr.strip().splitlines() or ["failed"])[0]
                print(f"{suffix:8} {'-':>8} {'-':>8} {'-':>9}  {reason[:90]}")
                continue
            size = out.stat().st_size / 1024
            print(f"{suffix:8} {seconds:8.2f} {size:8.0f} {peak / 1024:9.0f}")


if __name__ == "__main__":
    main()
