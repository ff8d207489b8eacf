"""Security promises of the running chat server (docs/security.md), each tried as an attacker would.

One server for the module, on the demo data in PostgreSQL reached through a URL that carries a
password (trust authentication ignores it), with small limits so that each one is reached fast.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from pathlib import Path

import httpx
import nbformat
import pytest
from nbclient import NotebookClient

from tradeassist.chat.users import UserStore
from tradeassist.chat.wsclient import ChatClient, login_cookie
from chat_servers import start_chat_server, stop_chat_server
from tradeassist.core.settings import Settings

DB_PASSWORD = "S3cret-Export-7731"


@pytest.fixture(scope="module")
def server(request, tmp_path_factory, demo_duckdb):
    try:
        url = request.getfixturevalue("demo_postgres")
        url = url.replace("postgresql://postgres@", f"postgresql://postgres:{DB_PASSWORD}@", 1)
        assert DB_PASSWORD in url
    except pytest.skip.Exception:  # no PostgreSQL here: every promise but the export's is still tried
        url = ""
    folder = tmp_path_factory.mktemp("secure")
    # Raw upload bytes a crashed server left behind (kill -9 mid-upload): removed at the next start.
    stale = folder / "home" / "tmp" / "upload-crashed"
    stale.mkdir(parents=True)
    stale.parent.chmod(0o700)  # as the product creates it; the home itself is left as a user might
    (stale / "statement.pdf").write_bytes(b"%PDF- private")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    running = start_chat_server(folder, demo_duckdb, extra_env={
        **({"TRADEASSIST_DB_URL": url} if url else {}),  # else the DuckDB copy the fixture makes
        "TRADEASSIST_LOGIN_MAX_FAILURES": "3",
        "TRADEASSIST_LOGIN_MAX_FAILURES_PER_ADDRESS": "6",
        "TRADEASSIST_ASK_PER_USER": "2",
        "TRADEASSIST_WS_BURST": "4",
        "TRADEASSIST_WS_RATE_PER_MINUTE": "6",
        "TRADEASSIST_SQL_TIMEOUT_S": "3",
        # These tests stand for several clients by naming their address, as a proxy on loopback would.
        "TRADEASSIST_TRUSTED_PROXIES": "127.0.0.1",
    })
    running.db_url = url
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
    if DB_PASSWORD not in server.db_url:
        pytest.skip("PostgreSQL is not reachable: no database URL with a password to leak")
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
            second = await chat.ask("What was the latest close of MSFT?", timeout=4)
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


# Medium 3 -----------------------------------------------------------------------------------------


def _api(server, body: dict, token: str | None = None, timeout: float = 60) -> httpx.Response:
    return httpx.post(server.url + "/api/ask", json=body, timeout=timeout,
                      headers={"Authorization": f"Bearer {token or server.token}"})


def test_padding_memory_bomb_is_refused_quickly(server):
    started = time.monotonic()
    answer = _api(server, {"question": "SELECT lpad(name, 20000000, 'y') FROM accounts", "route": "sql"})
    assert answer.status_code == 400 and "lpad to width" in answer.json()["error"]["message"], answer.text
    assert time.monotonic() - started < 10 and len(answer.content) < 100_000


# Medium 4 -----------------------------------------------------------------------------------------

SLOW_SQL = ("SELECT count(*) AS n FROM trades a JOIN trades b ON a.symbol = b.symbol "
            "JOIN trades c ON b.symbol = c.symbol")


def test_one_user_cannot_starve_questions_or_logins(server, users):
    users.add("hasty", "hasty password")
    hasty = users.new_token("hasty")

    async def storm():
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            slow = [asyncio.create_task(http.post("/api/ask", json={"question": SLOW_SQL, "route": "sql"},
                                                  headers={"Authorization": f"Bearer {hasty}"}))
                    for _ in range(6)]
            await asyncio.sleep(0.5)  # the slow ones are running
            started = time.monotonic()
            other = await http.post("/api/ask", json={"question": "What was the latest close of AAPL?"},
                                    headers={"Authorization": f"Bearer {server.token}"})
            other_s = time.monotonic() - started
            started = time.monotonic()
            login = await http.post("/login", data={"username": server.user, "password": server.password})
            login_s = time.monotonic() - started
            return [await t for t in slow], other, other_s, login, login_s

    slow, other, other_s, login, login_s = asyncio.run(storm())
    statuses = sorted(r.status_code for r in slow)
    assert statuses.count(429) == 4, [r.text[:200] for r in slow]  # two may run at once, per user
    assert "questions running already" in next(r for r in slow if r.status_code == 429).text
    assert other.status_code == 200 and login.status_code == 200
    # Neither waited for the slow questions (each runs up to the 3 s SQL time limit).
    assert other_s < 3.0 and login_s < 2.0, (other_s, login_s)


# Medium 5 -----------------------------------------------------------------------------------------


def _raw_post(server, path: str, length: int, token: str | None) -> tuple[float, bytes]:
    """Send only the headers of a huge POST; returns how fast, and what, the server answered."""
    import socket

    host, port = server.url.rsplit("/", 1)[-1].split(":")
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{auth}"
            f"Content-Length: {length}\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(head + b"{" + b" " * 1024)
        reply = sock.recv(4096)
        return time.monotonic() - started, reply


def test_token_and_size_are_checked_before_the_body_is_read(server):
    seconds, reply = _raw_post(server, "/api/ingest", 1024 ** 3, None)
    assert reply.startswith(b"HTTP/1.1 401") and seconds < 3, reply[:200]
    seconds, reply = _raw_post(server, "/api/ask", 300 * 1024 ** 2, server.token)
    assert reply.startswith(b"HTTP/1.1 413") and seconds < 3, reply[:200]
    # The chat's own upload endpoint too: no session, no body read.
    seconds, reply = _raw_post(server, "/project/file?session_id=x", 1024 ** 3, None)
    assert reply.startswith(b"HTTP/1.1 401") and seconds < 3, reply[:200]
    assert not list((server.home / "tmp").glob("*")) if (server.home / "tmp").exists() else True


# Medium 6 -----------------------------------------------------------------------------------------

HOSTILE_HTML = b"<html><body><script>fetch('/project/threads',{method:'POST'})</script>hello</body></html>"


def test_uploaded_html_is_a_download_and_every_response_has_security_headers(server):
    cookie = _login(server, server.user, server.password)
    me = _get(server, "/user", cookie).json()
    from tradeassist.chat.history import storage_for

    storage = storage_for(Settings(home=server.home))
    key = f"{me['id']}/{'0' * 8}-html/report.html"
    asyncio.run(storage.upload_file(key, HOSTILE_HTML, mime="text/html"))
    served = _get(server, f"/api/files/{key}", cookie)
    assert served.status_code == 200 and served.content == HOSTILE_HTML
    assert served.headers["content-type"].startswith("application/octet-stream")
    assert served.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["x-content-type-options"] == "nosniff"

    async def session_file():
        chat = ChatClient(server.url, cookie)
        await chat.connect()
        async with httpx.AsyncClient(base_url=server.url, headers={"Cookie": cookie}, timeout=30) as http:
            up = await http.post("/project/file", params={"session_id": chat.session_id},
                                 files={"file": ("page.html", HOSTILE_HTML, "text/html")})
            got = await http.get(f"/project/file/{up.json()['id']}", params={"session_id": chat.session_id})
        await chat.close()
        return got

    got = asyncio.run(session_file())
    assert got.status_code == 200 and not got.headers["content-type"].startswith("text/html")
    assert got.headers["content-disposition"].startswith("attachment") and "sandbox" in got.headers[
        "content-security-policy"]
    page = httpx.get(server.url + "/", timeout=30)
    for name in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"):
        assert name in page.headers, name
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "http" not in policy  # 'self' only, no CDN host
    over_https = httpx.post(server.url + "/login", data={"username": server.user, "password": server.password},
                            headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert "secure" in over_https.headers["set-cookie"].lower()
    plain = httpx.post(server.url + "/login", data={"username": server.user, "password": server.password},
                       timeout=30)
    assert "secure" not in plain.headers["set-cookie"].lower()


# Medium 7 -----------------------------------------------------------------------------------------


def test_state_is_owner_only(server):
    _login(server, server.user, server.password)  # the history database exists from the first login on
    assert stat.S_IMODE(server.home.stat().st_mode) == 0o700
    opened = []
    for path in server.home.rglob("*"):
        if path.name == "demo.duckdb":  # the test's own copy of the data, not the product's state
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077 and not path.is_symlink():
            opened.append((str(path.relative_to(server.home)), oct(mode)))
    assert not opened, opened
    for name in ("users.sqlite", "chat.sqlite", "chainlit_auth_secret"):
        assert stat.S_IMODE((server.home / name).stat().st_mode) == 0o600, name


# Medium 8 -----------------------------------------------------------------------------------------


def _try_login(server, name: str, password: str, address: str) -> httpx.Response:
    return httpx.post(server.url + "/login", data={"username": name, "password": password},
                      headers={"X-Forwarded-For": address}, timeout=30)


def test_failed_logins_are_limited_per_account_and_per_address(server, users):
    users.add("target", "target password")
    for attempt in range(3):
        assert _try_login(server, "target", f"wrong {attempt}", "10.0.0.1").status_code == 401
    locked = _try_login(server, "target", "target password", "10.0.0.2")  # even the right one, elsewhere
    assert locked.status_code == 429 and "Too many failed logins" in locked.json()["detail"]
    assert int(locked.headers["retry-after"]) > 0
    # One address guessing many accounts is stopped too; other addresses still log in.
    for number in range(6):
        assert _try_login(server, f"nobody{number}", "wrong password", "10.0.0.9").status_code == 401
    assert _try_login(server, server.user, server.password, "10.0.0.9").status_code == 429
    assert _try_login(server, server.user, server.password, "10.0.0.3").status_code == 200


def test_a_login_form_names_one_account(server, users):
    """A repeated username (counted for one name, checked for another) or a multipart form is refused."""
    users.add("victim", "victim password")
    repeated = httpx.post(server.url + "/login", content="username=decoy&username=victim&password=guess",
                          headers={"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Forwarded-For": "10.0.1.1"}, timeout=30)
    assert repeated.status_code == 400 and "one username" in repeated.json()["detail"]
    repeated_multipart = httpx.post(server.url + "/login", files=[("username", (None, "decoy")),
                                    ("username", (None, "victim")), ("password", (None, "guess"))],
                                    headers={"X-Forwarded-For": "10.0.1.2"}, timeout=30)
    assert repeated_multipart.status_code == 400
    # The browser's login page posts multipart form data: its failures count for the account named.
    for attempt in range(3):
        failed = httpx.post(server.url + "/login", files={"username": (None, "victim"), "password": (None, f"no {attempt}")},
                            headers={"X-Forwarded-For": f"10.0.1.{10 + attempt}"}, timeout=30)
        assert failed.status_code == 401
    assert _try_login(server, "victim", "victim password", "10.0.1.20").status_code == 429


def test_a_client_cannot_choose_its_address_without_a_trusted_proxy(tmp_path, demo_duckdb):
    """By default X-Forwarded-For is not believed: a new address per attempt still hits the address limit."""
    running = start_chat_server(tmp_path, demo_duckdb, extra_env={"TRADEASSIST_LOGIN_MAX_FAILURES_PER_ADDRESS": "3"})
    try:
        codes = [_try_login(running, f"nobody{n}", "wrong", f"10.0.2.{n}").status_code for n in range(5)]
    finally:
        stop_chat_server(running)
    assert codes == [401, 401, 401, 429, 429], codes


# Medium 9 -----------------------------------------------------------------------------------------


def test_history_keeps_every_element_under_its_owner(server):
    from chat_pdf import make_pdf

    pdf = make_pdf([["Desk handbook"], ["Settlement of equity trades happens two business days after trade date."]])
    ingest = httpx.post(server.url + "/api/ingest", files={"files": ("Ops, manual é.pdf", pdf)}, timeout=120,
                        headers={"Authorization": f"Bearer {server.token}"})
    assert ingest.status_code == 200, ingest.text
    cookie = _login(server, server.user, server.password)

    async def talk():
        chat = ChatClient(server.url, cookie)
        await chat.connect()
        first = await chat.ask("What was the daily close of AAPL over the last month?")
        cited = await chat.ask("When does settlement of equity trades happen according to my documents?")
        await chat.close()
        return chat.thread_id, first, cited

    _, first, cited = asyncio.run(talk())
    assert "plotly" in {e["type"] for e in first.elements}, first.text
    assert any(e.get("name", "").startswith("[1") for e in cited.elements), [e.get("name") for e in cited.elements]
    time.sleep(1.0)  # the data layer writes elements as tasks of their own
    me = _get(server, "/user", cookie).json()
    files = server.home / "chat-files"
    assert not (files / "unknown").exists()
    listed = _threads(server, cookie).json()["data"]
    thread_id = next(t["id"] for t in listed if "settlement" in json.dumps(t).lower() or "AAPL" in json.dumps(t))
    thread = _get(server, f"/project/thread/{thread_id}", cookie)
    assert thread.status_code == 200, server.log_text()[-3000:]
    elements = thread.json().get("elements") or []
    names = {e["name"] for e in elements}
    assert any(n.startswith("[1") for n in names), names  # citations are saved too
    for element in elements:
        assert element["objectKey"].startswith(f"{me['id']}/"), element["objectKey"]
        assert _get(server, element["url"], cookie).status_code == 200, element["name"]
        one = _get(server, f"/project/thread/{thread_id}/element/{element['id']}", cookie)
        assert one.status_code == 200 and one.json()["id"] == element["id"]
    assert "Invalid file key" not in server.log_text()


# Low 10 -------------------------------------------------------------------------------------------


def test_low_severity_items(server, users):
    # Deep nesting is refused with a clear 400, and the log gets no traceback.
    before = len(server.log_text())
    nested = _api(server, {"question": "SELECT " + "(" * 500 + "1" + ")" * 500, "route": "sql"})
    assert nested.status_code == 400 and "nested too deeply" in nested.json()["error"]["message"], nested.text
    assert "Traceback" not in server.log_text()[before:]
    # A follow-up plan the server did not issue is refused, not run.
    asked = _api(server, {"question": "What was the latest close of AAPL?"}).json()
    forged = dict(asked, state={**asked["state"], "plan": {"table": "trades", "kind": "??"}})
    bad = _api(server, {"question": "and for MSFT?", "context": [{"question": "latest close of AAPL", "answer": forged}]})
    assert bad.status_code == 400 and "not issued by this server" in bad.json()["error"]["message"]
    good = _api(server, {"question": "and for MSFT?", "context": [{"question": "latest close of AAPL", "answer": asked}]})
    assert good.status_code == 200 and "MSFT" in (good.json()["sql"] or "")
    # CORS answers the port the server really listens on, not a hard-coded 8000.
    port = server.url.rsplit(":", 1)[1]
    mine = httpx.options(server.url + "/user", headers={"Origin": f"http://127.0.0.1:{port}",
                                                         "Access-Control-Request-Method": "GET"}, timeout=30)
    assert mine.headers.get("access-control-allow-origin") == f"http://127.0.0.1:{port}"
    if port != "8000":
        stale = httpx.options(server.url + "/user", headers={"Origin": "http://127.0.0.1:8000",
                                                              "Access-Control-Request-Method": "GET"}, timeout=30)
        assert stale.headers.get("access-control-allow-origin") is None
    # The websocket chat has a per-user message limit (burst 4 here).
    users.add("chatty", "chatty password")
    cookie = _login(server, "chatty", "chatty password")

    async def flood():
        chat = ChatClient(server.url, cookie)
        await chat.connect()
        replies = [await chat.ask("hello") for _ in range(6)]
        await chat.close()
        return replies

    replies = asyncio.run(flood())
    assert sum("Too many messages" in r.text for r in replies) >= 2, [r.text[:80] for r in replies]
    # Raw upload bytes from a crashed run are gone.
    assert not (server.home / "tmp" / "upload-crashed").exists()


# In a real browser: the page works under its policy, an uploaded page never runs, logout ends it --------

CHROMIUM = "/usr/bin/chromium"
_CSP_LOG = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
@pytest.mark.slow
def test_browser_page_under_policy_uploaded_html_inert_and_logout(server):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    hits: list[str] = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    listener = http.server.HTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    beacon = f"http://127.0.0.1:{listener.server_port}/ran"
    # An uploaded HTML file whose script would call home, stored as the chat stores uploads.
    me = _get(server, "/user", _login(server, server.user, server.password)).json()
    from tradeassist.chat.history import storage_for

    key = f"{me['id']}/{'1' * 8}-html/invoice.html"
    payload = f"<html><body><script>new Image().src='{beacon}'; fetch('{beacon}')</script></body></html>"
    asyncio.run(storage_for(Settings(home=server.home)).upload_file(key, payload.encode(), mime="text/html"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(accept_downloads=True)
        context.add_init_script(_CSP_LOG)
        page = context.new_page()
        page.goto(server.url + "/login")
        page.fill("#email", server.user)
        page.fill("#password", server.password)
        page.click("button[type=submit]")
        page.wait_for_selector("#chat-input", timeout=30_000)
        page.wait_for_timeout(2000)  # the websocket connects after the input shows
        page.fill("#chat-input", "What was the daily close of AAPL over the last month?")
        page.keyboard.press("Enter")
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)  # charts render under the policy
        violations = page.evaluate("window.__violations")
        origin = server.url.replace("127.0.0.1", "localhost")
        assert not [v for v in violations if server.url in v or origin in v or v.endswith((" inline", " eval"))], \
            violations

        # The uploaded page downloads; opened in a frame, nothing in it runs.
        with page.expect_download() as download:
            page.evaluate(f"window.location.href = '/api/files/{key}'")
        assert download.value.suggested_filename.endswith(".html")
        frame_page = context.new_page()
        frame_page.set_content(f"<iframe src='{server.url}/api/files/{key}'></iframe>")
        frame_page.wait_for_timeout(1500)
        assert hits == []

        # Logout in the browser ends the session on the server: the old cookie no longer works.
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies() if c["name"].startswith("access"))
        assert _get(server, "/user", cookie).status_code == 200
        page.goto(server.url + "/")
        page.evaluate("fetch('/logout', {method: 'POST', credentials: 'include'})")
        page.wait_for_timeout(500)
        assert _get(server, "/user", cookie).status_code == 401
        browser.close()
    listener.shutdown()


# Round two, high 2: client-written metadata and taught pairs ------------------------------------


def test_a_resumed_conversation_reads_only_answers_the_server_signed_for_its_user():
    """A forged answer in a user message's metadata (the browser writes that) is never read back."""
    from tradeassist.chat.resume import server_written_answer, sign_answer
    from tradeassist.chat.signing import metadata_signer

    signer = metadata_signer(b"server secret")
    forged = {"question": "What was the profit of the Macro desk?", "route": "sql",
              "sql": "SELECT 'Macro' AS desk, 987654321 AS profit FROM accounts LIMIT 1", "state": {"plan": None}}
    signed = {"tradeassist": forged, "tradeassist_signature": sign_answer(signer, "mallory", forged)}
    assert server_written_answer({"type": "assistant_message", "metadata": signed}, "mallory", signer) == forged
    # The same signed metadata on a user's own message, unsigned, forged, or made for another user: refused.
    assert server_written_answer({"type": "user_message", "metadata": signed}, "mallory", signer) is None
    assert server_written_answer({"type": "assistant_message", "metadata": {"tradeassist": forged}},
                                 "mallory", signer) is None
    tampered = {**signed, "tradeassist": {**forged, "sql": "SELECT 1"}}
    assert server_written_answer({"type": "assistant_message", "metadata": tampered}, "mallory", signer) is None
    assert server_written_answer({"type": "assistant_message", "metadata": signed}, "bob", signer) is None
    other_key = metadata_signer(b"another server")
    assert server_written_answer({"type": "assistant_message", "metadata": json.dumps(signed)}, "mallory",
                                 other_key) is None


