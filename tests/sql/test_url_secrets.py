"""A database URL is never shown with its password: not in the user-info part, not in the query."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tradeassist.sql.db.urls import hide_password


@pytest.mark.parametrize("url, secret", [
    ("postgresql://bob:hunter2@127.0.0.1/test", "hunter2"),
    ("postgresql://127.0.0.1/test?sslmode=require&password=hunter2", "hunter2"),
    ("mysql+pymysql://root@127.0.0.1/test?passwd=hunter2", "hunter2"),
    ("md:portfolio?motherduck_token=tok_hunter2", "tok_hunter2"),
])
def test_hide_password_hides_every_secret(url, secret):
    shown = hide_password(url)
    assert secret not in shown and "***" in shown


def test_doctor_never_prints_a_password_given_as_a_query_parameter(monkeypatch, tmp_path):
    from tradeassist.cli.app import app

    monkeypatch.setenv("TRADEASSIST_HOME", str(tmp_path))
    monkeypatch.setenv("TRADEASSIST_DB_URL", "postgresql://tester@127.0.0.1:1/test?password=hunter2")
    for args in (["doctor", "--json"], ["doctor"]):
        result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert "hunter2" not in result.output, result.output
    checks = json.loads(CliRunner().invoke(app, ["doctor", "--json"]).output.strip().splitlines()[-1])
    database = next(check for check in checks if check["name"] == "trading database")
    assert not database["ok"] and "password=***" in database["detail"]
