"""The ChatPanel and upload widgets, driven as a person would (typing, clicking, uploading)."""

from __future__ import annotations

import pytest

from tradeassist.kernels.display import PLOTLY_MIME
from tradeassist.kernels.session import NotebookSession
from tradeassist.kernels.widget import ChatPanel, UploadBox


@pytest.fixture
def panel(demo_env, ipython_shell):
    return ChatPanel(NotebookSession(demo_env["settings"]))


def _html(panel: ChatPanel) -> str:
    return "".join(o["data"].get("text/html", "") for o in panel.output.outputs)


def test_typing_a_question_and_pressing_enter_answers_it(panel):
    panel.input.value = "Show NVDA closing prices over the last 90 days"  # Enter commits the value
    assert panel.input.value == ""
    assert len(panel.history) == 1 and panel.history[0].error is None
    outputs = panel.output.outputs
    assert "NVDA closing prices" in outputs[0]["data"]["text/html"]
    assert "<table" in _html(panel)


def test_the_send_button_and_follow_ups(panel):
    panel.input.value = ""
    panel.ask("Show NVDA closing prices over the last 90 days")
    panel.input.unobserve_all()  # type without committing, then click
    panel.input.value = "and for MSFT?"
    panel.send_button.click()
    assert len(panel.history) == 2
    assert "MSFT" in panel.history[-1].sql and "NVDA" not in panel.history[-1].sql


def test_route_choice_and_clear(panel):
    panel.route.value = "sql"
    result = panel.ask("latest close of AAPL")
    assert result.route == "sql"
    panel.clear_button.click()
    assert panel.history == [] and panel.output.outputs == () and panel.session.turns == []


def test_errors_show_as_messages(panel):
    result = panel.ask("   ")
    assert result.error is not None
    assert "empty" in _html(panel)


def test_charts_are_plotly_outputs(panel):
    panel.ask("Show NVDA closing prices over the last 90 days")
    if panel.history[-1].figure is None:
        pytest.skip("the SQL route returned no chart for this question")
    assert any(PLOTLY_MIME in o["data"] for o in panel.output.outputs)


def test_upload_box_ingests_files_and_reports_bad_ones(demo_env):
    box = UploadBox(NotebookSession(demo_env["settings"]))
    note = b"# Desk memo\n\nThe desk prefers covered calls on large caps this quarter.\n"
    lines = box.ingest_files(
        [
            {"name": "memo.md", "content": memoryview(note)},
            {"name": "broken.pdf", "content": memoryview(b"%PDF-1.4\n1 0 obj <<\n%%EOF truncated")},
        ]
    )
    assert lines[0].startswith("memo.md: ingested")
    assert lines[1].startswith("broken.pdf: not ingested")
    assert "memo.md" in box.status.value
    again = box.ingest_files([{"name": "memo.md", "content": memoryview(note)}])
    assert "unchanged" in again[0]


def test_ask_upload_magic_shows_the_upload_box(demo_env, ipython_shell):
    from tradeassist.kernels.extension import load_ipython_extension

    load_ipython_extension(ipython_shell, NotebookSession(demo_env["settings"]))
    box = ipython_shell.run_line_magic("ask_upload", "")
    assert type(box).__name__ == "HBox"
    assert box.children[0].accept.startswith(".pdf")
