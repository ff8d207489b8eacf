"""The figure lead: a statement line looked up, or a metric computed with every input shown; and
nothing computed when an input is missing, ambiguous or in another unit."""

from __future__ import annotations

import pytest

from tradeassist.core.answer import Citation
from tradeassist.retrieval.figure_answer import (figure_answer, figure_citations, figure_markdown, filing_figure, read_request,
                                     writer_evidence)
from tradeassist.retrieval.records import Chunk, DocumentInfo, Hit

DOC = DocumentInfo(key="acme21", source="ACME_2021_10K.pdf", path="/f/ACME_2021_10K.pdf", content_hash="h",
                   meta={"company": "Acme Corp", "aliases": ["acme"], "fiscal_year": 2021, "form": "10-K"})

INCOME = ("Consolidated Statements of Income (in millions, except per share data) 2021 2020 2019\n"
          "Revenues | 2021: 44,538 | 2020: 37,403 | 2019: 39,117\n"
          "Cost of sales | 2021: 24,576 | 2020: 21,162 | 2019: 21,643\n"
          "Gross profit | 2021: 19,962 | 2020: 16,241 | 2019: 17,474\n"
          "Operating income | 2021: 6,937 | 2020: 3,115 | 2019: 4,850\n"
          "Net income | 2021: 5,727 | 2020: 2,539 | 2019: 4,029")
BALANCE = ("Consolidated Balance Sheets (in millions) May 31, 2021 2020 ASSETS\n"
           "Inventories | 2021: 6,854 | 2020: 7,367\n"
           "Total current assets | 2021: 26,291 | 2020: 20,556\n"
           "Total assets | 2021: 37,740 | 2020: 31,342\n"
           "Accounts payable | 2021: 2,836 | 2020: 2,248\n"
           "Total current liabilities | 2021: 9,674 | 2020: 8,284")
CASH = ("Consolidated Statements of Cash Flows (in millions) 2021 2020 2019 Operating activities\n"
        "Net income | 2021: 5,727 | 2020: 2,539 | 2019: 4,029\n"
        "Depreciation and amortization | 2021: 744 | 2020: 721 | 2019: 705\n"
        "Inventories | 2021: 507 | 2020: (1,854) | 2019: (490)\n"
        "Net cash provided by operating activities | 2021: 6,657 | 2020: 2,485 | 2019: 5,903\n"
        "Additions to property, plant and equipment | 2021: (695) | 2020: (1,086) | 2019: (1,119)")


def hit(text: str, page: int, chunk_id: str, doc: DocumentInfo = DOC) -> Hit:
    """A table chunk of the filing."""
    return Hit(chunk_id, doc, Chunk(text=text, page=page, element_types=("Table",)), 1.0)


def searcher(hits):
    """Keyword search over ``hits``: every word of the query, plural or not (as a stemmed index
    matches it), in the chunk."""
    def search(query: str):
        words = [word[:-1] if word.endswith("s") and not word.endswith("ss") else word
                 for word in query.lower().split()]
        return [h for h in hits if all(word in h.chunk.text.lower() for word in words)]
    return search


def test_queries_of_the_same_words_are_searched_once():
    queries = []

    def search(query: str):
        queries.append(query)
        return searcher(FILING)(query)

    answer = figure_answer("What is Acme's FY2021 inventory turnover ratio?", search)
    assert answer.computed
    stems = [frozenset(word.rstrip("s") for word in query.lower().split()) for query in queries]
    assert len(stems) == len(set(stems))  # "inventories" and "total inventories" once each, not per label form


FILING = [hit(INCOME, 59, "inc"), hit(BALANCE, 61, "bal"), hit(CASH, 63, "cash")]


def test_lookup_leads_with_the_row_for_the_asked_year_and_its_citation():
    answer = figure_answer("What is Acme's FY2020 COGS? Answer in USD millions.", searcher(FILING))
    assert answer.computed and answer.value == 21162
    assert "Cost of sales FY2020" in answer.lead and "21,162" in answer.lead
    assert "[ACME_2021_10K.pdf p.59]" in answer.lead


def test_lookup_converts_millions_to_the_billions_asked_and_shows_both():
    answer = figure_answer("What is the FY2021 capital expenditure amount (in USD billions) for Acme?",
                           searcher(FILING))
    assert "695 million = 0.69 billion" in answer.lead or "695 million = 0.70 billion" in answer.lead
    assert answer.rows[0].page == 63


