"""Scanned pages and images come back searchable through Tesseract OCR."""

from __future__ import annotations

import re
import shutil

import pytest
from ingest_corpus import text_image

from tradeassist.ingest.pipeline import ingest_paths

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Debian tesseract-ocr is not installed")

IMAGE_LINES = ["Quarterly dividend raised", "to forty two cents per share"]
SCAN_LINES = ["Board approves buyback", "of five billion dollars"]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def test_image_and_scanned_pdf_come_back_searchable(tmp_path, settings, index, warm_parser):
    folder = tmp_path / "scans"
    folder.mkdir()
    text_image(IMAGE_LINES).save(folder / "dividend.png")
    # An image-only PDF, as a scanner makes it: no text layer at all.
    text_image(SCAN_LINES).convert("RGB").save(folder / "buyback.pdf", "PDF", resolution=150)

    report = ingest_paths([folder], settings, workers=1, index=index)
    results = {f.source: f for f in report.files}
    assert report.failures == 0, [(f.source, f.reason) for f in report.files]
    assert results["dividend.png"].kind == "png" and results["buyback.pdf"].kind == "pdf"

    docs = {doc.source: doc for doc in index.list_documents()}
    assert docs["buyback.pdf"].meta.get("ocr_pages") == 1
    for query, lines, source in (("dividend forty two cents", IMAGE_LINES, "dividend.png"),
                                 ("buyback five billion", SCAN_LINES, "buyback.pdf")):
        hits = index.search(query, user="local", k=3)
        assert hits and hits[0].document.source == source
        assert hits[0].chunk.page == 1
        expected = _words(" ".join(lines))
        found = _words(hits[0].chunk.text)
        assert len(expected & found) >= len(expected) - 1, (expected, found)


def test_ocr_time_limit_is_enforced(tmp_path, warm_parser):
    from tradeassist.core.errors import IngestError
    from tradeassist.ingest.ocr import ocr_image

    image = text_image(["A page with plenty of words to read"] * 12, size=30)
    with pytest.raises(IngestError, match="longer than"):
        ocr_image(image, timeout_s=0.01)
