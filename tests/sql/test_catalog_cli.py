"""``tradeassist catalog init`` and ``catalog show`` as a person runs them, on an undescribed database."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from catalog_fixture_dbs import build_duckdb
from tradeassist.sql.db.database import Database
from tradeassist.sql.catalog.definitions import generate_definitions, load_definitions
from tradeassist.sql.evaluate import execution_match


@pytest.fixture(scope="module")
def broker(tmp_path_factory) -> str:
    """The broker database (camelCase, prefixes, comments) as a DuckDB file."""
    return build_duckdb(tmp_path_factory.mktemp("cli") / "broker.duckdb", "broker")


@pytest.fixture
def app():
    from tradeassist.cli.app import app

    return app


def _run(app, *args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_init_writes_yaml_that_loads_back(app, broker, tmp_path):
    out = tmp_path / "definitions.yaml"
    _run(app, "catalog", "init", "--db", broker, "--out", str(out))
    document = yaml.safe_load(out.read_text())
    assert document["tables"]["tblTrades"]["synonyms"][:2] == ["trade", "trades"]
    assert document["columns"]["tblTrades.trdPx"]["role"] == "price"
    assert document["columns"]["tblAccounts.acctDesk"]["examples"] == ["Equities", "Macro", "Rates"]
    assert document["values"]["tblTrades.trdSide"]["S"][0] == "sell"
    assert "tblTrades.acctNo -> tblAccounts.acctNo" in document["joins"]
    assert "tblTrades.notional" in out.read_text()  # a suggested metric, commented out
    with Database.connect(broker) as database:
        schema = database.schema()
    loaded, generated = load_definitions(out, schema), generate_definitions(schema)
    assert loaded.tables == generated.tables
    assert set(loaded.joins) == set(generated.joins)
    assert loaded.value_synonyms == generated.value_synonyms
    for key, column in generated.columns.items():
        assert loaded.columns[key].role == column.role
        assert set(column.synonyms) <= set(loaded.columns[key].synonyms)


def test_init_prints_and_refuses_to_overwrite(app, broker, tmp_path):
    printed = _run(app, "catalog", "init", "--db", broker)
    assert printed.startswith("# Business definitions of") and "tables:" in printed
    out = tmp_path / "taken.yaml"
    out.write_text("mine")
    refused = CliRunner().invoke(app, ["catalog", "init", "--db", broker, "--out", str(out)])
    assert refused.exit_code != 0 and out.read_text() == "mine"
    _run(app, "catalog", "init", "--db", broker, "--out", str(out), "--force")
    assert out.read_text().startswith("# Business definitions")


def test_edited_definitions_are_used(app, broker, tmp_path, monkeypatch):
    out = tmp_path / "definitions.yaml"
    _run(app, "catalog", "init", "--db", broker, "--out", str(out))
    document = yaml.safe_load(out.read_text())
    document["columns"]["tblInstruments.instExch"]["synonyms"].append("venue")
    suggested = next(line for line in out.read_text().splitlines() if line.startswith("#  tblTrades.notional:"))
    document["metrics"] = yaml.safe_load(suggested[3:])  # the suggested metric, uncommented as it stands
    out.write_text(yaml.safe_dump(document, sort_keys=False))
    monkeypatch.setenv("TRADEASSIST_DEFINITIONS", str(out))
    cases = [
        ("How many instruments per venue?", 'SELECT "instExch", COUNT(*) FROM "tblInstruments" GROUP BY 1'),
        ("Total notional per symbol", 'SELECT "trdSym", SUM("trdQty" * "trdPx") FROM "tblTrades" GROUP BY 1'),
    ]
    for question, gold_sql in cases:
        answer = json.loads(_run(app, "ask", question, "--json", "--db", broker))
        with Database.connect(broker) as database:
            gold = database.query(gold_sql).frame
        ok, reason = execution_match(gold, pd.DataFrame(answer["rows"], columns=answer["columns"]))
        assert ok, f"{question}: {reason}\n{answer['sql']}"


def test_show_prints_what_the_planner_knows(app, broker):
    output = _run(app, "catalog", "show", "--db", broker)
    for expected in ("tblTrades", "trdFeeAmt", "money", "fee amount", "from names", "Macro", "direction"):
        assert expected in output
    one = _run(app, "catalog", "show", "--db", broker, "--table", "tblaccounts")
    assert "Columns of tblAccounts" in one and "Columns of tblTrades" not in one
    missing = CliRunner().invoke(app, ["catalog", "show", "--db", broker, "--table", "nope"])
    assert missing.exit_code != 0


def test_help_has_examples(app):
    for command in ("init", "show"):
        assert "Examples" in _run(app, "catalog", command, "--help")
