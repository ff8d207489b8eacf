"""PDF text layers to blocks (titles, paragraphs, list items, tables) by line rules, no NLP model.

pdfium gives one line of text per visual line. Reading a filing needs three things from those
lines, none of which needs a sentence splitter (unstructured's ``partition_text`` spends ~30 s of
spaCy on a 99-page 10-K for them):

- running headers and footers ("Table of Contents", "52 NIKE, INC.") recognised because the same
  line, digits aside, opens or closes many pages; they are dropped, not indexed;
- table rows: a short label followed by figures ("Total current assets 16,525 15,134"); runs of
  them become a table whose rows keep their label, the column headings (years) and the values;
- prose: wrapped lines joined back into paragraphs, short unpunctuated ones marked as titles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

#: Lines looked at, at the top and at the bottom of each page, for running headers and footers.
EDGE_LINES = 3
#: A line (digits aside) on at least this share of pages (and 3 pages) is a running header/footer.
RUNNING_SHARE = 0.3
#: A table row's label has at most this many words (more is a sentence that ends in a number).
MAX_LABEL_WORDS = 14
#: A line above a table with at most this many words is part of its caption.
MAX_CAPTION_WORDS = 20
#: A row with a single value needs a label this short.
MAX_SINGLE_VALUE_LABEL_WORDS = 8
#: Table text is cut into pieces of about this many characters, at row boundaries.
TABLE_PIECE_CHARS = 900
#: A paragraph of at most this many words without closing punctuation is a title.
MAX_TITLE_WORDS = 12

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_VALUE = re.compile(rf"^(?:[-\u2013\u2212]?\$?{_NUMBER}%?|\(\$?{_NUMBER}%?\)%?|\$?\({_NUMBER}\)%?"
                    r"|[\u2014\u2013-]+|NM|N/A|n/a|nm)$")
_DASHES = re.compile(r"^[\u2014\u2013-]+$")
_YEAR = re.compile(r"^(?:FY)?(?:19|20)\d{2}$")
_COLUMN_WORD = re.compile(r"^(?:change|%\s*change|q[1-4])$", re.IGNORECASE)
_UNIT_WORD = re.compile(r"^(?:%|fy|\$|in|millions|billions|thousands|except|per|share|data|amounts|ratios|"
                        r"dollars|and|percentages|unaudited)$", re.IGNORECASE)
_BULLET = re.compile(r"^[\u2022\u25cf\u25aa\u25e6\u2023\u2043\u00b7*]\s*")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-\u2013(]?\s*#\s*[-\u2013)]?(?:\s+of\s+#)?$")
_END_OF_SENTENCE = re.compile(r"[.:;!?)\]\"\u201d\u2019]$")
_DIGITS = re.compile(r"\d+")
_KEY_VALUE = re.compile(r"^[A-Z][\w .&'/-]{0,30}:\s+\S")


@dataclass(frozen=True)
class TableRow:
    """One row of a table: its label, its values, and the column headings they fall under."""

    label: str
    values: tuple[str, ...]
    columns: tuple[str, ...] = ()

    def text(self) -> str:
        """The row as one self-describing line: ``label | 2021: 19,815 | 2020: 19,378``."""
        if not self.values:
            return self.label
        if self.columns and len(self.columns) == len(self.values):
            cells = [f"{column}: {value}" for column, value in zip(self.columns, self.values)]
        else:
            cells = list(self.values)
        return " | ".join([self.label or "(continued)", *cells])


@dataclass(frozen=True)
class Block:
    """A piece of a page: ``kind`` is title, text, list or table; tables carry their rows."""

    kind: str
    text: str
    page: int
    rows: tuple[TableRow, ...] = ()
    caption: str = ""


def running_lines(pages: Sequence[str]) -> set[str]:
    """Normalised lines (digits as #) that open or close many pages: headers and footers."""
    counts: Counter[str] = Counter()
    for text in pages:
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        edges = {_normalise(line) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}
        counts.update(edges)
    threshold = max(3, RUNNING_SHARE * len(pages))
    return {key for key, count in counts.items() if count >= threshold}


def _normalise(line: str) -> str:
    return " ".join(_DIGITS.sub("#", line.lower()).split())


def strip_running(text: str, running: set[str]) -> list[str]:
    """The page's lines without running headers/footers and bare page numbers at its edges."""
    raw_lines = text.split("\n")
    lines = [line.strip() for line in raw_lines]
    filled = [i for i, line in enumerate(lines) if line]
    edges = set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])
    kept = []
    for i, line in enumerate(lines):
        if i in edges:
            key = _normalise(line)
            if key in running or _PAGE_NUMBER.match(key):
                continue
        # pdfium ends a soft-wrapped line with a space: keep one as the wrap mark.
        kept.append(line + " " if line and raw_lines[i].endswith(" ") else line)
    return kept


