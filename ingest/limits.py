"""Limits that keep a hostile or oversized file from exhausting memory, disk or time."""

from __future__ import annotations

import contextlib
import time
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tradeassist.core.errors import IngestError


@dataclass(frozen=True)
class Limits:
    """The ingest limits, copied from Settings so that worker processes get a small picklable value."""

    max_file_bytes: int = 100 * 1024 * 1024
    max_pages: int = 2000
    max_image_pixels: int = 80_000_000
    #: OCR seconds one page or image frame may take.
    ocr_page_timeout_s: float = 60.0
    #: Frames one image file may hold (each is OCR'd): a multi-page TIFF is a request, not a book.
    max_image_frames: int = 100
    #: OCR seconds one ingest call may spend in all (``ocr_budget_s``), or None for no budget.
    ocr_budget_s: float | None = None
    #: Wall-clock time (``time.time()``, valid across worker processes) when that budget ends.
    ocr_deadline: float | None = None
    #: Total declared uncompressed size of an Office zip package.
    max_unzipped_bytes: int = 1024 * 1024 * 1024
    #: Declared uncompressed / compressed size, per member and overall (real DOCX/XLSX stay < 100).
    max_zip_ratio: float = 200.0
    max_zip_members: int = 10_000
    #: Characters of text kept from one file (a 2,000-page filing holds ~10M).
    max_text_chars: int = 20_000_000

    @property
    def ocr_timeout_s(self) -> float:
        """The time the next OCR call may take: the per-page limit, cut to what the budget has left.

        Raises IngestError once the ingest call's OCR budget is spent, so the next page is never started.
        """
        if self.ocr_deadline is None:
            return self.ocr_page_timeout_s
        left = self.ocr_deadline - time.time()
        if left <= 0:
            raise IngestError(f"OCR stopped: this upload used its budget of {self.ocr_budget_s:g} s of OCR "
                              "(limit ocr_budget_s); split the file or upload fewer pages")
        return min(self.ocr_page_timeout_s, left)

    @classmethod
    def from_settings(cls, settings: object) -> Limits:
        """The limits configured in ``settings`` (unknown fields keep their defaults).

        With ``ocr_budget_s`` set, the OCR budget starts now: build the limits per ingest call.
        """
        values: dict[str, object] = {
            "max_file_bytes": int(float(getattr(settings, "max_file_mb", 100.0)) * 1024 * 1024),
            "max_pages": int(getattr(settings, "max_pages", cls.max_pages)),
            "max_image_pixels": int(getattr(settings, "max_image_pixels", cls.max_image_pixels)),
            "ocr_page_timeout_s": float(getattr(settings, "ocr_timeout_s", cls.ocr_page_timeout_s)),
            "max_image_frames": int(getattr(settings, "max_image_frames", cls.max_image_frames)),
        }
        budget = getattr(settings, "ocr_budget_s", None)
        if budget is not None:
            values["ocr_budget_s"] = float(budget)
            values["ocr_deadline"] = time.time() + float(budget)
        unzipped_mb = getattr(settings, "max_unzipped_mb", None)
        if unzipped_mb is not None:
            values["max_unzipped_bytes"] = int(float(unzipped_mb) * 1024 * 1024)
        ratio = getattr(settings, "max_zip_ratio", None)
        if ratio is not None:
            values["max_zip_ratio"] = float(ratio)
        return cls(**values)  # type: ignore[arg-type]


def _mb(n: float) -> str:
    return f"{n / (1024 * 1024):,.1f} MB"


def check_file_size(size: int, limits: Limits) -> None:
    """Refuse files over the size limit (checked from ``stat`` before reading anything)."""
    if size == 0:
        raise IngestError("the file is empty")
    if size > limits.max_file_bytes:
        raise IngestError(f"file too large: {_mb(size)} (limit {_mb(limits.max_file_bytes)})")


def check_zip_package(path: Path, limits: Limits) -> None:
    """Refuse zip bombs from the sizes declared in the zip directory, before inflating anything.

    The declared sizes are what ``zipfile`` trusts when it inflates, and a member that inflates
    past its declared size fails its CRC/length check, so checking the directory is enough.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(f"damaged Office file (bad zip structure): {exc}") from exc
    if len(members) > limits.max_zip_members:
        raise IngestError(f"Office file has {len(members):,} parts (limit {limits.max_zip_members:,})")
    total = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if total > limits.max_unzipped_bytes:
        raise IngestError(f"refused as a zip bomb: declares {_mb(total)} uncompressed "
                          f"(limit {_mb(limits.max_unzipped_bytes)})")
    for member in members:
        # Tiny members compress badly or well at random; judge ratio only past 1 MB.
        if member.file_size > 1024 * 1024 and member.file_size > limits.max_zip_ratio * max(member.compress_size, 1):
            raise IngestError(
                f"refused as a zip bomb: part {member.filename!r} expands {_mb(member.file_size)} "
                f"from {member.compress_size:,} bytes (ratio limit {limits.max_zip_ratio:g})")
    if total > 1024 * 1024 and total > limits.max_zip_ratio * max(packed, 1):
        raise IngestError(f"refused as a zip bomb: expands {_mb(total)} from {_mb(packed)} "
                          f"(ratio limit {limits.max_zip_ratio:g})")
    for member in members:
        if member.flag_bits & 0x1:
            raise IngestError("the Office file is encrypted; remove the password and try again")


def check_image_header(source: object, limits: Limits) -> tuple[int, int, int]:
    """Width, height and frame count read from the image header, refusing too many pixels.

    PIL reads only the header in ``Image.open``; nothing is decoded before this check passes.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with pillow_pixel_limit(limits), Image.open(source) as image:  # type: ignore[arg-type]
            width, height = image.size
            frames = int(getattr(image, "n_frames", 1) or 1)
    except Image.DecompressionBombError as exc:
        raise IngestError(f"image too large, refused before decoding: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise IngestError(f"unreadable or damaged image: {exc}") from exc
    check_pixels(width, height, limits)
    if frames > min(limits.max_pages, limits.max_image_frames):
        raise IngestError(f"image has {frames:,} frames (limit {min(limits.max_pages, limits.max_image_frames):,}, "
                          "max_image_frames)")
    return width, height, frames


def check_pixels(width: int, height: int, limits: Limits) -> None:
    """Refuse an image (or a page about to be rendered) over the pixel limit."""
    if width <= 0 or height <= 0:
        raise IngestError(f"image has impossible dimensions {width}x{height}")
    if width * height > limits.max_image_pixels:
        raise IngestError(f"image too large: {width:,}x{height:,} = {width * height:,} pixels "
                          f"(limit {limits.max_image_pixels:,})")


def check_pages(pages: int, limits: Limits) -> None:
    """Refuse documents with more pages than allowed."""
    if pages > limits.max_pages:
        raise IngestError(f"too many pages: {pages:,} (limit {limits.max_pages:,})")


@contextlib.contextmanager
def pillow_pixel_limit(limits: Limits) -> Iterator[None]:
    """PIL's own decompression-bomb guard set to our pixel limit while a file is handled.

    PIL checks it in ``Image.open`` from the header (warning past the value, error past twice
    it); our ``check_pixels`` then refuses anything over the limit itself. The global is
    restored afterwards so that other code in the process keeps its own setting.
    """
    from PIL import Image

    before = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = before
