"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from optverify.errors import InvalidArgument

__all__ = ["atomic_path", "check_output", "write_bytes_atomically", "write_text_atomically"]


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    If the body raises (an error, ``KeyboardInterrupt``, or the command line's SIGTERM), the
    temporary file is removed and ``path`` is left as it was. The temporary's name carries the
    process id, so one left by a killed process is removed by the next write to ``path``.
    A missing folder is created (:func:`check_output` has checked that it can be).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(target)
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp"
    )
    os.close(handle)
    temporary = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        yield temporary
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _remove_stale_temporaries(target: Path) -> None:
    """Remove temporaries of earlier writes to ``target`` whose process is gone (a run killed
    with SIGKILL cannot clean up after itself; the next write to the same file does)."""
    try:
        leftovers = list(target.parent.glob(f".{glob.escape(target.name)}.*.tmp"))
    except OSError:
        return
    for leftover in leftovers:
        pid_text = leftover.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def write_text_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically."""
    write_bytes_atomically(path, text.encode("utf-8"))


_LONGEST_NAME = 255 - 40
"""File names longer than this leave no room for the temporary written beside the file."""


def check_output(path: str | os.PathLike[str], suffixes: tuple[str, ...] = ()) -> Path:
    """``path`` as a :class:`Path`, checked before any work is done: it has one of
    ``suffixes`` (if given), is not a directory, and its folder exists and is writable, or can
    be created in a writable folder. Otherwise :class:`InvalidArgument` naming the path."""
    target = Path(path)
    shown = str(path)
    if suffixes and target.suffix.lower() not in suffixes:
        kinds = " or ".join(suffixes)
        raise InvalidArgument(f"out={shown!r} is invalid: the file is written as a {kinds}.")
    if len(target.name.encode("utf-8")) > _LONGEST_NAME:
        raise InvalidArgument(
            f"out='{shown[:40]}...' is invalid: its name is {len(target.name.encode())} bytes "
            f"long; the limit is {_LONGEST_NAME} (the file system's, less room for a temporary)."
        )
    try:
        _check_folder(target, shown)
    except OSError as error:
        raise InvalidArgument(f"out={shown!r} is invalid: {error.strerror or error}.") from None
    return target


def _check_folder(target: Path, shown: str) -> None:
    if target.is_dir():
        raise InvalidArgument(f"out={shown!r} is invalid: it is a directory; name a file in it.")
    folder = target.parent if str(target.parent) else Path(".")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InvalidArgument(f"out={shown!r} is invalid: {existing} is a file, not a folder.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidArgument(f"out={shown!r} is invalid: the folder {existing} is not writable.")
