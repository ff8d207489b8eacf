"""The terminal's conversation: the last questions and answers of ``tradeassist ask``, kept in the home.

The chat and the notebook keep a conversation in memory; a command line forgets everything when it
exits. ``ask --continue`` reads this file back so that follow-ups ("and for the Crypto desk only?")
work in the terminal too. Answers are kept in their JSON form without rows or figures, as the chat's
history keeps them: what a follow-up needs is the question, the SQL and the route's state.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from tradeassist.core.answer import Answer, Chart
from tradeassist.core.question import Turn

#: Follow-ups look back a few turns; older ones only make the file grow.
MAX_TURNS = 10
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def conversation_path(home: Path, user: str) -> Path:
    """The file holding ``user``'s terminal conversation inside the product's home."""
    return home / "conversations" / f"cli-{_UNSAFE.sub('_', user)[:80] or 'local'}.json"


def _turn_json(question: str, answer: Answer) -> dict[str, Any]:
    from tradeassist.core.jsonform import answer_to_json, json_safe_state

    # The saved turn keeps no chart: leaving the part out spares making a figure nobody reads.
    data = answer_to_json(answer.replace(parts=tuple(p for p in answer.parts if not isinstance(p, Chart))))
    data.update(question=question, rows=[], chart=None, state=json_safe_state(answer.state))
    return data


def load_turns(path: Path) -> list[Turn]:
    """The saved conversation as Turns, oldest first; empty when there is none (or it is unreadable)."""
    from tradeassist.core.errors import TradeAssistError
    from tradeassist.core.jsonform import answer_from_json

    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    turns = []
    for data in records if isinstance(records, list) else []:
        if not isinstance(data, dict) or not data.get("question"):
            continue
        try:
            answer = answer_from_json(data).replace(state=data.get("state") or {})
        except (TradeAssistError, KeyError, TypeError, ValueError):
            answer = None  # the question still gives context
        turns.append(Turn(str(data["question"]), answer))
    return turns


def clear_conversation(path: Path) -> None:
    """Forget the saved conversation (the next ``ask --continue`` has nothing to follow)."""
    path.unlink(missing_ok=True)


def save_turn(path: Path, question: str, answer: Answer, *, keep: bool) -> None:
    """Add one exchange to the saved conversation (``keep=False`` starts a new one with it)."""
    records: list = []
    if keep:
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            records = loaded if isinstance(loaded, list) else []
        except (OSError, ValueError):
            records = []
    records = (records + [_turn_json(question, answer)])[-MAX_TURNS:]
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    # Written aside then renamed, so an interrupted write never leaves half a conversation;
    # owner-only, as questions and answers can be private.
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(records, handle, ensure_ascii=False)
    os.replace(scratch, path)
