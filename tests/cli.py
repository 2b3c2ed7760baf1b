"""Running the command line from a test: the exit status and what it printed."""

from __future__ import annotations

import pytest

from optverify.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``optverify argv``: (exit status, stdout, stderr); argparse's exits become statuses."""
    try:
        status = main(list(argv))
    except SystemExit as exit:
        status = int(exit.code or 0)
    out, err = capsys.readouterr()
    return status, out, err
