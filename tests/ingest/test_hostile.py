"""A corpus of hostile files: each is refused cleanly or handled safely, and nothing else is lost."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

import pytest
from ingest_corpus import docx_bytes, encrypted_pdf, huge_png_header, text_pdf, xxe_html, zip_bomb_docx

from tradeassist.ingest.pipeline import ingest_paths

SENTINEL_TEXT = "SENTINEL-7f3a-must-never-be-read"
_watch: dict[str, list] = {}


def _audit(event: str, args: tuple) -> None:
    """Records every file opened (and how) while a test is watching."""
    if event != "open" or "opens" not in _watch:
        return
    path, mode, flags = (tuple(args) + (None, None, None))[:3]
    if isinstance(path, int):
        return
    path = os.fsdecode(path)
    writes = (isinstance(mode, str) and any(ch in mode for ch in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    _watch["opens"].append((os.path.realpath(path), bool(writes)))


sys.addaudithook(_audit)


def _build_corpus(folder: Path, sentinel: Path) -> dict[str, str]:
    """Writes the hostile files and a few good ones; returns name -> expected status or reason."""
    good_pdf = text_pdf([["Quarterly results", "", "Operating margin widened to 14 percent this quarter."]])
    files = {
        "bomb.docx": (zip_bomb_docx(), "zip bomb"),
        "truncated.pdf": (good_pdf[: len(good_pdf) // 2], "pdf"),
        "renamed.docx": (text_pdf([["Renamed filing", "", "Free cash flow reached 2.1 billion dollars."]]), "ok"),
        "huge.png": (huge_png_header(), "image"),
        "xxe.html": (xxe_html(sentinel).encode(), "ok"),
        "empty.txt": (b"", "empty"),
        "random.pdf": (random.Random(7).randbytes(4096).replace(b"%PDF", b"%PDX"), "unknown binary"),
        "locked.pdf": (encrypted_pdf("secret", ["Locked content about buybacks."]), "password"),
        "open-encrypted.pdf": (encrypted_pdf("", ["Dividend coverage improved to 2.3 times."]), "ok"),
        "good.txt": (b"The desk expects the yield curve to steepen into year end.\n", "ok"),
        "good.docx": (docx_bytes("Credit memo", ["Leverage fell to 2.5 times EBITDA."]), "ok"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: expected for name, (_, expected) in files.items()}


def test_hostile_corpus_fails_alone_and_touches_nothing_outside_tmp(tmp_path, settings, index, warm_parser,
                                                                    monkeypatch):
    sentinel = tmp_path / "outside" / "secret.txt"
    sentinel.parent.mkdir()
    sentinel.write_text(SENTINEL_TEXT)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    expected = _build_corpus(corpus, sentinel)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    index.embedder.embed(["load the model before watching file access"])

    _watch["opens"] = []
    try:
        report = ingest_paths([corpus], settings, workers=1, index=index)
    finally:
        opens = _watch.pop("opens")

    results = {f.source: f for f in report.files}
    assert set(results) == set(expected)
    for name, want in expected.items():
        result = results[name]
        if want == "ok":
            assert result.status == "ok", (name, result.reason)
            assert result.chunks >= 1
        elif want == "pdf":  # a truncated PDF may be repaired by pdfium, or refused as damaged
            assert result.status == "ok" or "PDF" in result.reason, (name, result.reason)
        else:
            assert result.status == "failed", (name, result)
            assert want.lower() in result.reason.lower(), (name, result.reason)
            assert "Traceback" not in result.reason
    assert results["renamed.docx"].kind == "pdf"
    assert results["huge.png"].reason.startswith("image too large") or "refused" in results["huge.png"].reason
    assert report.failures == sum(1 for f in report.files if f.status == "failed") >= 6

    # The good files all went in and are searchable; hostile content did not leak into chunks.
    stored = {doc.source for doc in index.list_documents()}
    assert {"good.txt", "good.docx", "renamed.docx", "xxe.html", "open-encrypted.pdf"} <= stored
    hits = index.search("leverage EBITDA", user="local", k=3)
    assert hits and hits[0].document.source == "good.docx"
    texts = " ".join(h.chunk.text for h in index.search("quarterly note revenue grew", user="local", k=20))
    assert "Revenue grew in the quarter" in texts
    assert SENTINEL_TEXT not in texts and "SCRIPTMARKER" not in texts

    # Nothing outside the test's tmp folder was written, and the sentinel was never opened.
    root = os.path.realpath(tmp_path)
    assert any(p.startswith(os.path.realpath(corpus)) for p, _ in opens)  # the watch saw the reads
    outside_writes = [p for p, writes in opens if writes and not p.startswith(root)
                      and not p.startswith(("/dev/", "/proc/"))]
    assert outside_writes == []
    assert os.path.realpath(sentinel) not in {p for p, _ in opens}


def test_limits_are_configurable(tmp_path, warm_parser, parse):
    from tradeassist.ingest.limits import Limits

    tight = Limits(max_file_bytes=2000, max_pages=1, max_image_pixels=10_000)
    big = parse("big.txt", b"word " * 1000, tight)
    assert not big.ok and "file too large" in big.reason
    pages = parse("two.pdf", text_pdf([["Page one text here ok"], ["Page two text here ok"]]), tight)
    assert not pages.ok and "too many pages" in pages.reason
    from PIL import Image

    image = tmp_path / "wide.png"
    Image.new("L", (200, 100), 255).save(image)
    wide = parse("wide.png", image.read_bytes(), tight)
    assert not wide.ok and "image too large" in wide.reason


@pytest.mark.parametrize("ratio_limit", [50.0])
def test_zip_ratio_cap_applies_before_inflating(tmp_path, ratio_limit):
    import io
    import zipfile

    from tradeassist.core.errors import IngestError
    from tradeassist.ingest.limits import Limits, check_zip_package

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"A" * (4 * 1024 * 1024))
    path = tmp_path / "dense.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(IngestError, match="zip bomb"):
        check_zip_package(path, Limits(max_zip_ratio=ratio_limit))
    check_zip_package(path, Limits(max_zip_ratio=100_000.0))  # same file passes a looser cap
