"""Command groups (``eval``, ``signals`` ...) that several areas of the command line add to."""

from __future__ import annotations

import typer


def subgroup(parent: typer.Typer, name: str, help: str) -> typer.Typer:
    """The command group ``name`` under ``parent`` (e.g. ``eval``), created on first use."""
    for info in parent.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode="markdown")
    parent.add_typer(group, name=name)
    return group
