"""Re-ranking a filing's hits by the kind of page they come from and the period they show.

A question about a statement line ("total current assets", "capex") is answered by the
financial statement that prints it, yet the same words fill a table of contents ("Consolidated
Balance Sheets ... 54"), an index of exhibits, and MD&A paragraphs repeating the figure. Fused
search scores do not tell these apart; this module does, from the chunk's own text:

- for a question asking for a figure, tables are raised (a paragraph on the same topic rarely holds it);
- tables of contents and exhibit indexes are demoted (they name everything and answer nothing);
- for a question naming a statement or one of its lines, that statement's tables are raised;
- for a question naming fiscal years, tables whose column headings show the latest year named
  are raised and tables showing only other years are lowered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from tradeassist.retrieval.records import Hit

#: Score factors (chosen on the filings dev set; see docs/documents.md).
CONTENTS_FACTOR = 0.5
STATEMENT_FACTOR = 1.35
YEAR_SHOWN_FACTOR = 1.1
YEAR_MISSING_FACTOR = 0.85
SECTION_FACTOR = 1.2
BOILERPLATE_FACTOR = 0.6
#: For a question asking for a figure, table chunks' fused scores are raised by this factor.
TABLE_FACTOR = 1.25

_CONTENTS_WORDS = re.compile(
    r"\b(?:table of contents|index to (?:the )?(?:consolidated )?financial statements|index to exhibits|"
    r"exhibit index|exhibit (?:no\.|number)|incorporated (?:herein )?by reference)\b",
    re.IGNORECASE,
)
#: A line of a table of contents: words then a page number, nothing else ("Business Segment Results | 18").
_PAGE_REFERENCE = re.compile(r"^[^\d|]*[A-Za-z][^\d|]{4,}?(?:\s*\|\s*|\s+)(\d{1,3})$")
_ITEM = re.compile(r"\bItem\s+\d{1,2}[A-C]?\.", re.IGNORECASE)
_EXHIBIT = re.compile(r"\bexhibit\b|^\s*\d{1,3}\.\d{1,3}\*?\s", re.IGNORECASE | re.MULTILINE)

#: Passages every release or annual report carries whatever it reports: the company's standard
#: description, safe-harbor language, contacts, and the certifications, consents and powers of
#: attorney filed as exhibits.
_BOILERPLATE = re.compile(
    r"^(?:about [A-Z][\w&.,' -]{1,60}$|forward[- ]looking statements|cautionary (?:note|statement)|safe harbor|"
    r"view source version|investor (?:relations )?contacts?|media contacts?|conference call|webcast|"
    r"power of attorney|consent of independent|exhibit 3[12]\b|certifications?\b)"
    r"|\bI, [A-Z][\w.' -]{2,60}, certify that\b|\bpursuant to 18 U\.?S\.?C\.? Section 1350\b"
    r"|^In connection with the (?:annual|quarterly) report of .{3,80}? on Form 10-[KQ]\b",
    re.IGNORECASE | re.MULTILINE,
)
#: A list of subsidiaries (an exhibit): one legal entity after another.
_ENTITY = re.compile(r"\b(?:LLC|L\.L\.C\.|Ltd\.?|Limited|GmbH|S\.A\.?S?\.?|B\.V\.|N\.V\.|S\.[aà] r\.l\.|SARL|S\.R\.L\.|"
                     r"SRL|Lda\.?|sp\. ?z ?o\.o\.|d\.o\.o\.|AG|Pty|K\.K\.|Sdn\.? Bhd\.?|LP|L\.P\.|Inc\.|S\.p\.A\.)(?=\s|,|$)")
#: An exhibit index entry: "10.1 Five-Year Credit Agreement, dated as of ...".
_EXHIBIT_ENTRY = re.compile(r"(?:^|\s)\d{1,3}\.\d{1,3}(?:\.\d)?\*?\s+(?:[\w,'-]+\s+){0,8}?"
                            r"(?:Agreements?|Indentures?|Plans?|Certificates?|Articles|By-?Laws|Form of|Notes?|"
                            r"Guarantees?|Amendments?|Supplemental)\b")

#: The primary statements, by what their titles say.
STATEMENT_TITLES = {
    "balance": re.compile(r"\bbalance sheets?\b|\bstatements? of (?:consolidated )?financial (?:position|condition)\b",
                          re.IGNORECASE),
    # "Selected income statement data" heads a segment's table, not the statement itself.
    "income": re.compile(r"\bstatements? of (?:consolidated )?(?:income|earnings|operations)\b", re.IGNORECASE),
    "cash": re.compile(r"\bstatements? of (?:consolidated )?cash flows?\b", re.IGNORECASE),
}
#: Questions by segment or region are answered by segment tables, not the consolidated statements.
_BY_PART = re.compile(r"\b(?:segments?|regions?|geograph\w*|divisions?|business units?|lines? of business)\b",
                      re.IGNORECASE)
#: Words of a question that name a statement or one of its lines.
STATEMENT_LINES = {
    "balance": re.compile(
        r"\b(?:balance sheets?|financial position|current assets|current liabilities|total assets|"
        r"total liabilities|inventor(?:y|ies)|accounts payable|payables?|receivables?|working capital|"
        r"property,? plant|pp&e|ppne|quick ratio|current ratio|book value|(?:share|stock)holders'? equity)\b",
        re.IGNORECASE),
    "income": re.compile(
        r"\b(?:income statements?|statements? of (?:income|earnings|operations)|p&l|revenues?|net sales|cogs|"
        r"cost of (?:sales|revenues?|goods sold)|gross (?:margin|profit)|operating income|net income|"
        r"net earnings|eps|earnings per share|sg&a|interest expense|restructuring|ebit|ebitda)\b",
        re.IGNORECASE),
    "cash": re.compile(
        r"\b(?:cash flows? statements?|statements? of cash flows?|capex|capital expenditures?|"
        r"purchases of property|depreciation|d&a|ebitda|dividends paid|free cash flow|"
        r"cash (?:flows? )?from (?:operations|operating|investing|financing))\b",
        re.IGNORECASE),
}
#: What a statement's title says, searched to bring the statement itself among the candidates.
STATEMENT_QUERIES = {
    "balance": "consolidated balance sheets statement of financial position",
    "income": "consolidated statements of income operations earnings",
    "cash": "consolidated statements of cash flows",
}
_COLUMN_YEAR = re.compile(r"(?<![\d.,])((?:19|20)\d{2})(?=:|\s|$)")


def is_contents(text: str) -> bool:
    """Whether a chunk is a table of contents or an index of exhibits (pointers, not content)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    # "(continued) | 1" marks a table row carried over, not an entry pointing at page 1.
    entries = [line for line in lines if not line.lower().startswith("(continued)")]
    pages = [int(found[1]) for found in map(_PAGE_REFERENCE.match, entries) if found]
    references = len(pages)
    # A contents page's numbers ascend; a table with one figure per row does not.
    ascending = sum(b >= a for a, b in zip(pages, pages[1:])) >= 0.8 * (references - 1)
    amounts = re.search(r"\$|\bin (?:millions|thousands|billions)\b", text, re.IGNORECASE) is not None
    if references >= 4 and references >= 0.5 * len(lines) and ascending and not amounts:
        return True
    if len(_ITEM.findall(text)) >= 4 or len(_EXHIBIT_ENTRY.findall(text)) >= 3:
        return True
    named = _CONTENTS_WORDS.search(text) is not None
    return named and (references >= 2 or len(_EXHIBIT.findall(text)) >= 4)


