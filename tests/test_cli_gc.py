"""The CLI's rarer garbage collections apply to one-shot commands, not to sessions that go on."""

from __future__ import annotations

import gc
import sys

import pytest

from tradeassist.cli import app as cli_app


@pytest.fixture
def restored_collector():
    """Whatever ``main`` does to the collector is undone after the test."""
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


@pytest.mark.parametrize(("argv", "raised"), [
    (["ask", "latest close of AAPL"], True),
    (["sql", "--json", "select 1"], True),
    (["shell"], False),
    (["chat", "--port", "8123"], False),
])
def test_threshold_is_raised_for_one_shot_commands_only(monkeypatch, restored_collector, argv, raised):
    gc.set_threshold(700, 10, 10)
    seen = []
    monkeypatch.setattr(cli_app, "app", lambda: seen.append(gc.get_threshold()[0]))
    monkeypatch.setattr(sys, "argv", ["tradeassist", *argv])
    cli_app.main()
    assert seen == [cli_app.GC_THRESHOLD if raised else 700]


def test_command_name_skips_options():
    assert cli_app.command_name(["--help"]) == ""
    assert cli_app.command_name(["-v", "shell"]) == "shell"
