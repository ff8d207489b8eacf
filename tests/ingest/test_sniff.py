"""File types come from content: signatures, zip member names, text shape; never the extension."""

from __future__ import annotations

import pytest

from tradeassist.core.errors import IngestError
from tradeassist.ingest.sniff import FileKind, sniff_kind
from ingest_corpus import docx_bytes, email_bytes, pptx_bytes, text_pdf, xlsx_bytes


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (4, 4), 255).save(buffer, "PNG")
    return buffer.getvalue()


def _image(fmt: str) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, fmt)
    return buffer.getvalue()


CASES = [
    # (name given, content builder, expected kind)
    ("report.pdf", lambda: text_pdf([["Hello"]]), FileKind.PDF),
    ("report.docx", lambda: text_pdf([["A PDF renamed .docx"]]), FileKind.PDF),
    ("memo.docx", lambda: docx_bytes("Memo", ["Body"]), FileKind.DOCX),
    ("memo.pdf", lambda: docx_bytes("Memo", ["Body"]), FileKind.DOCX),
    ("deck.pptx", lambda: pptx_bytes("Deck", "Body"), FileKind.PPTX),
    ("book.xlsx", lambda: xlsx_bytes([["a", 1]]), FileKind.XLSX),
    ("scan.png", _png, FileKind.PNG),
    ("scan.jpg", lambda: _image("JPEG"), FileKind.JPEG),
    ("scan.tif", lambda: _image("TIFF"), FileKind.TIFF),
    ("page.html", lambda: b"<!DOCTYPE html><html><body><p>x</p></body></html>", FileKind.HTML),
    ("page.txt", lambda: b"<html><head><title>t</title></head><body><p>x</p></body></html>", FileKind.HTML),
    ("mail.eml", lambda: email_bytes("Rates", "The desk expects a cut."), FileKind.EML),
    ("notes.txt", lambda: "Plain notes about yields, caf\u00e9.\n".encode(), FileKind.TXT),
    ("notes.md", lambda: b"# Title\n\nSome text.\n", FileKind.MD),
    ("notes.txt", lambda: b"# One\n\n- a\n- b\n\n## Two\n\n```\ncode\n```\n", FileKind.MD),
]


@pytest.mark.parametrize(("name", "build", "expected"), CASES, ids=[f"{c[0]}->{c[2].value}" for c in CASES])
def test_kind_comes_from_content(tmp_path, name, build, expected):
    data = build()
    path = tmp_path / name
    path.write_bytes(data)
    assert sniff_kind(data[:8192], name=name, zip_source=path) is expected


REFUSED = [
    ("empty.pdf", b"", "empty"),
    ("random.pdf", bytes(range(256)) * 8, "unknown binary"),
    ("archive.docx", None, "not a DOCX"),
    ("legacy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "OLE2"),
    ("song.pdf", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 100, "unsupported file type"),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_unknown_content_is_refused_clearly(tmp_path, name, data, message):
    import zipfile

    path = tmp_path / name
    if data is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "not an office file")
        data = path.read_bytes()
    else:
        path.write_bytes(data)
    with pytest.raises(IngestError, match=message):
        sniff_kind(data[:8192], name=name, zip_source=path)
