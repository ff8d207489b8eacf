"""Which stored filings a question names: company, fiscal year or quarter, form.

"Nike's FY2023 gross margin" names a company (by name, initials or ticker, as stored with each
filing by ``tradeassist.ingest.filing``) and a period; the docs route searches those filings first and
widens to the company's other filings, then to everything, only when they hold nothing relevant.
Documents with no company facts (notes, statements, uploads) are never preferred nor excluded
by this: a question that names no stored company searches everything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tradeassist.retrieval.records import DocumentInfo

_YEAR = re.compile(r"(?<![\d.$,])(?:FY\s?'?|fiscal\s+(?:year\s+)?)?((?:19|20)\d{2})(?![\d,%])", re.IGNORECASE)
_SHORT_FY = re.compile(r"\bFY\s?'?(\d{2})\b", re.IGNORECASE)
#: "Q2", "Q2 2023", "Q2'2023", "Q22023", "FY2023Q1", "second (fiscal) quarter", and half years
#: ("H1", "first half": the six months a second-quarter report covers).
_QUARTER = re.compile(r"(?<![A-Za-z])Q([1-4])(?:'?\s?((?:19|20)\d{2}))?(?!\d)"
                      r"|\b(first|second|third|fourth)(?:[ -]fiscal)?[ -]quarter\b"
                      r"|(?<![A-Za-z])H([12])(?![\dA-Za-z])|\b(first|second) half\b",
                      re.IGNORECASE)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_HALVES = {"1": 2, "2": 4, "first": 2, "second": 4}
#: Words naming a kind of filing, and the form ``tradeassist.ingest.filing`` stores for it.
_FORMS = (
    (re.compile(r"\b10-?K\b|\bannual report\b", re.IGNORECASE), "10-K"),
    (re.compile(r"\b10-?Q\b|\bquarterly report\b", re.IGNORECASE), "10-Q"),
    (re.compile(r"\b8-?K\b", re.IGNORECASE), "8-K"),
    (re.compile(r"\b(?:earnings|press) release\b", re.IGNORECASE), "earnings release"),
)
_WORD = re.compile(r"[a-z0-9&]+")


@dataclass(frozen=True)
class FilingQuery:
    """What a question says about which filing: companies' aliases matched, years, a quarter."""

    companies: frozenset[str]
    years: tuple[int, ...]
    quarter: int | None


def read_query(question: str) -> tuple[tuple[int, ...], int | None]:
    """Years ("FY2019", "fiscal 2020", "FY21", "2023") and a quarter ("Q2", "second quarter", "H1")."""
    years = {int(m[1]) for m in _YEAR.finditer(question)}
    years |= {2000 + int(m[1]) for m in _SHORT_FY.finditer(question)}
    quarter = None
    for match in _QUARTER.finditer(question):
        if match[1]:
            quarter = int(match[1])
        elif match[3]:
            quarter = _ORDINALS[match[3].lower()]
        elif match[4] or match[5]:
            quarter = _HALVES[(match[4] or match[5]).lower()]
        if match[2]:
            years.add(int(match[2]))
    return tuple(sorted(years)), quarter


def company_aliases(documents: Sequence[DocumentInfo]) -> dict[str, set[str]]:
    """Aliases per company, pooled over every filing of that company.

    Filings group by the company of their file name's words when the cover's name differs
    (an earnings release says "PepsiCo" nowhere a parser finds it; its 10-K does).
    """
    groups: dict[str, set[str]] = {}
    for doc in documents:
        meta = doc.meta if isinstance(doc.meta, dict) else {}
        aliases = {str(a).lower() for a in meta.get("aliases") or ()}
        if aliases:
            # Pool by any shared alias, so "nike" from the cover and "nike" from the name meet.
            merged = next((key for key, known in groups.items() if known & aliases), None)
            groups.setdefault(merged or doc.key, set()).update(aliases)
    return groups


def mentions_company(question: str, aliases: set[str]) -> bool:
    """Whether the question names a company by one of its aliases (a word, or a phrase of them)."""
    words = _WORD.findall(question.lower().replace("'s", ""))
    text = " ".join(words)
    squashed = "".join(words)
    for alias in aliases:
        if " " in alias or "&" in alias:
            if f" {alias} " in f" {text} ":
                return True
        elif alias in words or (len(alias) >= 6 and alias in squashed):
            return True
    return False


def preferred_documents(question: str, documents: Sequence[DocumentInfo]) -> list[list[str]]:
    """Document keys to search first, narrowest first: the named period's filings, the company's.

    Empty when the question names no stored company.
    """
    groups = company_aliases(documents)
    named = [aliases for aliases in groups.values() if mentions_company(question, aliases)]
    if not named:
        return []
    mine = [doc for doc in documents if any(
        {str(a).lower() for a in (doc.meta or {}).get("aliases") or ()} & aliases for aliases in named)]
    years, quarter = read_query(question)
    form = _named_form(question)
    # "this 10-K", "the earnings release": that kind of filing first, when the company has one.
    of_form = [doc for doc in mine if form and (doc.meta or {}).get("form") == form]
    if of_form and len(of_form) < len(mine):
        return _unique([*preferred_tiers(of_form, years, quarter), [doc.key for doc in mine]])
    return _unique(preferred_tiers(mine, years, quarter))


def _named_form(question: str) -> str | None:
    for pattern, form in _FORMS:
        if pattern.search(question):
            return form
    return None


def _unique(tiers: list[list[str]]) -> list[list[str]]:
    unique: list[list[str]] = []
    for tier in tiers:
        if tier and tier not in unique:
            unique.append(tier)
    return unique


def preferred_tiers(mine: Sequence[DocumentInfo], years: tuple[int, ...], quarter: int | None) -> list[list[str]]:
    """Keys of ``mine`` to search first: the named quarter's, the named year's, then all."""
    tiers: list[list[str]] = []
    if years:
        # A filing reports its own year and the ones before: the latest year named is its year.
        latest = max(years)
        in_year = [doc for doc in mine if (doc.meta or {}).get("fiscal_year") == latest]
        if quarter is not None:
            in_quarter = [doc for doc in in_year if (doc.meta or {}).get("fiscal_quarter") == quarter]
            if in_quarter:
                tiers.append([doc.key for doc in in_quarter])
        # No quarter named: the year's annual report and its fourth-quarter release alike (a
        # release often states what the question asks more plainly than the 10-K).
        if in_year:
            tiers.append([doc.key for doc in in_year])
    tiers.append([doc.key for doc in mine])
    return tiers