def split_values(line: str) -> tuple[str, list[str]]:
    """A line as (label, trailing figures): "Inventories 5,622 5,261" -> ("Inventories", [...])."""
    tokens = line.split()
    values: list[str] = []
    position = len(tokens)
    while position > 0:
        token = tokens[position - 1]
        if token == "$":
            position -= 1
            continue
        if token == "%" and position > 1 and _VALUE.match(tokens[position - 2]):
            values.insert(0, tokens[position - 2] + "%")
            position -= 2
            continue
        if not _VALUE.match(token):
            break
        values.insert(0, token)
        position -= 1
    return " ".join(tokens[:position]), values


def column_headings(line: str) -> tuple[str, ...]:
    """Column headings of a heading line ("(in millions) 2021 2020 Change"), else ().

    Only lines made of years, "Change" columns and unit words count; the years make it a heading.
    """
    columns = []
    years = 0
    for raw in line.split():
        token = raw.strip("(),:")
        if _YEAR.match(token):
            columns.append(token)
            years += 1
        elif _COLUMN_WORD.match(token):
            columns.append(token)
        elif token and not _UNIT_WORD.match(token):
            return ()
    return tuple(columns) if years >= 2 else ()


def _is_row(label: str, values: list[str]) -> bool:
    numeric = [v for v in values if any(ch.isdigit() for ch in v)]
    if not numeric or label.endswith((".", ",")):
        return False
    words = len(label.split())
    if words > MAX_LABEL_WORDS:
        return False
    return len(values) >= 2 or words <= MAX_SINGLE_VALUE_LABEL_WORDS


def page_blocks(lines: Sequence[str], page: int) -> list[Block]:
    """Blocks of one page's lines (running lines already removed), in reading order."""
    lengths = sorted(len(line) for line in lines if line)
    # The 80th percentile line length approximates the width of the page's text column.
    full = lengths[int(len(lengths) * 0.8)] if lengths else 0
    blocks: list[Block] = []
    prose: list[str] = []
    index = 0
    while index < len(lines):
        table_end, rows, caption = _table_at(lines, index, prose)
        if rows:
            blocks.extend(_prose_blocks(prose[: len(prose) - caption[1]], page, full))
            blocks.extend(_table_blocks(rows, caption[0], page))
            prose = []
            index = table_end
            continue
        prose.append(lines[index])
        index += 1
    blocks.extend(_prose_blocks(prose, page, full))
    return blocks


def _table_at(lines: Sequence[str], start: int, prose: list[str]) -> tuple[int, list[TableRow], tuple[str, int]]:
    """A run of table rows starting at ``start`` (at least two), its end, and its caption."""
    rows: list[TableRow] = []
    columns: tuple[str, ...] = ()
    # Headings of the columns sit in the lines just above the first row.
    for line in reversed(prose[-4:]):
        columns = column_headings(line)
        if columns:
            break
    index, figures, pending = start, 0, 0
    while index < len(lines):
        line = lines[index].strip()
        if not line:
            break
        heading = column_headings(line)
        label, values = split_values(line)
        if heading:
            columns = heading
            rows.append(TableRow(line, ()))
        elif _is_row(label, values) or (figures and values and all(_DASHES.match(v) for v in values)):
            rows.append(TableRow(label, tuple(values), columns))
            figures += 1
            pending = 0
        elif figures and len(line.split()) <= MAX_TITLE_WORDS and not line.endswith("."):
            rows.append(TableRow(line, ()))  # a sub-heading inside the table ("Current assets:")
            pending += 1
        else:
            break
        index += 1
        if pending > 2:
            break
    while rows and not rows[-1].values:
        rows.pop()
        index -= 1
    if figures < 2:
        return start, [], ("", 0)
    caption_lines = _caption(prose)
    return index, rows, (" ".join(caption_lines), len(caption_lines))


