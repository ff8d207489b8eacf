"""The catalog of databases nobody described: comments, listed values, categories, roles and joins.

Real DuckDB, SQLite and PostgreSQL databases in naming styles unlike the demo
(``tests/sql/catalog_fixture_dbs.py``); PostgreSQL cases skip when the server does not answer.
"""

from __future__ import annotations

import os

import pytest

from catalog_fixture_dbs import broker_in_postgres, build_all
from tradeassist.sql.catalog.catalog import Catalog
from tradeassist.sql.db.database import Database
from tradeassist.sql.catalog.values import phrase_key


@pytest.fixture(scope="module")
def unknown_dbs(tmp_path_factory) -> dict[str, str]:
    """broker and payments as DuckDB files, clearing as SQLite: name -> URL or path."""
    return build_all(tmp_path_factory.mktemp("unknown"))


@pytest.fixture(scope="module")
def broker_postgres(postgres_url):
    """The broker database (with its comments) in a PostgreSQL schema of this test process."""
    with broker_in_postgres(postgres_url, f"tradeassist_catalog_{os.getpid()}") as url:
        yield url


@pytest.fixture(scope="module")
def built() -> dict[str, Catalog]:
    """Catalogs built in this module, by URL (each database is read once)."""
    return {}


def _catalog(url: str, built: dict[str, Catalog]) -> Catalog:
    if url not in built:
        database = Database.connect(url)
        try:
            built[url] = Catalog.for_database(database)
        finally:
            database.close()
    return built[url]


def _concepts(catalog: Catalog, phrase: str) -> set[tuple]:
    return {(c.kind, c.table, c.column) for c in catalog.lexicon.get(phrase_key(phrase), ())}


def test_duckdb_comments_become_descriptions_and_value_words(unknown_dbs, built):
    catalog = _catalog(unknown_dbs["broker"], built)
    trades = catalog.schema.tables["tblTrades"]
    assert trades.comment.startswith("Executed trades")
    assert catalog.definitions.tables["tblTrades"].description == trades.comment
    assert "Possible values" in catalog.definitions.columns[("tblTrades", "trdSide")].description
    refs = catalog.value_refs(phrase_key("sell"))
    assert [(r.table, r.column, r.value) for r in refs] == [("tblTrades", "trdSide", "S")]


def test_postgres_comments_are_read(broker_postgres, built):
    catalog = _catalog(broker_postgres, built)
    assert catalog.schema.tables["tblTrades"].comment.startswith("Executed trades")
    assert catalog.schema.tables["tblAccounts"].columns["acctDesk"].comment.startswith("Desk that owns")
    assert [r.value for r in catalog.value_refs(phrase_key("buy"))] == ["B"]


def test_sqlite_has_no_comments_and_still_reads_names(unknown_dbs, built):
    catalog = _catalog(unknown_dbs["clearing"], built)
    assert all(not c.comment for t in catalog.schema.tables.values() for c in t.columns.values())
    assert ("column", "T_ORD", "LMT_PX") in _concepts(catalog, "limit price")
    assert ("table", "T_CLIENT_ACCT", None) in _concepts(catalog, "clients")


def test_words_behind_prefixed_names(unknown_dbs, built):
    broker = _catalog(unknown_dbs["broker"], built)
    assert ("table", "tblTrades", None) in _concepts(broker, "trades")
    assert ("column", "tblTrades", "trdPx") in _concepts(broker, "price")
    assert ("column", "tblTrades", "trdQty") in _concepts(broker, "quantity")
    assert ("column", "tblTrades", "trdFeeAmt") in _concepts(broker, "fees")
    payments = _catalog(unknown_dbs["payments"], built)
    assert ("column", "mkMerchant", "mkMerchCtry") in _concepts(payments, "merchant country")
    assert ("column", "mkPayment", "mkPayAmt") in _concepts(payments, "payment amount")
    # A lone key word would swallow "number of payments": it only counts qualified.
    assert not _concepts(payments, "id") and not _concepts(broker, "number")


def test_categorical_values_are_indexed(unknown_dbs, built):
    payments = _catalog(unknown_dbs["payments"], built)
    refs = payments.value_refs(phrase_key("Germany"))
    assert [(r.table, r.column) for r in refs] == [("mkMerchant", "mkMerchCtry")]
    assert set(payments.values.by_column[("mkPayment", "mkPayStatus")]) == {"settled", "refunded", "failed"}
    broker = _catalog(unknown_dbs["broker"], built)
    names = broker.value_refs(phrase_key("Bitcoin"))  # a name links to the instrument's key
    assert {(r.table, r.column, r.value) for r in names} == {("tblInstruments", "instSym", "BTCUSD")}


