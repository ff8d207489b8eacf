"""Whether the stored filings can cover what a question names: the company, and its periods.

Two cases say "not found" before any passage is quoted, because quoting the nearest passages
would read like an answer:

- the question names a company that no stored document names (no alias, not a word of any
  chunk or file name), as in "Tesla's FY2022 revenue" over filings of other companies;
- it names a stored company and a fiscal year that none of that company's filings reports
  (a 10-K for FY N shows FY N and N-1 balance sheets and N..N-2 income and cash-flow
  statements; a 10-Q or an earnings release shows its year and the one before), and none of the
  passages retrieved from that company's filings mentions the year (a five-year table, a
  schedule of payments due, guidance).

The reply names what the documents do hold ("they hold Microsoft's 10-K for FY2016 and FY2023").
Questions that name no company (statements of a committee, uploaded notes) are never refused here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from tradeassist.ingest.filing import FILE_NUMBER
from tradeassist.retrieval.filings import company_aliases, mentions_company, read_query
from tradeassist.retrieval.records import DocumentInfo, Hit
from tradeassist.retrieval.rerank import statement_kinds

#: Fiscal years before a filing's own that its statements report, by form.
YEARS_BACK = {"10-K": 2, "20-F": 2, "10-KT": 2, "10-Q": 1, "earnings release": 1}

#: A capitalised name in the position of a company: possessive ("Tesla's"), or after a
#: preposition or an auxiliary verb ("revenue for Tesla", "did Tesla Motors grow").
_NAME = r"([A-Z][A-Za-z&.\-]*[A-Za-z&](?:\s+[A-Z][A-Za-z&.\-]*[A-Za-z&]){0,2})"
_POSSESSIVE = re.compile(_NAME + r"['\u2019]s?(?=\W|$)")
_AFTER_WORD = re.compile(r"\b(?i:for|of|at|by|from|did|does|do|has|have|is|was|were|will)\s+" + _NAME + r"\b")
#: Capitalised words that name no company: periods, measures, statements, places in a filing.
_NOT_COMPANIES = frozenset(
    """
    fy q h fiscal year quarter january february march april may june july august september october
    november december monday tuesday wednesday thursday friday eps cogs ebit ebitda ebitdar gaap usd
    sg&a r&d capex opex pp&e ppne dpo dso roa roe roic cagr yoy ttm ltm var nav
    balance sheet income statement statements cash flow flows operations total net gross the a an
    committee board federal reserve fed fomc company inc corp corporation group sec form annual report
    consolidated note notes item part md&a management us u.s united states america american europe
    asia china latin north south east west international i we our my
    what who where when which how it that there here let
    """.split()
)


#: Words of a question about what a company's filings report: a fiscal period or a form.
_REPORTED = re.compile(r"\b(?:FY\s?'?\d{2,4}|fiscal|10-?K|10-?Q|8-?K|annual report|quarterly report|"
                       r"earnings release|guidance|EPS)\b", re.IGNORECASE)


def uncovered(question: str, documents: Sequence[DocumentInfo], *,
              names_word: Callable[[str], bool],
              company_hits: Callable[[list[str]], Sequence[Hit]]) -> str | None:
    """Why the stored documents cannot answer ``question`` (for the "not found" reply), or None.

    ``names_word(word)`` says whether any stored chunk holds a word; ``company_hits(keys)``
    returns the passages retrieved for the question from those documents.
    """
    companies = company_filings(documents)
    if not companies:
        return None  # no filings stored: nothing to say about companies or periods
    named = [group for group in companies if mentions_company(question, group.aliases)]
    if not named:
        unknown = unknown_company(question, companies, names_word)
        if unknown is None:
            return None
        names = _join(sorted(group.name for group in companies))
        return f"none of them is a filing of {unknown}; they hold filings of {names}"
    years, _quarter = read_query(question)
    if not years:
        return None
    for group in named:
        covered = set().union(*(years_reported(doc) for doc in group.filings))
        missing = [year for year in years if year not in covered]
        if not missing or not covered:
            continue
        hits = company_hits([doc.key for doc in group.filings])
        missing = [year for year in missing if not any(_mentions_year(hit.chunk.text, year) for hit in hits)]
        if missing:
            periods = " and ".join(f"FY{year}" for year in missing)
            return f"they hold {_holdings([group])}, none of which reports {periods}"
    return None


class CompanyFilings:
    """The stored filings of one company, with the names a question may call it by."""

    def __init__(self, aliases: set[str], filings: list[DocumentInfo]):
        self.aliases = aliases
        self.filings = filings

    @property
    def name(self) -> str:
        """The company's name as its filings print it, without the legal suffix."""
        names = [_short_name(str((doc.meta or {}).get("company") or "")) for doc in self.filings]
        # A cover's name ("Johnson & Johnson") reads better than a file name's ("Johnson Johnson").
        best = max(names, key=lambda name: ("&" in name or name != name.title(), -len(name)))
        return _short_name(best) or sorted(self.aliases)[0]


