"""The TradeAssist kernel: cell translation, the kernelspec, and the kernel run through jupyter_client."""

from __future__ import annotations

import json
import sys

import pytest

from tradeassist.kernels.display import PLOTLY_MIME
from tradeassist.kernels.kernel import translate_cell
from tradeassist.kernels.kernelspec import KERNEL_NAME, install, kernel_spec, uninstall


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("latest close of AAPL", "%%ask -o ans\nlatest close of AAPL"),
        ("  what is RSI?\n", "%%ask -o ans\nwhat is RSI?"),
        ("top 5 by volume\nlast month", "%%ask -o ans\ntop 5 by volume\nlast month"),
        ("%route docs What did the FOMC say?", "%%ask --route docs -o ans\nWhat did the FOMC say?"),
        ("%sql SELECT 1", "%sql SELECT 1"),
        ("%%sql\nSELECT *\nFROM daily_bars", "%%sql\nSELECT *\nFROM daily_bars"),
        ("%python x = 1", "x = 1"),
        ("%%python\nimport math\nmath.pi", "import math\nmath.pi"),
        ("%ingest reports/", "%ingest reports/"),
        ("!ls notebooks", "!ls notebooks"),
        ("", ""),
    ],
)
def test_translate_cell(cell, expected):
    assert translate_cell(cell) == expected


def test_install_and_uninstall_the_kernelspec(tmp_path, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager

    jupyter_data_dir = tmp_path / "data"
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(jupyter_data_dir))
    folder = install(user=True)
    assert folder.startswith(str(jupyter_data_dir))
    spec = json.loads((jupyter_data_dir / "kernels" / KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"][:3] == [sys.executable, "-m", "tradeassist.kernels.kernel"]
    assert spec["display_name"] == "TradeAssist"
    assert KERNEL_NAME in KernelSpecManager().find_kernel_specs()
    assert uninstall() is not None
    assert KERNEL_NAME not in KernelSpecManager().find_kernel_specs()
    assert uninstall() is None
    assert kernel_spec("/x/python")["argv"][0] == "/x/python"


def test_cli_installs_under_a_prefix(tmp_path):
    from typer.testing import CliRunner

    from tradeassist.cli.app import app

    result = CliRunner().invoke(app, ["jupyter", "install", "--prefix", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json").is_file()


def _run(client, code: str) -> tuple[dict, list[dict]]:
    """Execute one cell; return the reply and the iopub messages of that cell."""
    messages: list[dict] = []
    reply = client.execute_interactive(code, timeout=180, output_hook=messages.append)
    return reply["content"], messages


def _outputs(messages: list[dict]) -> list[dict]:
    return [m["content"] for m in messages if m["msg_type"] in ("display_data", "execute_result", "stream", "error")]


@pytest.fixture(scope="module")
def kernel_client(kernelspec_dir, demo_env):
    """The installed TradeAssist kernel, started by jupyter_client's KernelManager."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(
        kernel_name=KERNEL_NAME, cwd=str(demo_env["home"]), env=demo_env["kernel_env"]
    )
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def test_kernel_info_names_the_language(kernel_client):
    info = kernel_client.kernel_info(reply=True, timeout=30)["content"]
    assert info["implementation"] == "tradeassist"
    assert info["language_info"]["name"] == "tradeassist"


def test_kernel_answers_a_question_with_table_and_chart(kernel_client):
    reply, messages = _run(kernel_client, "Show NVDA closing prices over the last 90 days")
    assert reply["status"] == "ok"
    data = [o.get("data", {}) for o in _outputs(messages)]
    assert any("<table" in d.get("text/html", "") for d in data)
    assert any(PLOTLY_MIME in d for d in data)
    # The answer is a live Python object in the kernel's namespace.
    reply, messages = _run(kernel_client, "%python print(type(ans).__name__, len(ans.df) > 30, ans.route, _ is ans)")
    texts = "".join(o.get("text", "") for o in _outputs(messages))
    assert "NotebookAnswer True sql True" in texts


def test_kernel_follow_up_keeps_the_conversation(kernel_client):
    _run(kernel_client, "Show NVDA closing prices over the last 90 days")
    _run(kernel_client, "and for MSFT?")
    reply, messages = _run(kernel_client, "%python print(ans.sql)")
    texts = "".join(o.get("text", "") for o in _outputs(messages))
    assert "MSFT" in texts and "NVDA" not in texts


def test_kernel_sql_escape_goes_through_the_guard(kernel_client):
    reply, messages = _run(kernel_client, "%sql SELECT symbol, MAX(close) AS top FROM daily_bars GROUP BY symbol")
    data = [o.get("data", {}) for o in _outputs(messages)]
    assert any("<table" in d.get("text/html", "") for d in data)
    reply, messages = _run(kernel_client, "%sql DROP TABLE daily_bars")
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(messages))
    assert "Error" in html and reply["status"] == "ok"  # a clear message, not a traceback
    reply, messages = _run(kernel_client, "%sql SELECT COUNT(*) AS n FROM daily_bars")
    assert "<table" in "".join(o.get("data", {}).get("text/html", "") for o in _outputs(messages))


def test_kernel_route_escape_and_python_escape(kernel_client):
    reply, messages = _run(kernel_client, "%route signals Which tickers have the strongest breakout signals?")
    assert reply["status"] == "ok"
    reply, messages = _run(kernel_client, "%%python\nprint(ans.route)")
    assert "signals" in "".join(o.get("text", "") for o in _outputs(messages))


def test_kernel_unknown_route_is_a_clear_message(kernel_client):
    reply, messages = _run(kernel_client, "%route nowhere latest close of AAPL")
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(messages))
    assert reply["status"] == "ok"
    assert "no route called &#x27;nowhere&#x27;" in html


def test_doctor_says_when_the_installed_kernelspec_is_stale(tmp_path, monkeypatch):
    """A kernelspec from before the tradeassist namespace runs ``-m kernels.kernel``: Jupyter would fail to start it."""
    import json as json_module

    from typer.testing import CliRunner

    from tradeassist.cli.app import app
    from tradeassist.kernels.kernelspec import installed_spec_problem, kernel_spec

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("TRADEASSIST_HOME", str(tmp_path / "home"))
    folder = tmp_path / "jupyter" / "kernels" / "tradeassist"
    folder.mkdir(parents=True)
    stale = {**kernel_spec(), "argv": [sys.executable, "-m", "kernels.kernel", "-f", "{connection_file}"]}
    (folder / "kernel.json").write_text(json_module.dumps(stale))
    assert "kernels.kernel" in installed_spec_problem()
    checks = json_module.loads(CliRunner().invoke(app, ["doctor", "--json"]).output.strip().splitlines()[-1])
    kernel = next(check for check in checks if check["kind"] == "jupyter")
    assert not kernel["ok"] and "tradeassist jupyter install" in kernel["detail"]
    (folder / "kernel.json").write_text(json_module.dumps(kernel_spec()))
    assert installed_spec_problem() is None
