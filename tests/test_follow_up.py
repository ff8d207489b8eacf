"""A question of its own is never answered by the previous answer's route; an elliptical one may be."""

from __future__ import annotations

import pytest

from tradeassist.core.answer import Answer, Text
from tradeassist.core.follow_up import leans_on_previous
from tradeassist.core.question import Question, Turn
from tradeassist.core.router import Router


@pytest.mark.parametrize("text", ["and for MSFT?", "what about last week?", "MSFT", "by desk", "only the Crypto desk",
                                  "last month instead", "the same for ETH", "sorted by volume"])
def test_elliptical_questions_lean_on_the_previous_one(text):
    assert leans_on_previous(text)


@pytest.mark.parametrize("text", ["Who is the CEO of Apple?", "What is the capital of France?",
                                  "Show the latest close of AAPL", "How many trades were executed today?"])
def test_questions_of_their_own_do_not(text):
    assert not leans_on_previous(text)


class _Route:
    def __init__(self, name: str, claim: float):
        self.name, self._claim = name, claim

    def claim(self, question):
        return self._claim

    def answer(self, question):
        return Answer(route=self.name, parts=(Text(f"{self.name} answered"),))


def test_the_router_keeps_the_previous_route_only_for_a_follow_up():
    """The newcomer's case: a breakout question, then "Who is the CEO of Apple?" got AAPL's breakout score."""
    signals, sql = _Route("signals", 0.3), _Route("sql", 0.3)
    router = Router([sql, signals])
    before = (Turn("What is the breakout score of NVDA?", Answer(route="signals", parts=(Text("NVDA 0.8"),))),)
    assert router.choose(Question("and for MSFT?", context=before)).route is signals
    standalone = router.choose(Question("Who is the CEO of Apple?", context=before))
    assert standalone.reason != "follow-up of the previous answer" and standalone.route is sql
