"""The example notebooks, executed with nbclient in ipykernel (+ the extension) and in the TradeAssist kernel."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from tradeassist.kernels.display import PLOTLY_MIME

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: (notebook, kernel, needs documents). The kernel notebook covers all three topics in one
#: kernel, so the heavy engines (embeddings, XGBoost) load once.
CASES = [
    ("01_sql_from_english.ipynb", "python3", False),
    ("02_documents_qa.ipynb", "python3", False),  # ingests the demo documents it ships with
    ("03_signals.ipynb", "python3", False),
    ("kernel/tradeassist_kernel.ipynb", "tradeassist", True),
]


def test_notebooks_are_committed_without_outputs():
    paths = sorted(NOTEBOOKS.rglob("*.ipynb"))
    assert len(paths) >= 4
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"


def execute(name: str, kernel: str, env: dict, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel; any cell error fails the run."""
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=240, kernel_name=kernel, allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=env)
    return notebook


def outputs_of(notebook: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


@pytest.fixture(scope="module")
def executed(request, kernelspec_dir, demo_env):
    """Executed notebooks by name+kernel, run on first use and saved under tests/artifacts/."""
    done: dict[tuple[str, str], nbformat.NotebookNode] = {}

    def get(name: str, kernel: str, docs: bool) -> nbformat.NotebookNode:
        if docs:
            request.getfixturevalue("docs_env")  # ingests the documents first (or skips)
        if (name, kernel) not in done:
            done[(name, kernel)] = execute(name, kernel, demo_env["kernel_env"], demo_env["home"])
            ARTIFACTS.mkdir(exist_ok=True)
            out = ARTIFACTS / "notebooks" / f"{kernel}-{Path(name).name}"
            out.parent.mkdir(exist_ok=True)
            nbformat.write(done[(name, kernel)], out)
        return done[(name, kernel)]

    return get


@pytest.mark.slow
@pytest.mark.parametrize(("name", "kernel", "docs"), CASES, ids=[f"{k}-{n}" for n, k, _ in CASES])
def test_notebook_outputs_hold_a_table_and_a_plotly_figure(executed, name, kernel, docs):
    notebook = executed(name, kernel, docs)
    outputs = outputs_of(notebook)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("<table" in h for h in html), f"{name}: no table"
    assert any(PLOTLY_MIME in o.get("data", {}) for o in outputs), f"{name}: no Plotly figure"
    # No answer in an example notebook may come back as an error.
    assert not any("tradeassist-error" in h for h in html), [h for h in html if "tradeassist-error" in h]


@pytest.mark.slow
def test_sql_english_notebook_offers_the_sql_as_the_next_cell(executed):
    notebook = executed("01_sql_from_english.ipynb", "python3", False)
    last = notebook.cells[-1]
    assert last.source.startswith("%%sql_english")
    shown = "".join(o["data"].get("text/html", "") for o in last.outputs if "data" in o)
    assert "SELECT" in shown


@pytest.mark.slow
def test_chat_panel_cell_holds_the_answer_in_its_widget_state(executed):
    notebook = executed("01_sql_from_english.ipynb", "python3", False)
    cell = next(c for c in notebook.cells if c.cell_type == "code" and "ChatPanel()" in c.source)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs)
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    output_models = [m for m in state.values() if m["model_name"] == "OutputModel"]
    shown = [o for m in output_models for o in m["state"].get("outputs", [])]
    assert any("latest close of AAPL" in o["data"].get("text/html", "") for o in shown)
    assert any("<table" in o["data"].get("text/html", "") for o in shown)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def jupyter_lab(tmp_path, kernelspec_dir):
    """A JupyterLab server in a temp folder with private config; yields (url, folder)."""
    import json
    import subprocess
    import sys
    import time
    import urllib.request

    port, token = _free_port(), "tradeassist-test"
    settings_dir = tmp_path / "lab-settings"
    notification = settings_dir / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    root = tmp_path / "lab"
    root.mkdir()
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "JupyterLab did not start in 90 s"
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", token, root
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.slow
@pytest.mark.browser
def test_jupyterlab_shows_an_ask_chart(executed, jupyter_lab):
    """Headless Chromium opens a notebook run by nbclient; the %ask table and Plotly chart render."""
    from playwright.sync_api import sync_playwright

    url, token, root = jupyter_lab
    source = executed("01_sql_from_english.ipynb", "python3", False)
    keep = [c for c in source.cells if c.source.startswith(("%load_ext", "import pandas", "%ask --df"))]
    assert len(keep) == 3
    notebook = nbformat.v4.new_notebook(cells=keep, metadata=source.metadata)
    nbformat.write(notebook, root / "ask_chart.ipynb")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "jupyterlab_ask_chart.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{url}/lab/tree/ask_chart.ipynb?token={token}")
            # jupyterlab-plotly's renderer is itself the output element.
            plot = page.locator(".jp-RenderedPlotly.js-plotly-plot").first
            try:
                plot.wait_for(state="visible", timeout=120_000)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "jupyterlab_ask_chart_failed.png"))
                raise
            page.locator(".jp-OutputArea-output table.tradeassist-table").first.wait_for(state="visible")
            page.wait_for_timeout(1000)  # let Plotly finish its first layout
            page.locator(".jp-RenderedPlotly .main-svg").first.wait_for(state="attached")
            bars = page.locator(".jp-RenderedPlotly .bars .point").count()
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert bars == 3  # one bar per symbol of the notebook's own DataFrame
    assert shot.stat().st_size > 20_000
