"""The consoles the commands print to: answers on stdout, errors on stderr."""

from __future__ import annotations

from rich.console import Console


def live_console(**options) -> Console:
    """A Rich console that reads the terminal's width (or COLUMNS) each time it prints.

    Rich fixes COLUMNS once, when a console is made; a console made while one command ran with a
    narrow COLUMNS would then cut every later command's tables in the same process (the shell, the
    kernel, a test run).
    """
    console = Console(**options)
    console._width = None  # Rich's own "not fixed": its size property then reads COLUMNS on every use
    return console


#: Rich consoles look up sys.stdout / sys.stderr when they print, so test runners capture them.
console = live_console()
err_console = live_console(stderr=True)
