"""Users and API tokens: bcrypt hashes on disk, clear errors, and the ``tradeassist users`` commands."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from tradeassist.chat.users import UserStore, ensure_auth_secret, ensure_first_user
from tradeassist.core.errors import BadInputError, UnknownNameError


def test_passwords_are_hashed_and_verified(settings):
    store = UserStore(settings, bcrypt_rounds=4)
    store.add("alice", "s3cret-password")
    assert store.verify("alice", "s3cret-password")
    assert not store.verify("alice", "wrong-password")
    assert not store.verify("nobody", "s3cret-password")
    raw = sqlite3.connect(store.path).execute("SELECT password_hash FROM users").fetchone()[0]
    assert bytes(raw).startswith(b"$2b$04$") and b"s3cret" not in bytes(raw)
    assert UserStore(settings).bcrypt_rounds == 12  # the product's default work factor


def test_bad_names_passwords_and_duplicates(settings):
    store = UserStore(settings, bcrypt_rounds=4)
    with pytest.raises(BadInputError, match="valid user name"):
        store.add("../etc", "long enough pw")
    with pytest.raises(BadInputError, match="at least 8"):
        store.add("bob", "short")
    with pytest.raises(BadInputError, match="at most 72"):
        store.add("bob", "x" * 73)
    store.add("bob", "long enough pw")
    with pytest.raises(BadInputError, match="exists already"):
        store.add("bob", "another password")
    store.add("bob", "another password", replace=True)
    assert store.verify("bob", "another password")
    with pytest.raises(UnknownNameError):
        store.remove("nobody")


def test_tokens_belong_to_users_and_go_with_them(settings):
    store = UserStore(settings, bcrypt_rounds=4)
    store.add("carol", "long enough pw")
    token = store.new_token("carol")
    assert store.user_for_token(token) == "carol"
    assert store.user_for_token(token + "x") is None
    digest = sqlite3.connect(store.path).execute("SELECT digest FROM api_tokens").fetchone()[0]
    assert token not in digest
    store.remove("carol")
    assert store.user_for_token(token) is None
    with pytest.raises(UnknownNameError):
        store.new_token("carol")


def test_first_user_and_auth_secret_are_created_once(settings):
    name, password = ensure_first_user(settings)
    assert name == "admin" and UserStore(settings, bcrypt_rounds=4).verify("admin", password)
    assert ensure_first_user(settings) is None
    secret = ensure_auth_secret(settings)
    assert len(secret) >= 32 and ensure_auth_secret(settings) == secret


def test_users_cli(settings, monkeypatch):
    from tradeassist.cli.app import app

    monkeypatch.setenv("TRADEASSIST_HOME", str(settings.home))
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "dave", "--password-stdin"], input="long enough pw\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["users", "list"])
    assert "dave" in listed.output and "0 API token(s)" in listed.output
    token = runner.invoke(app, ["users", "token", "dave"]).output.strip()
    assert UserStore(settings, bcrypt_rounds=4).user_for_token(token) == "dave"
    short = runner.invoke(app, ["users", "add", "eve", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and isinstance(short.exception, BadInputError)
    removed = runner.invoke(app, ["users", "remove", "dave"])
    assert removed.exit_code == 0 and UserStore(settings, bcrypt_rounds=4).list() == []


def test_approved_sql_is_taught(settings, demo_duckdb):
    from tradeassist.chat.teach import teach_from_feedback
    from tradeassist.core.backend import Backend
    from tradeassist.sql.route import SqlRoute
    from tradeassist.sql.teach import Teacher

    settings = settings.model_copy(update={"db_url": str(demo_duckdb)})
    backend = Backend(None, routes=(SqlRoute(settings),))
    sql = "SELECT symbol, close FROM daily_bars WHERE symbol = 'AAPL' ORDER BY date DESC LIMIT 1"
    assert teach_from_feedback(backend, "last close of apple", sql, "alice") == "taught"
    assert [(p.question, p.user) for p in Teacher(settings).pairs()] == [("last close of apple", "alice")]
    assert teach_from_feedback(backend, "wipe", "DELETE FROM trades", "alice").startswith("refused")
