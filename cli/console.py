"""The consoles the commands print to: answers on stdout, errors on stderr."""

from __future__ import annotations

from rich.console import Console

#: Rich consoles look up sys.stdout / sys.stderr when they print, so test runners capture them.
console = Console()
err_console = Console(stderr=True)
