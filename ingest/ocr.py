"""OCR with Debian's Tesseract through pytesseract, one page at a time under a time limit."""

from __future__ import annotations

import shutil
from functools import lru_cache
from typing import TYPE_CHECKING

from tradeassist.core.errors import ConfigError, IngestError

if TYPE_CHECKING:
    from PIL.Image import Image

#: Resolution PDF pages are rendered at for OCR; 300 dpi is Tesseract's sweet spot for body text.
OCR_DPI = 300
#: Pages wider or taller than this (in pixels, after rendering) are scaled down before OCR.
MAX_OCR_SIDE = 5000


@lru_cache(maxsize=1)
def tesseract_path() -> str:
    """Path of the tesseract binary; raises ConfigError with the install hint when missing."""
    found = shutil.which("tesseract")
    if not found:
        raise ConfigError("Tesseract OCR is not installed (Debian: apt-get install tesseract-ocr); "
                          "scanned pages and images cannot be read without it")
    return found


def ocr_image(image: Image, *, timeout_s: float, lang: str = "eng", what: str = "page") -> str:
    """Text Tesseract reads from ``image``; raises IngestError when it runs past ``timeout_s``."""
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = tesseract_path()
    prepared = _prepare(image)
    try:
        # --psm 3: automatic page segmentation (columns, headings), the default for full pages.
        return pytesseract.image_to_string(prepared, lang=lang, config="--psm 3", timeout=timeout_s)
    except RuntimeError as exc:
        # pytesseract kills the tesseract process and raises RuntimeError on timeout.
        if "timeout" in str(exc).lower():
            raise IngestError(f"OCR of {what} took longer than {timeout_s:g} s "
                              "(limit ocr_timeout_s per page, or what was left of ocr_budget_s)") from exc
        raise IngestError(f"OCR of {what} failed: {exc}") from exc
    except pytesseract.TesseractError as exc:
        raise IngestError(f"OCR of {what} failed: {exc.message or exc}") from exc


def _prepare(image: Image) -> Image:
    """Grayscale, and scaled down when huge, so Tesseract spends its time on text, not pixels."""
    from PIL import Image as PILImage

    if image.mode not in ("L", "1"):
        image = image.convert("L")
    longest = max(image.size)
    if longest > MAX_OCR_SIDE:
        scale = MAX_OCR_SIDE / longest
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                             PILImage.Resampling.LANCZOS)
    return image
