"""Identifier understanding: names split, prefixes stripped, abbreviations expanded, comments read."""

from __future__ import annotations

import pytest

from tradeassist.sql.catalog.column_roles import column_role
from tradeassist.sql.catalog.comment_hints import value_hints
from tradeassist.sql.catalog.identifiers import expand_words, plural, shared_prefix, singular, split_identifier, strip_prefix, table_words
from tradeassist.sql.catalog.naming import read_names
from tradeassist.sql.catalog.schema import ColumnSchema, Schema, TableSchema


@pytest.mark.parametrize(("name", "parts"), [
    ("sbCustCountry", ["sb", "cust", "country"]),
    ("sbTxAmount", ["sb", "tx", "amount"]),
    ("SbTxCustId", ["sb", "tx", "cust", "id"]),
    ("T_CLIENT_ACCT", ["t", "client", "acct"]),
    ("trade_date", ["trade", "date"]),
    ("USDAmount", ["usd", "amount"]),
    ("px2Close", ["px", "2", "close"]),
    ("ORD_TS", ["ord", "ts"]),
    ("order-book", ["order", "book"]),
    ("id", ["id"]),
])
def test_split_identifier(name, parts):
    assert split_identifier(name) == parts


@pytest.mark.parametrize(("words", "expanded"), [
    (["cust", "id"], ["customer", "id"]),
    (["tx", "amt"], ["transaction", "amount"]),
    (["txn", "dt"], ["transaction", "date"]),
    (["trx", "ts"], ["transaction", "timestamp"]),
    (["qty"], ["quantity"]),
    (["px"], ["price"]),
    (["ccy"], ["currency"]),
    (["acct", "no"], ["account", "number"]),
    (["tkr"], ["ticker"]),
    (["sym"], ["symbol"]),
    (["cls", "px"], ["close", "price"]),
    (["asset", "cls"], ["asset", "class"]),
    (["trades"], ["trade"]),
    (["currencies"], ["currency"]),
    (["status"], ["status"]),
])
def test_expand_words(words, expanded):
    assert expand_words(words) == expanded


@pytest.mark.parametrize(("one", "many"), [
    ("trade", "trades"), ("currency", "currencies"), ("status", "statuses"), ("day", "days"), ("box", "boxes"),
])
def test_singular_and_plural(one, many):
    assert plural(one) == many
    assert singular(many) == one


@pytest.mark.parametrize(("names", "prefix"), [
    ([["sb", "tx", "id"], ["sb", "tx", "amount"], ["sb", "tx", "dt"]], ["sb", "tx"]),
    ([["trd", "id"], ["trd", "qty"], ["trd", "px"], ["acct", "no"]], ["trd"]),
    ([["symbol"], ["date"], ["close"]], []),
    ([["order", "id"], ["account", "id"], ["symbol"], ["quantity"]], []),  # two of four is no prefix
    ([["id"]], []),
])
def test_shared_prefix(names, prefix):
    assert shared_prefix(names) == prefix


def test_strip_prefix_keeps_a_name_that_would_vanish():
    assert strip_prefix(["sb", "tx", "amount"], ["sb", "tx"]) == ["amount"]
    assert strip_prefix(["sb", "tx"], ["sb", "tx"]) == ["sb", "tx"]


@pytest.mark.parametrize(("name", "prefix", "words"), [
    ("tblTrades", [], ["trades"]),
    ("T_CLIENT_ACCT", [], ["client", "acct"]),
    ("sbCustomer", ["sb"], ["customer"]),
    ("dim_instrument", [], ["instrument"]),
    ("trades_tbl", [], ["trades"]),
    ("TradeFact", [], ["trade"]),
    ("t", [], ["t"]),
])
def test_table_words(name, prefix, words):
    assert table_words(name, prefix) == words


def _schema(tables: dict[str, list[tuple[str, str]]]) -> Schema:
    return Schema({name: TableSchema(name, {c: ColumnSchema(c, kind.upper(), kind) for c, kind in cols})
                   for name, cols in tables.items()})


def test_read_names_strips_database_and_table_prefixes():
    names = read_names(_schema({
        "sbCustomer": [("sbCustId", "integer"), ("sbCustName", "text"), ("sbCustCountry", "text")],
        "sbTransaction": [("sbTxId", "integer"), ("sbTxCustId", "integer"), ("sbTxAmount", "number"),
                          ("sbTxDt", "date")],
    }))
    assert names.database_prefix == ("sb",)
    assert names.tables["sbTransaction"].words == ("transaction",)
    assert names.tables["sbCustomer"].nouns == "customers"
    assert names.columns[("sbCustomer", "sbCustCountry")].words == ("country",)
    assert names.columns[("sbTransaction", "sbTxCustId")].words == ("customer", "id")
    assert names.columns[("sbTransaction", "sbTxDt")].words == ("date",)