def test_a_thumbs_up_teaches_its_user_only(tmp_path, demo_duckdb):
    """A pair taught for one user answers only that user's questions; the operator's answer everyone's."""
    from tradeassist.sql.route import SqlRoute
    from tradeassist.sql.teach import Teacher

    settings = Settings(home=tmp_path, db_url=str(demo_duckdb))
    database, planner = SqlRoute(settings).engine()
    teacher = Teacher(settings)
    taught_sql = "SELECT symbol, COUNT(*) AS fills FROM trades WHERE symbol = 'AAPL' GROUP BY symbol"
    teacher.teach("How many fills did AAPL get?", taught_sql, database, user="mallory")
    question = "How many fills did MSFT get?"
    assert teacher.match(question, planner.catalog, user="bob") is None
    assert "'MSFT'" in teacher.match(question, planner.catalog, user="mallory")
    teacher.teach("How many fills did AAPL get?", taught_sql, database)  # the operator's: everyone's
    assert "'MSFT'" in teacher.match(question, planner.catalog, user="bob")


# Round two, medium 4 and low 8: cross-site posts, feedback on others' messages ------------------


def test_a_page_on_another_site_cannot_log_the_browser_in(server, users):
    """Login CSRF: the browser says the form came from another site; the server refuses it before checking."""
    users.add("csrf_attacker", "attacker password")
    form = {"username": "csrf_attacker", "password": "attacker password"}
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        refused = httpx.post(server.url + "/login", data=form, headers={**headers, "X-Forwarded-For": "10.0.3.1"},
                             timeout=30)
        assert refused.status_code == 403 and "another site" in refused.json()["detail"], headers
        assert "set-cookie" not in refused.headers
    same_site = httpx.post(server.url + "/login", data=form, timeout=30, headers={
        "Origin": server.url, "Sec-Fetch-Site": "same-origin", "X-Forwarded-For": "10.0.3.2"})
    assert same_site.status_code == 200