def test_computed_metric_shows_every_input_with_year_value_and_page():
    answer = figure_answer("What is Acme's FY2021 inventory turnover ratio? Round your answer to two decimal places.",
                           searcher(FILING))
    assert answer.computed
    assert answer.lead.startswith("Computed: inventory turnover FY2021 = Cost of sales FY2021 24,576")
    # The balance sheet's inventories, not the cash flow statement's change in them.
    assert "Inventories FY2020 7,367" in answer.lead and "Inventories FY2021 6,854" in answer.lead
    assert answer.lead.split(" [")[0].endswith(f"= {24576 / ((6854 + 7367) / 2):.2f}")
    assert [row.page for row in answer.rows] == [59, 61]


def test_stated_definition_and_percent_rounding():
    question = ("What is the FY2021 unadjusted EBITDA % margin for Acme? Define unadjusted EBITDA as unadjusted "
                "operating income + depreciation and amortization [from cash flow statement]. Answer in percents, "
                "round to one decimal place.")
    answer = figure_answer(question, searcher(FILING))
    assert answer.lead.split(" [")[0].endswith(f"= {(6937 + 744) / 44538 * 100:.1f}%")


def test_ratio_of_current_assets_and_a_multi_year_average():
    ratio = figure_answer("What is Acme's FY2021 current ratio?", searcher(FILING))
    assert "Total current assets FY2021 26,291" in ratio.lead and "= 2.72 (2.717697 before rounding)" in ratio.lead
    asked = figure_answer("When primarily referencing the balance sheet, what is Acme's FY2021 current ratio? "
                          "Round your answer to one decimal place.", searcher(FILING))
    assert asked.lead.split(" [")[0].endswith("= 2.7")
    average = figure_answer("What is Acme's FY2019 - FY2021 3 year average gross margin? Round to one decimal place.",
                            searcher(FILING))
    margins = [19962 / 44538, 16241 / 37403, 17474 / 39117]
    assert f"= {sum(margins) / 3 * 100:.1f}%" in average.lead and "3-year average" in average.lead


def test_a_metric_falls_back_to_other_lines_and_a_share_of_revenue_is_computed():
    no_gross = [hit(INCOME.replace("Gross profit | 2021: 19,962 | 2020: 16,241 | 2019: 17,474\n", ""), 59, "inc"),
                *FILING[1:]]
    margin = figure_answer("What is Acme's FY2021 gross margin?", searcher(no_gross))
    assert margin.computed and margin.lead.split(" [")[0].endswith(f"= {(44538 - 24576) / 44538 * 100:.1f}%")
    share = figure_answer("What is Acme's FY2021 operating income as a percent of revenues? Round to two decimal "
                          "places.", searcher(FILING))
    assert share.lead.startswith("Computed: operating income as % of revenue FY2021")
    assert share.lead.split(" [")[0].endswith(f"= {6937 / 44538 * 100:.2f}%")


def test_a_missing_year_is_said_and_nothing_is_computed():
    answer = figure_answer("What is Acme's FY2019 inventory turnover ratio?", searcher(FILING))
    assert not answer.computed
    assert answer.lead.startswith("Not computed: inventory turnover FY2019")
    assert "no 2018 column for inventories" in answer.lead or "2019" in answer.lead


def test_a_note_table_loses_to_the_statement_but_two_statements_disagreeing_compute_nothing():
    note = "Assets held for sale (in millions) 2021 2020\nTotal current assets | 2021: 310 | 2020: 290"
    answer = figure_answer("What is Acme's FY2021 current ratio?", searcher([*FILING, hit(note, 90, "note")]))
    assert answer.computed and "26,291" in answer.lead

    # An equally complete balance sheet elsewhere in the filing states another total.
    other = BALANCE.replace("26,291", "27,000")
    answer = figure_answer("What is Acme's FY2021 current ratio?", searcher([*FILING, hit(other, 80, "restated")]))
    assert not answer.computed and "differs between tables" in answer.lead
    assert {row.page for row in answer.rows} >= {61, 80}  # both rows quoted for the reader to judge


def test_inputs_in_different_units_compute_nothing():
    thousands = BALANCE.replace("(in millions)", "(in thousands)")
    answer = figure_answer("What is Acme's FY2021 inventory turnover ratio?",
                           searcher([hit(INCOME, 59, "inc"), hit(thousands, 61, "bal")]))
    assert not answer.computed and "different units" in answer.lead


