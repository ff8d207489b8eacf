"""What a filing is: company, form type and fiscal period, read from its cover page and file name.

SEC filings state all three on the cover ("FORM 10-K", "For the fiscal year ended May 31, 2019",
the registrant's exact name above "(Exact name of registrant as specified in its charter)", the
trading symbol beside its exchange); file names often repeat them (``NIKE_2019_10K.pdf``,
``PEPSICO_2023Q1_EARNINGS.pdf``). The cover wins where both speak; the file name fills gaps.
The facts are stored with the document and let search prefer the filings a question names.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import PurePath

#: How many characters of the first pages are read for the cover.
COVER_CHARS = 12_000

_FORM_COVER = re.compile(r"\bFORM\s+(10-K|10-Q|8-K|20-F|40-F|6-K|10-KT|S-1)\b", re.IGNORECASE)
_FORM_NAME = re.compile(r"(?:^|[_\-\s])(10-?K|10-?Q|8-?K|20-?F|EARNINGS|PRESS)(?:$|[_\-\s])", re.IGNORECASE)
_PERIOD = re.compile(r"(?:fiscal\s+year|quarterly\s+period|year|period|quarter)\s+ended\s*:?\s*"
                     r"([A-Z][a-z]+)\s+(\d{1,2})\s*,\s*((?:19|20)\d{2})", re.IGNORECASE)
_REPORT_DATE = re.compile(r"Date of Report[^)]*\)\s*:?\s*([A-Z][a-z]+)\s+(\d{1,2}),\s*((?:19|20)\d{2})",
                          re.IGNORECASE)
_NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[_\-\s]?Q([1-4]))?(?!\d)", re.IGNORECASE)
_REGISTRANT = re.compile(r"\n([^\n]{2,80})\n[^\n]*\(Exact name of (?:the )?registrant", re.IGNORECASE)
_TICKER = re.compile(r"\b([A-Z]{1,5})\b[ ,]*(?:The\s+)?(?:New York Stock Exchange|NYSE|Nasdaq|NASDAQ)")
_NOT_TICKERS = frozenset({"A", "B", "C", "I", "II", "LLC", "INC", "THE", "NYSE", "USD", "NONE", "N", "PAR"})
_MONTHS = {name.lower(): number for number, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)}
_FORM_NAMES = {"10K": "10-K", "10Q": "10-Q", "8K": "8-K", "20F": "20-F", "EARNINGS": "earnings release",
               "PRESS": "earnings release"}


def filing_facts(source: str, cover_text: str) -> dict:
    """Company, aliases, form, fiscal year and quarter, and period end of a filing (what is known)."""
    stem = PurePath(source).stem
    facts: dict = {}
    name_company = _company_from_name(stem)
    registrant = _REGISTRANT.search("\n" + cover_text[:COVER_CHARS])
    company = _clean_company(registrant[1]) if registrant else name_company
    if company:
        facts["company"] = company
    form = _FORM_COVER.search(cover_text[:COVER_CHARS])
    name_form = _FORM_NAME.search(stem)
    if name_form and name_form[1].upper().replace("-", "") in ("EARNINGS", "PRESS"):
        facts["form"] = "earnings release"
    elif form:
        facts["form"] = form[1].upper()
    elif name_form:
        facts["form"] = _FORM_NAMES.get(name_form[1].upper().replace("-", ""), name_form[1].upper())
    period = _PERIOD.search(cover_text[:COVER_CHARS]) or _REPORT_DATE.search(cover_text[:COVER_CHARS])
    if period and period[1].lower() in _MONTHS:
        try:
            facts["period_end"] = dt.date(int(period[3]), _MONTHS[period[1].lower()], int(period[2])).isoformat()
        except ValueError:
            pass
    year = _NAME_YEAR.search(stem)
    if year:
        facts["fiscal_year"] = int(year[1])
        if year[2]:
            facts["fiscal_quarter"] = int(year[2])
    elif "period_end" in facts:
        facts["fiscal_year"] = int(facts["period_end"][:4])
    tickers = sorted({t for t in _TICKER.findall(cover_text[:COVER_CHARS]) if t not in _NOT_TICKERS})
    facts["aliases"] = company_aliases(company or "", name_company or "", tickers)
    return facts


def _company_from_name(stem: str) -> str:
    """The words of a file name before its year: ``JOHNSON_JOHNSON_2023_8K`` -> "Johnson Johnson"."""
    match = _NAME_YEAR.search(stem)
    head = stem[: match.start()] if match else ""
    words = [w for w in re.split(r"[_\-\s]+", head) if w and not w.isdigit()]
    return " ".join(w.capitalize() if w.isupper() else w for w in words)


#: The commission file number some covers print before the registrant's name (and what precedes it).
FILE_NUMBER = re.compile(r"^.*?commission file (?:no\.?|number)\s*:?\s*[\d-]+\s*", re.IGNORECASE)


def _clean_company(line: str) -> str:
    # Some covers print the commission file number on the registrant's line.
    line = FILE_NUMBER.sub("", line)
    return " ".join(line.replace("\u2019", "'").split()).strip(" ,.")


_SUFFIXES = frozenset({"inc", "incorporated", "corp", "corporation", "company", "co", "the", "plc", "ltd",
                       "limited", "llc", "holdings", "group", "and", "communications", "resorts",
                       "international", "chase"})


def company_aliases(company: str, name_company: str, tickers: list[str]) -> list[str]:
    """Lower-case names a question may use: the name's main word, the full name, initials, tickers."""
    aliases: list[str] = []
    for name in (company, name_company):
        words = re.findall(r"[a-z0-9&]+", name.lower().replace("'s", ""))
        core = [w for w in words if w not in _SUFFIXES and w != "&"]
        if not core:
            continue
        aliases.append(" ".join(core))
        aliases.append(core[0])
        if "&" in words and len(core) >= 2:
            initials = [w[0] for w in core]
            aliases += ["&".join(initials), "n".join(initials)]  # J&J, JnJ
    aliases += [t.lower() for t in tickers]
    return sorted({a for a in aliases if len(a) >= 2})
