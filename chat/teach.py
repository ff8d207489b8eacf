"""Approved SQL answers become taught question-SQL pairs (thumbs up in the chat)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from core.errors import TradeAssistError
from core.settings import Settings

PENDING_FILE = "taught_pending.jsonl"


def teach_from_feedback(settings: Settings, question: str, sql: str, user: str) -> str:
    """Teach the pair through ``sql.teach`` when it is installed, else queue it; returns what happened."""
    try:
        from sql.teach import Teacher
    except ImportError:
        Teacher = None
    if Teacher is not None:
        try:
            Teacher(settings).teach(question, sql)
            return "taught"
        except TradeAssistError as exc:
            return f"refused: {exc}"
    return queue_pending(settings, question, sql, user)


def queue_pending(settings: Settings, question: str, sql: str, user: str) -> str:
    """Append the pair to ``<home>/taught_pending.jsonl`` for ``tradeassist teach`` to take in later."""
    path: Path = settings.ensure_home() / PENDING_FILE
    record = {"question": question, "sql": sql, "user": user, "approved_at": time.time()}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return "queued"
