"""Statement rows read back from table chunks: label, a value per fiscal-year column, unit, page.

Ingest writes a table chunk as a caption line and one line per row, "label | 2021: 19,815 |
2020: 19,378" (``tradeassist.ingest.layout.TableRow.text``). When the layout found no heading line the cells
are bare ("Net sales | 24,977 | 26,268 | 26,076") and the years are read from the caption
("December 28, 2019 December 29, 2018 December 30, 2017"), but only when the caption names
exactly as many years as the row has values: a guess is worse than no column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tradeassist.retrieval.figures import units_of
from tradeassist.retrieval.records import Hit

_CELL = re.compile(r"^(?:FY\s?)?((?:19|20)\d{2}):\s*(.+)$", re.IGNORECASE)
_CAPTION_YEAR = re.compile(r"(?<![\d$.,])(?:FY\s?)?((?:19|20)\d{2})(?!\d|,\d|%)", re.IGNORECASE)
_AMOUNT = re.compile(r"^\(?[-\u2212\u2013]?\$?\s?\(?(\d+(?:,\d{3})*(?:\.\d+)?)\)?$")
_DASH = re.compile(r"^[\u2014\u2013-]+$")
#: A text chunk this short that states a unit is a statement's heading, not a passage of prose.
MAX_HEADING_CHARS = 300
#: How a caption's unit scales a figure to units.
SCALES = {"in thousands": 1e3, "in millions": 1e6, "in billions": 1e9}


@dataclass(frozen=True, eq=False)
class StatementRow:
    """One table row: its label, its value for each fiscal-year column, the caption's unit, its hit."""

    label: str
    values: dict[str, float]
    cells: dict[str, str]
    unit: str
    hit: Hit
    #: The whole chunk's text, lower case, for telling a balance sheet from a note.
    context: str = ""
    #: Whether ``unit`` was taken from the filing's other pages, no caption of the row's page stating it.
    unit_inferred: bool = False
    #: The row's line in the chunk's text (0 the caption), for telling a current asset from a non-current one.
    line_number: int = -1

    @property
    def page(self) -> int | None:
        """The 1-based page of the row (None when unknown)."""
        return self.hit.chunk.page

    @property
    def source(self) -> str:
        """The file the row was read from."""
        return self.hit.document.source


def parse_amount(cell: str) -> float | None:
    """A statement cell as a number: "1,234" -> 1234.0, "(473)" -> -473.0, "—" -> 0.0; else None."""
    text = cell.strip().replace("$", "").replace(" ", "")
    if _DASH.match(text):
        return 0.0
    if text.endswith("%"):
        return None  # a share, not an amount of the statement's unit
    match = _AMOUNT.match(text)
    if not match:
        return None
    value = float(match[1].replace(",", ""))
    negative = text.startswith("(") or text.startswith(("-", "\u2212", "\u2013"))
    return -value if negative else value


def caption_years(caption: str) -> list[str]:
    """The distinct years a caption names, in order ("December 28, 2019 ... 2018" -> 2019, 2018)."""
    years: list[str] = []
    for match in _CAPTION_YEAR.finditer(caption):
        if match[1] not in years:
            years.append(match[1])
    return years


def _caption(hit: Hit) -> str:
    """The lines of a table chunk before its first row: the title, the unit, the year headings
    (which the layout may put on lines of their own)."""
    heading = []
    for line in hit.chunk.text.split("\n"):
        if " | " in line:
            break
        heading.append(line.strip())
    return " ".join(part for part in heading if part)


