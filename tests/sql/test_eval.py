"""Execution-match evaluation: the scorer itself, and the scores on the dev and held-out sets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tradeassist.core.errors import BadInputError
from tradeassist.core.settings import Settings

TODAY = dt.date(2026, 11, 20)  # the pinned date of tests/conftest.py
HERE = Path(__file__).parent


@pytest.mark.parametrize("gold, answer, ok", [
    (pd.DataFrame({"a": [1.23456]}), pd.DataFrame({"x": ["k"], "avg": [1.234561]}), True),  # extra columns fine
    (pd.DataFrame({"a": [1.0, 2.0]}), pd.DataFrame({"b": [2.0, 1.0]}), True),  # order does not matter
    (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"b": [1.01]}), False),  # 4 significant digits
    (pd.DataFrame({"d": [dt.date(2026, 1, 1)]}), pd.DataFrame({"d": [pd.Timestamp("2026-01-01")]}), True),
    (pd.DataFrame({"d": ["2026-01-01"]}), pd.DataFrame({"d": ["2026-01-01 00:00:00"]}), True),  # SQLite text
    (pd.DataFrame({"s": ["A", "B"], "n": [1, 2]}), pd.DataFrame({"s": ["A", "B"], "n": [2, 1]}), False),  # pairs
    (pd.DataFrame({"a": [1, 1, 2]}), pd.DataFrame({"a": [1, 2, 2]}), False),  # multiset, not set
    (pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1, 1]}), False),
])
def test_execution_match(gold, answer, ok):
    from tradeassist.sql.evaluate import execution_match

    assert execution_match(gold, answer)[0] is ok


def test_bad_question_file(tmp_path):
    from tradeassist.sql.evaluate import load_cases

    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "x"}\n')
    with pytest.raises(BadInputError, match="gold_sql"):
        load_cases(path)
    with pytest.raises(BadInputError, match="Cannot read"):
        load_cases(tmp_path / "missing.jsonl")


def test_dev_set_score(route, shared_data):
    from tradeassist.sql.evaluate import evaluate, load_cases

    path = shared_data.parent / "eval" / "sql_dev.jsonl"
    if not path.exists():
        pytest.skip("sql_dev.jsonl is absent")
    report = evaluate(load_cases(path), route.settings, route)
    misses = [(c.id, c.outcome, c.reason) for c in report.cases if c.outcome != "right"]
    assert report.score >= 0.95, misses
    assert report.count("wrong") <= 1, misses


def test_held_out_paraphrases_score(route):
    from tradeassist.sql.evaluate import evaluate, load_cases

    cases = load_cases(HERE / "paraphrases.jsonl")
    assert len(cases) >= 40
    report = evaluate(cases, route.settings, route)
    misses = [(c.id, c.outcome, c.reason) for c in report.cases if c.outcome != "right"]
    assert report.score >= 0.85, misses


def test_clarify_counts_as_a_miss(route):
    from tradeassist.sql.evaluate import evaluate

    cases = [{"id": "x", "question": "average quantity for TSLA", "gold_sql": "SELECT AVG(quantity) FROM trades"}]
    report = evaluate(cases, route.settings, route)
    assert report.cases[0].outcome == "clarified" and report.score == 0.0
    assert report.counts() == {"right": 0, "clarified": 1, "wrong": 0}


def test_wrong_table_counts_as_wrong(route):
    """A table that does not match the gold is a wrong answer shown as right, not a miss."""
    from tradeassist.sql.evaluate import evaluate

    cases = [{"id": "w", "question": "total fees of trades", "gold_sql": "SELECT SUM(fee) * 2 FROM trades"}]
    report = evaluate(cases, route.settings, route)
    assert report.cases[0].outcome == "wrong", report.cases[0]
    assert report.cases[0].gold_rows and report.cases[0].rows  # the detail shows both sides
    assert report.summary() == "right 0 / clarified 0 / wrong 1 of 1"


def test_context_is_asked_first_in_the_conversation(route):
    """A follow-up is scored after its earlier questions, in the same conversation."""
    from tradeassist.sql.evaluate import evaluate

    gold = "SELECT close FROM daily_bars WHERE symbol = 'MSFT' ORDER BY date DESC LIMIT 1"
    cases = [{"id": "f", "question": "and for MSFT?", "context": ["latest close of AAPL"], "gold_sql": gold}]
    report = evaluate(cases, route.settings, route)
    assert report.cases[0].outcome == "right", report.cases[0]
    assert report.cases[0].context == ("latest close of AAPL",)


def test_context_must_be_a_list_of_questions(tmp_path):
    from tradeassist.sql.evaluate import load_cases

    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "x", "gold_sql": "SELECT 1", "context": "latest close of AAPL"}\n')
    with pytest.raises(BadInputError, match="context"):
        load_cases(path)


def _unfamiliar_builder():
    import importlib.util

    spec = importlib.util.spec_from_file_location("heldout_unfamiliar_db", HERE / "heldout" / "unfamiliar_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_held_out_demo_set_is_honest(route):
    """The blind demo set: wrong answers stay rare (<= 5%) and most questions are answered right."""
    from tradeassist.sql.evaluate import evaluate, load_cases

    report = evaluate(load_cases(HERE / "heldout" / "demo.jsonl"), route.settings, route)
    wrong = [(c.id, c.question, c.reason) for c in report.cases if c.outcome == "wrong"]
    assert len(wrong) <= 2, wrong
    assert report.count("right") >= 30, report.summary()  # the target: at least 75% right


def test_held_out_unfamiliar_set_is_honest(tmp_path_factory):
    """The blind set over a database nobody described (prefixed camelCase names, no definitions file)."""
    from tradeassist.sql.evaluate import evaluate, load_cases
    from tradeassist.sql.route import SqlRoute

    path = _unfamiliar_builder().build(tmp_path_factory.mktemp("unfamiliar") / "unfamiliar.duckdb")
    route = SqlRoute(Settings(home=tmp_path_factory.mktemp("unf_home"), today=TODAY, db_url=str(path)))
    try:
        report = evaluate(load_cases(HERE / "heldout" / "unfamiliar.jsonl"), route.settings, route)
    finally:
        route.close()
    wrong = [(c.id, c.question, c.reason) for c in report.cases if c.outcome == "wrong"]
    assert len(wrong) <= 1, wrong
    assert report.count("right") >= 8, report.summary()
