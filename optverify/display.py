"""Rich displays in Jupyter: one Markdown report per result, rendered to HTML the same way.

``_repr_markdown_`` gives the report a user wants to read (not a dataclass dump), and
``_repr_html_`` is that Markdown rendered by markdown-it, so a notebook shows the same page as
``to_markdown()`` anywhere else.
"""

from __future__ import annotations

__all__ = ["markdown_to_html"]


def markdown_to_html(text: str) -> str:
    """``text`` (Markdown with tables) as an HTML fragment."""
    from markdown_it import MarkdownIt

    html: str = MarkdownIt("commonmark").enable("table").render(text)
    return html