def _caption(prose: list[str]) -> list[str]:
    """The short lines right above a table (its title, units, column headings)."""
    caption: list[str] = []
    for line in (line.strip() for line in reversed(prose[-4:])):
        if not line or len(line.split()) > MAX_CAPTION_WORDS or line.endswith("."):
            break
        caption.insert(0, line)
    return caption


def _table_blocks(rows: list[TableRow], caption: str, page: int) -> list[Block]:
    """The table as blocks of at most ~TABLE_PIECE_CHARS, each repeating the caption."""
    blocks: list[Block] = []
    piece: list[TableRow] = []
    size = 0
    for row in rows:
        line = row.text()
        if piece and size + len(line) > TABLE_PIECE_CHARS:
            blocks.append(_table_block(piece, caption, page))
            piece, size = [], 0
        piece.append(row)
        size += len(line) + 1
    if piece:
        blocks.append(_table_block(piece, caption, page))
    return blocks


def _table_block(rows: list[TableRow], caption: str, page: int) -> Block:
    body = "\n".join(row.text() for row in rows)
    return Block("table", f"{caption}\n{body}" if caption else body, page, tuple(rows), caption)


def _prose_blocks(lines: Sequence[str], page: int, full: int) -> list[Block]:
    """Paragraphs of prose lines, each classified as title, list item or text."""
    blocks = []
    for paragraph in join_wrapped(lines, full):
        bullet = _BULLET.match(paragraph)
        if bullet:
            blocks.append(Block("list", paragraph[bullet.end():].strip(), page))
        elif _is_title(paragraph):
            blocks.append(Block("title", paragraph, page))
        else:
            blocks.append(Block("text", paragraph, page))
    return [block for block in blocks if block.text]


def _is_title(paragraph: str) -> bool:
    words = paragraph.split()
    if not words or len(words) > MAX_TITLE_WORDS or paragraph.endswith((".", ",", ";")):
        return False
    if _KEY_VALUE.match(paragraph):
        return False  # "Name: Damien Clayton", "Title: Company Secretary" are facts, not headings
    letters = sum(ch.isalpha() for ch in paragraph)
    return letters >= 3 and letters >= 0.5 * len(paragraph.replace(" ", "")) and paragraph[0].isupper()


def join_wrapped(lines: Sequence[str], full: int = 0) -> list[str]:
    """Wrapped lines joined back into paragraphs.

    A line continues into the next when pdfium marked it soft-wrapped (a trailing space), when it
    reaches (nearly) the column width ``full`` without ending a sentence, or when the next line
    starts in lower case after a line that ends no sentence. A bullet alone joins the next line.
    """
    if not full:
        lengths = sorted(len(line.strip()) for line in lines if line.strip())
        full = lengths[int(len(lengths) * 0.8)] if lengths else 0
    paragraphs: list[str] = []
    current: list[str] = []
    soft = False
    for raw in lines:
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if current:
            previous = current[-1]
            open_end = not _END_OF_SENTENCE.search(previous)
            continues = ((soft or len(previous) >= 0.75 * full) and open_end
                         or _BULLET.fullmatch(previous) is not None
                         or (open_end and line[:1].islower()))
            if not continues:
                paragraphs.append(" ".join(current))
                current = []
        current.append(line)
        soft = raw.endswith(" ")
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def document_blocks(pages: Sequence[tuple[int, str]]) -> list[Block]:
    """Blocks of every page of one document, running headers and footers removed."""
    running = running_lines([text for _, text in pages]) if len(pages) >= 3 else set()
    blocks: list[Block] = []
    for number, text in pages:
        blocks.extend(page_blocks(strip_running(text, running), number))
    return blocks