@pytest.mark.parametrize(("words", "kind", "role"), [
    (("trade", "date"), "timestamp", "date"),
    (("customer", "id"), "integer", "identifier"),
    (("account", "number"), "integer", "identifier"),
    (("limit", "price"), "number", "price"),
    (("fee", "amount"), "number", "money"),
    (("quantity",), "integer", "quantity"),
    (("number",), "number", "number"),
    (("name",), "text", "name"),
    (("country",), "text", "category"),
    (("weight",), "number", "percent"),
    (("active",), "boolean", "flag"),
])
def test_column_role(words, kind, role):
    assert column_role(words, kind) == role


@pytest.mark.parametrize(("comment", "hints"), [
    ("Trade direction. Possible values: B = buy, S = sell", {"B": ("buy", "bought", "buys", "purchase"),
                                                             "S": ("sell", "sold", "sells")}),
    ("Desk. Possible values: Rates, Equities, Macro", {"Rates": (), "Equities": (), "Macro": ()}),
    ("Status, one of: NEW, FILLED or CANCELLED", {"NEW": (), "FILLED": (), "CANCELLED": ()}),
    ("State (possible values: 'O' (open), 'C' (closed))", {"O": ("open",), "C": ("closed",)}),
    ("Side: B = buy, S = sell", {"B": ("buy", "bought", "buys", "purchase"), "S": ("sell", "sold", "sells")}),
    ("Commission charged on the fill", {}),
    ("", {}),
])
def test_value_hints(comment, hints):
    assert value_hints(comment) == hints


def test_joins_read_from_names_and_table_abbreviations():
    from tradeassist.sql.catalog.column_roles import infer_joins

    schema = _schema({
        "sbCustomer": [("sbCustId", "integer"), ("sbCustName", "text")],
        "sbProduct": [("sbProdId", "integer"), ("sbProdName", "text")],
        "sbTransaction": [("sbTxId", "integer"), ("sbTxCustId", "integer"), ("sbTxProdId", "integer"),
                          ("sbTxAmount", "number")],
    })
    schema = Schema({name: TableSchema(name, t.columns, primary_key=(next(iter(t.columns)),))
                     for name, t in schema.tables.items()})
    assert infer_joins(schema, read_names(schema)) == [
        ("sbTransaction", "sbTxCustId", "sbCustomer", "sbCustId"),
        ("sbTransaction", "sbTxProdId", "sbProduct", "sbProdId"),
    ]


def test_no_join_when_the_target_is_ambiguous_or_types_differ():
    from tradeassist.sql.catalog.column_roles import infer_joins

    def key(name: str, kind: str = "integer") -> ColumnSchema:
        return ColumnSchema(name, kind.upper(), kind)

    schema = Schema({
        "clients": TableSchema("clients", {"client_id": key("client_id")}, ("client_id",)),
        "customers": TableSchema("customers", {"customer_id": key("customer_id")}, ("customer_id",)),
        "orders": TableSchema("orders", {"order_id": key("order_id"), "customer_id": key("customer_id")},
                              ("order_id",)),
        "fills": TableSchema("fills", {"fill_id": key("fill_id"), "order_id": key("order_id", "date")}, ("fill_id",)),
        "notes": TableSchema("notes", {"note_id": key("note_id"), "order_id": key("order_id")}, ("note_id",)),
    })
    # "customer id" could name clients (a client is a customer) or customers: no guess. A date
    # column cannot point at an integer key. An integer order_id can.
    assert infer_joins(schema, read_names(schema)) == [("notes", "order_id", "orders", "order_id")]


@pytest.mark.parametrize(("column", "verbs"), [
    ("sbCustSignupDt", ("signed up",)),
    ("created_at", ("created",)),
    ("OPEN_DT", ("opened",)),
    ("settlement_date", ("settled",)),
    ("trade_date", ("traded",)),
    ("as_of_date", ()),
])
def test_event_verbs_from_the_date_column(column, verbs):
    from tradeassist.sql.catalog.generated_definitions import generate_definitions

    schema = _schema({"things": [("thing_id", "integer"), (column, "date")]})
    assert generate_definitions(schema).tables["things"].verbs == verbs


@pytest.mark.parametrize(("comment", "phrases"), [
    ("Commission charged on the fill, in the trade currency", ("commission",)),
    ("Trade direction. Possible values: B = buy, S = sell", ("trade direction", "direction")),
    ("Asset class of the instrument", ("asset class", "class")),
    ("Amount paid by the customer in EUR", ("amount",)),
    ("The price at execution", ("price",)),
    ("How the customer paid", ()),
    ("Deprecated, do not use", ()),
    ("Unique identifier of the customer", ()),
    ("Settlement date (T+2)", ("settlement date", "date")),
])
def test_comment_phrases(comment, phrases):
    from tradeassist.sql.catalog.comment_hints import comment_phrases

    assert comment_phrases(comment) == phrases
