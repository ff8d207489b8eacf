"""Writes the demo's product sheet PDF (``python -m ingest.demo.make_pdf``); the output is committed.

A plain text PDF in Helvetica, one page per section list, so that citations name real page numbers.
No PDF library is needed: the file is small enough to lay out by hand.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tradeassist.ingest.demo import DOCUMENTS_FOLDER

TITLE = "Breakout Momentum Basket: Product Sheet"
PAGES: tuple[tuple[tuple[str, str], ...], ...] = (
    (
        ("Breakout Momentum Basket: Product Sheet",
         "Demo document shipped with tradeassist. A fictional product of the fictional Northwind "
         "Trading, written for the demo; not an offer and not investment advice."),
        ("What it is",
         "The Breakout Momentum Basket is a managed basket of US large-cap technology stocks chosen "
         "by the tradeassist signal engine. Each week it holds the names whose breakout score is "
         "strong, that is at or above 0.73 on a scale from 0 to 1."),
        ("Universe and selection",
         "The universe is the Information Technology and Communication Services stocks of the demo "
         "database, for example AAPL, MSFT, NVDA, AMD, AVGO, GOOGL and META. The basket holds at most "
         "10 names, equally weighted, and no single name may exceed 15 percent of the basket. A name "
         "leaves the basket when its breakout score falls below 0.5."),
        ("Rebalancing",
         "The basket is rebalanced every Monday at the open. Between rebalances, a name that falls "
         "8 percent below its entry price is sold at the next open."),
    ),
    (
        ("Fees and terms",
         "The management fee is 0.75 percent per year, charged monthly. There is no performance fee. "
         "The minimum investment is 250,000 US dollars, and investors may subscribe or redeem weekly "
         "with two business days of notice."),
        ("Risks",
         "Momentum strategies can lose quickly when market leadership changes (momentum crashes). "
         "The basket is concentrated in one sector and in at most 10 names, so it moves more than the "
         "broad market. Breakout scores come from a statistical model and rules; they are not "
         "forecasts, and a strong score does not promise a rise."),
        ("How performance is reported",
         "Backtests are walk-forward and net of 10 basis points of trading costs, and they are always "
         "shown beside buy-and-hold of the same universe. Past results do not predict future returns."),
    ),
)


def escape_text(text: str) -> str:
    """Text made safe inside a PDF string literal (backslashes and parentheses escaped)."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _page_stream(sections: tuple[tuple[str, str], ...], number: int, total: int) -> bytes:
    ops = ["BT", "14 TL", "72 740 Td"]
    for heading, body in sections:
        ops += ["/F2 13 Tf", f"({escape_text(heading)}) Tj T*", "/F1 11 Tf"]
        ops += [f"({escape_text(line)}) Tj T*" for line in textwrap.wrap(body, 88)]
        ops.append("T*")
    ops += ["/F1 9 Tf", f"(Page {number} of {total}) Tj", "ET"]
    return "\n".join(ops).encode("latin-1")


def product_sheet_pdf() -> bytes:
    """The product sheet as PDF bytes (deterministic: no dates or ids inside)."""
    n_pages = len(PAGES)
    page_ids = [5 + 2 * i for i in range(n_pages)]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {n_pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
    ]
    for index, sections in enumerate(PAGES):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font "
                       f"<< /F1 3 0 R /F2 4 0 R >> >> /Contents {page_ids[index] + 1} 0 R >>".encode())
        stream = _page_stream(sections, index + 1, n_pages)
        objects.append(stream_object(stream))
    return pdf_file(objects)


def stream_object(stream: bytes) -> bytes:
    """A PDF stream object's body: its length, then the content stream."""
    return b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"


def pdf_file(objects: list[bytes], header: bytes = b"%PDF-1.4\n") -> bytes:
    """A whole PDF from its numbered objects (object 1 the catalog), with a correct cross-reference table."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def main() -> None:
    """Write the product sheet next to the other demo documents."""
    target = Path(DOCUMENTS_FOLDER) / "product_sheet.pdf"
    target.write_bytes(product_sheet_pdf())
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
