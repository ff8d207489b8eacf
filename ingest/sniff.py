"""Tell a file's type from its content (magic bytes, zip member names), never from its name."""

from __future__ import annotations

import enum
import io
import re
import zipfile

from tradeassist.core.errors import IngestError

#: How many leading bytes the checks look at; enough for every signature and a text sample.
HEAD_BYTES = 8192


class FileKind(str, enum.Enum):
    """The document types ingest understands."""

    PDF = "pdf"
    DOCX = "docx"
    PPTX = "pptx"
    XLSX = "xlsx"
    HTML = "html"
    TXT = "txt"
    MD = "md"
    EML = "eml"
    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"

    @property
    def is_image(self) -> bool:
        """True for the kinds that go through OCR as a whole."""
        return self in (FileKind.PNG, FileKind.JPEG, FileKind.TIFF)

    @property
    def is_ooxml(self) -> bool:
        """True for the zip-based Office formats (zip-bomb checks apply)."""
        return self in (FileKind.DOCX, FileKind.PPTX, FileKind.XLSX)


#: The main part every OOXML package of that kind holds (ECMA-376 part names).
_OOXML_MAIN_PARTS = {
    "word/document.xml": FileKind.DOCX,
    "ppt/presentation.xml": FileKind.PPTX,
    "xl/workbook.xml": FileKind.XLSX,
}
_MARKDOWN_NAMES = (".md", ".markdown", ".mdown", ".mkd")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body|<\?xml[^>]*>\s*(<!doctype\s+html|<html))",
                         re.IGNORECASE | re.DOTALL)
_HTML_TAGS = re.compile(rb"<(html|head|body|div|p|table|h[1-6]|title|meta|script)[\s>]", re.IGNORECASE)
# RFC 5322 header lines that open nearly every stored message.
_EMAIL_HEADER = re.compile(
    rb"^(received|return-path|from|to|subject|date|message-id|mime-version|delivered-to|x-[\w-]+)"
    rb":[ \t]", re.IGNORECASE)
_MARKDOWN_CUES = re.compile(r"^(#{1,6} \S|```|\* \S|- \S|\d+\. \S|\|.*\|\s*$)", re.MULTILINE)


def sniff_kind(data_head: bytes, *, name: str = "", zip_source: object | None = None) -> FileKind:
    """The kind of a file from its first bytes (and zip directory for OOXML); raises IngestError.

    ``zip_source`` is the path or a file object of the whole file, needed only to read the zip
    directory of an Office file; ``name`` is used only to tell Markdown from plain text, which
    share the same bytes.
    """
    if not data_head:
        raise IngestError("the file is empty")
    head = data_head[:HEAD_BYTES]
    if head.lstrip(b"\x00\t\r\n ")[:5] == b"%PDF-" or head[:1024].find(b"%PDF-") != -1:
        return FileKind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return FileKind.TIFF
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(zip_source if zip_source is not None else io.BytesIO(data_head))
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise IngestError("legacy or encrypted Office file (OLE2: .doc/.xls/.ppt or a "
                          "password-protected document); save it as DOCX/XLSX/PPTX without a password")
    guessed = _binary_guess(head)
    if guessed:
        raise IngestError(f"unsupported file type ({guessed})")
    text = _as_text(head)
    if text is None:
        raise IngestError("unknown binary content, not a document type tradeassist can read "
                          "(PDF, Office, HTML, text, e-mail or an image)")
    raw = head.lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(raw) or len(_HTML_TAGS.findall(raw[:4096])) >= 3:
        return FileKind.HTML
    if _looks_like_email(raw):
        return FileKind.EML
    if name.lower().endswith(_MARKDOWN_NAMES) or len(_MARKDOWN_CUES.findall(text)) >= 3:
        return FileKind.MD
    return FileKind.TXT


def _sniff_zip(source: object) -> FileKind:
    """An OOXML kind from the zip's member names (read from the central directory only)."""
    try:
        with zipfile.ZipFile(source) as archive:  # type: ignore[arg-type]
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(f"damaged zip/Office file (it looks like an Office document but is not a valid one): {exc}") from exc
    if "[Content_Types].xml" in names:
        for part, kind in _OOXML_MAIN_PARTS.items():
            if part in names:
                return kind
    raise IngestError("a zip archive that is not a DOCX, PPTX or XLSX document")


def _binary_guess(head: bytes) -> str | None:
    """A name for binary formats we refuse (archives, audio, video...) via the filetype library."""
    import filetype

    kind = filetype.guess(head)
    if kind is None:
        return None
    return f"{kind.mime}, .{kind.extension}"


def _as_text(head: bytes) -> str | None:
    """The head decoded as text, or None when it is binary (NULs or undecodable control bytes)."""
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    for encoding in ("utf-8", "utf-16") if head.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8",):
        try:
            # The head may cut a multi-byte character in two: ignore only the last 3 bytes.
            text = head.decode(encoding) if len(head) < HEAD_BYTES else head[:-3].decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = head.decode("latin-1")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    if text and controls / len(text) > 0.01:
        return None
    return text


def _looks_like_email(raw: bytes) -> bool:
    """True when the text opens with several RFC 5322 header lines."""
    lines = raw.splitlines()[:30]
    headers = sum(1 for line in lines if _EMAIL_HEADER.match(line))
    return headers >= 3 and bool(_EMAIL_HEADER.match(lines[0] if lines else b""))
