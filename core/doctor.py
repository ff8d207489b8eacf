"""``tradeassist doctor``: what is configured and reachable."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the doctor command to the tradeassist CLI."""
