"""PDF text layers to titles, paragraphs and table rows (no NLP model), and a filing's cover facts."""

from __future__ import annotations

import pytest
from ingest_corpus import text_pdf

from tradeassist.ingest.filing import filing_facts
from tradeassist.ingest.layout import (
    TableRow,
    column_headings,
    document_blocks,
    join_wrapped,
    running_lines,
    split_values,
    strip_running,
)

BALANCE_SHEET = [
    "CONSOLIDATED BALANCE SHEETS",
    "(Dollars in millions) 2019 2018",
    "Current assets:",
    "Cash and equivalents $ 4,466 $ 4,249",
    "Inventories 5,622 5,261",
    "Total current assets 16,525 15,134",
    "Accumulated other comprehensive income (loss) 231 (92)",
    "Redeemable preferred stock \u2014 \u2014",
    "Total liabilities $ 23,717 $ 22,536",
    "The accompanying notes are an integral part of this statement.",
]


@pytest.mark.parametrize(
    ("line", "label", "values"),
    [
        ("Total current assets 16,525 15,134", "Total current assets", ["16,525", "15,134"]),
        ("Cash and equivalents $ 4,466 $ 4,249", "Cash and equivalents", ["4,466", "4,249"]),
        ("Net revenue growth 10.2%", "Net revenue growth", ["10.2%"]),
        ("Total net revenue $ 12,517 $ 13,287 (6) %", "Total net revenue", ["12,517", "13,287", "(6)%"]),
        ("Other comprehensive income (loss) 231 (92)", "Other comprehensive income (loss)", ["231", "(92)"]),
        ("Commitments and contingencies (Note 18)", "Commitments and contingencies (Note 18)", []),
        ("FOR THE FISCAL YEAR ENDED MAY 31, 2019", "FOR THE FISCAL YEAR ENDED MAY 31,", ["2019"]),
    ],
)
def test_split_values(line, label, values):
    assert split_values(line) == (label, values)


def test_column_headings_are_years_and_change_columns_only():
    assert column_headings("(Dollars in millions) 2019 2018") == ("2019", "2018")
    assert column_headings("(in millions, except ratios) 2021 2020 Change") == ("2021", "2020", "Change")
    assert column_headings("Revenues grew 11% for fiscal 2019 and 2018") == ()
    assert column_headings("2019") == ()


def test_balance_sheet_becomes_rows_with_their_years_and_caption():
    blocks = document_blocks([(54, "\n".join(BALANCE_SHEET))])
    tables = [b for b in blocks if b.kind == "table"]
    assert len(tables) == 1
    rows = {row.label: row for row in tables[0].rows}
    assert rows["Total current assets"] == TableRow("Total current assets", ("16,525", "15,134"), ("2019", "2018"))
    assert rows["Total current assets"].text() == "Total current assets | 2019: 16,525 | 2018: 15,134"
    assert rows["Redeemable preferred stock"].values == ("\u2014", "\u2014")
    # The short lines above the first row (title, units, headings) are the table's caption.
    assert tables[0].caption == "CONSOLIDATED BALANCE SHEETS (Dollars in millions) 2019 2018 Current assets:"
    assert tables[0].text.split("\n")[0] == tables[0].caption and tables[0].page == 54
    assert [b.kind for b in blocks if "accompanying notes" in b.text] == ["text"]


def test_prose_is_not_mistaken_for_a_table():
    prose = ["For fiscal year 2023, the Company now expects to deliver 8 percent organic revenue growth (previously 6 ",
             "percent), and 9 percent core constant currency EPS growth (previously 8 percent).",
             "Guidance and Outlook",
             "Revenues were $3.8 billion in 2019."]
    blocks = document_blocks([(3, "\n".join(prose))])
    assert [b.kind for b in blocks] == ["text", "title", "text"]
    assert blocks[0].text.endswith("(previously 8 percent).") and "6 percent)" in blocks[0].text


def test_wrapped_lines_join_and_bullets_stay_items():
    lines = ["The Committee decided to keep the target range for the federal funds rate at 0 to 1/4 ",
             "percent and to continue its purchases.", "\u2022", "Total cash returns of $7.7 billion.", "Short heading"]
    assert join_wrapped(lines) == [
        "The Committee decided to keep the target range for the federal funds rate at 0 to 1/4 percent and "
        "to continue its purchases.", "\u2022 Total cash returns of $7.7 billion.", "Short heading"]
    kinds = [b.kind for b in document_blocks([(1, "\n".join(lines))])]
    assert kinds == ["text", "list", "title"]


