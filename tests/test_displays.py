"""In a notebook: results show the report a user wants to read, the user's matplotlib backend
and figures are untouched, and nothing is left in the temporary folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib
import pytest

import optverify
from optverify.seed import specimens


def test_a_trajectory_shows_where_each_start_ended() -> None:
    trajectory = optverify.run(optverify.optimizers.adam(lr=0.05), "rosenbrock",
                               [[-1.2, 1.0], [0.0, 0.0]], steps=50)  # fmt: skip
    page = trajectory._repr_markdown_()
    assert page.startswith("**adam** (lr=0.05")
    assert "| (-1.2, 1) |" in page
    assert "<table>" in trajectory._repr_html_()


def test_a_gradient_audit_shows_its_verdict_and_each_wrong_term() -> None:
    audit = optverify.audit_gradient(optverify.surfaces.get("seed"), specimens.df)
    page = audit._repr_markdown_()
    assert "**wrong**" in page
    assert "0.6*y where the derivative has 0.6*x*y" in page
    assert "<td>df/dx</td>" in audit._repr_html_()


def test_a_verification_report_shows_its_properties() -> None:
    report = optverify.verify("sgd", profile="quick", properties=["zero-gradient-gives-zero-step"])
    assert "zero-gradient-gives-zero-step" in report._repr_markdown_()
    assert "<table>" in report._repr_html_()


def test_animating_leaves_the_users_backend_and_figures_alone() -> None:
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    figure = plt.figure()
    try:
        optverify.animate("rosenbrock", ["adam"], start=(-1.2, 1.0), steps=5, size=(200, 160))
        assert matplotlib.get_backend() == backend
        assert plt.get_fignums() == [figure.number]  # no figure of ours in pyplot's list
    finally:
        plt.close(figure)


def test_an_animation_without_an_output_leaves_no_file_or_folder_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "tmp"  # this test's own temporary folder: other tests cannot write in it
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    animation = optverify.animate("rosenbrock", ["adam"], start=(-1.2, 1.0), steps=5,
                                  size=(200, 160))  # fmt: skip
    assert os.listdir(private) == []
    assert animation._repr_html_().startswith('<img src="data:image/gif;base64,R0lGOD')
    saved = animation.save(tmp_path / "a.gif")
    assert saved.read_bytes() == animation.data
    with pytest.raises(optverify.InvalidArgument):
        animation.save(tmp_path / "a.mp4")


def test_lazily_exported_names_are_listed() -> None:
    names = dir(optverify)
    for name in ("animate", "audit_gradient", "run", "verify", "assert_verified", "surfaces"):
        assert name in names