def table_rows(hit: Hit, page_years: Sequence[Sequence[str]] = (), page_unit: str = "",
               filing_unit: str = "") -> list[StatementRow]:
    """The rows of a table chunk with at least one year column (none for a prose chunk).

    A piece of a table whose caption names no years (the layout split the statement) takes the
    years of another piece of the same page when exactly one of them fits its cells, and that
    page's unit when its own caption states none; failing that, ``filing_unit`` (the one unit the
    filing's other pages state), marked as inferred.
    """
    if "Table" not in hit.chunk.element_types:
        return []
    lines = hit.chunk.text.split("\n")
    if sum(1 for line in lines if line.strip()) < 2:
        return []
    caption = _caption(hit)
    unit = units_of(caption) or units_of(hit.chunk.section or "") or page_unit
    inferred = not unit and bool(filing_unit)
    unit = unit or filing_unit
    years = caption_years(caption)
    context = hit.chunk.text.lower()
    rows = []
    for number, line in enumerate(lines):
        line = line.strip()
        if " | " not in line:
            continue
        label, *cells = [part.strip() for part in line.split(" | ")]
        row_years = years
        if not years:
            fitting = [found for found in page_years if len(found) == len(cells)]
            row_years = fitting[0] if len(fitting) == 1 else []
        row = _row(label, cells, row_years, unit, hit, context)
        if row is not None:
            rows.append(replace(row, unit_inferred=inferred, line_number=number))
    return rows


def _row(label: str, cells: Sequence[str], years: Sequence[str], unit: str, hit: Hit, context: str):
    keyed: dict[str, str] = {}
    repeated: set[str] = set()
    bare: list[str] = []
    for cell in cells:
        match = _CELL.match(cell)
        if match:
            if match[1] in keyed and keyed[match[1]] != match[2].strip():
                repeated.add(match[1])
            keyed.setdefault(match[1], match[2].strip())
        elif ":" in cell:
            continue  # a "Change: 5%" column
        else:
            bare.append(cell)
    # A year heading two columns with different values (a 10-Q's three and six months, a release's
    # quarter and full year): which one is the year's figure is unknown, so neither is read.
    for year in repeated:
        del keyed[year]
    if not keyed and bare and len(bare) == len(years):
        keyed = dict(zip(years, bare))
    values = {year: amount for year, cell in keyed.items() if (amount := parse_amount(cell)) is not None}
    if not values or label in ("", "(continued)"):
        return None
    return StatementRow(label, values, keyed, unit, hit, context)


def _one(units: set[str]) -> str:
    """The unit when exactly one is stated, else ""."""
    return next(iter(units)) if len(units) == 1 else ""


def rows_of(hits: Sequence[Hit]) -> list[StatementRow]:
    """Every statement row of ``hits``' table chunks, each chunk read once; pieces of a page share
    the years and the unit its other pieces' captions (or its heading) state."""
    unique = list({hit.chunk_id: hit for hit in hits if "Table" in hit.chunk.element_types}.values())
    years_by_page: dict[tuple[str, int | None], list[list[str]]] = {}
    units_by_page: dict[tuple[str, int | None], set[str]] = {}
    # A statement's heading is often a text chunk of its own ("Consolidated Balance Sheets (in
    # millions, except per share data)"): the unit it states is its page's.
    for hit in hits:
        if "Table" not in hit.chunk.element_types and len(hit.chunk.text) <= MAX_HEADING_CHARS:
            if unit := units_of(hit.chunk.text):
                units_by_page.setdefault((hit.document.key, hit.chunk.page), set()).add(unit)
    for hit in unique:
        page = (hit.document.key, hit.chunk.page)
        caption = _caption(hit)
        years = caption_years(caption)
        if years and years not in years_by_page.setdefault(page, []):
            years_by_page[page].append(years)
        if units_of(caption):
            units_by_page.setdefault(page, set()).add(units_of(caption))
    # A statement page whose captions state no unit takes the one unit every other page of the
    # same filing states ("in millions" throughout a 10-K); none when its pages differ.
    units_by_doc: dict[str, set[str]] = {}
    for (key, _), units in units_by_page.items():
        units_by_doc.setdefault(key, set()).update(units)
    rows: list[StatementRow] = []
    for hit in unique:
        page = (hit.document.key, hit.chunk.page)
        page_units = units_by_page.get(page, set())
        filing_units = units_by_doc.get(hit.document.key, set())
        filing_unit = "" if page_units else _one(filing_units)
        rows.extend(table_rows(hit, years_by_page.get(page, []), _one(page_units), filing_unit))
    return rows
