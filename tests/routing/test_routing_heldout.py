"""Routing over the demo database and the demo documents: the real router, routes, store and planner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeassist.core.route_eval import judge, load_cases, score, summary
#: The pinned date of the demo data (as in tests/conftest.py).
TODAY = "2026-11-20"
HELDOUT = Path(__file__).with_name("routing_heldout.jsonl")


@pytest.fixture(scope="module")
def backend(demo_duckdb, tmp_path_factory):
    """A backend on the demo database with the three demo documents ingested."""
    from tradeassist.core.backend import Backend
    from tradeassist.core.settings import Settings
    from tradeassist.ingest.demo import ingest_demo_documents

    settings = Settings(home=tmp_path_factory.mktemp("routing_home"), today=TODAY, db_url=str(demo_duckdb),
                        offline_only=True)
    assert ingest_demo_documents(settings).stored == 3
    return Backend(settings)


def test_the_heldout_set_covers_each_route_and_unanswerable_document_questions():
    cases = load_cases(HELDOUT)
    assert len(cases) >= 40
    routes = {case.route for case in cases}
    assert routes == {"docs", "sql", "signals"}
    assert any(case.route == "docs" and case.in_docs is False for case in cases)


@pytest.mark.slow
def test_no_heldout_question_is_answered_wrong(backend):
    outcomes = score(backend, load_cases(HELDOUT))
    report = summary(outcomes)
    wrong = [o for o in outcomes if o.outcome == "wrong"]
    right = [o for o in outcomes if o.outcome == "right"]
    assert not wrong, report
    # Clarifying is allowed but is not an answer: most questions must be answered by their route.
    assert len(right) >= 0.85 * len(outcomes), report


@pytest.mark.slow
def test_a_product_named_like_a_signal_goes_to_the_documents(backend):
    answer = backend.ask("What is the minimum investment in the Breakout Momentum Basket?")
    assert answer.route == "docs"
    assert "250,000" in answer.text
    # The signal words still route a question about instruments to the signals route.
    assert backend.ask("What is the breakout score of NVDA?").route == "signals"


@pytest.mark.slow
def test_a_desk_limit_is_read_from_the_policy_not_summed_from_trades(backend):
    answer = backend.ask("What is the position limit for the Equities desk?")
    assert answer.route == "docs"
    assert "40 million" in answer.text
    assert any(c.source == "trading_policy.md" for c in answer.citations)
    # A rule ("may trade") is written in the policy; counting trades per asset would answer another question.
    allowed = backend.ask("Which crypto assets may the Crypto desk trade?")
    assert allowed.route == "docs" and "approved list" in allowed.text
    # A question the database answers stays with SQL, even while those documents are there.
    counted = backend.ask("How many orders were cancelled on the Crypto desk?")
    assert counted.route == "sql" and counted.table is not None


@pytest.mark.slow
def test_a_document_question_the_documents_cannot_answer_says_not_found(backend):
    answer = backend.ask("Who is the portfolio manager of the Breakout Momentum Basket?")
    assert answer.route == "docs"
    assert answer.text.startswith("Not found in your documents")
    assert not answer.citations


def test_judge_counts_quoted_passages_for_an_unanswerable_question_as_wrong():
    from tradeassist.core.answer import Answer, Text
    from tradeassist.core.route_eval import RouteCase

    case = RouteCase("x", "Who runs it?", "docs", in_docs=False)
    assert judge(case, Answer(route="docs", parts=(Text("> some passage [a.md p.1]"),))) == "wrong"
    assert judge(case, Answer(route="docs", parts=(Text("Not found in your documents: no."),))) == "right"
    sql_case = RouteCase("y", "How many trades?", "sql")
    assert judge(sql_case, Answer(route="signals", parts=(Text("a ranking"),))) == "wrong"
