"""Statement rows read back from table chunks: year columns, amounts, units, split tables."""

from __future__ import annotations

import pytest

from tradeassist.retrieval.records import Chunk, DocumentInfo, Hit
from tradeassist.retrieval.statements import caption_years, parse_amount, rows_of, table_rows

DOC = DocumentInfo(key="acme19", source="ACME_2019_10K.pdf", path="/f/ACME_2019_10K.pdf", content_hash="h")


def table_hit(text: str, page: int = 54, chunk_id: str = "c1", table: bool = True) -> Hit:
    """A hit on a table chunk (or a prose chunk) of the ACME filing."""
    types = ("Table",) if table else ("NarrativeText",)
    return Hit(chunk_id, DOC, Chunk(text=text, page=page, element_types=types), 1.0)


@pytest.mark.parametrize(("cell", "value"), [
    ("16,525", 16525.0), ("(473)", -473.0), ("$ 2,279", 2279.0), ("\u2014", 0.0), ("4.60", 4.6),
    ("-12", -12.0), ("16.5%", None), ("n/a", None),
])
def test_amounts_read_with_sign_and_dash(cell, value):
    assert parse_amount(cell) == value


def test_caption_years_in_order_once_each():
    caption = "Fiscal years ended December 31, 2022, December 25, 2021 and December 26, 2020 (in millions) 2022 2021"
    assert caption_years(caption) == ["2022", "2021", "2020"]


def test_keyed_cells_give_a_value_per_year_and_the_caption_unit():
    hit = table_hit("MAY 31, (Dollars in millions) 2019 2018 ASSETS\n"
                    "Inventories | 2019: 5,622 | 2018: 5,261\n"
                    "Total current assets | 2019: 16,525 | 2018: 15,134\n"
                    "Accumulated other comprehensive income (loss) | 2019: 231 | 2018: (92)")
    rows = table_rows(hit)
    assert [row.label for row in rows] == ["Inventories", "Total current assets",
                                            "Accumulated other comprehensive income (loss)"]
    assert rows[1].values == {"2019": 16525.0, "2018": 15134.0}
    assert rows[2].values["2018"] == -92.0
    assert rows[0].unit == "in millions" and rows[0].page == 54 and rows[0].source == "ACME_2019_10K.pdf"


def test_bare_cells_take_the_caption_years_only_when_they_fit():
    fits = table_hit("Consolidated Statements of Income (in millions) December 28, 2019 December 29, 2018\n"
                     "Net sales | 24,977 | 26,268")
    assert table_rows(fits)[0].values == {"2019": 24977.0, "2018": 26268.0}
    misfit = table_hit("Statements (in millions) December 28, 2019 December 29, 2018\nNet sales | 24,977 | 26,268 | 1")
    assert table_rows(misfit) == []


def test_a_piece_without_years_borrows_them_from_its_page():
    first = table_hit("(In thousands) December 31, 2018 2017 ASSETS\nTotal current assets | 2,526,778 | 2,376,355",
                      chunk_id="a")
    second = table_hit("STOCKHOLDERS' EQUITY Current liabilities\nAccounts payable | 302,578 | 255,028", chunk_id="b")
    elsewhere = table_hit("Other table\nAccounts payable | 1 | 2", page=90, chunk_id="c")
    rows = {(row.label, row.page): row for row in rows_of([first, second, elsewhere])}
    assert rows[("Accounts payable", 54)].values == {"2018": 302578.0, "2017": 255028.0}
    assert rows[("Accounts payable", 54)].unit == "in thousands"
    assert ("Accounts payable", 90) not in rows  # no years on its page: no column to guess


def test_prose_chunks_and_rows_without_years_give_nothing():
    assert table_rows(table_hit("Net sales rose 5% to $24,977 million in 2019.", table=False)) == []
    assert table_rows(table_hit("Segment table\nAeronautics | 26,266 | 23,693")) == []


def test_a_year_heading_two_columns_with_different_values_is_not_read():
    """A 10-Q's three and six months both headed 2023: neither value is the year's figure."""
    hit = table_hit("Three Months Ended Six Months Ended June 30, (in thousands) 2023 2022 2023 2022\n"
                    "Casino revenues | 2023: 1,951,382 | 2022: 1,245,066 | 2023: 3,745,263 | 2022: 2,461,553\n"
                    "Total assets | 2023: 42,000 | 2023: 42,000")
    rows = table_rows(hit)
    assert [row.label for row in rows] == ["Total assets"]
    assert rows[0].values == {"2023": 42000.0}


def test_a_unit_taken_from_the_filings_other_pages_is_marked_inferred():
    stated = table_hit("Consolidated Statements of Income (in millions) 2019 2018\nNet sales | 2019: 5 | 2018: 4",
                       page=50, chunk_id="a")
    bare = table_hit("Consolidated Balance Sheets 2019 2018\nInventories | 2019: 3 | 2018: 2", page=52, chunk_id="b")
    rows = {row.label: row for row in rows_of([stated, bare])}
    assert rows["Net sales"].unit == "in millions" and not rows["Net sales"].unit_inferred
    assert rows["Inventories"].unit == "in millions" and rows["Inventories"].unit_inferred


def test_the_unit_of_a_heading_chunk_or_a_caption_line_of_its_own_is_stated():
    heading = Hit("h", DOC, Chunk(text="Acme Corp\n\nConsolidated Balance Sheets\n\n"
                                       "(in millions, except per share data)",
                                  page=52, element_types=("Title", "NarrativeText")), 1.0)
    table = table_hit("December 28, 2019 December 29, 2018 ASSETS\nInventories | 2,721 | 2,667", page=52, chunk_id="t")
    elsewhere = table_hit("Statements of Income (in thousands) 2019 2018\nNet sales | 2019: 5 | 2018: 4", page=50,
                          chunk_id="e")
    rows = {row.label: row for row in rows_of([heading, table, elsewhere])}
    assert rows["Inventories"].unit == "in millions" and not rows["Inventories"].unit_inferred
    two_lines = table_hit("CONSOLIDATED STATEMENTS OF INCOME YEAR ENDED MAY 31,\n(In millions, except per share data) "
                          "2021 2020\nRevenues | 2021: 44,538 | 2020: 37,403")
    assert table_rows(two_lines)[0].unit == "in millions"
