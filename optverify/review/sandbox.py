"""The child process that runs a post's code: ``python -m optverify.review.sandbox JOB``.

A review executes the post's code, which is someone else's, so it runs here, in a process of
its own, never in the toolkit's:

- the working directory is a fresh temporary folder, and an audit hook (PEP 578) refuses any
  write, rename or removal outside it, every socket, and every new process;
- matplotlib draws on the Agg canvas; ``plt.show``, ``plt.pause`` and ``time.sleep`` do
  nothing; the drawing calls are recorded (:mod:`optverify.review.recording`);
- the cells run in order in one namespace, each under a time limit; a cell that raises or runs
  out of time is recorded and the next one runs;
- memory, file sizes and CPU time have hard limits (``resource``), and the parent kills the
  whole process group if it outlives its own budget.

Then the namespace is inspected (:mod:`optverify.review.inspection`): the surfaces, gradients
and optimizers it defines, the runs its loops made and the plots it drew are checked, and the
findings are written to ``result.json`` in the folder, for the parent to read. Progress is
written after every cell, so a child killed mid-way still says how far it got.
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import linecache
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["main"]

_NETWORK = (
    "socket.__new__",
    "socket.connect",
    "socket.bind",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.sendto",
    "socket.sendmsg",
)
_PROCESSES = (
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "pty.spawn",
    "os.kill",
    "os.killpg",
    "os.startfile",
)
_PATHS = (
    "os.remove",
    "os.unlink",
    "os.rmdir",
    "os.rename",
    "os.replace",
    "os.mkdir",
    "os.truncate",
    "os.chmod",
    "os.chown",
    "os.link",
    "os.symlink",
    "os.utime",
    "shutil.rmtree",
    "shutil.move",
    "shutil.copyfile",
    "shutil.copytree",
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
OUTPUT_LIMIT = 1_000_000
"""Characters of the post's printed output kept."""


class CellTimeout(BaseException):
    """A cell ran out of time (a ``BaseException``, so ``except Exception`` in the post's own
    code does not swallow it)."""


