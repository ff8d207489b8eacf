"""What the chat accepts safely: uploads checked by content (and, from core, Markdown made inert)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from tradeassist.core.errors import BadInputError, IngestError
from tradeassist.core.inert_markdown import inert_answer_json, plain_name, strip_remote_images

__all__ = ["inert_answer_json", "plain_name", "strip_remote_images", "UploadLimits", "check_upload",
           "check_upload_kind", "screen_upload", "upload_size"]

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


@dataclass(frozen=True)
class UploadLimits:
    """How many files one upload request may hold, and how many bytes all of them together."""

    max_files: int = 10
    max_request_bytes: int = 50 * 1024 * 1024


#: An upload as the checks take it: its name, and its bytes or the file the server streamed it to.
Upload = tuple[str, "bytes | Path"]
#: Bytes read from the start of a file to tell its kind (magic bytes; zip files are read from disk).
SNIFF_BYTES = 64 * 1024


def upload_size(source: bytes | Path) -> int:
    """The size of an upload's content, in memory or on disk."""
    return len(source) if isinstance(source, (bytes, bytearray, memoryview)) else Path(source).stat().st_size


def check_upload_kind(name: str, source: bytes | Path) -> str:
    """The file's kind from its content (``tradeassist.ingest.sniff``), cross-checked with its extension.

    ``source`` is the content or the file holding it (only its first bytes and, for Office files,
    its zip directory are read). Raises BadInputError for content ingest cannot read, an Office file
    that would inflate into far more data than it holds, or a name that disguises another type (for
    example an executable renamed ``report.pdf``).
    """
    from tradeassist.ingest.limits import Limits, check_zip_package
    from tradeassist.ingest.sniff import sniff_kind as content_kind

    on_disk = not isinstance(source, (bytes, bytearray, memoryview))
    if on_disk:
        with Path(source).open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    else:
        head = bytes(source)
    try:
        kind = content_kind(head, name=name, zip_source=str(source) if on_disk else None)
        if kind.is_ooxml:
            package = Path(source) if on_disk else BytesIO(head)
            check_zip_package(package, Limits(max_unzipped_bytes=MAX_UNZIPPED_BYTES, max_zip_ratio=MAX_ZIP_RATIO))
    except IngestError as exc:
        raise BadInputError(f"{name} cannot be ingested: {exc}.") from exc
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and kind.value not in _EXTENSION_KINDS.get(extension, ()):
        content = "plain text" if kind.value in _TEXT_KINDS else kind.value.upper()
        raise BadInputError(
            f"{name}: the name says .{extension} but the content is {content}; rename it or upload the real file.")
    return kind.value


def _size(count: int) -> str:
    """A byte count as a person reads it (512 bytes, 12.3 KB, 50.0 MB)."""
    if count < 1024:
        return f"{count} bytes"
    return f"{count / 1024:.1f} KB" if count < 1024 * 1024 else f"{count / (1024 * 1024):.1f} MB"


def _check_batch(files: list[Upload], limits: UploadLimits) -> None:
    """Refuse a whole request: no file, too many files, or more bytes together than one request may hold."""
    if not files:
        raise BadInputError("No file was uploaded.")
    if len(files) > limits.max_files:
        raise BadInputError(f"{len(files)} files at once is too many; the limit is {limits.max_files}.")
    total = sum(upload_size(source) for _, source in files)
    if total > limits.max_request_bytes:
        raise BadInputError(f"These files hold {_size(total)} together; one upload may hold "
                            f"{_size(limits.max_request_bytes)}. Upload them in several parts.")


def _file_kind(name: str, source: bytes | Path) -> str:
    """One file's kind, or BadInputError for an empty file or content that is not what it says."""
    if not upload_size(source):
        raise BadInputError(f"{name} is empty.")
    return check_upload_kind(name, source)


def check_upload(files: list[Upload], limits: UploadLimits) -> list[str]:
    """Check a batch of uploads; returns each file's kind, or raises with a clear message."""
    _check_batch(files, limits)
    return [_file_kind(name, source) for name, source in files]


def screen_upload(files: list[Upload], limits: UploadLimits) -> tuple[list[tuple[str, bytes | Path, str]], list[tuple[str, str]]]:
    """Split a batch into accepted ``(name, source, kind)`` and refused ``(name, reason)`` files.

    A batch that is empty, has too many files or more bytes than one request may hold is refused
    as a whole; otherwise each bad file fails alone and the others go in.
    """
    _check_batch(files, limits)
    accepted, refused = [], []
    for name, source in files:
        try:
            accepted.append((name, source, _file_kind(name, source)))
        except BadInputError as exc:
            refused.append((name, str(exc)))
    return accepted, refused
