"""The pieces of routing evidence on their own: distinctive terms, subjects, signal claims, close calls."""

from __future__ import annotations

from tradeassist.core.question import Question
from tradeassist.core.route_evidence import close_call_notice
from tradeassist.retrieval.route_evidence import DocumentEvidence, distinctive_terms, shared_phrase
from tradeassist.retrieval.answerable import missing_subject, subject_words, unanswered
from tradeassist.retrieval.records import Chunk, DocumentInfo, Hit


def _hit(text: str, section: str = "") -> Hit:
    document = DocumentInfo(key="k", source="sheet.pdf", path="/tmp/sheet.pdf", content_hash="h")
    return Hit(chunk_id="c", document=document, chunk=Chunk(text=text, page=1, section=section), score=1.0)


def test_distinctive_terms_leave_out_signal_words_fillers_and_numbers():
    assert distinctive_terms(["breakout", "basket", "score", "50", "use", "investment"]) == ["basket", "investment"]
    assert distinctive_terms(["stocks", "strategy"]) == []


def test_a_shared_phrase_is_two_question_words_together_and_not_signal_words():
    texts = ["2. Position limits", "The basket holds names whose breakout score is strong"]
    assert shared_phrase("What is the position limit for the desk?", texts) == "position limit"
    assert shared_phrase("What breakout score does NVDA have?", texts) is None


def test_evidence_raises_docs_and_lowers_sql_by_what_only_the_documents_explain():
    none = DocumentEvidence(("leverage",), (), None)
    assert none.docs_claim == 0.0 and none.sql_penalty == 0.0
    found = DocumentEvidence(("approved",), ("approved",), "approved list")
    assert found.docs_claim == 0.95 and found.sql_penalty == 0.3
    heading = DocumentEvidence((), (), None, heading="position limit")
    assert heading.docs_claim == 0.8


def test_the_subject_of_a_question_must_be_named_in_one_passage():
    assert subject_words("Who is the portfolio manager of the fund?") == ["portfolio", "manager"]
    assert subject_words("What did the Committee say about rates?") == []
    passages = [_hit("The management fee is 0.75 percent per year."), _hit("Assets are held with two custodians.")]
    assert missing_subject("What is the management fee of the basket?", passages) is None
    assert missing_subject("What is the custody fee charged by the basket?", passages) == "custody fee"
    assert missing_subject("What is the lock-up period of the fund?", [_hit("Investors may lock in a period.")])


def test_a_how_much_question_needs_a_passage_with_a_number():
    assert unanswered("How much notice must investors give?", [_hit("Notice is required before redeeming.")])
    assert unanswered("How much notice must investors give?", [_hit("Two business days of notice.")]) is None


def test_breakout_alone_claims_signals_softly_and_an_instrument_question_fully(settings):
    from tradeassist.signals.route import SOFT_CLAIM, SignalsRoute

    route = SignalsRoute(settings)
    assert route.claim(Question("What is the minimum investment in the Breakout Momentum Basket?")) == SOFT_CLAIM
    assert route.claim(Question("What is the breakout score of NVDA?")) == 0.9
    assert route.claim(Question("Which stocks are breaking out with momentum?")) > SOFT_CLAIM
    assert route.claim(Question("Backtest the breakout strategy")) == 0.95


def test_a_close_call_names_the_route_that_answered_and_offers_the_other():
    notice = close_call_notice("docs", {"sql": 0.0, "docs": 0.5, "signals": 0.45}, 0.1, 0.15)
    assert notice is not None and "your documents" in notice.message and "--route signals" in notice.message
    assert close_call_notice("docs", {"sql": 0.0, "docs": 0.9, "signals": 0.5}, 0.1, 0.15) is None
    assert close_call_notice("docs", {}, 0.1, 0.15) is None
