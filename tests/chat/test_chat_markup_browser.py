"""In Chromium, the chat shows data and quoted documents as text: no link, image or request to another host.

The chat's own renderers (react-markdown with remark-gfm, plotly.js) draw an answer over account
names imported from a CSV (markup_checks.HOSTILE) and an answer quoting an uploaded note full of
remote images, media and links. Nothing may link or load from another host, and every name is shown
as written, in the summary, the table and the chart's axis.
"""

from __future__ import annotations

import pytest
from chat_pages import ask, log_in
from chat_servers import start_chat_server, stop_chat_server
from markup_checks import HOSTILE, hostile_accounts_db

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RANKING = ("SELECT a.name, COUNT(*) AS trades FROM trades t JOIN accounts a ON a.account_id = t.account_id "
           "WHERE a.account_id <= 7 GROUP BY a.name ORDER BY trades DESC")
#: An uploaded note whose every paragraph tries to load or link something on another host.
NOTE = "\n\n".join([
    "# Treasury note",
    "The counterparty exposure limit is seven percent of net assets. ![pixel](http://127.0.0.1:9/pixel.png)",
    "The counterparty exposure limit is reviewed yearly. ![y][r] and [the review][r]",
    "[r]: http://127.0.0.1:9/ref.png",
    'The counterparty exposure limit report: <video poster="http://127.0.0.1:9/poster.png"></video>',
    'The counterparty exposure limit memo: <img srcset="http://127.0.0.1:9/a.png 2x">'
    ' <a href="http://127.0.0.1:9/a">memo</a>',
    "The counterparty exposure limit file: [click here](http://127.0.0.1:9/?q=secret) or http://127.0.0.1:9/bare",
])


@pytest.fixture(scope="module")
def hostile_server(demo_duckdb, tmp_path_factory):
    """A chat server over the demo data with account names imported from a hostile CSV."""
    folder = tmp_path_factory.mktemp("hostile_chat")
    server = start_chat_server(folder, hostile_accounts_db(demo_duckdb, folder))
    yield server
    stop_chat_server(server)


def _outside_links(page) -> list[str]:
    """Every link target on the page that leaves for the hosts the data and the note name, or runs script."""
    targets = [a.get_attribute("href") or "" for a in page.locator("a").all()]
    return [t for t in targets if "127.0.0.1:9" in t or "evil.example" in t or t.lower().startswith("javascript:")]


def test_data_and_quoted_documents_render_as_text(browser, hostile_server, artifacts, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    server_origin = hostile_server.url
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((server_origin, "data:", "blob:")) else outside.append(r.url))
    log_in(page, hostile_server)

    # 1. Names imported from a CSV: the summary, the table and the chart's axis show them as written.
    ask(page, RANKING)
    page.wait_for_selector(".js-plotly-plot", timeout=90_000)
    page.wait_for_selector("table", timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "chat_markup_01_data.png"), full_page=True)
    assert _outside_links(page) == []
    assert page.locator(".js-plotly-plot svg a").count() == 0  # no Plotly link from a label (the mode bar is not svg)
    assert page.locator("span[style*='color:red'], span[style*='color: red']").count() == 0
    table = page.locator("table").last.inner_text()
    for name in HOSTILE:
        assert name in table, name
    ticks = " ".join(page.locator(".js-plotly-plot .ytick text, .js-plotly-plot .xtick text").all_text_contents())
    for name in HOSTILE:
        assert name in ticks, (name, ticks)

    # 2. A note full of remote images, media and links, quoted in an answer and in its sources.
    note = tmp_path / "treasury_note.txt"
    note.write_text(NOTE)
    page.locator("input[type=file]").first.set_input_files(str(note))
    page.wait_for_timeout(1500)
    ask(page, "What does the treasury note say about the counterparty exposure limit?")  # sends the file too
    page.wait_for_selector("text=ready:", timeout=120_000)
    page.locator("a, span, button").filter(has_text="treasury_note.txt").last.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "chat_markup_02_note.png"), full_page=True)

    assert _outside_links(page) == []
    for tag in ("video", "audio", "iframe", "object", "embed", "picture", "source"):
        assert page.locator(tag).count() == 0, tag
    assert page.locator("img[src*='127.0.0.1:9'], img[srcset*='127.0.0.1:9']").count() == 0
    assert page.locator("script:text('alert(1)')").count() == 0
    assert outside == [], outside
    context.close()
