"""An upload's OCR time is bounded as a whole, and an image may hold only so many frames."""

from __future__ import annotations

import time

import pytest
from PIL import Image, ImageDraw

from tradeassist.core.errors import IngestError
from tradeassist.core.settings import Settings
from tradeassist.ingest.limits import Limits, check_image_header
from tradeassist.ingest.partition import partition_file
from tradeassist.ingest.sniff import FileKind


def _tiff(path, frames: int) -> None:
    pages = []
    for number in range(frames):
        page = Image.new("L", (1700, 2200), 255)
        draw = ImageDraw.Draw(page)
        for line in range(40):
            draw.text((100, 100 + line * 50), f"Page {number + 1} line {line}: settlement of trades " * 3, fill=0)
        pages.append(page)
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="tiff_deflate")


def test_multi_page_scan_stops_at_the_ocr_budget(tmp_path):
    pytest.importorskip("pytesseract")
    path = tmp_path / "scan.tif"
    _tiff(path, 8)
    from tradeassist.ingest.partition import prepare_unstructured

    prepare_unstructured()  # its one-time import is not OCR time
    limits = Limits.from_settings(Settings(home=tmp_path, ocr_budget_s=1.5))
    started = time.monotonic()
    with pytest.raises(IngestError, match="ocr_budget_s"):
        partition_file(path, FileKind.TIFF, limits)
    # Eight pages of OCR take many seconds here; the budget ends it after about 1.5 s.
    assert time.monotonic() - started < 6


def test_no_budget_unless_set_and_frames_are_capped(tmp_path):
    assert Limits.from_settings(Settings(home=tmp_path)).ocr_deadline is None
    path = tmp_path / "many.tif"
    frames = [Image.new("L", (20, 20), 255) for _ in range(5)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(IngestError, match="frames"):
        check_image_header(path, Limits.from_settings(Settings(home=tmp_path, max_image_frames=4)))
    assert check_image_header(path, Limits.from_settings(Settings(home=tmp_path, max_image_frames=5)))[2] == 5
