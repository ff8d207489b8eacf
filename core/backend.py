"""The shared backend: settings + the ordered routes + the router, answering Questions."""

from __future__ import annotations

import time
from collections.abc import Sequence

from core.answer import Answer, error_answer
from core.errors import TradeAssistError
from core.question import Question
from core.route import Route
from core.router import Router
from core.settings import Settings


class Backend:
    """One question in, one Answer out; every front end (CLI, chat, Jupyter, HTTP) uses this."""

    def __init__(self, settings: Settings, routes: Sequence[Route] | None = None):
        from core.routes import default_routes, router_options  # explicit tuple of routes, built on demand

        self.settings = settings
        self.router = Router(routes if routes is not None else default_routes(settings), **router_options(settings))

    def ask(self, question: Question | str, **fields: object) -> Answer:
        """Answer one question; raises TradeAssistError with a clear message on bad input."""
        if isinstance(question, str):
            question = Question(question, **fields)  # type: ignore[arg-type]
        started = time.perf_counter()
        answer = self.router.answer(question)
        return answer.with_timing(total=(time.perf_counter() - started) * 1000)

    def ask_safely(self, question: Question | str, **fields: object) -> Answer:
        """Like ``ask`` but never raises: failures come back as an Answer with ``error`` set."""
        started = time.perf_counter()
        try:
            return self.ask(question, **fields)
        except TradeAssistError as exc:
            return error_answer(
                getattr(question, "route", None) or "none",
                exc,
                {"total": (time.perf_counter() - started) * 1000},
            )

    def route_names(self) -> list[str]:
        """Names of the routes, in order."""
        return [route.name for route in self.router.routes]