@pytest.mark.parametrize("question", [
    "Which segment had the highest operating income in FY2021?",
    "When did Acme's FY2021 total assets pass 30 billion?",
    "What drove the increase in inventories in FY2021?",
    "What was Acme's net income in Q2 of FY2021?",
    "What is Acme's current ratio?",
    "Has Acme paid dividends in FY2021?",
    "What was Acme's FY2021 interest coverage ratio using FY2021 Adjusted EBIT as the numerator and annual "
    "Interest Expense as the denominator?",
    "What is Acme's FY2021 interest coverage? Define interest coverage as operating income divided by widgets.",
    # A narrower figure than the statement line: answering with total revenues would be wrong.
    "How much casino revenue did Acme report for FY2021?",
    "What revenue from casino operations did Acme report in FY2021?",
    "What were Acme's Intelligent Cloud segment revenues in FY2021?",
    "What was Acme's revenue per store in FY2021?",
    "What is Acme's casino revenue growth from FY2020 to FY2021?",
    # A growth of a line the question defines its own way is not the statement line's growth.
    "What is Acme's revenue growth from FY2020 to FY2021? Define revenue as net sales less cost of sales.",
    # Periods shorter than the fiscal year share the year's column heading in quarterly reports.
    "How much revenue did Acme report for the three months ended June 30, 2021?",
    "What were Acme's net sales for the 12 weeks ended March 25, 2021?",
    "What was Acme's quarterly revenue in 2021?",
    "What were Acme's revenues in the first half of 2021?",
])
def test_questions_that_ask_no_statement_figure_get_no_lead(question):
    assert read_request(question) is None


def test_markdown_citations_and_writer_evidence_put_the_input_rows_first():
    answer = figure_answer("What is Acme's FY2021 current ratio?", searcher(FILING))
    markdown = figure_markdown(answer)
    assert markdown.startswith("Computed: current ratio FY2021")
    assert "> Total current assets | 2021: 26,291 | 2020: 20,556 (in millions) [ACME_2021_10K.pdf p.61]" in markdown
    others = [Citation("ACME_2021_10K.pdf", 12, "text", 0.5), Citation("ACME_2021_10K.pdf", 61, "dup", 0.4)]
    citations = figure_citations(answer, others)
    assert [(c.page, c.snippet[:5]) for c in citations] == [(61, "Total"), (12, "text")]
    prose = Hit("p", DOC, Chunk(text="Liquidity was strong.", page=30), 0.9)
    evidence = writer_evidence(answer, [prose])
    assert evidence[0].chunk.text.startswith("Computed: current ratio FY2021") and evidence[-1] is prose


class FakeIndex:
    """The documents a caller lists and the search filing_figure makes of a DocumentIndex, over fixed hits."""

    def __init__(self, documents, hits):
        self.documents = documents
        self.hits = hits
        self.searched_in = []

    def search(self, query, *, user, k, mode, documents):
        self.searched_in.append(tuple(documents))
        return [h for h in searcher(self.hits)(query) if h.document.key in documents][:k]


def test_filing_figure_reads_only_the_filing_the_question_names():
    other_doc = DocumentInfo(key="zeta21", source="ZETA_2021_10K.pdf", path="/f/z.pdf", content_hash="h",
                             meta={"company": "Zeta Inc", "aliases": ["zeta"], "fiscal_year": 2021, "form": "10-K"})
    zeta = hit(BALANCE.replace("26,291", "1,000"), 10, "zeta-bal", other_doc)
    index = FakeIndex([DOC, other_doc], [*FILING, zeta])
    answer = filing_figure("What is Zeta's FY2021 total current assets?", index, "local", [], index.documents)
    assert answer.value == 1000 and {keys for keys in index.searched_in} == {("zeta21",)}
    assert filing_figure("What did the committee say about inflation in 2021?", index, "local", [], index.documents) is None
    # No company named and the best passage is not a filing (a memo): no statement to read.
    memo = DocumentInfo(key="memo", source="memo.txt", path="/m.txt", content_hash="h")
    passage = Hit("m", memo, Chunk(text="Total assets grew in 2021.", page=1), 0.9)
    assert filing_figure("What were total assets in FY2021?", index, "local", [passage], index.documents) is None


def test_filing_figure_reads_annual_reports_only():
    """A quarterly report's or a release's year columns may be quarters: no lead is read from them."""
    for form in ("10-Q", "earnings release", "8-K"):
        quarterly = DocumentInfo(key="acmeq", source="ACME_2021Q2_10Q.pdf", path="/f/q.pdf", content_hash="h",
                                 meta={"company": "Acme Corp", "aliases": ["acme"], "fiscal_year": 2021, "form": form})
        hits = [hit(text, page, chunk_id, quarterly) for text, page, chunk_id in
                ((INCOME, 59, "inc"), (BALANCE, 61, "bal"))]
        index = FakeIndex([quarterly], hits)
        assert filing_figure("What were Acme's FY2021 total current assets?", index, "local", hits, index.documents) is None
    assert filing_figure("What were Acme's FY2021 total current assets?", FakeIndex([DOC], FILING), "local", [], [DOC]).value == 26291