def test_running_headers_and_footers_are_dropped():
    topics = ["revenues rose", "costs fell", "margins held", "debt was repaid", "stores opened"]
    pages = [f"Table of Contents\nNIKE, INC.\nIn this period {topic}.\n{50 + n} NIKE, INC."
             for n, topic in enumerate(topics)]
    running = running_lines(pages)
    assert {"table of contents", "nike, inc.", "# nike, inc."} <= running
    assert strip_running(pages[0], running) == ["In this period revenues rose."]
    # A bare page number at the foot goes even on a short document.
    assert strip_running("Heading\nSome text here.\n7", set()) == ["Heading", "Some text here."]


def test_pdf_parse_keeps_tables_as_rows_and_skips_running_lines(parse):
    pages = [["ACME CORP ANNUAL REPORT", "Business overview", "Acme makes anvils and sells them worldwide.", "1"],
             ["ACME CORP ANNUAL REPORT", *(line.replace("\u2014", "-") for line in BALANCE_SHEET), "2"],
             ["ACME CORP ANNUAL REPORT", "Risk factors", "Demand for anvils may fall.", "3"]]
    parsed = parse("acme_2019_10k.pdf", text_pdf(pages))
    assert parsed.ok, parsed.reason
    texts = [chunk.text for chunk in parsed.chunks]
    assert not any("ACME CORP ANNUAL REPORT" in text for text in texts)
    table = next(chunk for chunk in parsed.chunks if "Table" in chunk.element_types)
    assert table.page == 2 and "Total current assets | 2019: 16,525 | 2018: 15,134" in table.text.split("\n")
    assert "<td>16,525</td>" in table.html and "<th>2019</th>" in table.html
    assert parsed.parse_s > 0 and parsed.chunk_s >= 0 and parsed.meta["fiscal_year"] == 2019


def test_filing_facts_from_cover_and_name():
    cover = ("UNITED STATES\nSECURITIES AND EXCHANGE COMMISSION\nFORM 10-K\n"
             "FOR THE FISCAL YEAR ENDED MAY 31, 2019\nNIKE, Inc.\n"
             "(Exact name of Registrant as specified in its charter)\n"
             "Class B Common Stock NKE New York Stock Exchange\n")
    facts = filing_facts("NIKE_2019_10K.pdf", cover)
    assert facts["company"] == "NIKE, Inc" and facts["form"] == "10-K"
    assert facts["period_end"] == "2019-05-31" and facts["fiscal_year"] == 2019
    assert {"nike", "nke"} <= set(facts["aliases"])
    release = filing_facts("PEPSICO_2023Q1_EARNINGS.pdf", "PepsiCo Reports First-Quarter 2023 Results")
    assert release["form"] == "earnings release" and (release["fiscal_year"], release["fiscal_quarter"]) == (2023, 1)
    jnj = filing_facts("JOHNSON_JOHNSON_2023_8K.pdf", "FORM 8-K\nJOHNSON & JOHNSON\n(Exact name of registrant "
                       "as specified in its charter)\n")
    assert jnj["form"] == "8-K" and {"jnj", "j&j", "johnson"} <= set(jnj["aliases"])
    assert filing_facts("notes.txt", "Desk notes") == {"aliases": []}
    numbered = filing_facts("NIKE_2021_10K.pdf", "FORM 10-K\nCommission File No. 1-10635 NIKE, Inc.\n"
                                                 "(Exact name of Registrant as specified in its charter)")
    assert numbered["company"] == "NIKE, Inc"


def test_a_real_10k_parses_to_rows_facts_and_no_running_headers(shared_data, warm_parser):
    from tradeassist.ingest.limits import Limits
    from tradeassist.ingest.worker import ParseJob, parse_file

    path = shared_data / "filings" / "NIKE_2019_10K.pdf"
    if not path.is_file():
        pytest.skip("the shared filings are absent")
    parsed = parse_file(ParseJob(str(path), path.name, Limits()))
    assert parsed.ok and parsed.pages == 104
    assert parsed.meta["form"] == "10-K" and parsed.meta["fiscal_year"] == 2019 and "nke" in parsed.meta["aliases"]
    rows = [line for chunk in parsed.chunks if chunk.page == 54 for line in chunk.text.split("\n")]
    assert "Total current assets | 2019: 16,525 | 2018: 15,134" in rows
    # "Table of Contents" heads every page of this filing: it is never indexed as content.
    assert not any(line.strip() == "Table of Contents" for chunk in parsed.chunks for line in chunk.text.split("\n"))
