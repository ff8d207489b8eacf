"""The sql package's commands: ``sql``, ``teach`` and ``eval sql``, run as a person runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner


@pytest.fixture
def cli_env(demo_duckdb, monkeypatch, tmp_path):
    monkeypatch.setenv("TRADEASSIST_DB_URL", str(demo_duckdb))
    monkeypatch.setenv("TRADEASSIST_HOME", str(tmp_path / "home"))
    from tradeassist.cli.app import app

    return app


def _cases_file(folder, *cases: tuple[str, str]):
    """An evaluation file of (question, gold SQL) cases, with ids a, b, c, ...; returns its path."""
    path = folder / "q.jsonl"
    path.write_text("".join(json.dumps({"id": chr(ord("a") + i), "question": question, "gold_sql": gold}) + "\n"
                            for i, (question, gold) in enumerate(cases)))
    return path


def test_sql_prints_the_sql(cli_env):
    result = CliRunner().invoke(cli_env, ["sql", "Average closing price of MSFT over the last 30 days"])
    assert result.exit_code == 0, result.output
    assert "AVG" in result.output and "MSFT" in result.output and "2026-10-22" in result.output


def test_sql_run_json(cli_env):
    result = CliRunner().invoke(cli_env, ["sql", "How many orders were cancelled?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["route"] == "sql" and data["rows"] and data["sql"].startswith("SELECT")


def test_sql_unsure_question_exits_with_options(cli_env):
    result = CliRunner().invoke(cli_env, ["sql", "average quantity for TSLA"])
    assert result.exit_code == 2
    assert "orders" in result.output and "trades" in result.output


def test_teach_then_reuse(cli_env, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli_env, ["teach", "fee per share for AAPL",
                                     "SELECT SUM(fee) / SUM(quantity) AS fee_per_share FROM trades WHERE symbol = 'AAPL'"])
    assert result.exit_code == 0, result.output
    stored = (tmp_path / "home" / "taught_sql.jsonl").read_text()
    assert "SUM(fee)" in stored
    again = runner.invoke(cli_env, ["sql", "fee per share for NVDA", "--json"])
    data = json.loads(again.output)
    assert data["model"]["method"] == "taught" and "NVDA" in data["sql"]


def test_teach_refuses_unsafe_sql(cli_env):
    from tradeassist.core.errors import UnsafeSqlError

    result = CliRunner().invoke(cli_env, ["teach", "clean up", "DELETE FROM trades"])
    assert result.exit_code != 0
    assert isinstance(result.exception, UnsafeSqlError)


def test_eval_sql_writes_a_report(cli_env, tmp_path):
    questions = _cases_file(
        tmp_path,
        ("How many orders were cancelled?", "SELECT COUNT(*) FROM orders WHERE status='cancelled'"),
        ("Total volume of SPY last year",
         "SELECT SUM(volume) FROM daily_bars WHERE symbol='SPY' AND year(date) = year(DATE '{today}') - 1"),
    )
    report = tmp_path / "report.json"
    result = CliRunner().invoke(cli_env, ["eval", "sql", str(questions), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "right 2 / clarified 0 / wrong 0 of 2" in result.output
    data = json.loads(report.read_text())
    assert data["score"] == 1.0 and [c["outcome"] for c in data["cases"]] == ["right", "right"]


def test_eval_sql_json_gives_per_question_detail(cli_env, tmp_path):
    questions = _cases_file(
        tmp_path,
        ("How many orders were cancelled?", "SELECT COUNT(*) * 2 FROM orders WHERE status='cancelled'"),
        ("average quantity for TSLA", "SELECT AVG(quantity) FROM trades WHERE symbol = 'TSLA'"),
    )
    result = CliRunner().invoke(cli_env, ["eval", "sql", str(questions), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"] == {"right": 0, "clarified": 1, "wrong": 1}
    wrong, asked = data["cases"]
    assert wrong["outcome"] == "wrong" and wrong["sql"].startswith("SELECT") and wrong["rows"] and wrong["gold_rows"]
    assert asked["outcome"] == "clarified" and asked["options"]
