"""The shared-server mode: magics and sessions POST to /api/ask on a local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import plotly.graph_objects as go
import pytest

from tradeassist.core.answer import Answer, Chart, Sql, Table, Text
from tradeassist.core.errors import DataSourceError
from tradeassist.core.jsonform import answer_to_json
from tradeassist.core.settings import Settings
from tradeassist.kernels.display import PLOTLY_MIME
from tradeassist.kernels.session import NotebookSession, RemoteSource, source_for

TOKEN = "team-token"


class AskHandler(BaseHTTPRequestHandler):
    """Answers /api/ask with the JSON form, like the chat server; records what it was sent."""

    received: list[dict] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        if self.path == "/api/ingest":
            return self._ingest(raw)
        body = json.loads(raw)
        if self.path != "/api/ask":
            return self._send(404, {"error": {"type": "NotFound", "message": "no such path"}})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, {"error": {"type": "Unauthorized", "message": "The API token is not valid."}})
        AskHandler.received.append(body)
        if body["question"] == "broken":
            return self._send(500, {"detail": "oops"})
        frame = pd.DataFrame({"symbol": ["AAPL"], "close": [190.0]})
        answer = Answer(
            route=body["route"] or "sql",
            parts=(
                Text(f"{body['question']} (turns before: {len(body['context'])})"),
                Sql("SELECT symbol, close FROM daily_bars LIMIT 1", "duckdb"),
                Table(frame),
                Chart(go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))),
            ),
        )
        self._send(200, answer_to_json(answer))


    def _ingest(self, raw: bytes) -> None:
        """Parse the multipart upload as the chat server would, and report each file."""
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + raw
        )
        files = []
        for part in message.iter_parts():
            name = part.get_filename()
            data = part.get_payload(decode=True)
            AskHandler.uploads.append((name, data))
            error = None if data.startswith(b"#") else "not a document"
            files.append({"name": name, "kind": "md", "pages": 1, "chunks": 2, "error": error})
        self._send(200, {"files": files, "failed": sum(1 for f in files if f["error"])})


AskHandler.uploads = []


@pytest.fixture(scope="module")
def server_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), AskHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_settings_with_server_url_choose_the_remote_source(server_url, tmp_path):
    settings = Settings(home=tmp_path, server_url=server_url, api_token=TOKEN)
    assert isinstance(source_for(settings), RemoteSource)


def test_session_posts_questions_with_context_and_rebuilds_answers(server_url, tmp_path):
    AskHandler.received.clear()
    session = NotebookSession(Settings(home=tmp_path, server_url=server_url, api_token=TOKEN), user="ana")
    first = session.ask("latest close of AAPL")
    assert first.error is None
    assert first.table.frame.iloc[0]["close"] == 190.0
    assert first.sql.statement.startswith("SELECT symbol")
    follow = session.ask("and for MSFT?", route="sql")
    assert "turns before: 1" in follow.text
    sent = AskHandler.received[-1]
    assert sent["question"] == "and for MSFT?" and sent["route"] == "sql" and sent["user"] == "ana"
    assert sent["context"][0]["question"] == "latest close of AAPL"
    assert sent["context"][0]["answer"]["sql"].startswith("SELECT symbol")


def test_magics_use_the_shared_server(server_url, tmp_path, ipython_shell):
    from tradeassist.kernels.extension import load_ipython_extension

    session = NotebookSession(Settings(home=tmp_path, server_url=server_url, api_token=TOKEN))
    load_ipython_extension(ipython_shell, session)
    ipython_shell.run_cell("%ask -o remote_answer latest close of AAPL", store_history=False)
    result = ipython_shell.user_ns["remote_answer"]
    assert result.df.shape == (1, 2)
    assert PLOTLY_MIME in result._repr_mimebundle_()


def test_refused_token_is_a_clear_error(server_url, tmp_path):
    session = NotebookSession(Settings(home=tmp_path, server_url=server_url, api_token="wrong"))
    answer = session.ask("latest close of AAPL")
    assert answer.error is not None
    assert "token is not valid" in str(answer.error)
    assert session.turns == []  # failed questions are not remembered


def test_server_without_a_json_answer_is_a_clear_error(server_url, tmp_path):
    session = NotebookSession(Settings(home=tmp_path, server_url=server_url, api_token=TOKEN))
    answer = session.ask("broken")
    assert isinstance(answer.error, DataSourceError)
    assert "HTTP 500" in str(answer.error)


def test_ingest_and_uploads_go_to_the_shared_server(server_url, tmp_path):
    from tradeassist.kernels.widget import UploadBox

    AskHandler.uploads.clear()
    folder = tmp_path / "docs"
    folder.mkdir()
    for index in range(12):  # more than one request's worth
        (folder / f"note{index:02d}.md").write_bytes(f"# Note {index}\n".encode())
    (folder / "junk.bin").write_bytes(b"\x00\x01")
    session = NotebookSession(Settings(home=tmp_path / "home", server_url=server_url, api_token=TOKEN))
    report = session.ingest([folder, tmp_path / "missing.pdf"])
    assert len(AskHandler.uploads) == 13
    assert report.stored == 12 and report.failures == 2 and report.chunks == 24
    assert not (tmp_path / "home").exists()  # nothing was written locally
    lines = UploadBox(session).ingest_files([{"name": "memo.md", "content": memoryview(b"# Memo")}])
    assert lines == ["memo.md: ingested (1 pages, 2 chunks)"]


def test_unreachable_server_is_a_clear_error(tmp_path):
    session = NotebookSession(Settings(home=tmp_path, server_url="http://127.0.0.1:9", api_token=TOKEN))
    answer = session.ask("latest close of AAPL")
    assert isinstance(answer.error, DataSourceError)
    assert "unreachable" in str(answer.error)


@pytest.fixture(scope="module")
def ipython_shell():
    """IPython's real InteractiveShell (one per process, as IPython allows)."""
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def test_session_talks_to_the_chat_servers_real_api(demo_env):
    """The same client against the product's own /api (run in-process), with the real backend."""
    pytest.importorskip("fastapi")
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from tradeassist.chat.api import create_api
    from tradeassist.chat.ratelimit import TokenBucketLimiter
    from tradeassist.chat.service import BackendPool
    from tradeassist.chat.users import UserStore

    settings = demo_env["settings"]
    app = FastAPI()
    app.mount("/api", create_api(BackendPool(settings), UserStore(settings, bcrypt_rounds=4),
                                 TokenBucketLimiter(rate_per_minute=60, burst=10), service_token=TOKEN))
    with TestClient(app) as client:
        source = RemoteSource("http://testserver", TOKEN, client=client)
        session = NotebookSession(settings, source=source, user="ana")
        first = session.ask("Show NVDA closing prices over the last 90 days")
        assert first.error is None, first.error
        assert len(first.table.frame) > 30 and first.chart is not None
        follow = session.ask("and for MSFT?")
        assert follow.error is None, follow.error
        assert "MSFT" in follow.sql.statement and "NVDA" not in follow.sql.statement
        refused = NotebookSession(settings, source=RemoteSource("http://testserver", "bad", client=TestClient(app)))
        assert "not valid" in str(refused.ask("latest close of AAPL").error)
