"""The router: picks the route that answers a question (override first, then the strongest claim)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tradeassist.core.answer import Answer, ModelInfo, Notice, Text
from tradeassist.core.classifier import RESCUE_SIMILARITY, SEPARATION
from tradeassist.core.errors import BadInputError, NoRouteError, TradeAssistError, UnknownNameError
from tradeassist.core.follow_up import leans_on_previous
from tradeassist.core.question import Question
from tradeassist.core.route import Route
from tradeassist.core.route_evidence import close_call_notice, weigh_claims

if TYPE_CHECKING:  # the classifier's model loads only when a tie needs it
    from tradeassist.core.classifier import RouteClassifier

#: Below this, no route is confident enough and the question is refused with help.
MIN_CLAIM = 0.15
#: Claims this close to the best one are a tie that the classifier (then a model) breaks.
TIE_MARGIN = 0.1
#: Each part of a compound question must be claimed this strongly by its own route, and at most
#: ``FOREIGN_CLAIM`` by the other part's route.
PART_CLAIM = 0.5
FOREIGN_CLAIM = 0.3
#: Beside a strongly claimed part, the other part may be claimed this weakly by its own route
#: (a document question with few document words), if that route claims it more than the first.
SOFT_PART_CLAIM = 0.25


@dataclass(frozen=True)
class RouteChoice:
    """Which route was picked and every route's claim, for the "route taken" step."""

    route: Route
    claims: dict[str, float]
    reason: str


class Router:
    """Chooses one route among an explicit, ordered tuple of routes."""

    def __init__(self, routes: Sequence[Route], *, classifier: RouteClassifier | None = None,
                 tie_breaker: Callable[[Question, Sequence[Route]], str | None] | None = None):
        names = [route.name for route in routes]
        if len(set(names)) != len(names):
            raise ValueError(f"route names must be unique: {names}")
        self.routes: tuple[Route, ...] = tuple(routes)
        #: Breaks near-ties of claims (and rescues unclaimed questions); None keeps claim order.
        self.classifier = classifier
        #: A language model's pick among tied routes, asked when the classifier cannot separate them.
        self.tie_breaker = tie_breaker

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
        claims = weigh_claims(question, claims, self.routes)  # words only the documents explain
        follow = self._follow_up_route(question, claims)
        if follow is not None:
            return RouteChoice(follow, claims, "follow-up of the previous answer")
        best = max(self.routes, key=lambda route: claims[route.name])  # max keeps the first of ties
        if self.classifier is not None:
            picked = self._classify(question, claims, best)
            if picked is not None:
                return picked
        if claims[best.name] < MIN_CLAIM:
            raise NoRouteError(
                "I could not tell what this question is about. Ask about your trading data "
                "(prices, trades, orders, positions), your documents, or signals "
                "(breakout scores, backtests)."
            )
        return RouteChoice(best, claims, f"strongest claim ({claims[best.name]:.2f})")

    def _classify(self, question: Question, claims: dict[str, float], best: Route) -> RouteChoice | None:
        # Only where the claims leave a doubt: a near-tie, or nothing claimed at all.
        top = claims[best.name]
        if top >= MIN_CLAIM:
            tied = [r for r in self.routes if claims[r.name] >= MIN_CLAIM and top - claims[r.name] <= TIE_MARGIN]
        else:
            tied = list(self.routes)
        if len(tied) < 2 or not self.classifier.knows([r.name for r in tied]):
            return None
        guess = self.classifier.guess(question.text, [r.name for r in tied])
        if guess is None:
            return None
        if top < MIN_CLAIM and guess.nearest < RESCUE_SIMILARITY:
            return None
        chosen, reason = guess.route, f"classifier among near-ties ({guess.score:.2f})"
        if guess.margin < SEPARATION and self.tie_breaker is not None:
            named = self.tie_breaker(question, tied)
            if named is not None:
                chosen, reason = named, "language model among near-ties"
        if top < MIN_CLAIM:
            reason = f"classifier (nearest example {guess.nearest:.2f}); no route claimed it"
        return RouteChoice(self.by_name(chosen), claims, reason)

    def _follow_up_route(self, question: Question, claims: dict[str, float]) -> Route | None:
        # A short elliptical follow-up ("and for MSFT?") that no route claims strongly belongs
        # to the route that answered the previous question.
        previous = question.previous
        if previous is None or previous.answer is None or previous.answer.error is not None:
            return None
        if max(claims.values(), default=0.0) >= 0.6:
            return None
        # A question of its own ("Who is the CEO of Apple?") is never another route's follow-up.
        if not leans_on_previous(question.text):
            return None
        for route in self.routes:
            if route.name == previous.answer.route:
                return route
        return None

    def split(self, question: Question) -> list[tuple[Question, Route]] | None:
        """A compound question's parts with their routes, or None when it is one question."""
        from tradeassist.core.classifier import split_compound

        if question.route or len(self.routes) < 2:
            return None
        for first, second in split_compound(question.text):
            parts = [Question(text, user=question.user, confidential=question.confidential, frames=question.frames)
                     for text in (first, second)]
            claims = [{route.name: float(route.claim(part)) for route in self.routes} for part in parts]
            winners = [max(self.routes, key=lambda route, c=c: c[route.name]) for c in claims]
            if winners[0].name == winners[1].name:
                continue
            if _parts_apart(claims, [w.name for w in winners]):
                return list(zip(parts, winners))
        return None

    def answer(self, question: Question) -> Answer:
        """Route and answer one question (or each part of a compound one), recording the choice."""
        started = time.perf_counter()
        split = self.split(question)
        if split is not None:
            return self._answer_parts(question, split, (time.perf_counter() - started) * 1000)
        choice = self.choose(question)
        routed_ms = (time.perf_counter() - started) * 1000
        answer = choice.route.answer(question)
        state = dict(answer.state)
        state.setdefault("route_reason", choice.reason)
        state.setdefault("claims", choice.claims)
        # Two routes claiming it about equally: say which answered and offer the other.
        notice = close_call_notice(choice.route.name, choice.claims, TIE_MARGIN, MIN_CLAIM)
        if notice is not None and answer.error is None:
            answer = answer.replace(parts=(*answer.parts, notice))
        return answer.replace(state=state).with_timing(route=routed_ms)

    def _answer_parts(self, question: Question, split: list[tuple[Question, Route]], routed_ms: float) -> Answer:
        # Each part answered by its route; one part failing leaves a warning, not a failed answer.
        answers: list[Answer] = []
        for part, route in split:
            try:
                answers.append(route.answer(part))
            except TradeAssistError as exc:
                answers.append(Answer(route=route.name, parts=(), error=exc))
        if all(answer.error is not None for answer in answers):
            raise answers[0].error  # type: ignore[misc]
        parts: list = []
        timings: dict[str, float] = {"route": routed_ms}
        for (part, _route), answer in zip(split, answers):
            parts.append(Text(f"### {part.text} ({answer.route})"))
            if answer.error is not None:
                parts.append(Notice(f"This part could not be answered: {answer.error}", "warning"))
            else:
                parts.extend(answer.parts)
            timings.update({f"{answer.route}.{key}": value for key, value in answer.timings_ms.items()})
        return Answer(route="multi", parts=tuple(parts), model=merge_models([a.model for a in answers]),
                      timings_ms=timings,
                      state={"routes": [a.route for a in answers], "questions": [p.text for p, _r in split],
                             "route_reason": "compound question split by route"})


