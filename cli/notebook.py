"""``tradeassist jupyter install|uninstall|lab``: the TradeAssist kernel and JupyterLab."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated, Optional

import typer

from tradeassist.cli.groups import subgroup


def install_command(
    user: Annotated[bool, typer.Option("--user/--system", help="Install for this user (default).")] = True,
    prefix: Annotated[Optional[str], typer.Option(help="Install under this prefix (e.g. sys.prefix).")] = None,
) -> None:
    """Install the TradeAssist kernel (cells are plain-English questions)."""
    from tradeassist.kernels.kernelspec import install

    folder = install(user=user, prefix=prefix)
    typer.echo(f"Installed the TradeAssist kernel in {folder}")


def uninstall_command() -> None:
    """Remove the TradeAssist kernel."""
    from tradeassist.kernels.kernelspec import uninstall

    folder = uninstall()
    typer.echo(f"Removed {folder}" if folder else "The TradeAssist kernel was not installed.")


def lab_command(
    ctx: typer.Context,
    port: Annotated[Optional[int], typer.Option(help="Port for JupyterLab.")] = None,
) -> None:
    """Start JupyterLab (extra options go to jupyter lab); load magics with %load_ext tradeassist."""
    argv = [sys.executable, "-m", "jupyterlab"]
    if port:
        argv.append(f"--port={port}")
    raise typer.Exit(subprocess.call([*argv, *ctx.args]))


def register(app: typer.Typer) -> None:
    """Add the ``jupyter`` command group to the tradeassist CLI."""
    group = subgroup(app, "jupyter", "Use tradeassist inside Jupyter: the TradeAssist kernel and JupyterLab.")
    group.command("install")(install_command)
    group.command("uninstall")(uninstall_command)
    group.command("lab", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(lab_command)