@pytest.mark.slow
def test_real_filing_balance_sheet_and_income_statement(shared_data):
    """Over a real 10-K's table blocks (layout only, no embedding): a lookup and a computed ratio."""
    from pathlib import Path

    from tradeassist.ingest.layout import document_blocks
    from tradeassist.ingest.limits import Limits
    from tradeassist.ingest.pdf import read_pdf_pages

    path = Path(shared_data) / "filings" / "NIKE_2019_10K.pdf"
    if not path.is_file():
        pytest.skip("the Nike 10-K is not in ../shared")
    pages = read_pdf_pages(path, Limits())
    doc = DocumentInfo(key="nike19", source=path.name, path=str(path), content_hash="h")
    tables = [Hit(f"t{i}", doc, Chunk(text=block.text, page=block.page, element_types=("Table",)), 1.0)
              for i, block in enumerate(document_blocks([(page.number, page.text) for page in pages]))
              if block.kind == "table"]
    lookup = figure_answer("How much total current assets did Nike have at the end of FY2019? Answer in USD millions.",
                           searcher(tables))
    assert lookup.value == 16525 and lookup.rows[0].page == 54
    ratio = figure_answer("What is Nike's FY2019 current ratio?", searcher(tables))
    assert ratio.computed and f"= {16525 / 7866:.2f}" in ratio.lead


# --- trust: one filing per figure, amounts as printed, definitions, units, fiscal years ----------------

BETA = DocumentInfo(key="beta22", source="BETA_2022_10K.pdf", path="/f/BETA_2022_10K.pdf", content_hash="h",
                    meta={"company": "Beta Inc", "aliases": ["beta"], "fiscal_year": 2022, "form": "10-K"})
ACME22 = DocumentInfo(key="acme22", source="ACME_2022_10K.pdf", path="/f/ACME_2022_10K.pdf", content_hash="h",
                      meta={"company": "Acme Corp", "aliases": ["acme"], "fiscal_year": 2022, "form": "10-K"})


def test_one_figure_never_takes_inputs_from_two_filings():
    acme = hit("Consolidated Statements of Income (in millions) 2022 2021\nRevenues | 2022: 50,000 | 2021: 45,000",
               40, "acme-inc", ACME22)
    beta = hit("Consolidated Statements of Income (in millions) 2022 2021\nGross profit | 2022: 44,000 | 2021: 40,000",
               41, "beta-inc", BETA)
    answer = figure_answer("What is the FY2022 gross margin of Acme and Beta?", searcher([acme, beta]))
    assert not answer.computed and "88.0%" not in answer.lead
    # Each filing complete but stating different figures: neither is the answer to one question.
    both = [hit(INCOME.replace("2021", "2022"), 59, "a", ACME22),
            hit(INCOME.replace("2021", "2022").replace("19,962", "20,500"), 60, "b", BETA)]
    differing = figure_answer("What is the FY2022 gross margin of Acme and Beta?", searcher(both))
    assert not differing.computed and "differs between the filings" in differing.lead
    index = FakeIndex([ACME22, BETA], both)
    assert filing_figure("What is the FY2022 gross margin of Acme and Beta?", index, "local", [], index.documents) is None


def test_amounts_keep_the_decimals_their_cells_print():
    billions = DocumentInfo(key="acme23", source="ACME_2023_10K.pdf", path="/f/a.pdf", content_hash="h",
                            meta={"company": "Acme Corp", "aliases": ["acme"], "fiscal_year": 2023, "form": "10-K"})
    income = hit("Consolidated Statements of Income (in billions) 2023 2022\nTotal revenues | 2023: 24.6 | 2022: 22.1\n"
                 "Cost of sales | 2023: 3,226.8 | 2022: 3,001.2", 50, "inc", billions)
    cash = hit("Consolidated Statements of Cash Flows (in billions) 2023 2022\n"
               "Net cash provided by operating activities | 2023: 6.40 | 2022: 5.10\n"
               "Capital expenditures | 2023: (2.20) | 2022: (1.90)", 52, "cash", billions)
    revenue = figure_answer("What were Acme's FY2023 total revenues?", searcher([income, cash]))
    assert "24.6 (billion)" in revenue.lead
    cogs = figure_answer("What was Acme's FY2023 cost of sales?", searcher([income, cash]))
    assert "3,226.8 (billion)" in cogs.lead
    fcf = figure_answer("What was Acme's FY2023 free cash flow?", searcher([income, cash]))
    assert "6.40" in fcf.lead and "2.20" in fcf.lead and "= 4.20 (billion)" in fcf.lead


