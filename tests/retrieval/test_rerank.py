"""Re-ranking a filing's hits: contents pages down, the statement asked about up, the period shown."""

from __future__ import annotations

from tradeassist.retrieval.rerank import (is_boilerplate, is_contents, merge_hits, rerank, section_named, statement_kinds, statement_of,
                              years_shown)
from tradeassist.retrieval.records import Chunk, DocumentInfo, Hit

DOC = DocumentInfo(key="n", source="NIKE_2019_10K.pdf", path="/n.pdf", content_hash="h")

CONTENTS = ("TABLE OF CONTENTS\nItem 8. Financial Statements and Supplementary Data | 52\n"
            "Consolidated Statements of Income | 53\nConsolidated Balance Sheets | 54\n"
            "Consolidated Statements of Cash Flows | 55\nNotes to Consolidated Financial Statements | 57")
EXHIBITS = ("Exhibit No. Description\n3.1 Restated Articles of Incorporation (incorporated by reference to "
            "Exhibit 3.1 to the Form 10-Q)\n4.1 Indenture, incorporated by reference to Exhibit 4.1\n"
            "10.1 Credit Agreement (incorporated by reference to Exhibit 10.1)\n10.2 Stock Incentive Plan")
BALANCE = ("CONSOLIDATED BALANCE SHEETS (In millions) 2019 2018\nInventories | 2019: 5,622 | 2018: 5,261\n"
           "Total current assets | 2019: 16,525 | 2018: 15,134")
MDNA = ("Liquidity (In millions) 2019 2018\nTotal current assets | 2019: 16,525 | 2018: 15,134\n"
        "Working capital | 2019: 7,659 | 2018: 8,500")
OLD_SUMMARY = ("Selected financial data (In millions) 2017 2016 2015\nTotal current assets | 2017: 16,061 | "
               "2016: 15,025 | 2015: 15,976")


def _hit(text: str, score: float, page: int, table: bool = True, section: str = "") -> Hit:
    chunk = Chunk(text, page=page, section=section, element_types=("Table",) if table else ("NarrativeText",))
    return Hit(str(page), DOC, chunk, score)


def test_contents_and_exhibit_indexes_are_recognised_and_statements_are_not():
    assert is_contents(CONTENTS)
    assert is_contents(EXHIBITS)
    assert not is_contents(BALANCE)
    assert not is_contents("Net revenues increased 7% to $39.1 billion, driven by footwear and apparel.")
    jpm_style = ("Consolidated Financial Highlights | 3\nIntroduction | 4\nExecutive Overview | 5\n"
                 "Consolidated Results of Operations | 9\nBusiness Segment Results | 18")
    assert is_contents(jpm_style)


def test_statement_kinds_named_by_a_question_and_shown_by_a_table():
    assert statement_kinds("How much total current assets did Nike have?") == {"balance"}
    assert statement_kinds("What is the FY2021 capital expenditure amount?") == {"cash"}
    assert statement_kinds("What is the FY2016 COGS for Microsoft?") == {"income"}
    assert statement_kinds("Which segment was discontinued?") == set()
    assert statement_of(_hit(BALANCE, 1.0, 54)) == "balance"
    assert statement_of(_hit("Revenue grew | 2019: 5", 1.0, 1, section="Consolidated Statements of Operations")) == "income"
    assert statement_of(_hit(MDNA, 1.0, 30)) is None
    assert statement_of(_hit(BALANCE, 1.0, 54, table=False)) is None
    assert years_shown(BALANCE) == {2018, 2019}


def test_the_statement_showing_the_year_asked_comes_before_contents_mdna_and_old_summaries():
    hits = [_hit(CONTENTS, 1.0, 2), _hit(OLD_SUMMARY, 0.95, 28), _hit(MDNA, 0.9, 30), _hit(BALANCE, 0.8, 54)]
    ranked = rerank("How much total current assets did Nike have at the end of FY2019?", hits, (2019,))
    assert [hit.chunk.page for hit in ranked] == [54, 30, 28, 2]
    # Without a statement line or a year named, only the contents page moves.
    plain = rerank("What does Nike design?", hits)
    assert [hit.chunk.page for hit in plain] == [28, 30, 54, 2]


def test_a_section_the_question_names_and_merged_searches():
    assert section_named("Has Verizon increased its debt on balance sheet?", "Note 7. Debt")
    assert section_named("Has Microsoft increased its debt on balance sheet?", "BALANCE SHEETS")
    assert not section_named("Has Microsoft increased its debt?", "Segment results \u2013 managed basis")
    assert not section_named("What is the debt?", "")
    first = [_hit(MDNA, 0.9, 30), _hit(BALANCE, 0.5, 54)]
    merged = merge_hits(first, [_hit(BALANCE, 0.95, 54)])
    assert [(hit.chunk.page, hit.score) for hit in merged] == [(54, 0.95), (30, 0.9)]


def test_standard_language_of_releases_and_exhibits_is_recognised():
    assert is_boilerplate("About Ulta Beauty", "About Ulta Beauty At Ulta Beauty, the possibilities are beautiful.")
    assert is_boilerplate("Chief Financial Officer", "EXHIBIT 31 CERTIFICATION I, Ramon L. Laguarta, certify that: 1. I have")
    assert is_boilerplate("", "Forward-Looking Statements\nThis release contains statements about the future.")
    assert not is_boilerplate("For the Full Year of Fiscal 2022", "SG&A expenses increased 16.2% to $2.4 billion.")
    assert not is_boilerplate("Dividend Policy", "We implemented a dividend program in February 2017.")
    hits = [_hit("About Nike\nNike designs footwear.", 1.0, 9, table=False, section="About Nike"),
            _hit("Revenues rose 7% on footwear demand.", 0.8, 2, table=False)]
    assert [hit.chunk.page for hit in rerank("What drove Nike's revenue?", hits)] == [2, 9]


def test_exhibit_lists_subsidiaries_and_carried_over_rows_are_told_apart():
    exhibit_list = ("10.14 PepsiCo Executive Income Deferral Program, amended and restated. 10.15 Form of Stock "
                    "Option Agreement. 10.16 Five-Year Credit Agreement, dated as of May 27, 2022. 4.1 Indenture")
    assert is_contents(exhibit_list)
    subsidiaries = ("Heinz Panama, S.A. Panama Heinz Purchasing Company Delaware Heinz Qingdao Food Co., Ltd. China "
                    "Kraft Foods Group Brands LLC Delaware Kraft Heinz Foods Company LLC Pennsylvania H.J. Heinz B.V. "
                    "Netherlands Heinz Italia S.p.A. Italy Heinz UK Limited United Kingdom")
    assert is_boilerplate("", subsidiaries)
    store_counts = ("Stores at the end of each quarter\n(continued) | 1\n(continued) | 2\n(continued) | 3\n"
                    "(continued) | 4\nFirst Quarter | 13,770,438")
    assert not is_contents(store_counts)
    allocation = ("Purchase price allocation (in millions)\nCash | 12\nTrade receivables | 40\n"
                  "Inventories | 51\nOther current assets | 60\nGoodwill | 190")
    assert not is_contents(allocation)
