"""The terminal as a new user meets it: examples in every help, follow-ups with --continue, full paths."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from tradeassist.cli.app import app
from tradeassist.cli.examples import command_paths

runner = CliRunner()


def _help(path: str) -> str:
    result = runner.invoke(app, [*path.split(), "--help"], env={"COLUMNS": "100"}, terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_help_shows_examples_and_no_stray_backticks():
    paths = command_paths(app)
    assert len(paths) >= 25 and "signals score" in paths and "ask" in paths
    for path in paths:
        text = _help(path)
        assert "Examples" in text, f"{path}: no examples"
        assert f"tradeassist {path}" in text, f"{path}: examples do not show the command"
        assert "`" not in text, f"{path}: a backtick is shown as typed"


def test_top_level_help_lists_commands_without_backticks():
    text = _help("")
    assert "signals" in text and "`" not in text


@pytest.mark.slow
def test_ask_continue_keeps_the_conversation_in_the_home(demo_duckdb, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TRADEASSIST_HOME", str(home))
    monkeypatch.setenv("TRADEASSIST_DB_URL", str(demo_duckdb))
    monkeypatch.setenv("TRADEASSIST_OFFLINE_ONLY", "true")
    first = runner.invoke(app, ["ask", "How many trades were executed per desk this month?", "--json"])
    assert first.exit_code == 0, first.output
    assert len(json.loads(first.output)["rows"]) == 4  # one row per desk

    follow = runner.invoke(app, ["ask", "--continue", "and for the Crypto desk only?", "--json"])
    assert follow.exit_code == 0, follow.output
    answer = json.loads(follow.output)
    assert "'Crypto'" in answer["sql"] and "executed_at" in answer["sql"], answer["sql"]
    assert [row[0] for row in answer["rows"]] == ["Crypto"]

    # Without --continue the same words start a new conversation: there is nothing to follow.
    fresh = runner.invoke(app, ["ask", "and for the Crypto desk only?", "--json"])
    assert json.loads(fresh.output)["sql"] != answer["sql"]
    saved = list((home / "conversations").glob("cli-*.json"))
    assert len(saved) == 1 and oct(saved[0].stat().st_mode & 0o777) == "0o600"


def test_doctor_prints_the_whole_database_path_on_a_narrow_terminal(demo_duckdb, tmp_path, monkeypatch):
    deep = tmp_path / "a-rather-long-folder-name" / "and-another-long-folder-name" / "trading-data"
    deep.mkdir(parents=True)
    db = deep / "my-trading-database.duckdb"
    db.write_bytes(demo_duckdb.read_bytes())
    monkeypatch.setenv("TRADEASSIST_DB_URL", str(db))
    monkeypatch.setenv("TRADEASSIST_OFFLINE_ONLY", "true")
    result = runner.invoke(app, ["doctor"], env={"COLUMNS": "60"}, terminal_width=60)
    lines = [re.sub(r"\s+$", "", line) for line in result.output.splitlines()]
    assert any(str(db) in line for line in lines), result.output


@pytest.mark.slow
def test_shell_keeps_one_conversation_until_new(demo_duckdb, tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEASSIST_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TRADEASSIST_DB_URL", str(demo_duckdb))
    monkeypatch.setenv("TRADEASSIST_OFFLINE_ONLY", "true")
    lines = ["How many trades were executed per desk this month?", "and for the Crypto desk only?", "exit",
             "never asked"]
    result = runner.invoke(app, ["shell"], input="\n".join(lines) + "\n", terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "where desk is 'Crypto'" in result.output  # the follow-up narrowed the first question
    assert "never asked" not in result.output
    # What the shell asked is where `ask --continue` picks it up ...
    follow = runner.invoke(app, ["ask", "--continue", "and for the Macro desk only?", "--json"])
    assert "'Macro'" in json.loads(follow.output)["sql"]
    # ... until `new` starts over.
    result = runner.invoke(app, ["shell", "--continue"], input="new\n", terminal_width=200)
    assert "New conversation." in result.output
    assert not list((tmp_path / "home" / "conversations").glob("cli-*.json"))


@pytest.mark.slow
def test_files_the_demo_writes_are_the_owner_s_only(tmp_path):
    """The home is 0700 and its files 0600, whatever the shell's umask (it was 0644 under umask 022)."""
    import os
    import stat
    import subprocess
    import sys
    from pathlib import Path

    home = tmp_path / "home"
    env = {**os.environ, "TRADEASSIST_HOME": str(home), "TRADEASSIST_TODAY": "2026-11-20",
           "TRADEASSIST_OFFLINE_ONLY": "true"}
    tradeassist = str(Path(sys.executable).with_name("tradeassist"))
    done = subprocess.run(["sh", "-c", 'umask 022 && exec "$0" demo --no-documents', tradeassist], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    opened = [str(p) for p in home.rglob("*") if p.is_file() and stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert not opened, opened