def is_boilerplate(section: str, text: str) -> bool:
    """Whether a chunk is standard language a filing carries whatever it reports (see ``_BOILERPLATE``)."""
    # The chunk's own opening, not its section: a section title runs on over the chunks after it.
    if _BOILERPLATE.search(text[:400]) is not None:
        return True
    words = len(text.split())
    return words >= 20 and len(_ENTITY.findall(text)) >= max(5, words // 12)


def statement_kinds(question: str) -> set[str]:
    """The primary statements whose lines a question names ("capex": cash flows); none for a
    question by segment or region."""
    if _BY_PART.search(question):
        return set()
    return {kind for kind, words in STATEMENT_LINES.items() if words.search(question)}


def statement_of(hit: Hit) -> str | None:
    """Which primary statement a table chunk is, from its caption or section title, else None."""
    if "Table" not in hit.chunk.element_types:
        return None
    caption = f"{hit.chunk.section[:160]}\n{hit.chunk.text.split(chr(10), 1)[0][:200]}"
    for kind, title in STATEMENT_TITLES.items():
        if title.search(caption):
            return kind
    return None


def years_shown(text: str) -> set[int]:
    """Years a table's caption and column headings show ("2021: 19,815" holds 2021)."""
    head, _, rows = text.partition("\n")
    years = {int(y) for y in _COLUMN_YEAR.findall(head)}
    years |= {int(y) for y in re.findall(r"(?<![\d.,])((?:19|20)\d{2}):", rows)}
    return years


_SECTION_FILLER = frozenset("note notes item part continued unaudited consolidated condensed and of the in for to".split())


def section_named(question: str, section: str) -> bool:
    """Whether the question names every word of a chunk's short section title ("debt": "Note 7. Debt")."""
    words = [w for w in re.findall(r"[a-z][a-z&']+", section.lower()) if w not in _SECTION_FILLER]
    if not words or len(words) > 4:
        return False
    asked = re.findall(r"[a-z][a-z&']+", question.lower())
    return all(any(a.startswith(w[: max(4, len(w) - 2)]) for a in asked) for w in words)


def merge_hits(first: Sequence[Hit], more: Sequence[Hit]) -> list[Hit]:
    """Hits of two searches in one list: each chunk once, with the higher of its two scores."""
    best: dict[str, Hit] = {}
    for hit in [*first, *more]:
        if hit.chunk_id not in best or hit.score > best[hit.chunk_id].score:
            best[hit.chunk_id] = hit
    return sorted(best.values(), key=lambda hit: -hit.score)


def rerank(question: str, hits: Sequence[Hit], years: Sequence[int] = (), *, tables_first: bool = False) -> list[Hit]:
    """The hits with their scores scaled by page kind and period shown (tables raised first when
    ``tables_first``: the question asks for a figure), best first."""
    kinds = statement_kinds(question)
    latest = max(years) if years else None
    scaled = []
    for hit in hits:
        table = "Table" in hit.chunk.element_types
        score = hit.score * TABLE_FACTOR if tables_first and table else hit.score
        factor = 1.0
        if is_contents(hit.chunk.text):
            factor *= CONTENTS_FACTOR
        elif is_boilerplate(hit.chunk.section, hit.chunk.text):
            factor *= BOILERPLATE_FACTOR
        elif kinds and statement_of(hit) in kinds:
            factor *= STATEMENT_FACTOR
        if section_named(question, hit.chunk.section):
            factor *= SECTION_FACTOR
        if latest is not None and table:
            shown = years_shown(hit.chunk.text)
            if shown:
                factor *= YEAR_SHOWN_FACTOR if latest in shown else YEAR_MISSING_FACTOR
        scaled.append(replace(hit, score=score * factor) if factor != 1.0 or score != hit.score else hit)
    return sorted(scaled, key=lambda hit: -hit.score)
