"""The same questions planned and run on DuckDB, SQLite and PostgreSQL give equal results."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

TODAY = dt.date(2026, 11, 20)  # the pinned date of tests/conftest.py
HERE = Path(__file__).parent
DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "sql_dev.jsonl"

EXTRA = [
    "daily returns of AAPL last 10 days",
    "5-day return of NVDA",
    "best performing stocks this month",
    "weekly number of BTC transfers over the last 4 weeks",
    "monthly number of trades this year",
    "quarterly total fees in 2025",
    "How many trades did account 3 make yesterday?",
    "count of orders per status and side",
    "number of trades by weekday",
    "how many orders were placed on Fridays last month",
    "hourly trade count this month",
    "market value by desk",
    "unrealised pnl per account",
    "accounts with more than 4000 trades",
    "traded notional this month vs last month, by desk",
    "volatility of BTC over the last 60 days",
    "max drawdown of NVDA this year",
    "best performing stock last month",
    "average number of trades per day this month",
    "avg number of trades per day for each weekday",
    "fill ratio by order type",
]


def _questions() -> list[str]:
    questions = [json.loads(line)["question"] for line in (HERE / "paraphrases.jsonl").read_text().splitlines() if line]
    if DEV.exists():
        questions += [json.loads(line)["question"] for line in DEV.read_text().splitlines() if line]
    return questions + EXTRA


def _route(url: str, home: Path):
    from tradeassist.core.settings import Settings
    from tradeassist.sql.route import SqlRoute

    return SqlRoute(Settings(home=home, today=TODAY, db_url=url))


def _run(route, question: str):
    """Plan, guard and run one question (the route's path without presentation)."""
    from tradeassist.sql.db.executor import Executor

    database, planner = route.engine()
    plan = planner.plan(question)
    assert plan.ok, f"{question}: {plan.clarify}"
    guarded = Executor(database, route.settings).guard(plan.sql)
    return guarded.sql, Executor(database, route.settings).run(guarded).frame


def _rows(frame) -> list[tuple]:
    from tradeassist.sql.evaluate import normalize_cell

    return sorted((tuple(repr(normalize_cell(v)) for v in row) for row in frame.itertuples(index=False)))


@pytest.fixture(scope="module")
def all_routes(demo_duckdb, demo_sqlite, demo_postgres, tmp_path_factory):
    """Routes over the three databases holding the same demo data."""
    home = tmp_path_factory.mktemp("dialects")
    routes = {
        "duckdb": _route(str(demo_duckdb), home),
        "sqlite": _route(demo_sqlite, home),
        "postgres": _route(demo_postgres, home),
    }
    yield routes
    for route in routes.values():
        route.close()


def test_same_answers_on_three_databases(all_routes):
    failures = []
    for question in _questions():
        _sql, reference = _run(all_routes["duckdb"], question)
        expected = _rows(reference)
        assert expected, f"{question}: no rows on DuckDB"
        for name in ("sqlite", "postgres"):
            sql, frame = _run(all_routes[name], question)
            if _rows(frame) != expected:
                failures.append(f"{name}: {question}\n  {sql}")
    assert not failures, "\n".join(failures)