def _stored_thread_of(server, message_id: str) -> str:
    """The thread a message is stored in (the history is written in the background: waits for it)."""
    import sqlite3

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with sqlite3.connect(server.home / "chat.sqlite") as conn:
            found = conn.execute('SELECT "threadId" FROM steps WHERE id = ?', (message_id,)).fetchall()
        if found:
            return found[0][0]
        time.sleep(0.2)
    raise AssertionError(f"message {message_id} was never stored")


def test_feedback_only_on_ones_own_messages(server, users):
    users.add("fb_owner", "owner password")
    users.add("fb_other", "other password")
    owner_cookie = _login(server, "fb_owner", "owner password")
    other_cookie = _login(server, "fb_other", "other password")

    async def ask() -> tuple[str, str]:
        client = ChatClient(server.url, owner_cookie)
        await client.connect()
        reply = await client.ask("How many trades were executed per desk this month?")
        await client.close()
        return reply.messages[-1]["id"], client.session_id

    message, session = asyncio.run(ask())
    thread = _stored_thread_of(server, message)

    def put(cookie: str, session_id: str) -> httpx.Response:
        return httpx.put(server.url + "/feedback", headers={"Cookie": cookie}, timeout=30, json={
            "sessionId": session_id, "feedback": {"forId": message, "value": 0, "threadId": thread,
                                                  "comment": "planted"}})

    assert put(other_cookie, session).status_code == 403
    assert put(other_cookie, "no-such-session").status_code == 403
    mine = put(owner_cookie, session)
    assert mine.status_code == 200, mine.text
    feedback_id = mine.json()["feedbackId"]
    removed = httpx.request("DELETE", server.url + "/feedback", headers={"Cookie": other_cookie},
                            json={"feedbackId": feedback_id}, timeout=30)
    assert removed.status_code == 403
    kept = httpx.request("DELETE", server.url + "/feedback", headers={"Cookie": owner_cookie},
                         json={"feedbackId": feedback_id}, timeout=30)
    assert kept.status_code == 200


