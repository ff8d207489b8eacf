"""``tradeassist shell``: questions one after another in one conversation, the engines loaded once.

Each line is a question; follow-ups ("and for the Crypto desk only?") use the conversation so far,
as in the chat and the notebook. ``new`` starts a new conversation, ``exit``, ``quit`` or Ctrl-D
ends. The conversation is also saved where ``ask --continue`` finds it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from tradeassist.core.conversation import MAX_TURNS, clear_conversation, save_turn
from tradeassist.core.errors import TradeAssistError
from tradeassist.core.question import Question, Turn

PROMPT = "tradeassist> "
GREETING = ("Ask a question (follow-ups use the conversation); 'new' starts a new conversation, "
            "'exit' or Ctrl-D ends.")


def prompted_lines(console: Console, read: Callable[[str], str] = input) -> Iterator[str]:
    """Lines typed at the prompt, until end of input or Ctrl-C."""
    while True:
        try:
            yield read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            console.print()
            return


def run_shell(backend, lines: Iterator[str], console: Console, saved: Path, *, user: str,
              route: str | None = None, context: list[Turn] | None = None) -> int:
    """Answer each line in one conversation; returns how many questions were answered."""
    from tradeassist.core.render import render_answer

    turns: list[Turn] = list(context or [])
    answered = 0
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        if text.lower() in ("exit", "quit"):
            break
        if text.lower() == "new":
            turns.clear()
            clear_conversation(saved)
            console.print("[dim]New conversation.[/]")
            continue
        try:
            answer = backend.ask(Question(text, route=route, user=user, context=tuple(turns[-MAX_TURNS:])))
        except TradeAssistError as exc:  # a refused question ends nothing: the next one is asked
            console.print(f"[bold red]Error:[/] {escape(str(exc))}")
            continue
        render_answer(answer, console)
        save_turn(saved, text, answer, keep=bool(turns))
        turns.append(Turn(text, answer))
        answered += 1
    return answered
