"""The router's classifier (MiniLM over labelled examples), model tie-breaks, compound questions."""

from __future__ import annotations

import pytest
from llm_server import LlmServer, Reply

from tradeassist.core.answer import Answer, ModelInfo, Text
from tradeassist.core.classifier import ModelTieBreaker, RouteClassifier, resolve_reference, split_compound
from tradeassist.core.errors import DataSourceError, NoRouteError
from tradeassist.core.gateway import Gateway
from tradeassist.core.question import Question
from tradeassist.core.router import Router


class WordRoute:
    """A route claiming questions that contain its word (the router logic is what is tested)."""

    def __init__(self, name: str, word: str, *, fails: bool = False, model: ModelInfo | None = None):
        self.name, self.word, self.fails = name, word, fails
        self.description = f"questions about {word}"
        self.model = model or ModelInfo(method="offline")

    def claim(self, question: Question) -> float:
        return 0.9 if self.word in question.text.lower() else 0.0

    def answer(self, question: Question) -> Answer:
        if self.fails:
            raise DataSourceError("the database is down")
        return Answer(route=self.name, parts=(Text(f"{self.name} answer to {question.text}"),), model=self.model)


@pytest.fixture(scope="module")
def embedder():
    from tradeassist.retrieval.embeddings import LazyEmbedder

    return LazyEmbedder()


@pytest.fixture(scope="module")
def classifier(embedder):
    return RouteClassifier(embedder=embedder)


@pytest.mark.parametrize("text, route", [
    ("what does the quarterly report say about share buybacks", "docs"),
    ("average trade size per account in 2025", "sql"),
    ("give me the MACD crossover signal for TSLA", "signals"),
    ("how much did each desk pay in commissions", "sql"),
])
def test_classifier_recognises_unseen_questions(classifier, text, route):
    assert classifier.guess(text, ["sql", "docs", "signals"]).route == route


def test_split_and_reference():
    assert split_compound("NVDA's breakout score and what its last filing says about supply risk") == [
        ("NVDA's breakout score", "what NVDA's last filing says about supply risk")]
    assert split_compound("close of AAPL and MSFT") == []  # parts too short to be questions
    assert resolve_reference("the AAPL and MSFT trades", "what do their reports say") == "what do their reports say"


def test_compound_question_with_real_routes(settings, demo_duckdb):
    from tradeassist.core.routes import default_routes

    router = Router(default_routes(settings.model_copy(update={"db_url": str(demo_duckdb)})))
    split = router.split(Question("NVDA's breakout score and what its last filing says about supply risk"))
    assert [(q.text, r.name) for q, r in split] == [
        ("NVDA's breakout score", "signals"), ("what NVDA's last filing says about supply risk", "docs")]
    for one in ("average close of AAPL and MSFT last month", "total volume and number of trades per symbol",
                "What did the FOMC say about rates and how many members voted against"):
        assert router.split(Question(one)) is None, one


def test_compound_answer_is_merged_and_survives_a_failing_part():
    llm = ModelInfo(method="llm", provider="vllm", model="m", tokens_in=10, tokens_out=5, cost_usd=0.0)
    router = Router((WordRoute("sql", "price", model=llm), WordRoute("docs", "statement")))
    answer = router.answer(Question("what is the latest price of gold and what did the statement say on rates"))
    assert answer.route == "multi" and answer.state["routes"] == ["sql", "docs"]
    assert "### what is the latest price of gold (sql)" in answer.text and "docs answer to" in answer.text
    assert answer.model.method == "llm+offline" and answer.model.provider == "vllm" and answer.model.tokens_in == 10
    broken = Router((WordRoute("sql", "price", fails=True), WordRoute("docs", "statement")))
    answer = broken.answer(Question("what is the latest price of gold and what did the statement say on rates"))
    assert answer.error is None and "database is down" in answer.notices[0].message
    assert "docs answer to" in answer.text


def test_classifier_breaks_near_ties_and_rescues(classifier):
    routes = (WordRoute("sql", "price"), WordRoute("docs", "statement"))
    text = "what did the central bank statement say about price stability"
    assert Router(routes).choose(Question(text)).route.name == "sql"  # claims alone: first of the tie
    choice = Router(routes, classifier=classifier).choose(Question(text))
    assert choice.route.name == "docs" and "classifier" in choice.reason
    rescued = Router(routes, classifier=classifier).choose(Question("display my open positions with average cost"))
    assert rescued.route.name == "sql" and "no route claimed" in rescued.reason
    with pytest.raises(NoRouteError):
        Router(routes, classifier=classifier).choose(Question("hello there"))


def test_model_breaks_ties_the_classifier_cannot(model_settings, embedder):
    same = ("a question about things",)
    undecided = RouteClassifier({"sql": same, "docs": same}, embedder=embedder)
    routes = (WordRoute("sql", "price"), WordRoute("docs", "statement"))
    with LlmServer([Reply("docs")]) as local:
        gateway = Gateway.from_settings(model_settings(local=local))
        router = Router(routes, classifier=undecided, tie_breaker=ModelTieBreaker(gateway))
        choice = router.choose(Question("price in the statement", confidential=True))
    assert choice.route.name == "docs" and choice.reason == "language model among near-ties"
    prompt = local.requests[0]["body"]["messages"][-1]["content"]
    assert "- sql: questions about price" in prompt and "<<price in the statement>>" in prompt


def test_a_long_enumeration_is_not_split_at_every_conjunction():
    """Each split candidate costs every route two claims: a 4,000-character list of desks tried 120 of them."""
    from tradeassist.core.router import Router

    claims = []

    class Counting:
        def __init__(self, name):
            self.name = name

        def claim(self, question):
            claims.append(question.text)
            return 0.5 if self.name == "sql" else 0.1

    text = ("What was the profit of " + " and ".join(f"the {d} desk" for d in ["Equities", "Crypto", "Macro"] * 90))[:4000]
    assert split_compound(text) == []
    assert Router([Counting("sql"), Counting("docs")]).split(Question(text)) is None
    assert len(claims) == 0
    # Two questions joined once are still split.
    assert split_compound("NVDA's breakout score and what its last filing says about supply risk")
