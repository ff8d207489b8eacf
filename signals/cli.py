"""Command-line commands of the signals package (registered by core.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the tradeassist CLI."""
