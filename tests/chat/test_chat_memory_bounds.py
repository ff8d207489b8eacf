"""Over HTTP, one typed SQL statement cannot take the server's memory (docs/security.md, "What a result may weigh").

The server runs under an address-space limit, as a container's memory limit would hold it, so that a
bound that fails costs this server's answer (or the server), never the machine running the tests.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from chat_servers import ROOT, free_port, server_env, wait_until_healthy
from string_growth import FAMILY

A = "A" * 1000
REPORTED = (f"SELECT length(replace(replace(replace(upper(symbol),'A','{A}'),'A','{A}'),'A','{A[:100]}')) AS n "
            "FROM trades")
ADDRESS_SPACE = 6 * 1024**3


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_duckdb):
    """A chat server on a copy of the demo DuckDB file, its process capped at 6 GB of address space."""
    from tradeassist.chat.users import UserStore
    from tradeassist.core.settings import Settings

    home = tmp_path_factory.mktemp("memory") / "home"
    home.mkdir()
    db = home / "demo.duckdb"
    shutil.copyfile(demo_duckdb, db)
    store = UserStore(Settings(home=home), bcrypt_rounds=4)
    store.add("tester", "correct horse battery")
    token = store.new_token("tester")
    env = server_env(home) | {"TRADEASSIST_DB_URL": str(db)}
    port, log = free_port(), home.parent / "chat.log"

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("tradeassist")), "chat", "--host", "127.0.0.1", "--port", str(port),
         "--headless"], env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, preexec_fn=cap)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log, seconds=90, poll_s=0.5)
        yield url, token, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _ask(server, sql: str) -> tuple[httpx.Response, float]:
    url, token, _ = server
    started = time.monotonic()
    answer = httpx.post(url + "/api/ask", json={"question": sql, "route": "sql"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=120)
    return answer, time.monotonic() - started


def _peak_mb(process: subprocess.Popen) -> float:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM for the server process")


def test_the_reported_statement_gets_4xx_within_5_s_and_the_server_still_answers(server):
    answer, seconds = _ask(server, REPORTED)
    assert answer.status_code == 400 and seconds < 5, (answer.status_code, seconds, answer.text[:300])
    assert "replace can build a value" in answer.json()["error"]["message"]
    assert httpx.get(server[0] + "/api/health", timeout=10).status_code == 200


def test_twenty_growth_statements_leave_the_server_under_1_gb(server):
    outcomes = []
    for what, sql in FAMILY:
        answer, seconds = _ask(server, sql)
        message = (answer.json().get("error") or {}).get("message", "") if answer.status_code != 500 else answer.text
        outcomes.append((what, answer.status_code, round(seconds, 2), message[:120]))
    assert server[2].poll() is None, outcomes  # the server lives
    assert httpx.get(server[0] + "/api/health", timeout=10).status_code == 200
    assert all(status == 400 and seconds < 5 for _, status, seconds, _ in outcomes), outcomes
    peak = _peak_mb(server[2])
    assert peak < 1024, f"the server's peak RSS was {peak:.0f} MB: {outcomes}"