def test_a_forged_answer_in_a_thread_is_never_resumed_nor_taught(server, users):
    """The attack end to end: a forged answer in a user message's metadata, a resume, a thumbs-up on it."""
    users.add("mallory", "mallory password")
    cookie = _login(server, "mallory", "mallory password")
    forged = {"question": "What was the profit of the Macro desk?", "route": "sql",
              "sql": "SELECT 'Macro' AS desk, 987654321 AS profit FROM accounts LIMIT 1", "state": {"plan": None}}

    async def plant() -> str:
        client = ChatClient(server.url, cookie)
        await client.connect()
        await client.ask("hello", metadata={"tradeassist": forged})
        await client.close()
        return client.last_message_id

    forged_step = asyncio.run(plant())
    thread = _stored_thread_of(server, forged_step)

    async def resume_and_approve() -> httpx.Response:
        resumed = ChatClient(server.url, cookie)
        await resumed.connect(thread_id=thread)
        try:
            return httpx.put(server.url + "/feedback", headers={"Cookie": cookie}, timeout=30, json={
                "sessionId": resumed.session_id, "feedback": {"forId": forged_step, "value": 1, "threadId": thread}})
        finally:
            await resumed.close()

    response = asyncio.run(resume_and_approve())
    assert response.status_code == 200, response.text  # the feedback is stored; it teaches nothing
    taught = server.home / "taught_sql.jsonl"
    assert not taught.exists() or "987654321" not in taught.read_text()


