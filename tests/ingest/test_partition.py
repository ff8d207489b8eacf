"""Each supported type parses into chunks with page, section, element types, and tables as HTML."""

from __future__ import annotations

from ingest_corpus import docx_bytes, email_bytes, pptx_bytes, text_pdf, xlsx_bytes

from tradeassist.ingest.layout import join_wrapped


def test_text_pdf_keeps_pages_and_titles(parse):
    pages = [
        ["QUARTERLY RESULTS", "", "Net sales increased 12 percent to 3.2 billion dollars in the fourth",
         "quarter, driven by strong demand across all regions and channels."],
        ["OUTLOOK", "", "The company expects comparable sales growth of 4 to 5 percent next year."],
    ]
    result = parse("filing.pdf", text_pdf(pages))
    assert result.ok, result.reason
    assert (result.kind, result.pages) == ("pdf", 2)
    by_page = {chunk.page: chunk for chunk in result.chunks}
    assert set(by_page) == {1, 2}
    assert "Net sales increased 12 percent" in by_page[1].text
    # The wrapped line was joined back into one paragraph.
    assert "fourth quarter, driven" in by_page[1].text
    assert by_page[2].section == "OUTLOOK"
    assert "Title" in by_page[2].element_types


def test_docx_table_stays_a_table_with_html(parse):
    data = docx_bytes("Dividend policy", ["The board raised the quarterly dividend by 5 percent."],
                      table=[["Quarter", "Dividend"], ["Q1", "0.24"], ["Q2", "0.25"]])
    result = parse("policy.docx", data)
    assert result.ok, result.reason
    tables = [c for c in result.chunks if "Table" in c.element_types]
    assert len(tables) == 1
    assert tables[0].html and "<table" in tables[0].html and "0.25" in tables[0].html
    assert "Q2" in tables[0].text
    prose = [c for c in result.chunks if "raised the quarterly dividend" in c.text]
    assert prose and prose[0].section == "Dividend policy"


def test_pptx_xlsx_markdown_email_and_text(parse):
    deck = parse("deck.pptx", pptx_bytes("Guidance update", "Margins expand in the second half."))
    assert deck.ok and "Margins expand" in " ".join(c.text for c in deck.chunks)
    sheet = parse("prices.xlsx", xlsx_bytes([["symbol", "close"], ["AAPL", 189.5], ["MSFT", 411.2]]))
    assert sheet.ok, sheet.reason
    table = sheet.chunks[0]
    assert "Table" in table.element_types and "MSFT" in table.text and "<table" in (table.html or "")
    md = parse("notes.md", b"# Rates view\n\nWe expect two cuts.\n\n<script>alert('x')</script>\n")
    assert md.ok and md.chunks[0].section == "Rates view"
    assert "alert" not in " ".join(c.text for c in md.chunks)
    mail = parse("desk.eml", email_bytes("Rates", "The desk expects the Committee to hold rates steady."))
    assert mail.ok, mail.reason
    assert "hold rates steady" in " ".join(c.text for c in mail.chunks)
    text = parse("memo.txt", "Caf\u00e9 notes: inflation eased.\n\nSecond paragraph.".encode("utf-8"))
    assert text.ok and text.chunks[0].page == 1 and "Caf\u00e9" in text.chunks[0].text


def test_long_text_is_capped_by_size():
    from tradeassist.ingest.chunking import ChunkingOptions, chunk_elements
    from tradeassist.ingest.partition import elements_from_text

    body = "\n\n".join(f"Paragraph {i} says the Committee will act as appropriate to sustain the expansion."
                       for i in range(120))
    chunks = chunk_elements(elements_from_text("Policy statement\n\n" + body, 3))
    cap = ChunkingOptions().max_characters
    assert len(chunks) > 5
    assert all(len(c.text) <= cap for c in chunks)
    assert all(c.page == 3 for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_wrapped_lines_join_but_headings_stay():
    text = ("Results\n"
            "Revenue rose sharply in the quarter as volumes improved across\n"
            "every region and pricing held.\n"
            "Outlook\n")
    paragraphs = join_wrapped(text.split("\n"))
    assert paragraphs[0] == "Results"
    assert paragraphs[1].startswith("Revenue rose") and paragraphs[1].endswith("pricing held.")
    assert paragraphs[2] == "Outlook"
