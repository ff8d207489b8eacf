"""One file to unstructured elements with 1-based page numbers, by its sniffed kind.

Every partitioner is ``unstructured``'s own (never the hi-res layout models, which download
weights), except for PDFs: their text layer (pypdfium2, Tesseract for scanned pages, see
``tradeassist.ingest.pdf``) becomes titles, paragraphs and tables by line rules (``tradeassist.ingest.layout``), far
faster than unstructured's spaCy-based text partitioner on filings; the blocks become
unstructured's own element types, so chunking treats every format alike.
HTML is cleaned before unstructured sees it: parsed by lxml with no network and no entity
expansion, scripts and embedded objects dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tradeassist.core.errors import IngestError
from tradeassist.ingest.limits import Limits, check_image_header, check_pages, check_zip_package, pillow_pixel_limit
from tradeassist.ingest.offline import prepare_unstructured
from tradeassist.ingest.sniff import FileKind

if TYPE_CHECKING:
    from unstructured.documents.elements import Element

    from tradeassist.ingest.layout import Block

#: Language hint for unstructured; skips its per-document language detection.
LANGUAGES = ["eng"]
#: Element types that repeat on every page or carry no content for search.
SKIPPED_TYPES = frozenset({"Header", "Footer", "PageBreak", "PageNumber", "Image"})
#: Tags removed from HTML with their content: code, styling, and anything that loads resources.
DROPPED_HTML_TAGS = ("script", "style", "noscript", "template", "iframe", "frame", "frameset",
                     "object", "embed", "applet", "link", "meta", "base", "svg", "math", "form",
                     "input", "button", "select", "textarea", "canvas", "audio", "video", "source")


@dataclass
class Partitioned:
    """The elements of one file and its page count."""

    elements: list[Element]
    pages: int
    #: Pages whose text came from OCR.
    ocr_pages: int = 0


def partition_file(path: Path, kind: FileKind, limits: Limits) -> Partitioned:
    """Elements of the file at ``path`` (already sniffed as ``kind``); raises IngestError."""
    prepare_unstructured()
    if kind.is_ooxml:
        check_zip_package(path, limits)
    try:
        elements, pages, *ocr = _PARTITIONERS[kind](path, limits)
    except IngestError:
        raise
    except MemoryError as exc:
        raise IngestError("the file needs more memory than is available to parse") from exc
    except Exception as exc:  # a parser's own error on a malformed file: report it, fail alone
        raise IngestError(f"could not parse this {kind.value.upper()} file: "
                          f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    kept = [el for el in elements if (el.text or "").strip() and el.category not in SKIPPED_TYPES]
    for element in kept:
        if not element.metadata.page_number or element.metadata.page_number < 1:
            element.metadata.page_number = 1
    pages = max([pages, *(el.metadata.page_number or 1 for el in kept)]) if kept else max(pages, 1)
    check_pages(pages, limits)
    total = sum(len(el.text) for el in kept)
    if total > limits.max_text_chars:
        raise IngestError(f"too much text: {total:,} characters (limit {limits.max_text_chars:,})")
    return Partitioned(kept, pages, ocr[0] if ocr else 0)


def elements_from_text(text: str, page: int) -> list[Element]:
    """Paragraphs of plain text classified by unstructured (Title, NarrativeText, ListItem...)."""
    from unstructured.partition.text import partition_text

    if not text.strip():
        return []
    elements = partition_text(text=text, languages=LANGUAGES)
    for element in elements:
        element.metadata.page_number = page
    return elements


def elements_from_blocks(blocks: Sequence[Block]) -> list[Element]:
    """unstructured elements (Title, NarrativeText, ListItem, Table) of layout blocks, with pages."""
    from unstructured.documents.elements import ElementMetadata, ListItem, NarrativeText, Table, Title

    kinds = {"title": Title, "text": NarrativeText, "list": ListItem}
    elements: list[Element] = []
    for block in blocks:
        metadata = ElementMetadata(page_number=block.page)
        if block.kind == "table":
            metadata.text_as_html = table_html(block)
            elements.append(Table(text=block.text, metadata=metadata))
        else:
            elements.append(kinds[block.kind](text=block.text, metadata=metadata))
    return elements


def table_html(block: Block) -> str:
    """A table block as escaped HTML: caption, then one row per table row (label, values)."""
    from html import escape

    width = max((len(row.values) for row in block.rows), default=0)
    columns = next((row.columns for row in block.rows if row.columns and len(row.columns) == width), ())
    parts = ["<table>"]
    if block.caption:
        parts.append(f"<caption>{escape(block.caption)}</caption>")
    if columns:
        parts.append("<thead><tr><th></th>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr></thead>")
    for row in block.rows:
        cells = "".join(f"<td>{escape(v)}</td>" for v in row.values)
        parts.append(f"<tr><td>{escape(row.label)}</td>{cells}</tr>")
    parts.append("</table>")
    return "".join(parts)


def _pdf(path: Path, limits: Limits) -> tuple[list[Element], int, int]:
    from tradeassist.ingest.layout import document_blocks
    from tradeassist.ingest.pdf import read_pdf_pages

    pages = read_pdf_pages(path, limits)
    blocks = document_blocks([(page.number, page.text) for page in pages])
    return elements_from_blocks(blocks), len(pages), sum(1 for page in pages if page.ocr)


def _image(path: Path, limits: Limits) -> tuple[list[Element], int, int]:
    from PIL import Image, ImageSequence

    from tradeassist.ingest.ocr import ocr_image

    _, _, frames = check_image_header(path, limits)
    elements: list[Element] = []
    with pillow_pixel_limit(limits), Image.open(path) as image:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            text = ocr_image(frame, timeout_s=limits.ocr_timeout_s, what=f"image page {number}")
            elements.extend(elements_from_text(text, number))
    return elements, frames, frames


def _docx(path: Path, limits: Limits) -> tuple[list[Element], int]:
    from unstructured.partition.docx import partition_docx

    return partition_docx(filename=str(path), languages=LANGUAGES, infer_table_structure=True), 1


def _pptx(path: Path, limits: Limits) -> tuple[list[Element], int]:
    from unstructured.partition.pptx import partition_pptx

    return partition_pptx(filename=str(path), languages=LANGUAGES, infer_table_structure=True), 1


def _xlsx(path: Path, limits: Limits) -> tuple[list[Element], int]:
    from unstructured.partition.xlsx import partition_xlsx

    return partition_xlsx(filename=str(path), languages=LANGUAGES, infer_table_structure=True), 1


def _html(path: Path, limits: Limits) -> tuple[list[Element], int]:
    from unstructured.partition.html import partition_html

    return partition_html(text=sanitize_html(path.read_bytes()), languages=LANGUAGES), 1


def _markdown(path: Path, limits: Limits) -> tuple[list[Element], int]:
    import markdown
    from unstructured.partition.html import partition_html

    text = _decode(path.read_bytes())
    html = markdown.markdown(text, extensions=["tables", "fenced_code"])
    return partition_html(text=sanitize_html(html.encode("utf-8")), languages=LANGUAGES), 1


def _text(path: Path, limits: Limits) -> tuple[list[Element], int]:
    return elements_from_text(_decode(path.read_bytes()), 1), 1


def _email(path: Path, limits: Limits) -> tuple[list[Element], int]:
    from unstructured.partition.email import partition_email

    # Attachments are not opened: each would need its own sniffing and limits.
    return partition_email(filename=str(path), process_attachments=False, languages=LANGUAGES), 1


def _decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sanitize_html(data: bytes) -> str:
    """HTML with scripts and resource-loading tags removed; entities and DTDs never resolved.

    XHTML (``<?xml``) goes through lxml's XML parser with entity resolution, DTD loading and the
    network all off, so an external entity (XXE) stays an unexpanded reference; other HTML goes
    through lxml's HTML parser, which never loads DTDs or external entities.
    """
    from lxml import etree, html

    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    root = None
    if stripped[:5].lower() == b"<?xml":
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 dtd_validation=False, huge_tree=False, recover=True,
                                 remove_comments=True, remove_pis=True)
        try:
            root = etree.fromstring(stripped, parser=parser)
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True,
                                 huge_tree=False, recover=True)
        try:
            root = html.document_fromstring(stripped or b"<html></html>", parser=parser)
        except (etree.ParserError, ValueError) as exc:
            raise IngestError(f"unreadable HTML: {exc}") from exc
    # Namespaced XHTML tags must match too: strip the namespace before dropping tags.
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag.startswith("{"):
            node.tag = node.tag.split("}", 1)[1]
    etree.strip_elements(root, *DROPPED_HTML_TAGS, with_tail=False)
    # Entity references left unexpanded (XXE attempts) are dropped, not turned into text.
    etree.strip_elements(root, etree.Entity, with_tail=False)
    return etree.tostring(root, method="html", encoding="unicode")


_PARTITIONERS = {
    FileKind.PDF: _pdf,
    FileKind.PNG: _image,
    FileKind.JPEG: _image,
    FileKind.TIFF: _image,
    FileKind.DOCX: _docx,
    FileKind.PPTX: _pptx,
    FileKind.XLSX: _xlsx,
    FileKind.HTML: _html,
    FileKind.MD: _markdown,
    FileKind.TXT: _text,
    FileKind.EML: _email,
}
