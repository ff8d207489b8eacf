"""The Route protocol: one engine that can answer some questions."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tradeassist.core.answer import Answer
from tradeassist.core.question import Question


@runtime_checkable
class Route(Protocol):
    """An engine behind the router (sql, docs, signals)."""

    #: Short stable name, used for overrides (``--route sql``) and in answers.
    name: str
    #: One line saying what this route answers, shown in help and to the router's tie-breaker.
    description: str

    def claim(self, question: Question) -> float:
        """How strongly this route claims the question, from 0 (not mine) to 1 (certainly mine)."""
        ...

    def answer(self, question: Question) -> Answer:
        """Answer the question, or raise a TradeAssistError with a clear message."""
        ...
