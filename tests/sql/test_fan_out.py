"""A filter reached through a to-many join never multiplies the measured rows (the fan trap), on any schema."""

from __future__ import annotations

import datetime as dt

from tradeassist.core.question import Question, Turn
from tradeassist.core.settings import Settings
from tradeassist.sql.db.executor import Executor
from tradeassist.sql.planner.build import SqlBuilder
from tradeassist.sql.planner.intent import Filter, Intent, Measure
from tradeassist.sql.route import SqlRoute

TODAY = dt.date(2026, 11, 20)


def test_a_sum_filtered_through_a_to_many_table_counts_each_row_once(tmp_path):
    """funds -> holdings is to-many: "AUM of funds holding AAPL" is 100, not 200 (Alpha holds AAPL twice)."""
    import duckdb

    path = tmp_path / "funds.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE funds (fund_id INTEGER PRIMARY KEY, name VARCHAR, aum DOUBLE)")
        conn.execute("CREATE TABLE holdings (holding_id INTEGER PRIMARY KEY, "
                     "fund_id INTEGER REFERENCES funds (fund_id), ticker VARCHAR)")
        conn.execute("INSERT INTO funds VALUES (1, 'Alpha', 100), (2, 'Beta', 200)")
        conn.execute("INSERT INTO holdings VALUES (1, 1, 'AAPL'), (2, 1, 'MSFT'), (3, 1, 'AAPL'), (4, 2, 'TSLA')")
    settings = Settings(home=tmp_path / "home", today=TODAY, db_url=str(path))
    database, planner = SqlRoute(settings).engine()
    run = Executor(database, settings).run_sql
    intent = Intent(table="funds", kind="aggregate", measures=(Measure("sum", "aum", table="funds"),),
                    filters=(Filter("holdings", "ticker", "=", ("AAPL",)),))
    sql = SqlBuilder(planner.catalog).build(intent).sql(dialect="duckdb")
    assert run(sql)[1].frame.iloc[0, 0] == 100.0, sql
    # The other way, holdings -> funds is to-one: a plain join, nothing to multiply.
    count = Intent(table="holdings", kind="aggregate", measures=(Measure("count", None),),
                   filters=(Filter("funds", "name", "=", ("Alpha",)),))
    sql = SqlBuilder(planner.catalog).build(count).sql(dialect="duckdb")
    assert "EXISTS" not in sql.upper()
    assert run(sql)[1].frame.iloc[0, 0] == 3, sql


def test_a_desk_follow_up_keeps_each_symbols_volume(demo_duckdb, tmp_path):
    """The newcomer's case: top symbols by volume, then "and for the Crypto desk only?" (desk is on orders)."""
    settings = Settings(home=tmp_path, today=TODAY, db_url=str(demo_duckdb))
    route = SqlRoute(settings)
    first_question = "Top 5 symbols by volume over the last 7 days"
    first = route.answer(Question(first_question))
    follow = route.answer(Question("and for the Crypto desk only?", context=(Turn(first_question, first),)))
    assert follow.error is None and follow.table is not None, follow.error
    frame = follow.table.frame
    database, _planner = route.engine()
    run = Executor(database, settings).run_sql
    for symbol, volume in zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True):
        expected = run(f"SELECT SUM(volume) FROM daily_bars WHERE symbol = '{symbol}' "
                       "AND date >= DATE '2026-11-14' AND date < DATE '2026-11-21'")[1].frame.iloc[0, 0]
        assert volume == expected, (symbol, volume, expected, follow.sql.statement)
