"""The first ten minutes, as a new user lives them: ``make run PORT=...`` on a fresh home, then the browser.

One server for the module, started the way the README says (``make run``) with a fresh
``TRADEASSIST_HOME``: it builds the demo database, ingests the demo documents and prints the first
user's password. Chromium then runs with every request that is not for this server aborted and
recorded: no page load may reach a third party (fonts, stylesheets, Swagger UI from a CDN).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chat_servers import ROOT, free_port, server_env, wait_until_healthy

ARTIFACTS = ROOT / "tests" / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
SHOTS = ARTIFACTS / "first_run"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """``make run PORT=<free> HOST=127.0.0.1`` on a fresh home; yields (url, port, password, home, log)."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    tmp = tmp_path_factory.mktemp("first-run")
    home, log_path, port = tmp / "home", tmp / "make_run.log", free_port()
    venv = Path(sys.executable).parent.parent
    # -o: the installed environment is taken as it is (this test must not reinstall packages).
    command = ["make", "-o", f"{venv}/.installed", "run", f"PORT={port}", "HOST=127.0.0.1", f"VENV={venv}"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=server_env(home), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log_path, seconds=300, poll_s=1)
        printed = log_path.read_text(errors="replace")
        password = re.search(r"password: (\S+)", printed)
        assert password, printed[-3000:]
        yield url, port, password.group(1), home, printed
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # make and the chat server it started, nothing else
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def offline_page(first_run):
    """A Chromium page that can reach only the chat server; ``page.left_machine`` lists what tried not to."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    url = first_run[0]
    left: list[str] = []

    def only_this_server(route) -> None:
        target = route.request.url
        if target.startswith((url + "/", "data:", "blob:")) or target == url:
            route.continue_()
        else:
            left.append(target)
            route.abort()

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", only_this_server)
        page = context.new_page()
        page.left_machine = left
        yield page
        browser.close()


def test_make_run_serves_on_the_port_asked_for_and_names_it_when_taken(first_run):
    url, port, _, home, printed = first_run
    assert f"Chat on http://127.0.0.1:{port}" in printed
    assert (home / "demo.duckdb").is_file()
    assert "Demo documents: 3 ingested" in printed
    busy = subprocess.run([str(Path(sys.executable).with_name("tradeassist")), "chat", "--port", str(port),
                           "--headless"], env=server_env(home), capture_output=True, text=True, timeout=120)
    assert busy.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in busy.stderr and f"PORT={port + 100}" in busy.stderr


def test_login_page_is_the_product_s_own_and_nothing_leaves_the_machine(first_run, offline_page):
    page = offline_page
    page.goto(first_run[0] + "/login")
    page.get_by_text("User name").wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / "01_login.png"))
    assert page.title() == "TradeAssist"
    assert page.get_by_text("Log in to TradeAssist").count() == 1
    assert page.get_by_text("Email address").count() == 0
    assert page.locator("#email").get_attribute("placeholder") == "e.g. admin"
    logo = page.locator("img[src*='/logo']").first
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.evaluate("() => fetch('/favicon').then(r => r.headers.get('content-type'))") == "image/svg+xml"
    assert page.left_machine == []


def _new_chat(page) -> None:
    page.click("#new-chat-button")
    page.click("#confirm")
    page.locator("[id^=starter-]").first.wait_for(timeout=30_000)


def test_a_starter_of_each_route_answers_on_a_fresh_install(first_run, offline_page):
    url, _, password, _, _ = first_run
    page = offline_page
    page.goto(url + "/login")
    page.fill("#email", "admin")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#chat-input", timeout=30_000)
    page.locator("#starter-ask-the-trading-policy").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "02_starters.png"))

    # Documents: the demo policy answers, citing file and page.
    page.click("#starter-ask-the-trading-policy")
    page.get_by_text("trading_policy.md p.1").first.wait_for(timeout=120_000)
    assert page.get_by_text("80 and 105 percent").count() >= 1
    page.screenshot(path=str(SHOTS / "03_docs_answer.png"))

    # SQL: a formatted table (thousands separators, no raw floats) and a chart.
    _new_chat(page)
    page.click("#starter-notional-by-desk")
    page.wait_for_selector(".js-plotly-plot", timeout=120_000)
    table = page.locator("table").last
    table.wait_for(timeout=30_000)
    cells = table.locator("td").all_inner_texts()
    money = [c for c in cells if re.fullmatch(r"[\d,]+\.\d\d", c)]
    assert money and all("," in c for c in money if float(c.replace(",", "")) >= 1000), cells
    page.screenshot(path=str(SHOTS / "04_sql_answer.png"))
    # The footer points at what makes an answer checkable, not at a model that may not have run.
    assert page.get_by_text("Check the Computed line and the cited pages").count() == 1
    assert page.get_by_text("LLMs can make mistakes").count() == 0
    # The chart follows the chat's light/dark setting: its text is light on dark, dark on light.
    chart = page.locator(".js-plotly-plot").last
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    title_fill = "el => getComputedStyle(el.querySelector('.main-svg text.gtitle')).fill"
    dark_fill = chart.evaluate(title_fill)
    page.screenshot(path=str(SHOTS / "04b_sql_chart_dark.png"))
    page.click("#theme-toggle")
    page.get_by_role("menuitem", name="Light").click()
    page.locator("html:not(.dark)").wait_for(state="attached")  # no string evaluation: the page's CSP forbids it
    chart.scroll_into_view_if_needed()
    light_fill = chart.evaluate(title_fill)
    page.screenshot(path=str(SHOTS / "04c_sql_chart_light.png"))
    assert (dark_fill, light_fill) == ("rgb(209, 213, 219)", "rgb(75, 85, 99)")

    # Signals: the breakout score with its SHAP table and charts.
    _new_chat(page)
    page.click("#starter-breakout-score")
    page.get_by_text("breakout score", exact=False).nth(1).wait_for(timeout=180_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.wait_for_selector("table", timeout=30_000)
    page.screenshot(path=str(SHOTS / "05_signals_answer.png"))
    page.locator(".js-plotly-plot").last.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "05b_signals_chart.png"))
    assert page.left_machine == []


def test_api_docs_render_with_the_network_blocked(first_run, offline_page):
    page = offline_page
    page.goto(first_run[0] + "/api/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=30_000)
    assert "tradeassist API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path").filter(has_text="/ask").count() >= 1
    page.screenshot(path=str(SHOTS / "06_api_docs.png"))
    assert page.left_machine == []
