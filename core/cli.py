"""The ``tradeassist`` command line: ``ask`` lives here; each package adds its own commands."""

from __future__ import annotations

import importlib
import json
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console

from core.cli_examples import attach_examples
from core.errors import TradeAssistError
from core.quiet import quiet_libraries

# Before any command imports a library: their progress bars and notices stay out of the output.
quiet_libraries()

app = typer.Typer(
    name="tradeassist",
    help="Ask questions about trading data, documents and signals in plain English.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are Markdown: `code` shows as code, indented example lines keep their layout.
    rich_markup_mode="markdown",
)
console = Console()
err_console = Console(stderr=True)

#: Packages that add commands, in help order. Each module has ``register(app)``.
COMMAND_MODULES = (
    "sql.data_cli",
    "sql.cli",
    "sql.catalog_cli",
    "ingest.cli",
    "retrieval.cli",
    "signals.cli",
    "chat.cli",
    "kernels.cli",
    "core.doctor",
)


def subgroup(parent: typer.Typer, name: str, help: str) -> typer.Typer:
    """The command group ``name`` under ``parent`` (e.g. ``eval``), created on first use."""
    for info in parent.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help=help, no_args_is_help=True, rich_markup_mode="markdown")
    parent.add_typer(group, name=name)
    return group


#: Options ``ask`` and ``shell`` share.
RouteOption = Annotated[Optional[str], typer.Option(help="Force a route: sql, docs or signals.")]
DbOption = Annotated[Optional[str], typer.Option(help="Trading database (DuckDB path or SQLAlchemy URL).")]
UserOption = Annotated[str, typer.Option(help="Who is asking (selects their documents).")]


def _settings(db: str | None = None):
    from core.settings import load_settings

    return load_settings(db_url=db)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, or '-' to read one per line from stdin.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON form of the answer.")] = False,
    route: RouteOption = None,
    db: DbOption = None,
    user: UserOption = "local",
    keep_going: Annotated[bool, typer.Option(
        "--continue", "-c", help="A follow-up: continue the last conversation of this terminal user.")] = False,
) -> None:
    """Answer a plain-English question (SQL, documents or signals).

    Each answer starts a new conversation; `--continue` asks a follow-up in the last one
    (kept in TRADEASSIST_HOME).

    Examples:

        tradeassist ask "Top 5 symbols by total volume in the last 7 days"
        tradeassist ask "How many trades were executed per desk this month?"
        tradeassist ask --continue "and for the Crypto desk only?"
        tradeassist ask --route docs "What does the trading policy say about stop-loss?"
        tradeassist ask --json "latest close of AAPL"
        printf 'latest close of AAPL\\ndelete all trades\\n' | tradeassist ask -
    """
    from core.backend import Backend
    from core.conversation import conversation_path, load_turns, save_turn
    from core.jsonform import dumps
    from core.question import Question
    from core.render import render_answer

    settings = _settings(db)
    backend = Backend(settings)
    if question == "-":
        # One JSON answer per input line, in order, even when a question fails.
        failures = 0
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            try:
                answer = backend.ask_safely(Question(text, route=route, user=user))
            except TradeAssistError as exc:  # the Question itself was refused
                from core.answer import error_answer

                answer = error_answer(route or "none", exc)
            failures += answer.error is not None
            sys.stdout.write(dumps(answer) + "\n")
            sys.stdout.flush()
        raise typer.Exit(1 if failures else 0)
    saved = conversation_path(settings.ensure_home(), user)
    context = load_turns(saved) if keep_going else []
    answer = backend.ask(Question(question, route=route, user=user, context=context))
    save_turn(saved, question, answer, keep=keep_going)
    if as_json:
        sys.stdout.write(dumps(answer) + "\n")
    else:
        render_answer(answer, console)


@app.command()
def shell(
    route: RouteOption = None,
    db: DbOption = None,
    user: UserOption = "local",
    keep_going: Annotated[bool, typer.Option(
        "--continue", "-c", help="Start from the last conversation of this terminal user.")] = False,
) -> None:
    """Ask question after question in one conversation; follow-ups work, the engines load once.

    Type `new` to start a new conversation, `exit` or Ctrl-D to end.
    """
    from core.backend import Backend
    from core.conversation import conversation_path, load_turns
    from core.shell import GREETING, prompted_lines, run_shell

    settings = _settings(db)
    saved = conversation_path(settings.ensure_home(), user)
    console.print(f"[dim]{GREETING}[/]")
    run_shell(Backend(settings), prompted_lines(console), console, saved, user=user, route=route,
              context=load_turns(saved) if keep_going else None)


def _register_packages() -> None:
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(app)


_register_packages()
attach_examples(app)


def main() -> None:
    """Entry point: run the CLI and turn TradeAssistErrors into clear messages (exit 1)."""
    try:
        app()
    except TradeAssistError as exc:
        if "--json" in sys.argv:
            from core.jsonform import error_json

            sys.stdout.write(json.dumps({"error": error_json(exc)}) + "\n")
        err_console.print(f"[bold red]Error:[/] {exc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
