"""The planner on small databases nobody described (prefixed camelCase names, abbreviations, no keys)."""

from __future__ import annotations

import datetime as dt

import pytest

from catalog_fixture_dbs import build_duckdb
from tradeassist.core.settings import Settings
from plan_checks import assert_planned

TODAY = dt.date(2026, 11, 20)


def _planner_over(tmp_path_factory, name: str):
    """Yields the planner of a route over fixture database ``name`` (a DuckDB file), closing the route after."""
    from tradeassist.sql.route import SqlRoute

    path = build_duckdb(tmp_path_factory.mktemp(name) / f"{name}.duckdb", name)
    route = SqlRoute(Settings(home=tmp_path_factory.mktemp(f"{name}_home"), today=TODAY, db_url=str(path)))
    yield route.engine()[1]
    route.close()


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    yield from _planner_over(tmp_path_factory, "broker")


@pytest.mark.parametrize("question, fragments", [
    # "Rates" is a desk, not a rate: a count of accounts, not a percentage
    ("how many accounts on the Rates desk", ['COUNT(*)', '"acctDesk" = \'Rates\'']),
    # a thing named through the fact's own pointer column ("trdSym" names the instrument)
    ("top 3 instruments by traded quantity", ['GROUP BY "trdSym"', "LIMIT 3"]),
    ("which account paid the most fees", ['SUM("tblTrades"."trdFeeAmt")', '"tblAccounts"."acctNm"', "LIMIT 1"]),
])
def test_unfamiliar_names(broker, question, fragments):
    assert_planned(broker, question, fragments)


def test_unfamiliar_words_ask_back(broker):
    assert not broker.plan("total notional by asset class").ok  # nothing here is called notional


@pytest.fixture(scope="module")
def clearing(tmp_path_factory):
    yield from _planner_over(tmp_path_factory, "clearing")


def test_a_listing_does_not_account_for_other_tables(clearing):
    # listing clients shows their columns but says nothing about orders: the count per client wins
    plan = clearing.plan("which client has the most orders")
    assert plan.ok and "COUNT(*)" in plan.sql and 'FROM "T_ORD"' in plan.sql, (plan.clarify, plan.sql)