def _parts_apart(claims: list[dict[str, float]], winners: list[str]) -> bool:
    """Whether two parts belong to two routes: each claimed by its own, little by the other's.

    Both parts strongly claimed and neither much by the other's route; or one strongly claimed
    (clearly more than by the other route) and the other claimed at least softly by its route,
    more than that route claims the first part, and hardly at all by the first part's route. Without the second case a compound
    question whose document half has few document words went whole to the SQL route.
    """
    own = [c[w] for c, w in zip(claims, winners)]
    foreign = [claims[0][winners[1]], claims[1][winners[0]]]
    if all(value >= PART_CLAIM for value in own) and all(value < FOREIGN_CLAIM for value in foreign):
        return True
    for strong, soft in ((0, 1), (1, 0)):
        if (own[strong] >= PART_CLAIM and own[strong] - claims[strong][winners[soft]] >= TIE_MARGIN
                and own[soft] >= SOFT_PART_CLAIM
                and claims[soft][winners[strong]] < FOREIGN_CLAIM
                and own[soft] > claims[strong][winners[soft]]):
            return True
    return False


def merge_models(models: Sequence[ModelInfo]) -> ModelInfo:
    """One provenance for several answers: methods joined, tokens, latency and cost summed."""
    used = [m for m in models if m.provider != "offline"]
    first = used[0] if used else models[0]
    return ModelInfo(method="+".join(dict.fromkeys(m.method for m in models)), provider=first.provider,
                     model=first.model, tokens_in=sum(m.tokens_in for m in models),
                     tokens_out=sum(m.tokens_out for m in models), latency_ms=sum(m.latency_ms for m in models),
                     cost_usd=sum(m.cost_usd for m in models))

