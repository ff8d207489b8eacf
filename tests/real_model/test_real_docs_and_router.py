"""The grounded writer and the router's tie-break with a real small model's free text."""

from __future__ import annotations

import pytest

from tradeassist.core.gateway import Gateway
from tradeassist.core.question import Question
from tradeassist.retrieval.grounded import GroundedWriter
from tradeassist.retrieval.records import Chunk, DocumentInfo

pytestmark = pytest.mark.real_model

STATEMENT = ("The Committee decided to maintain the target range for the federal funds rate at 5.25 to 5.5 "
             "percent. Inflation remains elevated.")
QUESTION = "What did the committee decide about the federal funds rate?"


@pytest.fixture(scope="module")
def fomc_index(tmp_path_factory):
    """A real document index (embedded store, MiniLM) holding one short statement."""
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.index import DocumentIndex

    index = DocumentIndex.open(Settings(home=tmp_path_factory.mktemp("real-docs-home")))
    doc = DocumentInfo(key="fomc.pdf", source="fomc.pdf", path="/docs/fomc.pdf", content_hash="h1", pages=3)
    index.replace_document(doc, [Chunk(text=STATEMENT, page=3)])
    yield index
    index.close()


def test_streamed_docs_answer_keeps_its_citations_or_falls_back_to_the_passage(real_settings, fomc_index):
    from tradeassist.retrieval.route import DocsRoute

    settings = real_settings(llm_max_tokens=64)
    route = DocsRoute(settings, writer=GroundedWriter(Gateway.from_settings(settings), settings), index=fomc_index)
    pieces: list[str] = []
    answer = route.answer(Question(QUESTION, on_text=pieces.append))  # the chat's streaming path
    assert pieces, "the model's text was not streamed"
    assert answer.error is None and answer.citations and answer.citations[0].source == "fomc.pdf"
    if answer.model.method == "llm":
        # Model text is shown only with a citation that names a retrieved passage.
        assert "[fomc.pdf p.3]" in answer.text and answer.model.provider == "local"
    else:
        # Uncited or unfinished model text is replaced by the passage itself, with a notice.
        assert answer.model.method == "extractive" and "5.25 to 5.5" in answer.text
        assert "".join(pieces).strip() not in answer.text


class TiedRoute:
    """A product route's name and description, claiming every question equally (a forced tie)."""

    def __init__(self, name: str, description: str):
        self.name, self.description = name, description

    def claim(self, question: Question) -> float:
        """The same claim as every other route."""
        return 0.5

    def answer(self, question: Question):
        """Not asked: the test only routes."""
        raise AssertionError("routing only")


def test_router_tie_break_copes_with_free_text(real_settings):
    from tradeassist.core.classifier import ModelTieBreaker, RouteClassifier
    from tradeassist.core.router import Router
    from tradeassist.retrieval.embeddings import LazyEmbedder
    from tradeassist.retrieval.route import DocsRoute
    from tradeassist.signals.route import SignalsRoute
    from tradeassist.sql.route import SqlRoute

    routes = tuple(TiedRoute(cls.name, cls.description) for cls in (SqlRoute, DocsRoute, SignalsRoute))
    same = ("a question about things",)  # the classifier cannot separate them either: the model is asked
    undecided = RouteClassifier({route.name: same for route in routes}, embedder=LazyEmbedder())
    breaker = ModelTieBreaker(Gateway.from_settings(real_settings()))
    router = Router(routes, classifier=undecided, tie_breaker=breaker)
    for text in ("average closing price of AAPL last week", "what does the breakout model say about the report"):
        picked = breaker(Question(text), routes)  # one route's name, or None when the reply names none or several
        choice = router.choose(Question(text))
        if picked is None:
            assert choice.reason.startswith("classifier among near-ties")
        else:
            assert choice.route.name == picked and choice.reason == "language model among near-ties"
