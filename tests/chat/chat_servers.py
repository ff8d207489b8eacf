"""A real chat server (``tradeassist chat`` in a subprocess) on a free port, for the chat tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(home: Path) -> dict[str, str]:
    """This process's environment without its TRADEASSIST_ settings, for a server offline on ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEASSIST_")}
    env.update(TRADEASSIST_HOME=str(home), TRADEASSIST_TODAY="2026-11-20", TRADEASSIST_OFFLINE_ONLY="true",
               DO_NOT_TRACK="true", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def wait_until_healthy(url: str, process: subprocess.Popen, log: Path, *, seconds: float, poll_s: float) -> None:
    """Wait until ``url``/api/health answers 200; RuntimeError with the log's tail if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chat server exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    raise RuntimeError(f"chat server did not start:\n{log.read_text(errors='replace')[-3000:]}")


@dataclass
class ChatServer:
    """A running chat server: its URL, home folder, a user, an API token and its log."""

    url: str
    home: Path
    user: str
    password: str
    token: str
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        """What the server printed so far."""
        return self.log.read_text(errors="replace")


def start_chat_server(tmp: Path, demo_db: Path, extra_env: dict[str, str] | None = None) -> ChatServer:
    """Start ``tradeassist chat`` in a subprocess with its own home, user and token."""
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    db = home / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    env = server_env(home)
    env.update(TRADEASSIST_DB_URL=str(db))
    # The server imports the product's routes and ingest pipeline: a renamed module fails here, never skips.
    import tradeassist.ingest.pipeline  # noqa: F401
    import tradeassist.retrieval.route  # noqa: F401
    import tradeassist.signals.route  # noqa: F401
    import tradeassist.sql.route  # noqa: F401
    env.update(extra_env or {})
    from tradeassist.chat.users import UserStore
    from tradeassist.core.settings import Settings

    store = UserStore(Settings(home=home), bcrypt_rounds=4)  # the CLI path is tested in test_chat_users
    store.add("tester", PASSWORD)
    token = store.new_token("tester")
    cli = [str(Path(sys.executable).with_name("tradeassist"))]
    port = free_port()
    log = tmp / "chat.log"
    process = subprocess.Popen(
        [*cli, "chat", "--host", "127.0.0.1", "--port", str(port), "--headless"],
        env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log, seconds=90, poll_s=0.5)
    except RuntimeError:
        process.terminate()
        raise
    return ChatServer(url, home, "tester", PASSWORD, token, log, process)


def stop_chat_server(server: ChatServer) -> None:
    """Stop the server process this test session started."""
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
