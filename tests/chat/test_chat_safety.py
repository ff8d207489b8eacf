"""Markdown sanitising and upload checks: remote images never render, disguised files never pass."""

from __future__ import annotations

import io
import zipfile

import pytest

from tradeassist.chat.safety import UploadLimits, check_upload, check_upload_kind, screen_upload, strip_remote_images
from chat_pdf import make_pdf
from tradeassist.core.errors import BadInputError


@pytest.mark.parametrize(
    "markdown",
    [
        "see ![chart](https://evil.example/pixel.png?secret=1)",
        "see ![](http://169.254.169.254/latest/meta-data)",
        'see ![x](<https://evil.example/a b.png> "title")',
        "see ![x][ref]\n\n[ref]: https://evil.example/p.png",
        'see <img src="https://evil.example/p.png">',
        "see <IMG SRC=https://evil.example/p.png onerror=alert(1)>",
    ],
)
def test_remote_images_are_removed(markdown):
    clean = strip_remote_images(markdown)
    assert "![" not in clean and "<img" not in clean.lower()
    assert "image removed" in clean


def test_plain_markdown_is_kept():
    # Links to other hosts lose their target (tests/chat/test_chat_markup.py); the rest is kept as written.
    text = ("**Revenue** grew *12%* in 2025 (`Q3`).\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
            "```sql\nSELECT 1 < 2\n```")
    assert strip_remote_images(text) == text


def _docx(extra: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if extra:
            archive.writestr("word/media/big.bin", extra)
    return buffer.getvalue()


def test_real_types_are_recognised():
    assert check_upload_kind("report.pdf", make_pdf([["hello"]])) == "pdf"
    assert check_upload_kind("notes.txt", "café au lait".encode()) == "txt"
    assert check_upload_kind("notes.md", b"# title") == "md"
    assert check_upload_kind("letter.docx", _docx()) == "docx"


def test_images_and_mail_are_reported_by_ingest_kind_names():
    # Kinds are ingest.sniff's names: "jpeg" and "tiff" whichever extension the file has.
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
    tiff = b"II*\x00" + b"\x00" * 100
    assert check_upload_kind("scan.jpg", jpeg) == check_upload_kind("scan.jpeg", jpeg) == "jpeg"
    assert check_upload_kind("scan.tif", tiff) == check_upload_kind("scan.tiff", tiff) == "tiff"
    mail = b"From: a@example.com\nTo: b@example.com\nSubject: Q3\n\nRevenue rose.\n"
    assert check_upload_kind("note.eml", mail) == "eml"
    with pytest.raises(BadInputError, match="name says .jpg"):
        check_upload_kind("scan.jpg", tiff)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "cannot be ingested"),  # a Windows executable
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "cannot be ingested"),
        ("report.pdf", b"just some text", "content is plain text"),
        ("notes.txt", make_pdf([["x"]]), "name says .txt"),
        ("photo.png", b"\x00\x01\x02\x03" * 100, "not a document type"),
        ("archive.docx", b"PK\x03\x04broken", "not a valid one"),
    ],
)
def test_disguised_or_unknown_files_fail_clearly(name, data, message):
    with pytest.raises(BadInputError, match=message):
        check_upload_kind(name, data)


def test_zip_bombs_are_refused():
    bomb = _docx(b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros packs into ~20 KB
    with pytest.raises(BadInputError, match="zip bomb"):
        check_upload_kind("bomb.docx", bomb)


def test_upload_limits():
    limits = UploadLimits(max_files=2, max_request_bytes=1000)
    assert check_upload([("a.txt", b"a"), ("b.md", b"b")], limits) == ["txt", "md"]
    with pytest.raises(BadInputError, match="too many"):
        check_upload([("a.txt", b"a")] * 3, limits)
    with pytest.raises(BadInputError, match="may hold 1000 bytes"):
        check_upload([("a.txt", b"a" * 1001)], limits)
    # The limit is per request, as the settings say: two files under it alone, over it together.
    with pytest.raises(BadInputError, match="hold 1.2 KB together"):
        check_upload([("a.txt", b"a" * 600), ("b.txt", b"b" * 600)], limits)
    with pytest.raises(BadInputError, match="empty"):
        check_upload([("a.txt", b"")], limits)
    with pytest.raises(BadInputError, match="No file"):
        check_upload([], limits)


def test_a_bad_file_fails_alone():
    limits = UploadLimits(max_files=3, max_request_bytes=1000)
    accepted, refused = screen_upload([("a.txt", b"fine"), ("b.pdf", b"MZ" + b"\0" * 50), ("c.md", b"# ok")], limits)
    assert [(n, k) for n, _, k in accepted] == [("a.txt", "txt"), ("c.md", "md")]
    assert refused[0][0] == "b.pdf" and "cannot be ingested" in refused[0][1]
    with pytest.raises(BadInputError, match="too many"):
        screen_upload([("a.txt", b"x")] * 4, limits)


def test_file_names_are_shown_literally():
    from tradeassist.chat.safety import plain_name

    shown = plain_name("![x](http://127.0.0.1:9/pixel.png).pdf")
    assert "![" not in shown and "](" not in shown
    assert shown.replace("\\", "") == "![x](http://127.0.0.1:9/pixel.png).pdf"
