"""The CLI's consoles follow COLUMNS when they print, whenever they were made."""

from __future__ import annotations

from tradeassist.cli.console import live_console


def test_a_console_made_under_narrow_columns_widens_with_them(monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    console = live_console()
    monkeypatch.setenv("COLUMNS", "160")
    assert console.width == 160
    with console.capture() as captured:
        console.print("x" * 150)
    assert captured.get().count("\n") == 1  # one line: not wrapped at the width it was made with
