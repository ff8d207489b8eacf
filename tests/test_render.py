"""The terminal rendering of answers: plain summaries look exactly as Markdown would lay them out."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.markdown import Markdown

from tradeassist.core.render import prose

PLAIN = [
    "Close: 204.10 (date 2026-11-20).",
    "5 rows; highest sum of volume: DOGE (9.9B), then XRP (4.46B) and ADA (1.84B); lowest: SPY (409M).",
    "Average close: 448.85.",
    "Don't - it's 5% of $1,000/day, \"quoted\" and (bracketed); two  spaces inside.",
    "x" * 250,
    "word " * 40 + "end",
]
MARKED = ["**bold** close", "a `code` span", "- a list item", "1. first", "# heading", "a [link](http://x)",
          "line one\nline two", "  indented", "AT&amp;T", "a | b", "snake_case_name"]


def _shown(renderable, width: int, terminal: bool) -> str:
    console = Console(width=width, force_terminal=terminal, color_system="truecolor" if terminal else None)
    with console.capture() as captured:
        console.print(renderable)
    return captured.get()


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("width", [20, 41, 80, 120])
def test_plain_text_is_laid_out_as_markdown_would(width, terminal):
    for text in PLAIN:
        assert not isinstance(prose(text), Markdown)
        assert _shown(prose(text), width, terminal) == _shown(Markdown(text), width, terminal)


def test_text_with_markup_still_goes_through_markdown():
    for text in MARKED:
        assert isinstance(prose(text), Markdown), text
    assert _shown(prose("**bold** close"), 40, False).rstrip() == "bold close"
