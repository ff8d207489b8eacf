"""What a piece of Markdown makes in a reader's browser: links, images, raw HTML, bare URLs a GFM renderer
links, text directives the chat reads.

The chat renders with react-markdown and remark-gfm, notebooks with marked, the notebook's HTML with
markdown-it. Parsed here with markdown-it (CommonMark, raw HTML on, GFM tables and strikethrough),
text is then searched the way remark-gfm finds bare URLs and addresses again after escapes are
resolved (``http\\://host`` is still linked there); mistune with its URL plugin, when installed, is a
second, differently written renderer.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

#: Account names a CSV import brings in: a Markdown link to javascript:, an HTML link, a bare URL, a
#: styled span, a script, a Markdown image, and a name with an apostrophe, an ampersand and stars.
HOSTILE = [
    "[x](javascript:alert(1))",
    '<a href="http://127.0.0.1:9/leak">Rates</a>',
    "https://evil.example/?q=1",
    '<span style="color:red">Big</span>',
    "<script>alert(1)</script>",
    "![p](http://127.0.0.1:9/p.png)",
    "O'Neil & Sons *Fund*",
]

#: remark-gfm's literal autolinks (mdast-util-gfm-autolink-literal), on resolved text.
_GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE)
_GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")
#: A text directive of micromark-extension-directive: ":" and a letter, not after another ":".
_DIRECTIVE = re.compile(r"(?<!:):[A-Za-z][\w-]*")
#: Tags that link, fetch, run or style: none may come out of text from data, a document or a model.
_LIVE_TAG = re.compile(r"<(a|img|image|video|audio|source|picture|track|iframe|frame|object|embed|svg|script|style|"
                       r"span|div|link|input|form|body)\b", re.IGNORECASE)


def live_markup(markdown: str) -> list[str]:
    """What in ``markdown`` would link, fetch or run in a reader's browser (empty when it is all text)."""
    from markdown_it import MarkdownIt

    found: list[str] = []
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    for block in parser.parse(markdown):
        if block.type == "html_block":
            found.append(f"raw HTML block {block.content!r}")
        for token in block.children or []:
            if token.type in ("link_open", "image", "html_inline"):
                found.append(f"{token.type} {token.attrs or token.content!r}")
            elif token.type == "text":
                found += [f"bare URL {m.group()!r}" for m in (*_GFM_URL.finditer(token.content),
                                                               *_GFM_EMAIL.finditer(token.content))]
    # The chat's remark-directive reads ":name" as a directive (the text vanishes): escapes kept apart.
    unjoined = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).disable("text_join")
    for block in unjoined.parse(markdown):
        found += [f"text directive {m.group()!r}" for token in block.children or [] if token.type == "text"
                  for m in _DIRECTIVE.finditer(token.content)]
    try:
        import mistune
    except ImportError:
        return found
    rendered = mistune.create_markdown(escape=False, plugins=["url", "table", "strikethrough"])(markdown)
    return found + [f"mistune made <{m.group(1)}" for m in _LIVE_TAG.finditer(rendered)]


def visible_text(markdown: str) -> str:
    """The words a reader sees (markdown-it's HTML without its tags), whitespace collapsed."""
    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).render(markdown)
    inline = re.sub(r"</?(?:code|em|strong|a|s)\b[^>]*>", "", page)  # inside a line: no space of its own
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def live_labels(figure_json) -> list[str]:
    """Strings of a Plotly figure's JSON that hold a tag Plotly would read as a link or a style."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            if re.search(r"<\s*(a|span|script|img)\b", value, re.IGNORECASE):
                found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(figure_json)
    return found


def hostile_accounts_db(demo_db: Path, folder: Path) -> Path:
    """A copy of the demo database whose accounts 1 to 7 are renamed to HOSTILE by importing a CSV."""
    from tradeassist.sql.data.importer import import_file

    db = folder / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    with (folder / "accounts.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "name", "desk", "strategy", "opened_on"])
        writer.writerows([i, name, "Equities", "Momentum", "2020-01-02"] for i, name in enumerate(HOSTILE, start=1))
    assert import_file(folder / "accounts.csv", table="accounts", db_url=str(db)).rows_written == len(HOSTILE)
    return db
