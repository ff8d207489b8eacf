"""English question -> parsed pieces: time periods, numbers, keywords and catalog mentions.

The parse is lexical and catalog-driven: time words and numeric comparisons are found by
patterns, then the remaining words are matched greedily (longest phrase first) against the
catalog's lexicon of table, column, metric and value phrases. What is left is either a known
function word (aggregates, grouping markers, superlatives) or an unknown word that lowers the
planner's confidence.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from tradeassist.core.errors import BadInputError
from tradeassist.sql.catalog.catalog import Catalog, Concept
from tradeassist.sql.timewords import _NUMBER_WORDS, GRAIN_WORDS, Period, combine, find_periods
from tradeassist.sql.catalog.values import STOPWORDS, ValueRef, normalize_word

AGGREGATE_WORDS = {
    "average": "avg", "avg": "avg", "mean": "avg", "typical": "avg",
    "total": "sum", "sum": "sum", "cumulative": "sum", "combined": "sum", "aggregate": "sum", "overall": "sum",
    "max": "max", "maximum": "max", "peak": "max", "highest": "max", "largest": "max", "biggest": "max",
    "greatest": "max", "min": "min", "minimum": "min", "lowest": "min", "smallest": "min",
    "count": "count", "tally": "count",
    "median": "median", "percentile": "quantile", "quantile": "quantile", "averaging": "avg", "averaged": "avg",
}
SUPERLATIVES = {
    "highest": "desc", "largest": "desc", "biggest": "desc", "greatest": "desc", "most": "desc",
    "top": "desc", "best": "desc", "max": "desc", "maximum": "desc", "heaviest": "desc", "busiest": "desc",
    "lowest": "asc", "smallest": "asc", "least": "asc", "fewest": "asc", "bottom": "asc", "worst": "asc",
    "min": "asc", "minimum": "asc", "quietest": "asc", "cheapest": "asc", "priciest": "desc", "deepest": "desc",
}
LATEST_WORDS = {"latest", "recent", "recently", "newest", "current", "last", "lastest", "now"}
FIRST_WORDS = {"first", "earliest", "oldest", "initial", "inception"}
PERCENT_WORDS = {"percentage", "percent", "pct", "proportion", "fraction", "share", "ratio", "rate"}
DISTINCT_WORDS = {"distinct", "unique", "different"}
GROUP_MARKERS = {"by", "per", "each", "every"}
LIST_WORDS = {"list", "show", "display", "give", "get", "find", "which", "what", "name", "enumerate"}
SERIES_WORDS = {"plot", "chart", "graph", "trend", "history", "series", "evolution", "timeline", "draw"}
OFTEN_WORDS = {"often", "frequently", "times", "frequent", "active"}
TIME_UNITS = {"day": "day", "date": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year",
              "hour": "hour", "weekday": "weekday"}
#: Parts of a timestamp asked for by name ("hour of the day", "day of the week"), written as one unit word.
_TIME_PARTS = re.compile(r"\b(?:(hour) of (?:the )?day|(day) of (?:the )?week)\b", re.IGNORECASE)
_WEEKDAYS = {"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6}
_ON_WEEKDAYS = re.compile(r"\b(?:on|for|during) ((?:(?:sun|mon|tues|wednes|thurs|fri|satur)days?)"
                          r"(?:(?:,| and| or|,? and| &) (?:(?:sun|mon|tues|wednes|thurs|fri|satur)days?))*)\b", re.IGNORECASE)
SINGLE_GRAINS = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter", "hourly": "hour",
                 "yearly": "year", "annual": "year", "annually": "year"}
#: Words that carry no meaning for the query once the rest is understood.
FILLER = STOPWORDS | frozenset("""
show list give tell get find display please me us want need know see like would could look
was were is are be been has have had do does did done happen happened happening occur occurred
executed execute made make available recorded record ever there data value values all total
amount day days period time ever overall whole entire including include using used around roughly
about approximately exactly currently the an a of across during since until per vs
compared versus versus ours we our my their customers clients today's trading
name names based via with without along whose whom level levels figure figures result results
paid pay pays spent spend charged earned got gotten get gets having held hold see seen saw take took
taken went go going come came generated produced recorded logged booked registered kind sort type
right far marked priced mark valued need needs $ dollars dollar single individual sitting instead
""".split())
#: "largest first", "biggest winner first": the order of the rows, not a limit.
_SORT_FIRST = re.compile(r"\b(?:(?:the )?(?:biggest|largest|highest|best|top|most) (?:winners?|gainers?|ones?)?\s*first"
                         r"|(?:the )?(?:smallest|lowest|worst|least|bottom) (?:losers?|ones?)?\s*first"
                         r"|(?:sorted|ranked|ordered) (?:by [a-z ]+?)?(?:descending|desc)|in descending order)\b")
_SPLIT_BY = re.compile(r"\b(?:split|broken down|break(?: it| that| this)? down|breakdown|broken out|grouped)"
                       r"(?: it| that| this| them)? (by|per)\b")
_MARKED_AT = re.compile(r"\b(?:(?:marked|priced|valued|marking|pricing|valuing)(?: to market)? )?(?:at|to|using|on) "
                        r"(?:the )?(?:last|latest|current|most recent|today's) (?:close|closes|closing price|closing prices|"
                        r"price|prices|mark|marks)\b", re.IGNORECASE)
_IN_UNITS = re.compile(r"\b(?:in|as|measured in|counted in) (coins|tokens|shares|units|contracts|lots)\b", re.IGNORECASE)
_PERCENTILE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? percentile\b")
WRITE_WORDS = {"delete", "drop", "insert", "update", "truncate", "alter", "create", "remove", "erase",
               "wipe", "modify", "replace", "grant", "revoke", "merge", "upsert", "rename", "purge"}

_COMPARE = re.compile(
    r"(?P<op>more than|greater than|larger than|bigger than|higher than|over|above|exceeding|exceeds|exceeded|exceed|"
    r"at least|no less than|under|below|less than|smaller than|lower than|fewer than|at most|no more than|"
    r">=|<=|>|<|=)\s*(?P<dollar>\$|usd\s*)?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>k|m|mm|mn|million|"
    r"b|bn|billion|thousand|thousands|millions)?\b(?P<dollars>\s*(?:usd|dollars?))?"
)
_OPS = {
    "more than": ">", "greater than": ">", "larger than": ">", "bigger than": ">", "higher than": ">",
    "over": ">", "above": ">", "exceeding": ">", "exceeds": ">", "exceeded": ">", "exceed": ">", "at least": ">=", "no less than": ">=",
    "under": "<", "below": "<", "less than": "<", "smaller than": "<", "lower than": "<", "fewer than": "<",
    "at most": "<=", "no more than": "<=", ">=": ">=", "<=": "<=", ">": ">", "<": "<", "=": "=",
}
_SCALES = {"k": 1e3, "thousand": 1e3, "thousands": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6,
           "millions": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9}
_NUM_WORD = "|".join(w for w in _NUMBER_WORDS if len(w) > 2)
_TOP_N = re.compile(
    rf"\b(?P<word>top|bottom|first|last|best|worst|largest|biggest|highest|lowest|smallest|which|most)\s+"
    rf"(?P<n>\d+|{_NUM_WORD})\b"
    rf"|\b(?P<n2>\d+|{_NUM_WORD})\s+(?P<word2>largest|biggest|highest|lowest|smallest|most|least|top|best|worst|"
    rf"greatest|heaviest)\b"
)
_SHOW_N = re.compile(r"\b(?:show|give|list|get|fetch|display|return|print)(?: me| us)?(?: the| a)?(?: first| last)? "
                     r"(?P<n>\d[\d,]*)\b(?! (?:days?|weeks?|months?|years?)\b)")
#: Characters of code, not of questions: quotes around values, statement separators, comments.
_SUSPICIOUS = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])|;|--|/\*|\*/|\|\||`|\$\(|[{}\\]|==?(?=\s*')")
_TOKEN = re.compile(r"\$?[A-Za-z0-9][A-Za-z0-9&]*(?:'[A-Za-z]+)?|\$|%")


@dataclass(frozen=True)
class Token:
    """One word of the question: lower-case form, normalised form, original spelling, position."""

    low: str
    norm: str
    original: str
    index: int


@dataclass
class Mention:
    """A phrase that names catalog things: tables, columns, metrics, verbs and/or data values."""

    start: int
    end: int  # exclusive token index
    text: str
    concepts: list[Concept] = field(default_factory=list)
    values: list[ValueRef] = field(default_factory=list)

    def kinds(self) -> set[str]:
        """The kinds of concepts this phrase names."""
        return {c.kind for c in self.concepts} | ({"value"} if self.values else set())


@dataclass(frozen=True)
class Comparison:
    """A numeric condition: op and number, the token it sits before, and whether it is money."""

    op: str
    number: float
    money: bool
    at_token: int  # index of the first token after the number


RETURN_WORDS = {"return", "returns", "performance", "performing", "performed", "perform", "performs", "performer", "performers", "gainer",
                "gainers", "loser", "losers", "gain", "gains", "mover", "movers"}
_HOW_DID = re.compile(r"\bhow (?:did|does|has|have|is|are|was) .{1,40}? (?:do|done|doing|perform|performed|performing)\b")
UNSUPPORTED_AGGREGATES = {"quartile", "variance", "mode", "skew", "kurtosis", "correlation", "beta", "sharpe"}
_N_DAY = re.compile(r"\b(\d+)[ -](?:day|session|trading day)s? (?:return|change|performance|gain)")


@dataclass
class Parsed:
    """Everything found in one question, in token order."""

    text: str
    tokens: list[Token]
    items: list[Token | Mention]
    period: Period | None
    comparisons: list[Comparison]
    grains: list[str]
    limit: int | None
    limit_word: str | None
    unknown: list[Token]
    writes: list[str]
    return_window: int | None = None
    performance: bool = False  # "how did Tesla do": a return over the period
    limit_token: int = -1  # index of the first token after a "top N" number (the ranked noun)
    #: Non-ASCII words and code-like characters nobody could link to the catalog.
    junk: list[str] = field(default_factory=list)
    #: "largest first": the requested order of the rows (desc | asc), without a limit.
    sort: str | None = None
    #: "95th percentile": the fraction for a quantile aggregate.
    fraction: float | None = None
    #: Every period named, in order (two of them are a comparison: "this month vs last month").
    periods: list[Period] = field(default_factory=list)
    #: "in coins": the unit an amount is wanted in.
    unit: str | None = None
    #: "on Mondays": weekdays (0 = Sunday) the rows must fall on.
    weekdays: list[int] = field(default_factory=list)

    def mentions(self) -> list[Mention]:
        """The catalog mentions, in order."""
        return [item for item in self.items if isinstance(item, Mention)]


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1]:]


def _number(text: str) -> float:
    return float(text.replace(",", "")) if text[0].isdigit() else float(_NUMBER_WORDS[text])


def parse_question(text: str, catalog: Catalog, today: dt.date) -> Parsed:
    """Split a question into periods, comparisons, limits, grains and catalog mentions.

    Raises BadInputError for a question the parser cannot read, so callers (route claims among
    them) handle it as they handle any bad input instead of failing on a bug's exception type.
    """
    try:
        return _parse(text, catalog, today)
    except (ValueError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        raise BadInputError(
            f"The question could not be read as a data question ({type(exc).__name__}: {exc}).") from exc


def _parse(text: str, catalog: Catalog, today: dt.date) -> Parsed:
    raw = unicodedata.normalize("NFKC", text)  # full-width letters, ligatures -> plain forms
    raw = raw.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    # Letters outside ASCII are no name in the catalog: kept aside as unexplained words.
    junk = re.findall(r"[^\x00-\x7f]+", raw)
    junk = [j for j in junk if any(unicodedata.category(ch).startswith(("L", "N", "S")) for ch in j)]
    raw = re.sub(r"[^\x00-\x7f]", " ", raw)
    raw = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", raw)
    suspicious = sorted(set(_SUSPICIOUS.findall(raw)))
    raw = re.sub(r"(?<=[A-Za-z])-(?=\w)|(?<=\w)-(?=[A-Za-z])", " ", raw)  # "high-low", "on-chain", not dates
    raw = re.sub(r"\s+-\s+", " minus ", raw)
    raw = re.sub(r"\s+/\s+", " divided by ", raw)
    # "all-time high", "record low": superlatives of the price column they name
    raw = re.sub(r"\b(?:all time|record|ever) (high|low)s?\b",
                 lambda m: ("highest " if m.group(1).lower() == "high" else "lowest ") + m.group(1), raw,
                 flags=re.IGNORECASE)
    raw = re.sub(r"\b[Pp]&[Ll]\b", "pnl", raw)  # "P&L": one word, as the definitions spell it
    # "marked at the latest close": how a value is priced, which the value metric itself says
    raw = _MARKED_AT.sub(lambda m: " " * len(m.group(0)), raw)
    # "hour of the day" -> "hour", "day of the week" -> "weekday", keeping every offset
    raw = _TIME_PARTS.sub(lambda m: ("hour" if m.group(1) else "weekday").ljust(len(m.group(0))), raw)
    weekdays: list[int] = []
    for m_day in _ON_WEEKDAYS.finditer(raw):  # "on Mondays": a condition on the weekday
        weekdays += [_WEEKDAYS[w.lower().rstrip("s")] for w in re.findall(r"[A-Za-z]+day", m_day.group(1))]
        raw = raw[: m_day.start()] + " " * len(m_day.group(0)) + raw[m_day.end():]
    # "in coins", "in shares": the unit the answer is wanted in (an amount, not a value)
    unit = None
    m_unit = _IN_UNITS.search(raw)
    if m_unit:
        unit = m_unit.group(1).lower()
        raw = raw[: m_unit.start()] + " " * len(m_unit.group(0)) + raw[m_unit.end():]
    # "in USD", "in dollars": the unit of a money figure, not a currency filter
    raw = re.sub(r"\bin (?:usd|us dollars|dollars|\$)(?=\W|$)", lambda m: " " * len(m.group(0)), raw,
                 flags=re.IGNORECASE)
    low = raw.lower()
    sort = None
    m_sort = _SORT_FIRST.search(low)
    if m_sort:
        sort = "asc" if re.search(r"smallest|lowest|worst|least|bottom", m_sort.group(0)) else "desc"
        low = _blank(low, m_sort.span())
    low = _SPLIT_BY.sub(lambda m: " " * (len(m.group(0)) - len(m.group(1))) + m.group(1), low)
    fraction = None
    m_pct = _PERCENTILE.search(low)
    if m_pct:
        fraction = int(m_pct.group(1)) / 100
        low = _blank(low, (m_pct.start(), m_pct.end() - len("percentile")))
    low = re.sub(r"\b(year|month|quarter) to date\b", lambda m: m.group(0).replace(" ", "-"), low)
    low = low.replace("year-to-date", "year to date").replace("month-to-date", "month to date")  # same length: offsets hold

    matches = find_periods(low, today)
    period = combine([m.period for m in matches])
    for m in matches:
        low = _blank(low, m.span)

    grains: list[str] = []
    for phrase in sorted((p for p in GRAIN_WORDS if " " in p), key=len, reverse=True):
        for m in re.finditer(rf"\b{phrase}\b", low):
            grains.append(GRAIN_WORDS[phrase])
            low = _blank(low, m.span())

    return_window = None
    m_window = _N_DAY.search(low)
    if m_window:
        return_window = int(m_window.group(1))
        low = _blank(low, m_window.span(1))
    limit = limit_word = None
    limit_end = 0
    for m in _SHOW_N.finditer(low):  # "give me 500 trades"
        limit, limit_word = int(m.group("n").replace(",", "")), "show"
        low = _blank(low, m.span("n"))
        break
    for m in _TOP_N.finditer(low):
        number = m.group("n") or m.group("n2")
        limit = int(_number(number))
        limit_word = m.group("word") or m.group("word2")
        span = m.span("n") if m.group("n") else m.span("n2")
        limit_end = m.end()
        low = _blank(low, span)
        break

    raw_comparisons = []
    for m in _COMPARE.finditer(low):
        value = float(m.group("num").replace(",", ""))
        if m.group("scale"):
            value *= _SCALES[m.group("scale")]
        money = bool(m.group("dollar") or m.group("dollars"))
        raw_comparisons.append((_OPS[m.group("op")], value, money, m.end()))
        low = _blank(low, (m.start(), m.end() - len(m.group("dollars") or "")))
        if m.group("dollars"):
            low = _blank(low, m.span("dollars"))

    # Words come from the blanked lower-case text; originals are read at the same offsets.
    tokens: list[Token] = []
    offsets: list[int] = []
    for m in _TOKEN.finditer(low):
        word = m.group(0)
        original = raw[m.start(): m.end()]
        if word == "%":
            word = original = "percent"
        tokens.append(Token(word, normalize_word(word.lstrip("$")), original, len(tokens)))
        offsets.append(m.start())
    comparisons = []
    for op, value, money, end in raw_comparisons:
        at = next((t.index for t, off in zip(tokens, offsets) if off >= end), len(tokens))
        comparisons.append(Comparison(op, value, money, at))

    items, unknown = _match(tokens, catalog)
    limit_token = next((t.index for t, off in zip(tokens, offsets) if off >= limit_end), -1) if limit_end else -1
    writes = _write_requests(tokens, catalog)
    return Parsed(text, tokens, items, period, comparisons, grains, limit, limit_word, unknown, writes,
                  return_window, bool(_HOW_DID.search(low)), limit_token, junk + suspicious,
                  sort=sort, fraction=fraction, periods=[m.period for m in matches], unit=unit,
                  weekdays=sorted(set(weekdays)))


_WRITE_OBJECTS = {"table", "tables", "from", "into", "database", "all", "every", "column", "columns", "row",
                  "rows", "records", "record", "them", "it", "everything", "schema", "index", "view", "data"}


def _write_requests(tokens: list[Token], catalog: Catalog) -> list[str]:
    """Write verbs used as commands ("delete all trades", "drop table orders"), not as nouns ("price drop")."""
    content = [t for t in tokens if t.low not in ("please", "now", "then", "just", "can", "you", "could", "kindly")]
    found = []
    for i, token in enumerate(content):
        if token.low not in WRITE_WORDS:
            continue
        nxt = content[i + 1] if i + 1 < len(content) else None
        names_table = nxt is not None and (nxt.low in _WRITE_OBJECTS or (nxt.norm,) in catalog.lexicon
                                           or nxt.low in ("the", "my", "our", "these", "those"))
        if i == 0 or names_table:
            found.append(token.low)
    return found


KNOWN_WORDS = (
    set(AGGREGATE_WORDS) | set(SUPERLATIVES) | LATEST_WORDS | FIRST_WORDS | PERCENT_WORDS | DISTINCT_WORDS
    | GROUP_MARKERS | LIST_WORDS | SERIES_WORDS | OFTEN_WORDS | set(TIME_UNITS) | set(SINGLE_GRAINS)
    | {"number", "many", "how", "minus", "plus", "times", "divided", "ever", "over", "trend", "only", "$",
       "change", "movement", "volatility", "volatile", "vol", "vols", "drawdown", "drawdowns", "std", "dev",
       "stddev", "standard", "deviation", "annualised", "annualized", "annual", "deepest", "move", "moved",
       "moves"} | RETURN_WORDS
)


def _match(tokens: list[Token], catalog: Catalog) -> tuple[list[Token | Mention], list[Token]]:
    items: list[Token | Mention] = []
    unknown: list[Token] = []
    i = 0
    longest = catalog.longest_phrase
    while i < len(tokens):
        found: Mention | None = None
        for n in range(min(longest, len(tokens) - i), 0, -1):
            span = tokens[i: i + n]
            key = tuple(t.norm for t in span)
            if all(w in STOPWORDS for w in key):
                continue
            if key[0] in STOPWORDS and n > 1 and key not in catalog.lexicon and not catalog.value_refs(key):
                continue
            concepts = list(catalog.lexicon.get(key, ()))
            values = list(catalog.value_refs(key))
            if n == 1:
                code = catalog.values.code(span[0].low, original=span[0].original, first=i == 0)
                if code is not None and code not in values:
                    values.insert(0, code)
                elif code is None and span[0].original.isupper() and len(span[0].original) <= 2:
                    # "IT", "A": capital short words are not values unless they are known codes
                    values = [v for v in values if v.via != "value"]
            if values and all(v.via == "name_word" for v in values) and not any(
                ch.isupper() for t in span for ch in t.original
            ):
                values = []  # one lower-case word of a longer name ("rate" of "Rates and Indices") is no name
            if concepts and values:
                values = _table_word_wins(span, concepts, values, catalog)
            if concepts or values:
                text = " ".join(t.original for t in span)
                found = Mention(i, i + n, text, concepts, _rank_values(values, bool(concepts)))
                break
        if found is not None and (found.concepts or found.values):
            items.append(found)
            i = found.end
            continue
        token = tokens[i]
        items.append(token)
        if token.norm not in FILLER and token.low not in KNOWN_WORDS and token.norm not in KNOWN_WORDS:
            unknown.append(token)  # numbers too: a number nothing explains is a misunderstanding
        i += 1
    return items, unknown


def _table_word_wins(span: list[Token], concepts: list[Concept], values: list[ValueRef], catalog: Catalog) -> list[ValueRef]:
    """"fills" names the trades table, "filled" a status: the exact spelling decides between a
    table's own word and a value's synonym that normalise alike."""
    word = " ".join(t.low for t in span)
    synonyms = catalog.definitions.value_synonyms
    for c in concepts:
        if c.kind == "table" and word in catalog.definitions.tables[c.table].synonyms:
            return [v for v in values if word in synonyms.get((v.table, v.column), {}).get(str(v.value), ())]
    return values


_VIA_RANK = {"code": 0, "value": 0, "synonym": 1, "name": 2, "name_word": 3}


def _rank_values(values: list[ValueRef], has_concepts: bool) -> list[ValueRef]:
    if not values:
        return values
    if has_concepts or any(v.via != "name_word" for v in values):
        values = [v for v in values if v.via != "name_word"]  # a guessed name word never wins
    return sorted(values, key=lambda v: _VIA_RANK.get(v.via, 5))
