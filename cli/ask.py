"""``tradeassist ask`` and ``tradeassist shell``: plain-English questions answered in the terminal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tradeassist.cli.console import console
from tradeassist.cli.options import DbOption, JsonOption, RouteOption, UserOption, settings_for
from tradeassist.core.errors import TradeAssistError


def ask(
    question: Annotated[str, typer.Argument(help="The question, or '-' to read one per line from stdin.")],
    as_json: JsonOption = False,
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
    from tradeassist.core.backend import Backend
    from tradeassist.core.conversation import conversation_path, load_turns, save_turn
    from tradeassist.core.jsonform import dumps
    from tradeassist.core.question import Question
    from tradeassist.core.render import render_answer
    from tradeassist.core.routes import build_services

    settings = settings_for(db)
    backend = Backend(build_services(settings))  # the command's one services object, built here at the edge
    if question == "-":
        raise typer.Exit(_ask_each_line(backend, route=route, user=user))
    saved = conversation_path(settings.ensure_home(), user)
    context = load_turns(saved) if keep_going else []
    answer = backend.ask(Question(question, route=route, user=user, context=context))
    save_turn(saved, question, answer, keep=keep_going)
    if as_json:
        sys.stdout.write(dumps(answer) + "\n")
    else:
        render_answer(answer, console)


def _ask_each_line(backend, *, route: str | None, user: str) -> int:
    """One JSON answer per stdin line, in order, even when a question fails; the exit code."""
    from tradeassist.core.answer import error_answer
    from tradeassist.core.jsonform import dumps
    from tradeassist.core.question import Question

    failures = 0
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        try:
            answer = backend.ask_safely(Question(text, route=route, user=user))
        except TradeAssistError as exc:  # the Question itself was refused
            answer = error_answer(route or "none", exc)
        failures += answer.error is not None
        sys.stdout.write(dumps(answer) + "\n")
        sys.stdout.flush()
    return 1 if failures else 0


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
    from tradeassist.cli.shell import GREETING, prompted_lines, run_shell
    from tradeassist.core.backend import Backend
    from tradeassist.core.conversation import conversation_path, load_turns
    from tradeassist.core.routes import build_services

    settings = settings_for(db)
    saved = conversation_path(settings.ensure_home(), user)
    console.print(f"[dim]{GREETING}[/]")
    run_shell(Backend(build_services(settings)), prompted_lines(console), console, saved, user=user, route=route,
              context=load_turns(saved) if keep_going else None)


def register(app: typer.Typer) -> None:
    """Add ``ask`` and ``shell`` to the tradeassist CLI."""
    app.command("ask")(ask)
    app.command("shell")(shell)
