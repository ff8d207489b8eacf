"""The router: picks the route that answers a question (override first, then the strongest claim)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from core.answer import Answer
from core.errors import BadInputError, NoRouteError, UnknownNameError
from core.question import Question
from core.route import Route

#: Below this, no route is confident enough and the question is refused with help.
MIN_CLAIM = 0.15


@dataclass(frozen=True)
class RouteChoice:
    """Which route was picked and every route's claim, for the "route taken" step."""

    route: Route
    claims: dict[str, float]
    reason: str


class Router:
    """Chooses one route among an explicit, ordered tuple of routes."""

    def __init__(self, routes: Sequence[Route]):
        names = [route.name for route in routes]
        if len(set(names)) != len(names):
            raise ValueError(f"route names must be unique: {names}")
        self.routes: tuple[Route, ...] = tuple(routes)

    def by_name(self, name: str) -> Route:
        """The route called ``name``; a clear error listing the choices otherwise."""
        for route in self.routes:
            if route.name == name:
                return route
        choices = ", ".join(route.name for route in self.routes)
        raise UnknownNameError(f"There is no route called {name!r}; choose one of: {choices}.")

    def choose(self, question: Question) -> RouteChoice:
        """Pick the route for a question: the override, else the highest claim (ties by order)."""
        if question.route:
            return RouteChoice(self.by_name(question.route), {}, "chosen by the user")
        if not question.text:
            raise BadInputError("The question is empty. Ask something like: 'latest close of AAPL'.")
        claims = {route.name: float(route.claim(question)) for route in self.routes}
        follow = self._follow_up_route(question, claims)
        if follow is not None:
            return RouteChoice(follow, claims, "follow-up of the previous answer")
        best = max(self.routes, key=lambda route: claims[route.name])  # max keeps the first of ties
        if claims[best.name] < MIN_CLAIM:
            raise NoRouteError(
                "I could not tell what this question is about. Ask about your trading data "
                "(prices, trades, orders, positions), your documents, or signals "
                "(breakout scores, backtests)."
            )
        return RouteChoice(best, claims, f"strongest claim ({claims[best.name]:.2f})")

    def _follow_up_route(self, question: Question, claims: dict[str, float]) -> Route | None:
        # A short elliptical follow-up ("and for MSFT?") that no route claims strongly belongs
        # to the route that answered the previous question.
        previous = question.previous
        if previous is None or previous.answer is None or previous.answer.error is not None:
            return None
        if max(claims.values(), default=0.0) >= 0.6:
            return None
        for route in self.routes:
            if route.name == previous.answer.route:
                return route
        return None

    def answer(self, question: Question) -> Answer:
        """Route and answer one question, recording the routing time and the choice."""
        started = time.perf_counter()
        choice = self.choose(question)
        routed_ms = (time.perf_counter() - started) * 1000
        answer = choice.route.answer(question)
        state = dict(answer.state)
        state.setdefault("route_reason", choice.reason)
        state.setdefault("claims", choice.claims)
        return answer.replace(state=state).with_timing(route=routed_ms)
