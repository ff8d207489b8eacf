"""The built wheel, installed in a clean virtual environment away from the source tree, serves everything."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """dist/tradeassist-*.whl built from this checkout (as ``make wheel`` builds it)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    (built,) = out.glob("tradeassist-*.whl")
    return built


@pytest.fixture(scope="module")
def clean_venv(wheel, tmp_path_factory) -> Path:
    """A new venv holding only the wheel; its dependencies come from this environment's site-packages.

    A ``.pth`` line adds that folder as a plain path: its own ``.pth`` files (this checkout's editable
    install among them) are not run, so ``tradeassist`` can only come from the wheel.
    """
    venv = tmp_path_factory.mktemp("venv") / "clean"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    return venv


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRADEASSIST_", "PYTHON"))}
    env.update(TRADEASSIST_HOME=str(home), TRADEASSIST_TODAY="2026-11-20", TRADEASSIST_OFFLINE_ONLY="true",
               DO_NOT_TRACK="true", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def test_the_wheel_ships_the_chat_assets_and_demo_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("tradeassist/__init__.py", "tradeassist/chainlit.md", "tradeassist/.chainlit/config.toml",
                   "tradeassist/public/tradeassist.css", "tradeassist/sql/demo/definitions.yaml",
                   "tradeassist/ingest/demo/documents/trading_policy.md", "tradeassist/chat/serve.py"):
        assert needed in names, f"{needed} is not in {wheel.name}"
    # Only the product: no tests, benchmarks or top-level modules besides the namespace.
    assert not [n for n in names if n.startswith(("tradeassist/tests/", "tradeassist/bench/"))]
    assert {n.split("/")[0] for n in names} == {"tradeassist", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}


def test_the_installed_wheel_answers_sql_docs_and_signals_and_serves_the_chat(clean_venv, tmp_path):
    bin_dir, home, cwd = clean_venv / "bin", tmp_path / "home", tmp_path / "elsewhere"
    cwd.mkdir()
    env = _env(home)

    def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        done = subprocess.run([str(bin_dir / "tradeassist"), *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f"tradeassist {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done

    where = subprocess.run([str(bin_dir / "python"), "-c", "import tradeassist; print(tradeassist.__file__)"],
                           cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
    assert str(clean_venv) in where and str(ROOT) not in where

    run("demo")
    sql = json.loads(run("ask", "latest close of AAPL", "--json").stdout)
    assert sql["route"] == "sql" and sql["rows"], sql
    docs = json.loads(run("ask", "What is the gross notional limit of the Equities desk?", "--json").stdout)
    assert docs["route"] == "docs" and "trading_policy.md" in json.dumps(docs["citations"]), docs
    signals = json.loads(run("ask", "Which tickers have the strongest breakout signals?", "--json").stdout)
    assert signals["route"] == "signals", signals

    port = _free_port()
    log = (tmp_path / "chat.log").open("wb")
    server = subprocess.Popen([str(bin_dir / "tradeassist"), "chat", "--headless", "--port", str(port)], cwd=cwd,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "chat.log").read_text()[-3000:]
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("the chat never answered /api/health:\n" + (tmp_path / "chat.log").read_text()[-3000:])
        assert "<html" in httpx.get(url + "/", timeout=10).text.lower()
        assert httpx.get(url + "/public/tradeassist.css", timeout=10).status_code == 200
        # Chainlit read the packaged config and welcome page (linked into the home's app folder).
        app_root = home / "chainlit"
        assert (app_root / "chainlit.md").resolve().is_relative_to(clean_venv)
        assert (app_root / ".chainlit").resolve().is_relative_to(clean_venv)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
