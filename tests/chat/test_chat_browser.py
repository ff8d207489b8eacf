"""The chat as a person uses it, in Debian's Chromium: login, SQL answer, upload + citation, resume, export."""

from __future__ import annotations

import json
import re

import pytest
from chat_pages import ask, log_in
from chat_pdf import make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow]

POLICY_LINE = "The hedging policy caps foreign exchange exposure at five percent of net assets."


def test_login_refuses_a_wrong_password(browser, chat_server, artifacts):
    page = browser.new_page()
    page.goto(chat_server.url + "/login")
    page.fill("#email", chat_server.user)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "chat_01_login_refused.png"))
    assert page.locator("#chat-input").count() == 0
    page.close()


def test_chat_end_to_end(browser, chat_server, artifacts, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    remote_requests: list[str] = []
    page.on("request", lambda r: remote_requests.append(r.url) if "127.0.0.1:9" in r.url else None)

    # 1. Log in and see the starters.
    log_in(page, chat_server)
    page.screenshot(path=str(artifacts / "chat_02_logged_in.png"))

    # 2. Upload a PDF (the attach button) and ask about it: the answer cites file and page.
    pdf = tmp_path / "hedging_policy.pdf"
    # The document carries a remote markdown image: quoting it must never fetch or render it.
    pdf.write_bytes(make_pdf([["Treasury handbook", "Contents"],
                              [POLICY_LINE, "Exposure chart: ![exposure](http://127.0.0.1:9/leak.png)"]]))
    page.locator("input[type=file]").first.set_input_files(str(pdf))
    page.wait_for_timeout(1500)
    ask(page, "What do my documents say about the foreign exchange exposure limit?")
    page.wait_for_selector("text=ready:", timeout=120_000)
    citation = page.locator("a, span, button").filter(has_text="p.").filter(has_text="[").last
    citation.wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "chat_03_upload_answer.png"), full_page=True)
    citation.click()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "chat_04_citation_side.png"))
    assert "hedging_policy.pdf p.2" in citation.inner_text().lower()
    assert "five percent" in page.content()

    # 3. A SQL question: the SQL step, a sortable table, a CSV download and a chart.
    ask(page, "What was the daily close of AAPL over the last month?")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.wait_for_selector("table", timeout=30_000)
    assert page.get_by_text("result.csv").count() >= 1
    page.get_by_text("Used SQL").first.click()
    # The step's code (the answer above may hold code spans too: a quoted URL is shown as code).
    sql_code = page.locator("code").filter(has_text=re.compile("select", re.IGNORECASE)).first
    sql_code.wait_for(timeout=10_000)
    assert "SELECT" in sql_code.inner_text().upper()
    page.screenshot(path=str(artifacts / "chat_05_sql_answer.png"), full_page=True)
    # Remote markdown images in answers and quoted documents are never fetched nor rendered.
    assert page.locator("img[src*='127.0.0.1:9']").count() == 0
    assert not remote_requests
    # Thumbs up on the SQL answer teaches its question-SQL pair.
    page.locator(".positive-feedback-off").last.click()
    page.get_by_text("Submit feedback").click()
    taught = chat_server.home / "taught_sql.jsonl"
    for _ in range(40):
        if taught.exists():
            break
        page.wait_for_timeout(250)
    stored = taught.read_text()
    assert "daily close of AAPL" in stored and "SELECT" in stored.upper()

    # 4. Reload, open the thread from the history list: it resumes with its answers.
    page.reload()
    page.wait_for_selector("#chat-input", timeout=30_000)
    page.get_by_text("foreign exchange exposure", exact=False).first.click()
    page.wait_for_selector("table", timeout=30_000)
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    page.screenshot(path=str(artifacts / "chat_06_resumed.png"), full_page=True)
    # The resumed conversation still answers follow-ups.
    ask(page, "and for MSFT?")
    # A locator wait, not wait_for_function: the page's policy forbids evaluating strings as script.
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
    # The follow-up kept the resumed question's plan: closes of last month.
    page.get_by_text("Used SQL").last.click()
    follow_sql = page.locator("code").last.inner_text()
    assert "MSFT" in follow_sql and "2026-10-01" in follow_sql, follow_sql

    # 5. Export as notebook, download it, and execute it with nbclient.
    page.get_by_text("Export as notebook").last.click()
    link = page.get_by_text("tradeassist_conversation.ipynb").last
    link.wait_for(timeout=30_000)
    page.screenshot(path=str(artifacts / "chat_07_export.png"), full_page=True)
    with page.expect_download(timeout=30_000) as download_info:
        link.click()
    notebook_path = artifacts / "chat_export.ipynb"
    download_info.value.save_as(str(notebook_path))
    context.close()

    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(str(notebook_path), as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    rendered = json.dumps(outputs)
    assert "text/html" in rendered  # DataFrames re-run from their SQL
    assert "application/vnd.plotly.v1+json" in rendered  # charts rebuilt
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "daily close of AAPL" in markdown and "and for MSFT?" in markdown
