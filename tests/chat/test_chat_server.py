"""The running chat server: its API mount, the websocket chat, and element/file tricks that must fail."""

from __future__ import annotations

import asyncio
import http.server
import threading
import uuid
from pathlib import Path

import httpx
import pytest

from tradeassist.chat.wsclient import ChatClient, login_cookie
from chat_pdf import make_pdf

SECRET_MARKERS = ("TRADEASSIST_HOME", "CHAINLIT_AUTH_SECRET", "PATH=")


@pytest.fixture(scope="module")
def client(chat_server):
    with httpx.Client(base_url=chat_server.url, timeout=60) as http:
        yield http


@pytest.fixture(scope="module")
def logged_in(chat_server):
    cookie = asyncio.run(login_cookie(chat_server.url, chat_server.user, chat_server.password))
    with httpx.Client(base_url=chat_server.url, timeout=60, headers={"Cookie": cookie}) as http:
        http.cookie_header = cookie
        yield http


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (the standard library's name)
        _Listener.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"internal secret")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def internal_url():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/internal-only"
    server.shutdown()


def test_api_is_mounted_ahead_of_the_page_routes(client, chat_server):
    assert client.get("/api/health").json()["status"] == "ok"
    spec = client.get("/api/openapi.json").json()
    assert "/ask" in spec["paths"]
    assert client.post("/api/ask", json={"question": "latest close of AAPL"}).status_code == 401
    answer = client.post("/api/ask", json={"question": "What was the latest close of AAPL?"},
                         headers={"Authorization": f"Bearer {chat_server.token}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["route"] == "sql" and answer.json()["rows"]


def test_websocket_chat_answers_and_follows_up(chat_server, logged_in):
    async def talk():
        chat = ChatClient(chat_server.url, logged_in.cookie_header)
        await chat.connect()
        first = await chat.ask("What was the daily close of AAPL over the last month?")
        second = await chat.ask("and for MSFT?")
        await chat.close()
        return first, second

    first, second = asyncio.run(talk())
    assert {e["type"] for e in first.elements} >= {"dataframe", "plotly", "file"}
    assert any(s.get("name") == "SQL" and "AAPL" in str(s.get("output")) for s in first.steps)
    assert any(s.get("name") == "SQL" and "MSFT" in str(s.get("output")) for s in second.steps)


def test_element_path_and_url_tricks_fail(chat_server, logged_in, internal_url):
    _Listener.hits.clear()
    tricks = [
        {"type": "file", "name": "env", "path": "/proc/self/environ", "display": "inline"},
        {"type": "custom", "name": "env", "path": "/proc/self/environ", "display": "inline", "props": {}},
        {"type": "image", "name": "ssrf", "url": internal_url, "display": "inline"},
        {"type": "custom", "name": "ssrf", "url": internal_url, "display": "inline", "props": {}},
    ]
    async def try_tricks():
        # A live websocket session, so that the element endpoint really processes the elements.
        chat = ChatClient(chat_server.url, logged_in.cookie_header)
        await chat.connect()
        responses = []
        async with httpx.AsyncClient(base_url=chat_server.url, timeout=30,
                                     headers={"Cookie": logged_in.cookie_header}) as http:
            for element in tricks:
                element.update(id=str(uuid.uuid4()), threadId=chat.thread_id, forId=str(uuid.uuid4()))
                responses.append(await http.put("/project/element",
                                                json={"sessionId": chat.session_id, "element": element}))
            await asyncio.sleep(1.0)  # give any (wrongly) scheduled fetch the time to happen
        await chat.close()
        return responses

    for response in asyncio.run(try_tricks()):
        assert not any(marker in response.text for marker in SECRET_MARKERS)
        assert response.status_code >= 400 or response.json().get("success") is False or (
            "environ" not in response.text and response.status_code == 200
        )
    for path in (
        "/project/file/..%2F..%2F..%2Fproc%2Fself%2Fenviron?session_id=x",
        "/public/..%2F..%2F..%2F..%2Fproc%2Fself%2Fenviron",
        "/public/../../../../proc/self/environ",
        "/api/files/..%2F..%2F..%2Fproc%2Fself%2Fenviron",
        "/api/files/../../../proc/self/environ",
        "/api/files/someone-else/element/chart.json",
    ):
        response = logged_in.get(path)
        assert not any(marker in response.text for marker in SECRET_MARKERS), path
        assert response.status_code >= 400 or "<html" in response.text.lower(), path
    assert _Listener.hits == []  # nothing fetched the internal URL


def test_element_files_need_their_owner(chat_server, client):
    # Without the session cookie no stored element can be read.
    assert client.get("/api/files/anything/else.json").status_code in (401, 404)


def test_api_ingest_then_docs_answer_cites_the_file(chat_server, client):
    headers = {"Authorization": f"Bearer {chat_server.token}"}
    pdf = make_pdf([["Operations manual"], ["Settlement of equity trades happens two business days after trade date."]])
    ingest = client.post("/api/ingest", files={"files": ("ops_manual.pdf", pdf)}, headers=headers)
    assert ingest.status_code == 200, ingest.text
    assert ingest.json()["files"][0]["pages"] == 2
    answer = client.post("/api/ask", json={"question": "When does settlement of equity trades happen?",
                                           "route": "docs"}, headers=headers).json()
    assert any(c["source"].endswith("ops_manual.pdf") and c["page"] in (1, 2) for c in answer["citations"]), answer
    assert "two business days" in answer["text"] + " ".join(c["snippet"] for c in answer["citations"])
    disguised = client.post("/api/ingest", files={"files": ("x.pdf", b"MZ" + b"\0" * 64)}, headers=headers)
    assert disguised.status_code == 400


@pytest.mark.slow
def test_the_server_stops_on_sigterm_during_an_ingest(tmp_path, demo_duckdb):
    """A stop (SIGTERM) ends the server within seconds even while an upload is being ingested."""
    import subprocess
    import threading
    import time

    from chat_servers import start_chat_server

    running = start_chat_server(tmp_path, demo_duckdb)
    sentence = "The desk reviewed its hedge ratios and the settlement calendar for the quarter. "
    big = (sentence * 40_000).encode()  # about 3 MB of text: minutes of embedding on a laptop
    threading.Thread(target=lambda: httpx.post(
        running.url + "/api/ingest", files={"files": ("big_notes.txt", big, "text/plain")},
        headers={"Authorization": f"Bearer {running.token}"}, timeout=600), daemon=True).start()
    time.sleep(4)  # the upload is in and its ingest has started
    running.process.terminate()
    try:
        running.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        running.process.kill()
        pytest.fail("the server was still running 30 s after SIGTERM:\n" + running.log_text()[-2000:])


@pytest.mark.slow
def test_one_users_long_upload_does_not_queue_anothers(tmp_path, demo_duckdb):
    """Medium 6: a one-line upload is ingested while another user's file of minutes is still running."""
    import threading

    from chat_servers import start_chat_server, stop_chat_server
    from tradeassist.chat.users import UserStore
    from tradeassist.core.settings import Settings

    running = start_chat_server(tmp_path, demo_duckdb)
    try:
        other = UserStore(Settings(home=running.home), bcrypt_rounds=4)
        other.add("second", "second password")
        second_token = other.new_token("second")
        sentence = "The desk reviewed its hedge ratios and the settlement calendar for the quarter. "
        long_done = threading.Event()

        def long_upload() -> None:
            httpx.post(running.url + "/api/ingest", files={"files": ("long_notes.txt", (sentence * 40_000).encode())},
                       headers={"Authorization": f"Bearer {running.token}"}, timeout=900)
            long_done.set()

        threading.Thread(target=long_upload, daemon=True).start()
        import time

        time.sleep(3)  # the long file is in the pool
        short = httpx.post(running.url + "/api/ingest", files={"files": ("one_line.txt", b"Settlement is T+2.")},
                           headers={"Authorization": f"Bearer {second_token}"}, timeout=900)
        assert short.status_code == 200, short.text
        assert not long_done.is_set(), "the long upload finished first: this test no longer shows fairness"
    finally:
        stop_chat_server(running)


def test_the_server_runs_with_its_address_space_capped(tmp_path, demo_duckdb):
    """A runaway allocation fails the answer that made it, not the machine (TRADEASSIST_SERVER_MEMORY_MB)."""
    from chat_servers import start_chat_server, stop_chat_server

    running = start_chat_server(tmp_path, demo_duckdb, extra_env={"TRADEASSIST_SERVER_MEMORY_MB": "6000"})
    try:
        limits = Path(f"/proc/{running.process.pid}/limits").read_text()
        line = next(row for row in limits.splitlines() if row.startswith("Max address space"))
        assert int(line.split()[3]) == 6000 * 1024 * 1024, line
        assert httpx.get(running.url + "/api/health", timeout=10).status_code == 200
    finally:
        stop_chat_server(running)