def company_filings(documents: Sequence[DocumentInfo]) -> list[CompanyFilings]:
    """Stored filings grouped by company (documents without company facts are left out)."""
    groups = []
    for aliases in company_aliases(documents).values():
        filings = [doc for doc in documents if _aliases(doc) & aliases]
        if filings:
            groups.append(CompanyFilings(aliases, filings))
    return groups


def years_reported(doc: DocumentInfo) -> set[int]:
    """Fiscal years whose figures a filing reports in its statements (empty when its year is unknown)."""
    meta = doc.meta if isinstance(doc.meta, dict) else {}
    year = meta.get("fiscal_year")
    if not isinstance(year, int):
        return set()
    back = YEARS_BACK.get(str(meta.get("form") or ""), 0)
    return set(range(year - back, year + 1))


def unknown_company(question: str, companies: Sequence[CompanyFilings], names_word: Callable[[str], bool]) -> str | None:
    """A name in a company's position that no stored filing belongs to, when no stored chunk holds
    it or the question asks for what a company's own filings report (a statement line, a fiscal
    period, a form): "Goldman Sachs" named as an underwriter in an exhibit has no filing here."""
    reported = bool(statement_kinds(question) or _REPORTED.search(question))
    for candidate in _candidate_names(question):
        words = [w for w in re.findall(r"[a-z0-9&]+", candidate.lower()) if w not in _NOT_COMPANIES]
        if not words or _names_statement_lines(candidate) or any(
                mentions_company(candidate, group.aliases) for group in companies):
            continue
        if reported or any(not names_word(word) for word in words):
            return candidate
    return None


def _names_statement_lines(candidate: str) -> bool:
    """Whether a capitalised candidate is only statement lines ("Current Assets", "Revenue"): a
    line written with capitals is a measure, not a company."""
    from tradeassist.retrieval.metrics import STATEMENT_LINES

    text = " " + " ".join(re.findall(r"[a-z0-9&]+", candidate.lower())) + " "
    names = sorted({name for line in STATEMENT_LINES for name in (*line.labels, *line.words)}, key=len, reverse=True)
    for name in names:
        text = text.replace(f" {name} ", " ")
    return not text.strip()


def _candidate_names(question: str) -> Iterable[str]:
    for pattern in (_POSSESSIVE, _AFTER_WORD):
        for match in pattern.finditer(question):
            name = match[1].strip()
            if any(char.isdigit() for char in name):
                continue
            # "Tesla's FY2022": keep the capitalised words that are not periods or measures.
            kept = [word for word in name.split() if word.lower().strip(".") not in _NOT_COMPANIES]
            if kept:
                yield " ".join(kept)


def _mentions_year(text: str, year: int) -> bool:
    return re.search(rf"(?<!\d){year}(?!\d)|\bFY\s?'?{year % 100:02d}\b", text, re.IGNORECASE) is not None


def _aliases(doc: DocumentInfo) -> set[str]:
    meta = doc.meta if isinstance(doc.meta, dict) else {}
    return {str(alias).lower() for alias in meta.get("aliases") or ()}


#: Before a company's name: a cover's file number (stores read before ingest dropped it), or "The".
_LEADING_NOISE = re.compile(rf"{FILE_NUMBER.pattern}|^the\s+", re.IGNORECASE)


def _short_name(name: str) -> str:
    name = _LEADING_NOISE.sub("", name)
    name = re.sub(r"[\s,]+(?:Inc|Incorporated|Corp|Corporation|Co|Company|plc|Ltd|Limited|LLC)\.?$", "",
                  " ".join(name.split()), flags=re.IGNORECASE)
    # A cover prints "MICROSOFT CORPORATION": words of four letters or more read as names.
    words = [word.capitalize() if word.isupper() and len(word) > 3 else word for word in name.split()]
    return " ".join(words).strip(" ,.&")


def _holdings(groups: Sequence[CompanyFilings]) -> str:
    """"Microsoft's 10-K for FY2016 and FY2023", one clause per company and form."""
    clauses = []
    for group in groups:
        by_form: dict[str, list[str]] = {}
        for doc in sorted(group.filings, key=_period_order):
            meta = doc.meta or {}
            by_form.setdefault(str(meta.get("form") or "filing"), []).append(_period_label(meta))
        forms = [f"{form} for {_join(dict.fromkeys(periods))}" if any(periods) else form
                 for form, periods in by_form.items()]
        owner = f"{group.name}'" if group.name.endswith("s") else f"{group.name}'s"
        clauses.append(f"{owner} {_join(forms)}")
    return _join(clauses, last="; and ", sep="; ") if len(clauses) > 1 else clauses[0]


def _period_order(doc: DocumentInfo) -> tuple:
    meta = doc.meta or {}
    return (str(meta.get("form") or ""), meta.get("fiscal_year") or 0, meta.get("fiscal_quarter") or 0)


def _period_label(meta: dict) -> str:
    year, quarter = meta.get("fiscal_year"), meta.get("fiscal_quarter")
    if not year:
        return ""
    if meta.get("form") == "8-K" and meta.get("period_end"):
        return str(meta["period_end"])
    return f"Q{quarter} FY{year}" if quarter else f"FY{year}"


def _join(items: Iterable[str], *, last: str = " and ", sep: str = ", ") -> str:
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return sep.join(items[:-1]) + last + items[-1]