class _Output(io.TextIOBase):
    """Where the post's prints go: kept up to :data:`OUTPUT_LIMIT` characters."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        if self.size < OUTPUT_LIMIT:
            self.parts.append(text[: OUTPUT_LIMIT - self.size])
            self.size += len(text)
        return len(text)

    def writable(self) -> bool:
        return True


def _inside(path: Any, root: str) -> bool:
    try:
        text = os.fsdecode(path)
    except TypeError:
        return True
    full = os.path.realpath(os.path.join(root, text))
    return full == root or full.startswith(root + os.sep) or full == os.devnull


def install_guard(folder: Path) -> None:
    """Refuse writes outside ``folder``, the network and new processes, from now on."""
    root = os.path.realpath(folder)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = ((*tuple(args), None, None, 0))[:3]
            if path is None or isinstance(path, int):
                return
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(
                isinstance(flags, int) and flags & _WRITE_FLAGS
            )
            if writing and not _inside(path, root):
                raise PermissionError(
                    f"a review may not write {os.fsdecode(path)!r}, outside its folder"
                )
        elif event in _PATHS:
            for value in args:
                if isinstance(value, str | bytes | os.PathLike) and not _inside(value, root):
                    raise PermissionError(
                        f"a review may not change {os.fsdecode(value)!r}, outside its folder"
                    )
        elif event in _NETWORK:
            raise PermissionError("a review has no network")
        elif event in _PROCESSES or event.startswith(("os.exec", "os.spawn")):
            raise PermissionError("a review may not start or signal processes")

    sys.addaudithook(hook)


def limit_resources(seconds: float) -> None:
    """Hard limits: 2 GiB of address space, 256 MB per file, CPU time ``seconds``."""
    import resource

    def cap(which: int, value: int) -> None:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))

    cap(resource.RLIMIT_AS, 3 * 2**30)
    cap(resource.RLIMIT_FSIZE, 256 * 2**20)
    cap(resource.RLIMIT_CPU, int(seconds) + 1)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises, not kills


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise CellTimeout


def run_cell(
    code: str, index: int, namespace: dict[str, Any], timeout: float, recorder: Any
) -> dict[str, Any]:
    """Run one cell; what happened (``ok``, ``error`` with its type, message and line)."""
    from optverify.adapters.resolve import kind_from_name
    from optverify.review.recording import CELL_PREFIX, watch_definitions

    started = time.perf_counter()
    outcome: dict[str, Any] = {"cell": index, "ok": True}
    try:
        tree = ast.parse(code, filename=f"{CELL_PREFIX}{index}>")
    except SyntaxError as error:
        return {
            **outcome,
            "ok": False,
            "error": "SyntaxError",
            "message": str(error.msg),
            "line": error.lineno,
            "seconds": 0.0,
        }
    tree = watch_definitions(tree, lambda name: kind_from_name(name) is not None)
    filename = f"{CELL_PREFIX}{index}>"
    # the cell's source, where inspect.getsource looks for it: the adapters read the post's
    # functions (config keys, state kept in module-level names) as they read a file's
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    compiled = compile(tree, filename, "exec")
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        exec(compiled, namespace)
    except CellTimeout:
        outcome.update(ok=False, error="Timeout", message=f"did not finish within {timeout:g} s")
    except BaseException as error:  # the post's own failure, SystemExit included
        outcome.update(ok=False, error=type(error).__name__, message=str(error)[:300])
        line = _cell_line(error, index)
        if line is not None:
            outcome["line"] = line
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    outcome["seconds"] = round(time.perf_counter() - started, 3)
    if recorder is not None:
        import matplotlib.pyplot as plt

        outcome["figures"] = len(plt.get_fignums())
    return outcome


def _cell_line(error: BaseException, index: int) -> int | None:
    from optverify.review.recording import CELL_PREFIX

    line = None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename == f"{CELL_PREFIX}{index}>":
            line = lineno
    return line


def _no_sleep(seconds: object) -> None:
    """``time.sleep`` in the sandbox: returns at once (sleeping changes no result)."""


def _write(folder: Path, name: str, data: Any) -> None:
    temporary = folder / f".{name}.tmp"
    temporary.write_text(json.dumps(data, allow_nan=False, default=str))
    temporary.replace(folder / name)


def main(argv: list[str] | None = None) -> int:
    """Run the job described by the JSON file ``argv[0]``; write ``result.json`` beside it."""
    args = sys.argv[1:] if argv is None else argv
    job_path = Path(args[0])
    folder = job_path.parent
    job = json.loads(job_path.read_text())
    os.chdir(folder)
    timeout = float(job["timeout"])
    limit_resources(float(job["budget"]))
    # Agg through the environment (the parent sets MPLBACKEND too), never matplotlib.use():
    # this child has not imported matplotlib yet, so pyplot starts on Agg
    os.environ["MPLBACKEND"] = "Agg"
    import matplotlib.pyplot as plt

    from optverify.review.recording import Recorder

    recorder = Recorder()
    recorder.install_plots()
    time.sleep = _no_sleep  # a post that sleeps to animate its prints would only run out of time
    install_guard(folder)
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": builtins,
        "__optverify_watch__": recorder.watch,
    }
    output = _Output()
    cells: list[dict[str, Any]] = []
    real_stdout, real_stderr = sys.stdout, sys.stderr
    for cell in job["cells"]:
        recorder.cell = cell["cell"]
        sys.stdout = sys.stderr = output
        try:
            cells.append(run_cell(cell["code"], cell["cell"], namespace, timeout, recorder))
        finally:
            sys.stdout, sys.stderr = real_stdout, real_stderr
        _write(folder, "progress.json", {"cells": cells})
    recorder.active = False
    from optverify.review.inspection import inspect_post

    findings, facts = inspect_post(namespace, recorder, cells, job)
    plt.close("all")
    _write(
        folder,
        "result.json",
        {
            "cells": cells,
            "findings": findings,
            "facts": facts,
            "output": "".join(output.parts)[-20_000:],
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