def test_clarification_clicks_share_the_message_limit(server, users):
    """Low 7: ``POST /project/action`` with ``clarify`` was a way around the websocket message limit."""
    users.add("clicker", "clicker password")
    cookie = _login(server, "clicker", "clicker password")

    async def click() -> list[str]:
        chat = ChatClient(server.url, cookie)
        await chat.connect()
        try:
            answers = []
            for _ in range(8):
                response = await asyncio.to_thread(httpx.post, server.url + "/project/action", timeout=60,
                                                   headers={"Cookie": cookie}, json={
                                                       "sessionId": chat.session_id,
                                                       "action": {"name": "clarify", "payload": {"text": "hello"}}})
                answers.append(response.json().get("response"))
            return answers
        finally:
            await chat.close()

    answers = asyncio.run(click())
    assert answers.count("refused") >= 2 and answers[:4] == ["answered"] * 4, answers


def test_an_unknown_thread_is_not_found_not_a_server_error(server, users):
    users.add("wanderer", "wanderer password")
    cookie = _login(server, "wanderer", "wanderer password")
    response = httpx.get(server.url + "/project/thread/no-such-thread", headers={"Cookie": cookie}, timeout=30)
    assert response.status_code == 404, response.text


def test_a_re_created_user_inherits_nothing(server, users, monkeypatch):
    """Low 12: removing a user removes their history, uploads and taught pairs; the same name starts empty."""
    import sqlite3

    from typer.testing import CliRunner

    from tradeassist.cli.app import app
    from tradeassist.retrieval.index import DocumentIndex
    from tradeassist.sql.teach import Teacher

    users.add("departed", "departed password")
    token = users.new_token("departed")
    uploaded = httpx.post(server.url + "/api/ingest", headers={"Authorization": f"Bearer {token}"}, timeout=120,
                          files={"files": ("private_note.txt", b"Departed's private note about the Macro book.")})
    assert uploaded.status_code == 200, uploaded.text
    cookie = _login(server, "departed", "departed password")

    async def converse() -> str:
        client = ChatClient(server.url, cookie)
        await client.connect()
        reply = await client.ask("How many trades were executed per desk this month?")
        await client.close()
        return reply.messages[-1]["id"]

    _stored_thread_of(server, asyncio.run(converse()))
    settings = Settings(home=server.home)
    Teacher(settings).teach("How many fills did AAPL get?", "SELECT COUNT(*) AS fills FROM trades", user="departed")

    monkeypatch.setenv("TRADEASSIST_HOME", str(server.home))
    removed = CliRunner().invoke(app, ["users", "remove", "departed"])
    assert removed.exit_code == 0, removed.output
    users.add("departed", "a new person's password")
    with sqlite3.connect(server.home / "chat.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM threads WHERE \"userIdentifier\" = 'departed'").fetchone()[0] == 0
    with DocumentIndex.open(settings) as index:
        assert not [d for d in index.list_documents(user="departed") if d.user == "departed"]
    assert not [p for p in Teacher(settings).pairs() if p.user == "departed"]
