"""Notebook export: the conversation as an .ipynb that re-runs each SQL, executed with nbclient."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tradeassist.chat.export import ExportTurn, light_json, notebook_bytes
from tradeassist.core.answer import Answer, Citation, Text
from tradeassist.core.jsonform import answer_to_json


@pytest.fixture(scope="module")
def sql_answers(demo_duckdb, tmp_path_factory):
    from tradeassist.core.backend import Backend
    from tradeassist.core.question import Question
    from tradeassist.core.settings import Settings

    settings = Settings(home=tmp_path_factory.mktemp("home"), db_url=str(demo_duckdb), offline_only=True,
                        today="2026-11-20")
    backend = Backend(settings)
    first = Question("What was the daily close of AAPL over the last month?")
    answer = backend.ask(first)
    assert answer.error is None and answer.sql is not None and answer.chart is not None
    follow = first.follow_up("and for MSFT?", answer)
    return [(first.text, answer), (follow.text, backend.ask(follow))]


def _outputs(notebook):
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def test_exported_notebook_rebuilds_tables_and_charts(sql_answers, demo_duckdb, tmp_path):
    docs = Answer("docs", (Text("Limits are set yearly. ![t](https://evil.example/x.png)"),
                           Citation("policy.pdf", 4, "Limits are reviewed each year.", 0.8)))
    turns = [ExportTurn(q, light_json(q, a)) for q, a in sql_answers]
    turns.append(ExportTurn("What do the documents say about limits?", light_json("q", docs)))
    turns.append(ExportTurn("drop table trades", {"error": {"type": "UnsafeSqlError", "message": "refused"}}))
    # SQL edited into a notebook still goes through the guard when the cell runs.
    turns.append(ExportTurn("delete everything", {"route": "sql", "text": "", "sql": "DELETE FROM trades",
                                                  "notices": [], "model": {"method": "offline"}, "error": None}))
    data = notebook_bytes(turns, str(demo_duckdb))
    (tmp_path / "out.ipynb").write_bytes(data)
    notebook = nbformat.reads(data.decode(), as_version=4)
    nbformat.validate(notebook)
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute()
    outputs = _outputs(notebook)
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "UnsafeSqlError", errors  # only the DELETE, refused
    rendered = json.dumps(outputs)
    assert rendered.count("text/html") >= 2 and "application/vnd.plotly.v1+json" in rendered
    # The re-run tables hold the same rows the chat showed.
    expected = answer_to_json(sql_answers[0][1])["rows"][0][1]
    assert str(expected) in rendered
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "policy.pdf p.4" in markdown and "Limits are reviewed" in markdown
    assert "evil.example" not in markdown and "refused" in markdown
