"""Approved SQL answers become taught question-SQL pairs of the user who approved them (thumbs up in the chat)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradeassist.core.errors import TradeAssistError

if TYPE_CHECKING:
    from tradeassist.core.backend import Backend


def teach_from_feedback(backend: Backend, question: str, sql: str, user: str) -> str:
    """Teach the pair for ``user`` alone through the backend; returns 'taught', or 'refused: <why>' for the log."""
    try:
        backend.teach(question, sql, user=user)
    except TradeAssistError as exc:
        return f"refused: {exc}"
    return "taught"