def test_a_definition_times_100_is_a_percent_once():
    answer = figure_answer("What is Acme's FY2021 gross margin? Gross margin is defined as gross profit divided by "
                           "revenues times 100. Answer as a percentage.", searcher(FILING))
    assert answer.computed and f"= {19962 / 44538 * 100:.1f}%" in answer.lead


def test_a_defined_line_inside_a_metric_is_computed_by_its_definition():
    answer = figure_answer("Define operating income as gross profit less depreciation and amortization. What is "
                           "Acme's FY2021 operating margin?", searcher(FILING))
    assert answer.computed and f"= {(19962 - 744) / 44538 * 100:.1f}%" in answer.lead
    # A definition of something the metric's formula does not hold cannot be followed: nothing computed.
    assert read_request("Define inventory as gross profit less depreciation and amortization. What is Acme's "
                        "FY2021 operating margin?") is None


def test_a_row_whose_unit_is_only_inferred_does_not_join_a_stated_one():
    inferred = BALANCE.replace(" (in millions)", "")
    answer = figure_answer("What is Acme's FY2021 inventory turnover ratio?",
                           searcher([hit(INCOME, 59, "inc"), hit(inferred, 61, "bal")]))
    assert not answer.computed and "different units" in answer.lead


def _retailer(fiscal_year: int) -> list[Hit]:
    doc = DocumentInfo(key=f"shop{fiscal_year}", source=f"SHOP_{fiscal_year}_10K.pdf", path="/f/s.pdf",
                       content_hash="h", meta={"company": "Shop Inc", "aliases": ["shop"], "fiscal_year": fiscal_year,
                                               "form": "10-K"})
    return [hit("Consolidated Statements of Operations (in millions) Fiscal Years Ended February 3, 2024 "
                "January 28, 2023\nRevenue | 2024: 43,452 | 2023: 46,298", 40, f"inc{fiscal_year}", doc)]


def test_columns_of_a_52_week_year_ending_in_february_are_not_guessed():
    # The filing calls the year ending 3 February 2024 fiscal 2023: its "2024" column is FY2023.
    answer = figure_answer("What was Shop's FY2023 revenue?", searcher(_retailer(2023)))
    assert not answer.computed and "January or February" in answer.lead
    # The filing's own fiscal year is its newest column's: the heading means the year asked.
    assert figure_answer("What was Shop's FY2024 revenue?", searcher(_retailer(2024))).value == 43452


NEGATIVE = ("Consolidated Statements of Income (in millions) 2021 2020 2019\n"
            "Revenues | 2021: 44,538 | 2020: 37,403 | 2019: 39,117\n"
            "Net income | 2021: 5,727 | 2020: (2,539) | 2019: (4,029)")


def test_growth_from_a_negative_year_is_not_meaningful():
    cagr = figure_answer("What is Acme's 2 year net income CAGR from FY2019 to FY2021?",
                         searcher([hit(NEGATIVE, 59, "inc")]))
    assert not cagr.computed and "not meaningful: negative base" in cagr.lead
    growth = figure_answer("What is Acme's net income growth from FY2020 to FY2021?",
                           searcher([hit(NEGATIVE, 59, "inc")]))
    assert not growth.computed and "negative base" in growth.lead


def test_a_missing_line_is_a_structured_reason():
    bare = [hit("Consolidated Statements of Income (in millions) 2021 2020\nRevenues | 2021: 44,538 | 2020: 37,403",
                59, "inc")]
    answer = figure_answer("What is Acme's FY2021 gross margin?", searcher(bare))
    assert not answer.computed and answer.reason == "no row"


def test_quick_ratio_reads_current_marketable_securities_only():
    balance = ("Consolidated Balance Sheets (in millions) 2021 2020 ASSETS\n"
               "Cash and cash equivalents | 2021: 1,000 | 2020: 900\n"
               "Accounts receivable, net | 2021: 2,000 | 2020: 1,800\n"
               "Total current assets | 2021: 5,000 | 2020: 4,500\n"
               "Marketable securities | 2021: 7,000 | 2020: 6,000\n"
               "Total assets | 2021: 20,000 | 2020: 18,000\n"
               "Total current liabilities | 2021: 4,000 | 2020: 3,500")
    answer = figure_answer("What is Acme's FY2021 quick ratio?", searcher([hit(balance, 61, "bal")]))
    assert answer.computed and answer.value == pytest.approx((1000 + 2000) / 4000)
