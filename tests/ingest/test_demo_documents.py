"""The demo documents: small, shipped in the package, ingested once, and answering docs questions."""

from __future__ import annotations

import pytest

from tradeassist.ingest.demo import DOCUMENTS_FOLDER, demo_document_paths, ingest_demo_documents
from tradeassist.ingest.demo.make_pdf import product_sheet_pdf

TODAY = "2026-11-20"


def test_the_demo_documents_are_small_and_of_three_kinds():
    paths = demo_document_paths()
    assert {p.name for p in paths} == {"trading_policy.md", "market_commentary.md", "product_sheet.pdf"}
    assert sum(p.stat().st_size for p in paths) < 300_000


def test_the_committed_product_sheet_is_what_its_generator_writes():
    assert (DOCUMENTS_FOLDER / "product_sheet.pdf").read_bytes() == product_sheet_pdf()


@pytest.mark.slow
def test_demo_documents_answer_with_citations_and_are_ingested_once(tmp_path):
    from tradeassist.core.backend import Backend
    from tradeassist.core.question import Question
    from tradeassist.core.settings import Settings

    settings = Settings(home=tmp_path / "home", today=TODAY, offline_only=True)
    first = ingest_demo_documents(settings)
    assert first.failures == 0 and first.stored == 3, [f.reason for f in first.files]
    assert first.pages >= 4  # the PDF has two pages
    again = ingest_demo_documents(settings)
    assert again.stored == 0 and again.skipped == 3

    backend = Backend(settings)
    answer = backend.ask(Question("What does the product sheet say about fees?", route="docs"))
    assert answer.error is None
    cited = {(c.source, c.page) for c in answer.citations}
    assert ("product_sheet.pdf", 2) in cited, cited
    assert "0.75 percent" in answer.text
    policy = backend.ask(Question("What do my documents say about the foreign exchange hedge ratio?",
                                  route="docs"))
    assert any(c.source == "trading_policy.md" for c in policy.citations)
    assert "80 and 105 percent" in policy.text