def test_joins_inferred_from_names(unknown_dbs, built):
    broker = _catalog(unknown_dbs["broker"], built)
    assert [(s.left_column, s.right, s.right_column) for s in broker.join_path("tblTrades", "tblAccounts")] == [
        ("acctNo", "tblAccounts", "acctNo")]
    assert [(s.left_column, s.right_column) for s in broker.join_path("tblTrades", "tblInstruments")] == [
        ("trdSym", "instSym")]
    assert broker.join_path("tblAccounts", "tblInstruments") is not None  # through trades
    payments = _catalog(unknown_dbs["payments"], built)
    assert [(s.left_column, s.right_column) for s in payments.join_path("mkPayment", "mkMerchant")] == [
        ("mkPayMerchId", "mkMerchId")]


def test_declared_keys_are_joins(unknown_dbs, built):
    clearing = _catalog(unknown_dbs["clearing"], built)
    assert clearing.schema.tables["T_ORD"].foreign_keys
    assert [(s.left_column, s.right_column) for s in clearing.join_path("T_ORD", "T_CLIENT_ACCT")] == [
        ("CLNT_ACCT_ID", "CLNT_ACCT_ID")]


def test_roles_and_table_defaults(unknown_dbs, built):
    broker = _catalog(unknown_dbs["broker"], built)
    roles = {c: broker.role("tblTrades", c) for c in broker.columns("tblTrades")}
    assert roles == {"trdId": "identifier", "acctNo": "identifier", "trdSym": "category", "trdSide": "category",
                     "trdQty": "quantity", "trdPx": "price", "trdCcy": "category", "trdDt": "date",
                     "trdFeeAmt": "money"}
    trades = broker.definitions.tables["tblTrades"]
    assert (trades.date_column, trades.measure, trades.subject, trades.money) == ("trdDt", "trdQty", "trdId", None)
    accounts = broker.definitions.tables["tblAccounts"]
    assert (accounts.subject, accounts.label, accounts.person) == ("acctNo", "acctNm", True)
    payments = _catalog(unknown_dbs["payments"], built)
    assert payments.definitions.tables["mkPayment"].money == "mkPayAmt"


def test_words_people_use_beyond_the_name(unknown_dbs, built):
    clearing = _catalog(unknown_dbs["clearing"], built)
    assert ("column", "T_CLIENT_ACCT", "RISK_LVL") in _concepts(clearing, "risk")  # "risk level" asked as "risk"
    assert ("verb", "T_CLIENT_ACCT", None) in _concepts(clearing, "opened")  # its date column is OPEN_DT
    assert ("column", "T_ORD", "ORD_TKR") in _concepts(clearing, "symbol")  # ticker = symbol
    broker = _catalog(unknown_dbs["broker"], built)
    assert ("column", "tblTrades", "trdFeeAmt") in _concepts(broker, "commission")
    assert ("verb", "tblTrades", None) in _concepts(broker, "traded")
    assert ("column", "tblTrades", "trdSide") in _concepts(broker, "direction")  # its comment's own name
    assert ("table", "tblTrades", None) in _concepts(broker, "executed trades")
    assert ("column", "tblAccounts", "acctDesk") not in _concepts(broker, "account")  # no word stolen


def test_plain_names_for_labels(unknown_dbs, built):
    broker = _catalog(unknown_dbs["broker"], built)
    assert broker.plain_name("tblTrades") == "trades"
    assert [broker.plain_name("tblTrades", c) for c in ("trdFeeAmt", "trdPx", "trdDt", "trdId")] == [
        "fee amount", "price", "trade date", "trade id"]
    clearing = _catalog(unknown_dbs["clearing"], built)
    assert clearing.plain_name("T_CLIENT_ACCT") == "client accounts"
    assert clearing.plain_name("T_ORD", "LMT_PX") == "limit price"


def test_coded_number_columns_are_categories(unknown_dbs, built):
    payments = _catalog(unknown_dbs["payments"], built)
    assert [(r.column, r.value) for r in payments.value_refs(phrase_key("card"))] == [("mkPayMethod", 1)]
    assert sorted(payments.values.by_column[("mkPayment", "mkPayMethod")]) == [1, 2, 3]
    assert not payments.is_numeric("mkPayment", "mkPayMethod")  # a code, not a measure
    assert payments.role("mkPayment", "mkPayMethod") == "category"
    assert payments.is_numeric("mkPayment", "mkPayAmt")
    clearing = _catalog(unknown_dbs["clearing"], built)
    assert not clearing.is_numeric("T_ORD", "CLNT_ACCT_ID")  # a key, whatever its case
    assert clearing.is_numeric("T_ORD", "ORD_QTY")
