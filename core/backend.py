"""The shared backend: the services (settings, routes, models) + the router, answering Questions."""

from __future__ import annotations

import time
from collections.abc import Sequence

from tradeassist.core.answer import Answer, error_answer
from tradeassist.core.errors import TradeAssistError
from tradeassist.core.question import Question
from tradeassist.core.route import Route
from tradeassist.core.router import Router
from tradeassist.core.services import Services
from tradeassist.core.settings import Settings


class Backend:
    """One question in, one Answer out; every front end (CLI, chat, Jupyter, HTTP) uses this.

    Give it the services a front end built at its edge. Given plain settings instead, it builds
    services of its own (a convenience for scripts and tests); given ``routes`` only, with no
    settings, it routes among them with no classifier or model.
    """

    def __init__(self, services: Services | Settings | None, routes: Sequence[Route] | None = None):
        if isinstance(services, Settings):
            from tradeassist.core.routes import build_services  # the wiring imports the engines, on demand

            services = build_services(services, routes=routes)
        #: None only for a backend over bare ``routes`` (no settings, no models).
        self.services = services
        self.settings = services.settings if services is not None else None
        if services is None:
            self.router = Router(routes or ())
        else:
            self.router = Router(routes if routes is not None else services.routes, **services.router_options())

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

    def teach(self, question: str, sql: str, user: str | None = None) -> object:
        """Store an approved question-SQL pair with the sql route, which guards the SQL first; returns the pair.

        ``user`` keeps the pair to that user's questions; None teaches it for everyone (the operator's action).
        """
        return self.router.by_name("sql").teach(question, sql, user=user)

    def route_names(self) -> list[str]:
        """Names of the routes, in order."""
        return [route.name for route in self.router.routes]
