"""Filings a question names, figures in questions and answers, the persisted dense index, the ONNX
embedder beside its torch reference, and compound questions split by route."""

from __future__ import annotations

import numpy as np
import pytest
from retrieval_helpers import make_chunks, unit_vectors

from tradeassist.core.question import Question
from tradeassist.core.router import _parts_apart
from tradeassist.retrieval.figures import asks_for_figure, figures_in, units_of
from tradeassist.retrieval.filings import preferred_documents, read_query
from tradeassist.retrieval.records import Chunk, DocumentInfo


def _filing(key: str, company: str, aliases: list[str], year: int, quarter: int | None = None) -> DocumentInfo:
    meta = {"company": company, "aliases": aliases, "fiscal_year": year}
    if quarter:
        meta["fiscal_quarter"] = quarter
    return DocumentInfo(key=key, source=f"{key}.pdf", path=f"/f/{key}.pdf", content_hash="h", meta=meta)


FILINGS = [
    _filing("nike19", "NIKE, Inc", ["nike", "nke"], 2019),
    _filing("nike23", "NIKE, Inc", ["nike", "nke"], 2023),
    _filing("pep22", "PepsiCo, Inc", ["pepsico", "pep"], 2022),
    _filing("pep23q1", "Pepsico", ["pepsico"], 2023, 1),
    _filing("jnj23", "Johnson & Johnson", ["johnson", "johnson johnson", "jnj", "j&j"], 2023),
    DocumentInfo(key="memo", source="memo.txt", path="/m.txt", content_hash="h"),
]


@pytest.mark.parametrize(
    ("question", "years", "quarter"),
    [
        ("Nike's FY2023 gross margin", (2023,), None),
        ("the FY2018 - FY2020 average of capex", (2018, 2020), None),
        ("Did Pfizer grow its PPNE between FY20 and FY21?", (2020, 2021), None),
        ("net earnings in Q2 of FY2023", (2023,), 2),
        ("first-quarter 2023 results", (2023,), 1),
        ("revenue of $2019 million rose 2,019 units", (), None),
        ("JPM's segments in 2021 Q1", (2021,), 1),
        ("Q2 2023 sales", (2023,), 2),
        ("capex in fiscal 2022", (2022,), None),
        ("As of FY2023Q1, why was guidance raised?", (2023,), 1),
        ("revenues in Q22023 year over year", (2023,), 2),
        ("the second fiscal quarter of 2023", (2023,), 2),
        ("short term investments in H1 FY2023", (2023,), 2),
        ("a Q10 report", (), None),
    ],
)
def test_read_query(question, years, quarter):
    assert read_query(question) == (years, quarter)


def test_preferred_documents_narrow_to_the_named_period_then_the_company():
    assert preferred_documents("Nike's FY2023 gross margin", FILINGS) == [["nike23"], ["nike19", "nike23"]]
    assert preferred_documents("What did NKE report?", FILINGS) == [["nike19", "nike23"]]
    # An earnings release and a 10-K share the company through their aliases.
    assert preferred_documents("PepsiCo guidance in Q1 2023", FILINGS) == [["pep23q1"], ["pep22", "pep23q1"]]
    assert preferred_documents("JnJ's gain on the separation", FILINGS) == [["jnj23"]]
    assert preferred_documents("What did the committee say about rates?", FILINGS) == []
    # A named year with no filing of its own falls back to the company's filings.
    assert preferred_documents("Nike revenue in FY2016", FILINGS) == [["nike19", "nike23"]]


def test_figures_and_questions_asking_for_one():
    assert figures_in("Total current assets | 2019: 16,525 | 2018: 15,134") == [16525.0, 15134.0]
    assert figures_in("On August 30, 2023, in Q2 FY2023, a gain of $20 billion and 16.5%") == [20.0, 16.5]
    assert asks_for_figure("What is the FY2019 COGS for Microsoft?")
    assert asks_for_figure("How much does Pfizer expect to pay?")
    assert not asks_for_figure("Which segment will be treated as a discontinued operation?")
    assert units_of("CONSOLIDATED BALANCE SHEETS (Dollars in millions) 2019 2018") == "in millions"
    assert units_of("Segment results") == ""


