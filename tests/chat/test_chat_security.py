"""Security promises of the running chat server (docs/security.md), each tried as an attacker would.

One server for the module, on the demo data in PostgreSQL reached through a URL that carries a
password (trust authentication ignores it), with small limits so that each one is reached fast.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import stat
import sys
import time
from pathlib import Path

import httpx
import nbformat
import pytest
from nbclient import NotebookClient

from chat.users import UserStore
from chat.wsclient import ChatClient, login_cookie
from core.settings import Settings


def _chat_fixtures():
    # Loaded by path: several test folders have a conftest.py, so ``import conftest`` is ambiguous.
    spec = importlib.util.spec_from_file_location("chat_server_fixtures", Path(__file__).with_name("conftest.py"))
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # its dataclasses look their module up by name
        spec.loader.exec_module(module)
    return module


start_chat_server, stop_chat_server = _chat_fixtures().start_chat_server, _chat_fixtures().stop_chat_server

DB_PASSWORD = "S3cret-Export-7731"


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_duckdb, demo_postgres):
    url = demo_postgres.replace("postgresql://postgres@", f"postgresql://postgres:{DB_PASSWORD}@", 1)
    assert DB_PASSWORD in url
    running = start_chat_server(tmp_path_factory.mktemp("secure"), demo_duckdb, extra_env={
        "TRADEASSIST_DB_URL": url,
        "TRADEASSIST_LOGIN_MAX_FAILURES": "3",
        "TRADEASSIST_LOGIN_MAX_FAILURES_PER_ADDRESS": "6",
        "TRADEASSIST_ASK_PER_USER": "2",
        "TRADEASSIST_WS_BURST": "4",
        "TRADEASSIST_WS_RATE_PER_MINUTE": "6",
    })
    yield running
    stop_chat_server(running)


@pytest.fixture(scope="module")
def users(server) -> UserStore:
    """The server's own user store (what ``tradeassist users ...`` changes)."""
    return UserStore(Settings(home=server.home), bcrypt_rounds=4)


def _login(server, name: str, password: str) -> str:
    return asyncio.run(login_cookie(server.url, name, password))


def _get(server, path: str, cookie: str) -> httpx.Response:
    return httpx.get(server.url + path, headers={"Cookie": cookie}, timeout=30)


def _threads(server, cookie: str) -> httpx.Response:
    return httpx.post(server.url + "/project/threads", headers={"Cookie": cookie}, timeout=30,
                      json={"pagination": {"first": 5}, "filter": {}})


# High 1 -------------------------------------------------------------------------------------------


def test_exported_notebook_never_carries_the_database_password(server, tmp_path, demo_duckdb):
    cookie = _login(server, server.user, server.password)

    async def talk():
        chat = ChatClient(server.url, cookie)
        await chat.connect()
        answer = await chat.ask("What was the latest close of AAPL?")
        exported = await chat.ask("", command="Export")
        async with httpx.AsyncClient(base_url=server.url, headers={"Cookie": cookie}, timeout=30) as http:
            files = [e for e in exported.elements if e.get("type") == "file"]
            assert files, exported
            got = await http.get(f"/project/file/{files[0]['chainlitKey']}", params={"session_id": chat.session_id})
        await chat.close()
        return answer, got

    answer, got = asyncio.run(talk())
    assert answer.elements, answer.text  # the question was answered from PostgreSQL
    assert got.status_code == 200, got.text
    data = got.content
    assert DB_PASSWORD.encode() not in data
    notebook = nbformat.reads(data.decode(), as_version=4)
    setup = notebook.cells[1].source
    assert "postgresql://postgres@127.0.0.1:5432/test" in setup and 'os.environ.get("TRADEASSIST_DB_URL")' in setup
    # Nothing the server stored (history, element files, session files) holds the password either.
    for path in server.home.rglob("*"):
        if path.is_file() and path.suffix not in (".duckdb", ".wal"):
            assert DB_PASSWORD.encode() not in path.read_bytes(), path
    # When it runs, it reads the data source from the environment: here the DuckDB copy of the data.
    os.environ["TRADEASSIST_DB_URL"] = str(demo_duckdb)
    try:
        NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    finally:
        del os.environ["TRADEASSIST_DB_URL"]
    outputs = json.dumps([o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])])
    assert "AAPL" in outputs or "close" in outputs


# High 2 -------------------------------------------------------------------------------------------


def test_password_change_removal_and_logout_end_sessions_at_once(server, users):
    users.add("leaver", "first password 1")
    cookie = _login(server, "leaver", "first password 1")
    assert _get(server, "/user", cookie).status_code == 200
    assert _threads(server, cookie).status_code == 200

    users.add("leaver", "second password 2", replace=True)  # tradeassist users add leaver --replace
    assert _get(server, "/user", cookie).status_code == 401
    assert _threads(server, cookie).status_code == 401
    with pytest.raises(Exception):
        asyncio.run(ChatClient(server.url, cookie).connect())

    # An open chat is closed at its next message once the user is removed.
    cookie = _login(server, "leaver", "second password 2")

    async def chat_then_removed():
        chat = ChatClient(server.url, cookie)
        await chat.connect()
        first = await chat.ask("What was the latest close of AAPL?")
        users.remove("leaver")  # tradeassist users remove leaver
        try:
            second = await chat.ask("What was the latest close of MSFT?", timeout=10)
        except (asyncio.TimeoutError, Exception):
            second = None
        connected = chat.sio.connected
        await chat.close()
        return first, second, connected

    first, second, connected = asyncio.run(chat_then_removed())
    assert first.messages and second is None and not connected
    assert _get(server, "/user", cookie).status_code == 401

    # Logout ends the session on the server, not only in the browser.
    users.add("leaver", "third password 3")
    cookie = _login(server, "leaver", "third password 3")
    assert httpx.post(server.url + "/logout", headers={"Cookie": cookie}, timeout=30).status_code == 200
    assert _get(server, "/user", cookie).status_code == 401
    # Another session of the same user is untouched by that logout.
    other = _login(server, "leaver", "third password 3")
    assert _get(server, "/user", other).status_code == 200
