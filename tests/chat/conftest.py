"""Fixtures of the chat tests: a real chat server (subprocess) on a free port with a demo database."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat_servers import ROOT, start_chat_server, stop_chat_server

ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="session")
def chat_server(tmp_path_factory, demo_duckdb):
    """One chat server for the whole session."""
    server = start_chat_server(tmp_path_factory.mktemp("chat"), demo_duckdb)
    yield server
    stop_chat_server(server)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """tests/artifacts (git-ignored), for screenshots and exported notebooks."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
