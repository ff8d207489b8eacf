"""Builders for test documents, written into a test's tmp folder (nothing binary is committed)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


def font_path() -> str:
    """A TrueType font: Debian's DejaVuSans, else the copy bundled with matplotlib or Pillow's."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    try:
        import matplotlib

        return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    except ImportError:
        import pytest

        pytest.skip("no TrueType font available to render OCR test images")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(pages: list[list[str]]) -> bytes:
    """A small valid PDF with a real text layer (Helvetica), one list of lines per page."""
    objects: list[bytes] = []
    page_ids = [3 + 2 * i for i in range(len(pages))]
    font_id = 3 + 2 * len(pages)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for lines in pages:
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 740 Td"]
        for line in lines:
            ops.append(f"({_escape(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content_id = len(objects) + 2
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypted_pdf(user_password: str, lines: list[str]) -> bytes:
    """A text PDF encrypted with ``user_password`` (empty: encrypted but opens without one)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([lines]))))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def text_image(lines: list[str], *, size: int = 40):
    """A white PIL image with ``lines`` drawn in black DejaVuSans, like a clean scan."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path(), size)
    width = max(int(font.getlength(line)) for line in lines) + 160
    height = (size + 24) * len(lines) + 160
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((80, 80 + number * (size + 24)), line, font=font, fill=0)
    return image


def docx_bytes(title: str, paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A DOCX with a heading, paragraphs and an optional table (python-docx)."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pptx_bytes(title: str, body: str) -> bytes:
    """A one-slide PPTX with a title and a body (python-pptx)."""
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = title
    slide.placeholders[1].text = body
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(rows: list[list[object]], sheet: str = "Prices") -> bytes:
    """A one-sheet XLSX (openpyxl)."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb_docx(declared_bytes: int = 50 * 1024**3) -> bytes:
    """A DOCX-shaped zip whose central directory declares a huge ``word/document.xml``.

    The member really holds 1 MiB of zeros (ratio ~1000:1), and its declared size in the
    central directory is then patched to ``declared_bytes``: both caps must trip before inflating.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", b"\0" * (1024 * 1024))
    data = bytearray(buffer.getvalue())
    # Central directory header of word/document.xml: uncompressed size sits at offset 24 (4 bytes);
    # sizes above 4 GiB need ZIP64, so cap the patch at 0xFFFFFFFE (still ~4 GiB).
    marker = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, marker + 24, min(declared_bytes, 0xFFFFFFFE))
    return bytes(data)


def huge_png_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels, with one tiny IDAT (never decoded)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def xxe_html(sentinel: Path) -> str:
    """XHTML that tries to pull ``sentinel`` in through an external entity, plus a script."""
    return (f'<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{sentinel}">]>\n'
            '<html><head><title>Quarterly note</title><script>document.write("SCRIPTMARKER")</script></head>'
            "<body><h1>Quarterly note</h1><p>Revenue grew in the quarter &xxe; as expected.</p>"
            '<img src="http://127.0.0.1:9/track.png"/></body></html>')


def email_bytes(subject: str, body: str) -> bytes:
    """A plain RFC 5322 message."""
    return (f"From: analyst@example.com\r\nTo: desk@example.com\r\nSubject: {subject}\r\n"
            f"Date: Mon, 16 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()
