"""The SQL route end to end on the demo database: parts, timings, state, claims, teach, frames."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tradeassist.core.answer import Notice, Sql, Table, Text
from tradeassist.core.errors import BadInputError, DataSourceError, UnsafeSqlError
from tradeassist.core.question import Question
from tradeassist.core.settings import Settings

TODAY = dt.date(2026, 11, 20)  # the pinned date of tests/conftest.py


def test_answer_has_text_sql_table_timings_and_state(route):
    answer = route.answer(Question("Top 5 symbols by total volume in the last 7 days"))
    assert answer.route == "sql" and answer.error is None
    assert isinstance(answer.first(Text), Text) and answer.text
    assert isinstance(answer.sql, Sql) and answer.sql.dialect == "duckdb"
    assert isinstance(answer.table, Table)
    assert list(answer.table.frame.columns) == ["symbol", "total_volume"]
    assert len(answer.table.frame) == 5
    assert {"plan", "guard", "execute", "present"} <= set(answer.timings_ms)
    assert answer.model.method == "planner"
    assert answer.state["plan"]["table"] == "daily_bars"
    assert "LIMIT 5" in answer.state["sql"]


def test_written_sql_runs_as_written_and_is_presented_like_any_answer(route):
    question = Question("", sql="SELECT symbol, MAX(close) AS top FROM daily_bars GROUP BY symbol ORDER BY top DESC")
    assert question.route == "sql"
    answer = route.answer(question)
    assert answer.error is None and answer.model.method == "sql"
    assert isinstance(answer.first(Text), Text) and answer.text
    assert list(answer.table.frame.columns) == ["symbol", "top"] and len(answer.table.frame) > 5
    assert {"guard", "execute", "present"} <= set(answer.timings_ms) and "plan" not in answer.timings_ms
    assert answer.state["sql"].startswith("SELECT symbol")
    with pytest.raises(UnsafeSqlError):
        route.answer(Question("", sql="DROP TABLE daily_bars"))
    with pytest.raises(BadInputError, match="sql route"):
        Question("", sql="SELECT 1", route="docs")
    with pytest.raises(BadInputError, match="no SQL"):
        Question("", sql="  ")
    assert Question("x", sql="SELECT 1").follow_up("and for MSFT?", answer).sql is None


def test_single_number_answer(route):
    answer = route.answer(Question("How many orders were cancelled?"))
    frame = answer.table.frame
    assert frame.shape == (1, 1) and int(frame.iloc[0, 0]) > 0


def test_clarifying_notice_instead_of_a_guess(route):
    answer = route.answer(Question("average quantity for TSLA"))
    assert answer.needs_clarification
    notice = [n for n in answer.notices if n.level == "clarify"][0]
    assert len(notice.options) >= 2
    assert answer.table is None and answer.sql is None


def test_gibberish_gets_a_clear_message(route):
    answer = route.answer(Question("qwxz plorf zzkk"))
    assert answer.needs_clarification
    assert "could not find anything" in answer.notices[0].message


def test_writes_are_refused(route):
    with pytest.raises(UnsafeSqlError, match="read-only"):
        route.answer(Question("delete all trades"))


def test_huge_request_is_capped_with_a_notice(route):
    answer = route.answer(Question("give me 50000 trades"))
    assert answer.table.truncated
    assert len(answer.table.frame) == route.settings.sql_max_rows
    assert any(n.level == "warning" and "capped" in n.message for n in answer.notices)


def test_follow_up_reuses_the_previous_plan(route):
    first = Question("average close of AAPL over the last 30 days")
    answer = route.answer(first)
    follow = first.follow_up("and for MSFT?", answer)
    second = route.answer(follow)
    assert "'MSFT'" in second.sql.statement and "AVG" in second.sql.statement
    third = route.answer(follow.follow_up("what about last month?", second))
    assert "'MSFT'" in third.sql.statement and "2026-10-01" in third.sql.statement


@pytest.mark.parametrize("question, low, high", [
    ("closing price of AAPL", 0.6, 1.0),
    ("How many trades were executed per desk this month?", 0.6, 1.0),
    ("what does the 10-K say about supply risk", 0.0, 0.3),
    ("breakout score for NVDA", 0.0, 0.45),
])
def test_claims(route, question, low, high):
    assert low <= route.claim(Question(question)) <= high


def test_a_parser_failure_is_bad_input_and_claims_fall_back_to_words(route, monkeypatch):
    import tradeassist.sql.planner.parse as parse

    def unreadable(*args, **kwargs):
        raise ValueError("day is out of range for month")

    monkeypatch.setattr(parse, "find_periods", unreadable)
    with pytest.raises(BadInputError, match="could not be read"):
        route.answer(Question("closing price of AAPL in February"))
    # The claim ranks by words alone (as with no database) instead of failing every question.
    assert 0.0 < route.claim(Question("average closing price of AAPL")) < 0.6


def test_missing_demo_database_says_how_to_build_it(tmp_path):
    from tradeassist.sql.route import SqlRoute

    route = SqlRoute(Settings(home=tmp_path / "empty", today=TODAY))
    with pytest.raises(DataSourceError, match="tradeassist demo"):
        route.answer(Question("latest close of AAPL"))


def test_notebook_frames_are_answered_with_a_generated_catalog(route):
    frame = pd.DataFrame({
        "ticker": ["AAA", "AAA", "BBB"],
        "day": pd.to_datetime(["2026-11-18", "2026-11-19", "2026-11-19"]).date,
        "pnl": [1.5, 2.5, -1.0],
    })
    answer = route.answer(Question("total pnl by ticker", frames={"pnl_table": frame}))
    result = dict(zip(answer.table.frame.iloc[:, 0], answer.table.frame.iloc[:, 1]))
    assert result == {"AAA": 4.0, "BBB": -1.0}


def test_taught_pair_is_reused_and_rebound(demo_duckdb, tmp_path):
    from tradeassist.sql.db.database import Database
    from tradeassist.sql.route import SqlRoute
    from tradeassist.sql.teach import Teacher

    settings = Settings(home=tmp_path / "teach", today=TODAY, db_url=str(demo_duckdb))
    teacher = Teacher(settings)
    database = Database.connect(str(demo_duckdb))
    teacher.teach("fee per share of AAPL trades", "SELECT SUM(fee) / SUM(quantity) AS fee_per_share FROM trades "
                  "WHERE symbol = 'AAPL'", database)
    database.close()
    assert (settings.home / "taught_sql.jsonl").exists() and len(teacher.pairs()) == 1
    route = SqlRoute(settings)
    answer = route.answer(Question("fee per share of MSFT trades"))
    assert answer.model.method == "taught"
    assert "'MSFT'" in answer.sql.statement and "'AAPL'" not in answer.sql.statement
    assert answer.table.frame.shape == (1, 1)
    route.close()


def test_running_route_sees_pairs_taught_elsewhere(demo_duckdb, tmp_path):
    from tradeassist.sql.route import SqlRoute
    from tradeassist.sql.teach import Teacher

    settings = Settings(home=tmp_path / "teach2", today=TODAY, db_url=str(demo_duckdb))
    route = SqlRoute(settings)
    before = route.answer(Question("fee per share of NVDA trades"))
    assert before.model.method != "taught"
    # Taught by another front end (its own Teacher), while this route keeps running.
    Teacher(settings).teach("fee per share of AAPL trades", "SELECT SUM(fee) / SUM(quantity) AS fee_per_share "
                            "FROM trades WHERE symbol = 'AAPL'")
    after = route.answer(Question("fee per share of NVDA trades"))
    assert after.model.method == "taught" and "'NVDA'" in after.sql.statement
    route.close()


def test_teaching_unsafe_sql_is_refused(demo_duckdb, tmp_path):
    from tradeassist.sql.db.database import Database
    from tradeassist.sql.teach import Teacher

    database = Database.connect(str(demo_duckdb))
    with pytest.raises(UnsafeSqlError):
        Teacher(Settings(home=tmp_path, today=TODAY)).teach("wipe", "DELETE FROM trades", database)
    database.close()
    assert not (tmp_path / "taught_sql.jsonl").exists()


class _SqlWriter:
    """A language-model engine double: returns fixed SQL text, records what it was given."""

    def __init__(self, sql: str):
        self.sql = sql
        self.calls: list[tuple] = []

    def generate(self, question, catalog, previous_sql):
        self.calls.append((question.text, catalog, previous_sql))
        return self.sql


def test_llm_engine_is_asked_only_when_the_planner_is_unsure(demo_duckdb, tmp_path):
    from tradeassist.sql.route import SqlRoute

    writer = _SqlWriter("SELECT AVG(quantity) AS avg_quantity FROM trades WHERE symbol = 'TSLA'")
    route = SqlRoute(Settings(home=tmp_path, today=TODAY, db_url=str(demo_duckdb)), llm_engine=writer)
    route.answer(Question("How many orders were cancelled?"))
    assert writer.calls == []
    answer = route.answer(Question("average quantity for TSLA"))
    assert len(writer.calls) == 1 and answer.model.method == "llm"
    assert answer.table.frame.shape == (1, 1)
    route.close()


def test_llm_sql_still_passes_the_guard(demo_duckdb, tmp_path):
    from tradeassist.sql.route import SqlRoute

    route = SqlRoute(Settings(home=tmp_path, today=TODAY, db_url=str(demo_duckdb)),
                     llm_engine=_SqlWriter("DROP TABLE trades"))
    with pytest.raises(UnsafeSqlError):
        route.answer(Question("average quantity for TSLA"))
    route.close()


def test_notice_levels_are_valid(route):
    answer = route.answer(Question("price of ZZZZ"))
    assert all(isinstance(n, Notice) for n in answer.notices)
    assert answer.needs_clarification and "ZZZZ" in answer.notices[0].message


@pytest.mark.parametrize("typed", [
    "SELECT replace(symbol, 'A', 'B') AS renamed FROM trades LIMIT 3",
    "SELECT symbol FROM trades -- never DROP anything\nLIMIT 3",
])
def test_typed_sql_goes_to_the_guard_not_the_english_planner(typed, demo_duckdb, tmp_path):
    """Words such as replace( or a comment's DROP are SQL here, not a request to write."""
    from tradeassist.core.settings import Settings
    from tradeassist.sql.route import SqlRoute

    answer = SqlRoute(Settings(home=tmp_path, today=TODAY, db_url=str(demo_duckdb))).answer(Question(typed))
    assert answer.error is None and answer.sql is not None and len(answer.table.frame) == 3, answer.error
