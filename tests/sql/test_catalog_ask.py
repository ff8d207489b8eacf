"""End to end: plain-English questions about databases nobody described, through ``tradeassist ask``.

Each answer's rows are compared with the rows of hand-written gold SQL run on the same database
(the questions and gold SQL live in ``catalog_questions.jsonl``), on DuckDB, SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import sqlglot
from typer.testing import CliRunner

from catalog_fixture_dbs import broker_in_postgres, build_all
from tradeassist.sql.db.database import Database
from tradeassist.sql.evaluate import execution_match

QUESTIONS = {case["id"]: case for case in map(json.loads, Path(__file__).with_name("catalog_questions.jsonl")
                                                .read_text(encoding="utf-8").splitlines()) if case}
#: A sample across styles: comment-derived values, joins by name, declared keys, periods, listings.
ASKED = ("b3", "b4", "b5", "b6", "b13", "p1", "p5", "p10", "c2", "c4")


@pytest.fixture(scope="module")
def urls(tmp_path_factory) -> dict[str, str]:
    """The three fixture databases: broker and payments in DuckDB, clearing in SQLite."""
    return build_all(tmp_path_factory.mktemp("ask"))


@pytest.fixture(scope="module")
def broker_pg(postgres_url):
    """The broker database in a PostgreSQL schema of this test process."""
    with broker_in_postgres(postgres_url, f"tradeassist_ask_{os.getpid()}") as url:
        yield url


def _gold(url: str, gold_sql: str) -> pd.DataFrame:
    with Database.connect(url) as database:
        text = gold_sql if database.dialect == "duckdb" else sqlglot.transpile(
            gold_sql, read="duckdb", write=database.dialect)[0]
        return database.query(text).frame


def _ask(url: str, question: str, *options: str) -> dict:
    from tradeassist.cli.app import app

    result = CliRunner().invoke(app, ["ask", question, "--json", "--db", url, *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _check(url: str, case: dict) -> None:
    answer = _ask(url, case["question"])
    assert answer["route"] == "sql" and answer["error"] is None, answer
    frame = pd.DataFrame(answer["rows"], columns=answer["columns"])
    ok, reason = execution_match(_gold(url, case["gold_sql"]), frame)
    assert ok, f"{case['question']}: {reason}\n{answer['sql']}"


@pytest.mark.parametrize("case_id", ASKED)
def test_question_answers_right(urls, case_id):
    case = QUESTIONS[case_id]
    _check(urls[case["db"]], case)


@pytest.mark.parametrize("case_id", ["b4", "b5"])
def test_question_answers_right_on_postgres(broker_pg, case_id):
    _check(broker_pg, QUESTIONS[case_id])


def test_unknown_words_ask_back_instead_of_guessing(urls):
    answer = _ask(urls["broker"], "What was the average bid-ask spread per venue?", "--route", "sql")
    assert answer["rows"] == [] and answer["sql"] is None
    assert any(n["level"] == "clarify" for n in answer["notices"])
