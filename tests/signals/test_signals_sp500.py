"""Real history: `signals train` and `signals backtest` end to end on S&P 500 daily bars."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

#: A slice of the real file keeps the test fast; the full run is documented in docs/signals.md.
SYMBOLS = ("AAPL", "MSFT", "NVDA", "AMD", "INTC", "CSCO", "ORCL", "JPM", "XOM", "PFE", "KO", "WMT")


@pytest.fixture(scope="module")
def sp500_db(shared_data, tmp_path_factory):
    """A DuckDB file with real daily bars for 12 S&P 500 stocks and their GICS sectors."""
    import duckdb
    import sqlglot.expressions as exp

    path = tmp_path_factory.mktemp("sp500") / "sp500.duckdb"
    market = shared_data / "market"
    conn = duckdb.connect(str(path))
    wanted = exp.column("Name").isin(*(exp.Literal.string(s) for s in SYMBOLS))
    select = (
        exp.select("Name AS symbol", "CAST(date AS DATE) AS date", "open", "high", "low", "close", "CAST(volume AS BIGINT) AS volume")
        .from_(exp.func("read_csv", exp.Literal.string(str(market / "sp500_daily_2013_2018.csv.gz"))))
        .where(wanted)
        .where("close IS NOT NULL")
    )
    conn.execute(exp.Create(this=exp.to_table("daily_bars"), kind="TABLE", expression=select).sql("duckdb"))
    sectors = (
        exp.select("Symbol AS symbol", "Name AS name", "'equity' AS asset_class", "Sector AS sector")
        .from_(exp.func("read_csv", exp.Literal.string(str(market / "sp500_constituents_2018.csv"))))
    )
    conn.execute(exp.Create(this=exp.to_table("instruments"), kind="TABLE", expression=sectors).sql("duckdb"))
    conn.close()
    return path


def test_train_and_backtest_on_real_history(sp500_db, tmp_path, monkeypatch):
    from tradeassist.cli.app import app

    monkeypatch.setenv("TRADEASSIST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "160")
    runner = CliRunner()
    trained = runner.invoke(app, ["signals", "train", "--db", str(sp500_db)])
    assert trained.exit_code == 0, trained.output
    found = re.search(r"Stored v0001 \(current\): mean AUC ([0-9.]+)", trained.output)
    assert found, trained.output
    assert 0.45 < float(found.group(1)) < 0.75  # a real but modest edge; near 1 would mean a leak
    assert "2013-" in trained.output and "12 symbols" in trained.output

    listed = runner.invoke(app, ["signals", "list"])
    assert "v0001" in listed.output and "yes" in listed.output

    tested = runner.invoke(app, ["signals", "backtest", "--db", str(sp500_db), "--universe", "tech",
                                 "--since", "2016-01-01", "--top", "3", "--hold", "5", "--cost-bps", "10"])
    assert tested.exit_code == 0, tested.output
    assert "Information Technology" in tested.output and "Sharpe (annualised)" in tested.output
    assert "2016-" in tested.output  # the first test block starts where asked

    scored = runner.invoke(app, ["signals", "score", "AAPL", "MSFT", "--db", str(sp500_db)])
    assert scored.exit_code == 0 and "2018-02-07" in scored.output  # as of the last real bar
    explained = runner.invoke(app, ["signals", "explain", "AAPL", "--db", str(sp500_db), "--method", "shap"])
    assert explained.exit_code == 0 and "RSI-14" in explained.output
