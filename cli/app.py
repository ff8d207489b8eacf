"""The ``tradeassist`` command line: the root app, every area's commands, and the entry point.

Each area (``tradeassist.cli.ask``, ``tradeassist.cli.sql`` ...) adds its commands with ``register(app)``, in help order.
The areas import typer and rich only; engines load inside the commands that use them, so
``tradeassist --help`` and a first question start fast.
"""

from __future__ import annotations

import gc
import json
import os
import sys

import typer

from tradeassist.cli import ask, catalog, chat, data, docs, doctor, notebook, signals, sql
from tradeassist.cli.console import err_console
from tradeassist.cli.examples import attach_examples
from tradeassist.core.errors import TradeAssistError
from tradeassist.core.quiet import quiet_libraries

# Before any command imports a library (the areas import none at their top): their progress bars
# and notices stay out of the output.
quiet_libraries()

#: Allocations between two collections of the youngest objects while a command runs (Python's default is 700).
GC_THRESHOLD = 50_000
#: Commands that keep running and allocating for as long as someone uses them: they keep Python's threshold.
LONG_RUNNING_COMMANDS = frozenset({"chat", "shell"})

app = typer.Typer(
    name="tradeassist",
    help="Ask questions about trading data, documents and signals in plain English.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are Markdown: `code` shows as code, indented example lines keep their layout.
    rich_markup_mode="markdown",
)

ask.register(app)
data.register(app)
sql.register(app)
catalog.register(app)
docs.register(app)
signals.register(app)
chat.register(app)
notebook.register(app)
doctor.register(app)
attach_examples(app)


def command_name(argv: list[str]) -> str:
    """The command a command line runs: its first word that is not an option ("" for none)."""
    return next((word for word in argv if not word.startswith("-")), "")


def main() -> None:
    """Entry point: run the CLI and turn TradeAssistErrors into clear messages (exit 1)."""
    # A command loads about a thousand modules (a million objects, almost none of them garbage);
    # at the default threshold the collector walks them over and over, a fifth of a first answer's
    # time. A session that goes on (chat, shell) keeps the default so its garbage is freed as usual.
    if command_name(sys.argv[1:]) not in LONG_RUNNING_COMMANDS:
        gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    # What a command writes (the home's databases, document store, caches; exports of trading data)
    # is the owner's only, as the home folder promises, whatever the shell's umask.
    os.umask(0o077)
    try:
        app()
    except TradeAssistError as exc:
        if "--json" in sys.argv:
            from tradeassist.core.jsonform import error_json

            sys.stdout.write(json.dumps({"error": error_json(exc)}) + "\n")
        err_console.print(f"[bold red]Error:[/] {exc}")
        sys.exit(1)
    finally:
        # The process ends next: frozen objects are not walked again by the collections of shutdown.
        gc.freeze()


if __name__ == "__main__":
    main()
