"""PDF pages to text: pypdfium2's text layer, and Tesseract OCR for pages that have none.

Why not ``unstructured.partition.pdf.partition_pdf(strategy="fast")``: measured on this machine
(``bench/ingest.py``) it is several times slower than reading pdfium's text layer and classifying
the paragraphs with unstructured's own text partitioner, and it needs ``unstructured-inference``
(onnxruntime, OpenCV, timm...) merely to import. Page numbers and titles are kept either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tradeassist.core.errors import IngestError
from tradeassist.ingest.limits import Limits, check_pages, check_pixels
from tradeassist.ingest.ocr import OCR_DPI, ocr_image

#: A page whose text layer holds fewer visible characters than this is treated as scanned.
MIN_TEXT_CHARS = 16


@dataclass(frozen=True)
class PdfPage:
    """The text of one page (1-based number) and whether it came from OCR."""

    number: int
    text: str
    ocr: bool = False


def read_pdf_pages(path: Path, limits: Limits) -> list[PdfPage]:
    """Every page's text; scanned pages are rendered and OCR'd. Raises IngestError for bad PDFs."""
    import pypdfium2 as pdfium

    try:
        # An empty password opens PDFs that are encrypted only against editing or printing.
        document = pdfium.PdfDocument(str(path), password="")
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise IngestError("the PDF is password-protected; remove the password and try again") from exc
        raise IngestError(f"damaged or unreadable PDF ({message})") from exc
    try:
        count = len(document)
        if count == 0:
            raise IngestError("the PDF has no pages")
        check_pages(count, limits)
        pages: list[PdfPage] = []
        for index in range(count):
            page = document[index]
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
                text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
                if len("".join(text.split())) >= MIN_TEXT_CHARS:
                    pages.append(PdfPage(index + 1, text))
                else:
                    pages.append(PdfPage(index + 1, _ocr_page(page, index + 1, limits), ocr=True))
            finally:
                page.close()
        return pages
    finally:
        document.close()


def _ocr_page(page: object, number: int, limits: Limits) -> str:
    """Render one page (within the pixel limit) and read it with Tesseract."""
    width_pt, height_pt = page.get_size()  # type: ignore[attr-defined]
    if width_pt <= 0 or height_pt <= 0:
        return ""
    scale = OCR_DPI / 72.0
    # Lower the resolution rather than refuse: a poster-sized page still has readable text.
    pixels = width_pt * scale * height_pt * scale
    if pixels > limits.max_image_pixels:
        scale *= (limits.max_image_pixels / pixels) ** 0.5 * 0.99
    check_pixels(int(width_pt * scale), int(height_pt * scale), limits)
    bitmap = page.render(scale=scale, grayscale=True)  # type: ignore[attr-defined]
    try:
        image = bitmap.to_pil()
        return ocr_image(image, timeout_s=limits.ocr_timeout_s, what=f"page {number}")
    finally:
        bitmap.close()