def test_extractive_answer_leads_with_the_table_row_holding_the_figure():
    from tradeassist.retrieval.extractive import select_quotes
    from tradeassist.retrieval.records import Hit

    doc = DocumentInfo(key="n", source="NIKE_2019_10K.pdf", path="/n.pdf", content_hash="h")
    table = Chunk("CONSOLIDATED BALANCE SHEETS (Dollars in millions) 2019 2018\n"
                  "Inventories | 2019: 5,622 | 2018: 5,261\nTotal current assets | 2019: 16,525 | 2018: 15,134\n"
                  "Total assets | 2019: 23,717 | 2018: 22,536", page=54, element_types=("Table",))
    prose = Chunk("Current assets are assets that the company expects to use within a year. Our current assets "
                  "consist of cash, receivables and inventories managed by the treasury team.", page=30)
    hits = [Hit("1", doc, prose, 1.0), Hit("2", doc, table, 0.9)]
    quotes = select_quotes("How much total current assets did Nike have at the end of FY2019?", hits)
    assert quotes[0].text == "Total current assets | 2019: 16,525 | 2018: 15,134 (in millions)"
    assert quotes[0].label == "[NIKE_2019_10K.pdf p.54]"


def test_dense_index_is_persisted_and_refreshed_incrementally(tmp_path):
    from tradeassist.retrieval.embedded_store import DENSE_SNAPSHOT, EmbeddedStore
    from retrieval_helpers import make_doc

    vectors = unit_vectors(700, seed=3)
    first = EmbeddedStore(tmp_path / "store.sqlite3")
    first.replace_document(make_doc("a"), make_chunks([f"chunk {i}" for i in range(600)]), vectors[:600])
    first.dense_search(vectors[0], np.array([1]), 3)
    assert first.dense.last_read == 600 and (tmp_path / DENSE_SNAPSHOT).is_file()
    first.close()
    # Another process starts from the snapshot and reads only what changed since.
    second = EmbeddedStore(tmp_path / "store.sqlite3")
    second.replace_document(make_doc("b"), make_chunks([f"more {i}" for i in range(100)]), vectors[600:])
    allowed = np.array([1, 2])
    result = second.dense_search(vectors[650], allowed, 1)
    assert second.dense.from_snapshot and second.dense.last_read == 100
    exact = second.dense.search_exact(vectors[650], None, 1)
    assert result.ids.tolist() == exact.ids.tolist() and len(second.dense.ids) == 700
    second.remove("a")
    second.dense_search(vectors[650], np.array([2]), 1)
    assert len(second.dense.ids) == 100
    second.close()
    # A damaged snapshot is ignored: the vectors come from SQLite again.
    (tmp_path / DENSE_SNAPSHOT).write_bytes(b"not a numpy file")
    third = EmbeddedStore(tmp_path / "store.sqlite3")
    third.dense_search(vectors[650], np.array([2]), 1)
    assert not third.dense.from_snapshot and third.dense.last_read == 100
    third.close()


def test_onnx_export_built_into_a_home_matches_the_torch_reference(tmp_path):
    from tradeassist.retrieval.embeddings import Embedder, OnnxEmbedder, model_folder
    from tradeassist.retrieval.onnx_model import MANIFEST_FILE, build_model, ensure_model

    folder = build_model(model_folder(), tmp_path / "models")  # exported and quantised from the shipped weights
    assert (folder / MANIFEST_FILE).is_file() and ensure_model(tmp_path, model_folder()) == folder  # found, not rebuilt
    embedder = OnnxEmbedder(folder)

    texts = ["The Committee decided to raise the target range for the federal funds rate.",
             "Total current assets were $16,525 million at May 31, 2019.",
             "Nike's revenues grew 11% on a currency-neutral basis.",
             "Accounts payable and accrued liabilities", "What is the FY2016 COGS for Microsoft?",
             "Johnson & Johnson completed the separation of Kenvue."]
    reference = Embedder().embed(texts)
    ours = embedder.embed(texts)
    cosines = (reference * ours).sum(axis=1)
    assert cosines.min() > 0.97 and cosines.mean() > 0.985, cosines
    # Ranking is what retrieval needs: each text's nearest reference vector is its own.
    assert (np.argmax(ours @ reference.T, axis=1) == np.arange(len(texts))).all()


