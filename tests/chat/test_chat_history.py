"""Chat history through Chainlit's SQLAlchemy data layer: tables created, threads kept, element files safe."""

from __future__ import annotations

import asyncio
import os
import sqlite3

import pytest

from tradeassist.chat.history import LocalFileStorage, chat_db_url, create_schema
from tradeassist.core.errors import BadInputError, ConfigError


def test_sqlite_history_schema(settings, monkeypatch):
    monkeypatch.delenv("TRADEASSIST_CHAT_DB_URL", raising=False)
    url = chat_db_url(settings)
    assert url.startswith("sqlite+aiosqlite:///") and str(settings.home) in url
    create_schema(url)
    create_schema(url)  # idempotent
    conn = sqlite3.connect(settings.home / "chat.sqlite")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"users", "threads", "steps", "elements", "feedbacks"}
    step_columns = {r[1] for r in conn.execute("PRAGMA table_info(steps)")}
    # Every key Chainlit writes for a step (Message.to_dict / Step.to_dict) has its column.
    assert {"id", "threadId", "parentId", "metadata", "output", "showInput", "autoCollapse", "defaultOpen",
            "generation", "language", "isError", "waitForAnswer", "command", "modes", "icon"} <= step_columns


def test_bad_history_url_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="chat history database"):
        create_schema(f"sqlite+aiosqlite:///{tmp_path}/missing-folder/chat.sqlite")


@pytest.mark.postgres
def test_postgres_schema_is_created():
    import sqlalchemy as sa

    pg_url = os.environ.get("TRADEASSIST_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    sync = pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(sync)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}"[:200])

    schema = f"tradeassist_chat_{os.getpid()}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    try:
        url = pg_url.replace("postgresql://", "postgresql+asyncpg://", 1) + f"?options=-csearch_path%3D{schema}"
        create_schema(url)
        create_schema(url)
        with engine.connect() as conn:
            tables = set(conn.execute(sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}).scalars())
        assert tables == {"users", "threads", "steps", "elements", "feedbacks"}
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def test_chat_db_url_accepts_plain_postgres_urls(settings, monkeypatch):
    monkeypatch.setenv("TRADEASSIST_CHAT_DB_URL", "postgresql://u@db:5432/chat")
    assert chat_db_url(settings) == "postgresql+asyncpg://u@db:5432/chat"


@pytest.mark.parametrize("key", ["../../etc/passwd", "/etc/passwd", "a/../../b", "a/%2e%2e/b", "a\x00b"])
def test_element_storage_refuses_keys_outside_its_folder(tmp_path, key):
    storage = LocalFileStorage(tmp_path / "files")
    with pytest.raises(BadInputError):
        storage.path_for(key)


def test_element_storage_round_trip(tmp_path):
    storage = LocalFileStorage(tmp_path / "files")
    uploaded = asyncio.run(storage.upload_file("user-1/el-1/chart", b"{}", "application/json"))
    assert uploaded["url"] == "/api/files/user-1/el-1/chart"
    assert storage.path_for("user-1/el-1/chart").read_bytes() == b"{}"
    assert asyncio.run(storage.delete_file("user-1/el-1/chart"))
