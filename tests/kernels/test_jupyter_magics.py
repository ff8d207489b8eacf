"""The magics on IPython's real InteractiveShell, against the demo database and real documents."""

from __future__ import annotations

import pandas as pd
import pytest

from tradeassist.kernels.display import PLOTLY_MIME, IngestSummary, NotebookAnswer
from tradeassist.kernels.extension import load_ipython_extension
from tradeassist.kernels.magics import expand_variables, split_options
from tradeassist.kernels.session import NotebookSession


@pytest.mark.parametrize(
    ("line", "options", "text"),
    [
        ("latest close of AAPL", "", "latest close of AAPL"),
        ("-o x latest close", "-o x", "latest close"),
        ("--route sql --df fills avg price", "--route sql --df fills", "avg price"),
        ("--new --json top  5   by volume", "--new --json", "top  5   by volume"),
        ("-o", "-o", ""),
    ],
)
def test_split_options(line, options, text):
    assert split_options(line) == (options, text)


def test_expand_variables_keeps_dollars_and_unknown_names():
    namespace = {"symbol": "AAPL", "days": 30}
    text = "close of {symbol} over {days * 2} days above $100 {missing} {not python"
    assert expand_variables(text, namespace) == "close of AAPL over 60 days above $100 {missing} {not python"


@pytest.fixture(scope="module")
def shell(ipython_shell, demo_env):
    """The real shell with the extension loaded on a session over the demo data."""
    session = NotebookSession(demo_env["settings"])
    load_ipython_extension(ipython_shell, session)
    ipython_shell.user_ns["symbol"] = "NVDA"
    return ipython_shell


def run(shell, cell: str):
    """Run a cell the way a notebook does; fail on any traceback."""
    result = shell.run_cell(cell, store_history=False)
    assert result.error_before_exec is None and result.error_in_exec is None, result
    return result.result


def test_ask_returns_a_live_answer_with_table_chart_and_sql(shell):
    answer = run(shell, "%ask -o prices Show {symbol} closing prices over the last 90 days")
    assert isinstance(answer, NotebookAnswer) and shell.user_ns["prices"] is answer
    assert answer.error is None, answer.error
    assert answer.route == "sql"
    assert "NVDA" in answer.sql
    assert len(answer.df) > 30 and "close" in " ".join(answer.df.columns)
    assert answer.figure is not None
    bundle = answer._repr_mimebundle_()
    assert "<table" in bundle["text/html"] and PLOTLY_MIME in bundle
    assert answer.json["sql"] == answer.sql


def test_follow_up_uses_the_conversation(shell):
    run(shell, "%ask --new Show NVDA closing prices over the last 90 days")
    follow = run(shell, "%ask and for MSFT?")
    assert follow.error is None, follow.error
    assert "MSFT" in follow.sql and "NVDA" not in follow.sql


def test_cell_magic_takes_several_lines(shell):
    answer = run(shell, "%%ask --new -o monthly\nAverage daily volume of {symbol}\nby month over the last 6 months")
    assert answer.error is None, answer.error
    assert "NVDA" in answer.sql and len(answer.df) >= 5


def test_df_option_asks_about_a_notebook_dataframe(shell):
    shell.user_ns["my_fills"] = pd.DataFrame(
        {"symbol": ["AAPL", "AAPL", "MSFT"], "price": [189.0, 191.0, 412.5], "quantity": [100, 50, 20]}
    )
    answer = run(shell, "%ask --new --df my_fills average price by symbol")
    assert answer.error is None, answer.error
    values = dict(zip(answer.df.iloc[:, 0], answer.df.iloc[:, 1]))
    assert values == {"AAPL": 190.0, "MSFT": 412.5}


def test_df_option_names_a_missing_or_wrong_variable(shell):
    shell.user_ns["not_a_frame"] = [1, 2]
    missing = run(shell, "%ask --df nowhere average price")
    assert "no variable called 'nowhere'" in str(missing.error)
    wrong = run(shell, "%ask --df not_a_frame average price")
    assert "is a list, not a pandas DataFrame" in str(wrong.error)
    assert "Error:" in wrong._repr_mimebundle_()["text/html"]


def test_ingest_without_paths_is_a_clear_message(shell):
    assert "Name a file or folder" in str(run(shell, "%ingest").error)
    assert "Cannot read the paths" in str(run(shell, "%ingest 'unclosed").error)


def test_sql_magic_runs_through_the_guard(shell):
    answer = run(shell, "%sql -o bars SELECT symbol, COUNT(*) AS n FROM daily_bars GROUP BY symbol ORDER BY n DESC")
    assert answer.error is None and len(answer.df) > 5
    assert shell.user_ns["bars"] is answer
    cell = run(shell, "%%sql\nSELECT symbol, MAX(close) AS top\nFROM daily_bars\nWHERE symbol = '{symbol}'\nGROUP BY symbol")
    assert cell.df.iloc[0]["symbol"] == "NVDA"


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE daily_bars",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT 1; SELECT 2",
        "SELECT * FROM no_such_table",
    ],
)
def test_sql_magic_refuses_unsafe_sql_with_a_message(shell, statement):
    answer = run(shell, f"%sql {statement}")
    assert answer.error is not None
    assert "Error:" in answer._repr_mimebundle_()["text/html"]


def test_sql_english_writes_the_sql_into_the_next_cell(shell):
    captured = []
    original = shell.set_next_input
    shell.set_next_input = lambda text, replace=False: captured.append(text)
    try:
        answer = run(shell, "%%sql_english\ntop 5 symbols by total volume over the last 30 days")
    finally:
        shell.set_next_input = original
    assert answer.error is None, answer.error
    assert captured == [f"%%sql\n{answer.sql}"]
    rerun = run(shell, captured[0])
    assert rerun.error is None and len(rerun.df) == len(answer.df)


def test_json_option_shows_the_json_form(shell):
    shown = run(shell, "%ask --new --json latest close of AAPL")
    assert shown.data["route"] == "sql" and shown.data["columns"]


def test_ingest_magic_adds_documents(shell, tmp_path):
    note = tmp_path / "desk_note.md"
    note.write_text("# Desk note\n\nThe rates desk expects the committee to hold the target range steady.\n")
    summary = run(shell, f"%ingest {note} {tmp_path / 'missing.pdf'}")
    assert isinstance(summary, IngestSummary)
    statuses = dict(zip(summary.files["source"], summary.files["status"]))
    assert statuses["desk_note.md"] == "ok" and statuses["missing.pdf"] == "failed"
    assert "1 stored" in summary._repr_html_()
    answer = run(shell, "%ask --new --route docs What does the rates desk expect the committee to do?")
    assert answer.error is None, answer.error
    assert any(c.source == "desk_note.md" for c in answer.citations)


def test_questions_ending_in_a_question_mark_are_asked_not_help(shell):
    assert shell.transform_cell("%ask and for MSFT?") == "get_ipython().run_line_magic('ask', 'and for MSFT?')\n"
    assert "pinfo" in shell.transform_cell("%ask?")  # help on the magic itself still works
    assert "pinfo" in shell.transform_cell("len?")
    answer = run(shell, "%ask --new what is the latest close of AAPL?")
    assert answer.error is None and "AAPL" in answer.sql