@pytest.mark.parametrize(
    ("claims", "winners", "apart"),
    [
        ([{"sql": 0.75, "docs": 0.33}, {"sql": 0.0, "docs": 0.45}], ["sql", "docs"], True),  # soft docs half
        ([{"sql": 1.0, "docs": 0.2}, {"sql": 0.0, "docs": 0.8}], ["sql", "docs"], True),
        ([{"sql": 0.0, "docs": 0.8}, {"sql": 0.5, "docs": 0.5}], ["docs", "sql"], False),  # docs claims both
        ([{"sql": 0.75, "docs": 0.5}, {"sql": 0.0, "docs": 0.3}], ["sql", "docs"], False),  # docs prefers part 1
        ([{"sql": 0.4, "docs": 0.1}, {"sql": 0.0, "docs": 0.3}], ["sql", "docs"], False),  # nothing strong
    ],
)
def test_compound_parts_apart(claims, winners, apart):
    assert _parts_apart(claims, winners) is apart


def test_document_question_words_claim_the_docs_route(tmp_path):
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.route import DocsRoute

    route = DocsRoute(Settings(home=tmp_path))
    assert route.claim(Question("what does the hedging policy say about currency limits")) >= 0.45
    assert route.claim(Question("what the ops manual says about settlement")) >= 0.45
    assert route.claim(Question("latest close of AAPL")) < 0.3


class _RecordingWriter:
    """A grounded writer double that records the hits it was given."""

    def __init__(self):
        self.hits = []

    def write(self, question, hits):
        from tradeassist.core.answer import ModelInfo

        self.hits = list(hits)
        return f"Total current assets were 16,525 {hits[0].document.source and '[NIKE_2019_10K.pdf p.54]'}", \
            ModelInfo(method="grounded", provider="local", model="test")


def test_grounded_writer_gets_the_figure_rows_first_and_search_prefers_the_named_filing(make_index, tmp_path):
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.route import DocsRoute

    index = make_index()
    sheet = ("CONSOLIDATED BALANCE SHEETS (Dollars in millions) 2019 2018\n"
             "Inventories | 2019: 5,622 | 2018: 5,261\nTotal current assets | 2019: 16,525 | 2018: 15,134")
    for key, year, text in (("nike19", 2019, sheet), ("nike23", 2023, sheet.replace("2019", "2023"))):
        doc = DocumentInfo(key=key, source=f"NIKE_{year}_10K.pdf", path=f"/f/{key}.pdf", content_hash="h",
                           meta={"company": "NIKE, Inc", "aliases": ["nike"], "fiscal_year": year, "form": "10-K"})
        index.replace_document(doc, [
            Chunk("Nike designs and sells athletic footwear, apparel and equipment worldwide.", page=3),
            Chunk(text, page=54, element_types=("Table",))])
    writer = _RecordingWriter()
    route = DocsRoute(Settings(home=tmp_path), writer=writer, index=index)
    answer = route.answer(Question("How much total current assets did Nike have at the end of FY2019?"))
    # The looked-up figure, then its row, open the first excerpt the writer reads.
    assert writer.hits[0].chunk.text.startswith("Total current assets FY2019 (NIKE_2019_10K.pdf): 16,525 (million)")
    assert "\nTotal current assets | 2019: 16,525 | 2018: 15,134" in writer.hits[0].chunk.text
    assert {hit.document.key for hit in writer.hits} == {"nike19"}  # the FY2019 filing only
    assert answer.model.method == "grounded" and answer.citations[0].page == 54
    offline = DocsRoute(Settings(home=tmp_path), index=index).answer(
        Question("How much total current assets did Nike have at the end of FY2019?"))
    assert offline.text.startswith("Total current assets FY2019 (NIKE_2019_10K.pdf): 16,525 (million) "
                                   "[NIKE_2019_10K.pdf p.54]")
    assert "> Total current assets | 2019: 16,525 | 2018: 15,134 (in millions) [NIKE_2019_10K.pdf p.54]" in offline.text
    nothing = DocsRoute(Settings(home=tmp_path), index=index).answer(
        Question("What did the Federal Open Market Committee decide about the discount rate in 1994?"))
    assert nothing.text.startswith("Not found in your documents") and not nothing.citations


