"""Not found when the stored filings cannot cover the company or the period a question names."""

from __future__ import annotations

from tradeassist.core.question import Question
from tradeassist.retrieval.coverage import uncovered, years_reported
from tradeassist.retrieval.records import Chunk, DocumentInfo, Hit


def _filing(key: str, company: str, aliases: list[str], year: int, form: str, quarter: int | None = None,
            ) -> DocumentInfo:
    meta = {"company": company, "aliases": aliases, "fiscal_year": year, "form": form}
    if quarter:
        meta["fiscal_quarter"] = quarter
    return DocumentInfo(key=key, source=f"{key}.pdf", path=f"/f/{key}.pdf", content_hash="h", meta=meta)


MSFT16 = _filing("msft16", "MICROSOFT CORPORATION", ["microsoft", "msft"], 2016, "10-K")
MSFT23 = _filing("msft23", "MICROSOFT CORPORATION", ["microsoft", "msft"], 2023, "10-K")
JPM21Q1 = _filing("jpm21q1", "JPMorgan Chase & Co", ["jpm", "jpmorgan"], 2021, "10-Q", 1)
NOTE = DocumentInfo(key="memo", source="memo.txt", path="/m.txt", content_hash="h")
DOCUMENTS = [MSFT16, MSFT23, JPM21Q1, NOTE]
#: Every word some stored chunk holds (stands in for a keyword search of the store).
STORED_WORDS = {"microsoft", "jpmorgan", "revenue", "committee", "kenvue", "march", "goldman", "sachs"}


def _check(question: str, passages: tuple[str, ...] = (), documents=DOCUMENTS) -> str | None:
    def company_hits(keys):
        doc = next(d for d in documents if d.key in keys)
        return [Hit(str(i), doc, Chunk(text, page=1), 1.0) for i, text in enumerate(passages)]

    return uncovered(question, documents, names_word=lambda word: word in STORED_WORDS, company_hits=company_hits)


def test_a_10k_reports_three_years_and_a_10q_two():
    assert years_reported(MSFT16) == {2014, 2015, 2016}
    assert years_reported(JPM21Q1) == {2020, 2021}
    assert years_reported(NOTE) == set()


def test_a_period_outside_every_filing_is_not_found_and_the_reply_names_what_is_held():
    why = _check("What was Microsoft's FY2019 revenue?")
    assert why == "they hold Microsoft's 10-K for FY2016 and FY2023, none of which reports FY2019"
    assert _check("JPM's net income in 2019 and 2020?").endswith("none of which reports FY2019")
    assert _check("JPM's net income in Q3 2019?") == (
        "they hold JPMorgan Chase's 10-Q for Q1 FY2021, none of which reports FY2019")


def test_a_period_inside_a_filings_window_or_mentioned_by_a_passage_is_answered():
    assert _check("What was Microsoft's FY2014 revenue?") is None  # the FY2016 10-K's income statement
    assert _check("Microsoft revenue between FY2021 and FY2023") is None
    # A schedule of payments due in 2026 is in the FY2023 10-K though no statement reports 2026.
    assert _check("How much does Microsoft expect to pay in 2026?", ("Payments due | 2026: 5,250",)) is None
    assert _check("How much does Microsoft expect to pay in 2026?", ("Payments due in FY26 total 5,250",)) is None
    assert _check("What was Microsoft's revenue?") is None  # no period named


def test_a_company_no_document_names_is_not_found():
    why = _check("What was Tesla's FY2022 revenue?")
    assert why == "none of them is a filing of Tesla; they hold filings of JPMorgan Chase and Microsoft"
    assert _check("What is the FY2022 gross margin for Goldman Sachs?").startswith("none of them is a filing of Goldman Sachs")
    assert _check("Did Acme grow revenue in FY2021?").startswith("none of them is a filing of Acme")
    # Named in a stored exhibit (an underwriter), yet no filing of its own: its figures are not here.
    assert _check("What is Goldman Sachs's FY2022 total current assets?").startswith("none of them is a filing of")
    assert _check("Did Goldman Sachs underwrite the notes?") is None


def test_questions_naming_no_company_or_a_word_the_documents_hold_are_left_alone():
    assert _check("What did the Committee say about rates in 2008?") is None
    assert _check("What cash proceeds came from the separation of Kenvue in 2023?") is None  # a stored word
    assert _check("What's the FY2016 revenue as of March 31?") is None
    assert _check("Which statement lowered the federal funds rate target?") is None
    # Statement lines written with capitals are measures, not companies.
    assert _check("What was the FY2016 ratio of Current Assets to Current Liabilities?") is None
    assert _check("How much did Revenue grow in FY2016?") is None
    assert _check("What was the FY2023 share of Total Revenues from cloud?") is None
    # With no filings stored (notes, uploads) nothing is refused for its company or period.
    assert _check("What was Tesla's FY2022 revenue?", documents=[NOTE]) is None


def test_the_docs_route_says_not_found_without_citations(make_index, tmp_path):
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.route import DocsRoute

    index = make_index()
    sheet = ("INCOME STATEMENTS (In millions) 2016 2015 2014\n"
             "Revenue | 2016: 85,320 | 2015: 93,580 | 2014: 86,833")
    index.replace_document(MSFT16, [Chunk("Microsoft develops software, services and devices.", page=3),
                                    Chunk(sheet, page=52, element_types=("Table",))])
    route = DocsRoute(Settings(home=tmp_path), index=index)
    answered = route.answer(Question("What was Microsoft's FY2015 revenue?"))
    assert answered.citations and answered.citations[0].page == 52
    later = route.answer(Question("What was Microsoft's FY2019 revenue?"))
    assert later.text.startswith("Not found in your documents: they hold Microsoft's 10-K for FY2016")
    assert not later.citations
    other = route.answer(Question("What was Tesla's FY2016 revenue?"))
    assert other.text.startswith("Not found in your documents: none of them is a filing of Tesla") and not other.citations
