"""Fixtures of the chat tests: a real chat server (subprocess) on a free port with a demo database."""

from __future__ import annotations

from pathlib import Path

import pytest

from chat_servers import ROOT, start_chat_server, stop_chat_server

ARTIFACTS = ROOT / "tests" / "artifacts"
#: Debian's Chromium, driven by Playwright (``playwright install`` is not used: nothing is downloaded).
CHROMIUM = "/usr/bin/chromium"


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


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for a module's page tests; skipped where Debian's chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