def test_financial_abbreviations_are_searched_with_the_words_filings_print():
    from tradeassist.retrieval.text import expand_financial_terms

    assert "cost of revenue" in expand_financial_terms("What is the FY2016 COGS for Microsoft?")
    assert "property plant and equipment" in expand_financial_terms("Did Pfizer grow its PP&E?")
    assert expand_financial_terms("the stopline of Pepsi") == "the stopline of Pepsi"


def test_a_question_in_a_filings_words_about_a_stored_company_is_claimed_by_docs(make_index, tmp_path):
    from tradeassist.core.settings import Settings
    from tradeassist.retrieval.route import DocsRoute

    index = make_index()
    doc = DocumentInfo(key="nike19", source="NIKE_2019_10K.pdf", path="/f/n.pdf", content_hash="h",
                       meta={"company": "NIKE, Inc", "aliases": ["nike", "nke"], "fiscal_year": 2019})
    index.replace_document(doc, [Chunk("Nike designs athletic footwear.", page=3)])
    route = DocsRoute(Settings(home=tmp_path), index=index)
    assert route.claim(Question("How much total current assets did Nike have at the end of FY2019?")) >= 0.85
    assert route.claim(Question("latest close of NKE")) < 0.5  # a price: the trading data's question
    assert route.claim(Question("What was Pfizer's FY2021 revenue?")) < 0.85  # no Pfizer filing stored


def test_a_named_kind_of_filing_comes_first():
    filings = [*FILINGS, DocumentInfo(key="pep23q1-10q", source="PEP_2023Q1_10Q.pdf", path="/p.pdf", content_hash="h",
                                      meta={"company": "PepsiCo, Inc", "aliases": ["pepsico"], "form": "10-Q",
                                            "fiscal_year": 2023, "fiscal_quarter": 1})]
    assert preferred_documents("What does PepsiCo's 10-Q say about Q1 2023 revenue?", filings)[0] == ["pep23q1-10q"]
    assert preferred_documents("PepsiCo guidance in Q1 2023", filings)[0] == ["pep23q1", "pep23q1-10q"]


def test_answerability_accepts_a_filings_own_names_and_printed_words():
    from tradeassist.retrieval.answerable import missing_subject
    from tradeassist.retrieval.records import Hit

    jnj = DocumentInfo(key="j", source="JOHNSON_JOHNSON_2023_8K.pdf", path="/j.pdf", content_hash="h",
                       meta={"company": "Johnson & Johnson", "aliases": ["jnj", "j&j", "johnson"]})
    passage = Hit("1", jnj, Chunk("Johnson & Johnson will present its Consumer Health business as discontinued "
                                  "operations.", page=4), 1.0)
    assert missing_subject("Which business segment of JnJ will be treated as a discontinued operation?", [passage]) is None
    msft = DocumentInfo(key="m", source="MICROSOFT_2016_10K.pdf", path="/m.pdf", content_hash="h")
    row = Hit("2", msft, Chunk("INCOME STATEMENTS\nTotal cost of revenue | 2016: 32,780", page=52,
                               element_types=("Table",)), 1.0)
    assert missing_subject("What is the FY2016 COGS for Microsoft?", [row]) is None
    assert missing_subject("Who is the portfolio manager of the fund?", [row]) == "portfolio manager"
