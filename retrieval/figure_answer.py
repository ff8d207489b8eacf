"""The lead of an answer that asks for a statement figure: looked up or computed, inputs shown.

"What is the FY2016 COGS?" leads with the row's value for that year; "What is the FY2021
inventory turnover?" with "Computed: inventory turnover FY2021 = cost of sales FY2021 9,842
(p.59) / average(inventories FY2021 ..., inventories FY2020 ...) = 3.46". A figure is computed
only when every input row is found, unambiguously, for the asked year, in one filing, in one
stated unit; otherwise the lead says which input is missing and quotes the rows it found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from tradeassist.retrieval.extractive import citation_label, defuse
from tradeassist.retrieval.filings import company_aliases, mentions_company, preferred_documents, read_query
from tradeassist.retrieval.metrics import (LINES, STATEMENT_LINES, Line, Metric, Term, defined_line, definition_formula, evaluate,
                               find_growth, find_metric, lookup_line, number_of_years, parse_formula, render, share_of,
                               stated_definition, substitute_line, terms_of, without_percent_scale, years_averaged)
from tradeassist.retrieval.records import DocumentInfo, Hit
from tradeassist.retrieval.text import keywords
from tradeassist.retrieval.statements import SCALES, StatementRow, rows_of

#: Rows holding these words show which statement a chunk belongs to.
STATEMENT_ANCHORS = {
    "balance": ("total current assets", "total assets", "total current liabilities", "total liabilities"),
    "income": ("net income", "operating income", "gross profit", "income before income taxes", "net earnings",
               "operating profit", "per share"),
    "cash": ("operating activities", "investing activities", "financing activities"),
}
#: Words of each statement's title, added to a label searched for.
STATEMENT_TITLES = {
    "balance": "consolidated balance sheets",
    "income": "consolidated statements of income earnings operations",
    "cash": "consolidated statements of cash flows",
}
#: Words of a statement's heading stating its unit ("(in millions, except per share data)").
UNIT_WORDS = "in millions thousands except per share data"
_DECIMALS = re.compile(r"\bround(?:ed)?(?: your answer| the answer| it)? to (?:the nearest )?(\w+) decimal",
                       re.IGNORECASE)
_UNIT_ASKED = re.compile(r"\b(?:usd|us\$|\$|dollars)?\s*(thousands|millions|billions)\b", re.IGNORECASE)
_WORD_NUMBERS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4}
_PERCENT_ASKED = re.compile(r"\bpercent(?:s|age)?\b|%", re.IGNORECASE)
#: Questions asking which, why or what drove a figure: the answer is not the figure itself.
#: ("When primarily referencing the balance sheet, what is ..." asks for a figure all the same.)
_NOT_A_FIGURE = re.compile(r"^\s*(?:which|who|why|where)\b|^\s*when (?:did|does|do|was|were|is|will|has|had)\b|"
                           r"\b(?:drove|drive|drivers?|reasons?|caused?)\b", re.IGNORECASE)
#: Adjusted (non-GAAP) figures are not lines of the statements: "Adjusted EBIT", "core EPS".
_ADJUSTED = re.compile(r"(?<![\w-])(?:adjusted|non-gaap|core)\b", re.IGNORECASE)
#: Periods shorter than a fiscal year: statement columns of quarterly reports and releases share
#: their years ("2023" heads both the three and the six months), so no column can be picked safely.
_SUB_ANNUAL = re.compile(
    r"\b(?:three|six|nine|3|6|9)[- ]months?\b|\b(?:12|13|16|24|28|36|40)[- ]weeks?\b|\bquarter(?:ly|s)?\b|"
    r"\b(?:first|second) half\b|\bhalf[- ]year\b|\bytd\b|\byear[- ]to[- ]date\b|\b[1-4]q\s?\d{2}\b|\bq[1-4]\b",
    re.IGNORECASE)
#: Forms whose statements' year columns are whole fiscal years.
ANNUAL_FORMS = ("10-K", "10-KT", "20-F", "40-F")
_NORMALISE = re.compile(r"[^a-z0-9]+")
_NOTE = re.compile(r"\((?:see )?notes? [^)]*\)|\(\d\)", re.IGNORECASE)


@dataclass(frozen=True)
class FigureRequest:
    """What a question asks for: a formula (one line for a lookup) at a fiscal year, and how to show it."""

    name: str
    formula: str
    year: int
    #: Years averaged ("3 year average"): the formula at year, year-1, ...
    years: int = 1
    percent: bool = False
    amount: bool = False
    lookup: bool = False
    decimals: int | None = None
    unit: str = ""  # "in millions" etc. as asked
    #: The formula to try when a line of ``formula`` has no row in the filing.
    fallback: str = ""
    #: A growth over years: a negative base year makes it meaningless.
    growth: bool = False


@dataclass
class FigureAnswer:
    """The lead text, the rows it rests on (evidence first), and whether a figure was computed."""

    lead: str
    rows: list[StatementRow] = field(default_factory=list)
    value: float | None = None
    #: Rows of other pages stating the same input values, cited after ``rows``.
    agreeing: list[StatementRow] = field(default_factory=list)
    #: Why nothing was computed, as ``Found.reason`` says it ("" when computed or for other reasons).
    reason: str = ""

    @property
    def computed(self) -> bool:
        """Whether the lead states a figure (looked up or computed)."""
        return self.value is not None


def read_request(question: str) -> FigureRequest | None:
    """The figure a question asks for, or None (no year, a quarter, or nothing this module knows)."""
    years, quarter = read_query(question)
    if (not years or quarter is not None or _NOT_A_FIGURE.search(question) or _ADJUSTED.search(question)
            or _SUB_ANNUAL.search(question)):
        return None
    year = max(years)
    decimals = _decimals(question)
    unit_match = _UNIT_ASKED.search(question)
    unit = f"in {unit_match[1].lower()}" if unit_match else ""
    averaged = years_averaged(question)
    growth = find_growth(question)
    metric = find_metric(question)
    definition = stated_definition(question)
    if growth and metric is None:
        if definition is not None:
            return None  # a growth of a line the question defines its own way: not the statement's line
        key, kind = growth
        span = max(years) - min(years) if len(years) > 1 else _growth_years(question)
        if span < 1:
            return None
        if kind == "cagr":
            formula = f"({key}[0] / {key}[-{span}]) ^ (1 / {span}) - 1"
            name = f"{span}-year {LINES[key].name} CAGR"
        else:
            formula = f"{key}[0] / {key}[-{span}] - 1"
            name = f"{LINES[key].name} growth"
        return FigureRequest(name, formula, year, percent=True, decimals=decimals, unit=unit, growth=True)
    if metric is not None or definition is not None:
        formula = _formula(metric, definition, year)
        if formula is None:
            return None
        name = metric.name if metric else definition.name
        percent = metric.percent if metric else bool(_PERCENT_ASKED.search(question))
        if definition is not None and (unscaled := without_percent_scale(formula)) is not None:
            # "... times 100": the definition states a percent; the lead shows it as one, once.
            formula, percent = unscaled, True
        amount = metric.amount if metric else False
        fallback = metric.fallback if metric is not None and formula == metric.formula else ""
        return FigureRequest(name, formula, year, years=averaged, percent=percent, amount=amount,
                             decimals=decimals, unit=unit, fallback=fallback)
    shares = share_of(question)
    if shares is not None:
        part, whole = shares
        return FigureRequest(f"{LINES[part].name} as % of {LINES[whole].name}", f"{part} / {whole}", year,
                             years=averaged, percent=True, decimals=decimals, unit=unit)
    line = lookup_line(question)
    if line is None or not re.search(r"\b(?:what|how much|amount|total|value)\b", question, re.IGNORECASE):
        return None
    return FigureRequest(line.name, f"{line.key}[0]", year, amount=True, lookup=True, decimals=decimals, unit=unit)


def _decimals(question: str) -> int | None:
    match = _DECIMALS.search(question)
    if not match:
        return None
    word = match[1].lower()
    return int(word) if word.isdigit() else _WORD_NUMBERS.get(word)


def _growth_years(question: str) -> int:
    match = re.search(r"\b(\d+|one|two|three|four|five)[- ]years?\b", question, re.IGNORECASE)
    return number_of_years(match[1]) if match else 1


def _formula(metric: Metric | None, definition, year: int) -> str | None:
    """The formula to compute: the question's own definition when it reads as one, else the metric's.

    A definition of a part ("Define EBITDA as ...", asked for the EBITDA margin; "Define operating
    income as ...", asked for the operating margin) replaces that part of the metric's formula. A
    definition of something else the formula does not hold computes nothing: the metric's own
    formula would ignore what the question says.
    """
    if definition is None:
        return metric.formula if metric else None
    stated = definition_formula(definition.body, year)
    if stated is None:
        # The question defines its own inputs and they are not statement lines this module reads
        # ("Adjusted EBIT as the numerator"): the standard formula would answer another question.
        return None
    # "using A as the numerator and B as the denominator" names nothing: it defines the metric asked.
    defined = find_metric(definition.name) if definition.name else metric
    if metric is None or defined is metric:
        return stated
    if defined is not None and defined.formula in metric.formula:
        return metric.formula.replace(defined.formula, f"({stated})")
    line = defined_line(definition.name)
    return substitute_line(metric.formula, line.key, stated) if line is not None else None


# --- finding the rows --------------------------------------------------------------------------


def normalise_label(label: str) -> str:
    """A row label for comparing with a line's labels: "Operating income/(loss)" -> "operating income loss"."""
    text = _NOTE.sub(" ", label.lower().replace("&", " and ").replace("\u2019", "'"))
    text = text.replace("'s", "s").replace("'", "")
    return " ".join(_NORMALISE.sub(" ", text).split())


def _anchors(row: StatementRow, statement: str, likeness: dict[tuple[str, str], int]) -> int:
    """How like the statement the row's chunk reads: the lines of that statement its rows are, less
    those of other statements (selected financial data mixes all three; a segment table holds few).
    ``likeness`` keeps each chunk's score for the rest of one answer (many rows share a chunk)."""
    key = (row.context, statement)
    if key not in likeness:
        likeness[key] = _statement_likeness(row.context, statement)
    return likeness[key]


def _statement_likeness(context: str, statement: str) -> int:
    """The lines of ``statement`` among a chunk's row labels less those of other statements."""
    same = other = 0
    for text in context.split("\n"):
        label = text.split(" | ", 1)[0] if " | " in text else ""
        if not label:
            continue
        kinds = {line.statement for line in STATEMENT_LINES if label_rank(line, label) is not None}
        same += statement in kinds
        other += bool(kinds - {statement})
    return same - other


@dataclass(frozen=True)
class Found:
    """The row chosen for a line and year, or why none could be chosen (and the rows seen)."""

    row: StatementRow | None
    why: str = ""
    seen: tuple[StatementRow, ...] = ()
    #: Other rows (other tables, other pages) stating the same value: more evidence to cite.
    agreeing: tuple[StatementRow, ...] = ()
    #: Why no row was chosen, for code to act on: ``NO_ROW`` (the line has no row at all) or "".
    reason: str = ""


#: ``Found.reason`` when the line has no row in the rows searched (a metric may try other lines).
NO_ROW = "no row"


def label_rank(line: Line, label: str) -> int | None:
    """The position of a row label among the line's labels ("Capital expenditures, net of ..." counts
    as "capital expenditures"), None when it is not one of them."""
    text = normalise_label(label)
    for rank, known in enumerate(line.labels):
        if text == known or text == f"{known} net" or text.startswith(f"{known} net of "):
            return rank
    return None


_PRIMARY_STATEMENT = re.compile(
    r"\b(?:statements? of (?:consolidated )?(?:income|earnings|operations|cash flows?|financial (?:position|condition)|"
    r"comprehensive income)|balance sheets?)\b", re.IGNORECASE)


def _statement_caption(row: StatementRow) -> bool:
    """Whether the row sits in a primary statement: its section or caption names one
    ("Consolidated Balance Sheets"), not the discussion of results nor a note."""
    caption = row.context.split("\n", 1)[0]
    return bool(_PRIMARY_STATEMENT.search(row.hit.chunk.section or "") or _PRIMARY_STATEMENT.search(caption))


def _below_current_assets(row: StatementRow) -> bool:
    """Whether the row comes after its table's "Total current assets" row (a non-current asset)."""
    for number, text in enumerate(row.context.split("\n")):
        if normalise_label(text.split(" | ", 1)[0]) == "total current assets":
            return 0 <= number < row.line_number
    return False


def find_row(line: Line, year: str, rows: Sequence[StatementRow], chosen: Sequence[StatementRow] = (),
             likeness: dict[tuple[str, str], int] | None = None) -> Found:
    """The one row giving ``line`` for ``year`` among ``rows``, else none and why.

    A row already chosen for the line (another year of it) first; then, among rows with one of the
    line's labels and a value for the year, those in chunks most like the line's statement, the
    line's best label, and the value most rows agree on. Two values with equal support: ambiguous.
    A current asset's row is never one below the table's total current assets.
    """
    likeness = {} if likeness is None else likeness
    for row in chosen:
        if year in row.values and label_rank(line, row.label) is not None:
            return Found(row)
    matches = [row for row in rows if label_rank(line, row.label) is not None
               and not (line.current_asset and _below_current_assets(row))]
    if not matches:
        return Found(None, f"no row for {line.name}", reason=NO_ROW)
    dated = [row for row in matches if year in row.values
             and (line.signed or line.magnitude or row.values[year] >= 0)]
    if not dated:
        return Found(None, f"no {year} column for {line.name}", tuple(matches[:2]))
    # The primary statement's rows, when the filing's statements are among them, settle it.
    candidates = [row for row in dated if _statement_caption(row)] or dated
    most = max(_anchors(row, line.statement, likeness) for row in candidates)
    anchored = [row for row in candidates if _anchors(row, line.statement, likeness) == most]
    best_label = min(label_rank(line, row.label) for row in anchored)
    labelled = [row for row in anchored if label_rank(line, row.label) == best_label]
    by_value: dict[float, list[StatementRow]] = {}
    for row in labelled:
        by_value.setdefault(row.values[year], []).append(row)
    ranked = sorted(by_value.items(), key=lambda item: -len(item[1]))
    if len(ranked) > 1 and len(ranked[0][1]) == len(ranked[1][1]):
        values = ", ".join(f"{value:,.0f}" for value, _ in ranked[:3])
        return Found(None, f"{line.name} {year} differs between tables ({values})",
                     tuple(group[0] for _, group in ranked[:3]))
    # Rows agreeing on the value: cite the statement itself (its caption says so), the latest page
    # (statements follow the selected data and the discussion in a 10-K).
    best = sorted(ranked[0][1], key=lambda row: (not _statement_caption(row), -(row.page or 0)))
    value = ranked[0][0]
    # Every other table stating the same value for the line (the statement itself, often) is evidence too.
    agreeing = sorted((row for row in dated if row is not best[0] and row.values[year] == value),
                      key=lambda row: (-_anchors(row, line.statement, likeness), not _statement_caption(row),
                                       -(row.page or 0)))
    return Found(best[0], agreeing=tuple(agreeing))


def gather_rows(lines: Sequence[Line], search: Callable[[str], Sequence[Hit]]) -> list[StatementRow]:
    """Statement rows of the chunks that ``search`` finds for each line's best labels."""
    hits: list[Hit] = []
    for line in lines:
        for label in line.labels:
            hits.extend(search(label))
            # The same label with the statement's title words finds the statement's own table
            # among the many passages of the discussion that name the line.
            hits.extend(search(f"{label} {STATEMENT_TITLES[line.statement]}"))
    # The statements' key lines find the other pieces of their pages (their captions hold the years),
    # and the statement's title with unit words its heading (which may alone state the unit).
    for statement in dict.fromkeys(line.statement for line in lines):
        for anchor in STATEMENT_ANCHORS[statement][:2]:
            hits.extend(search(anchor))
        hits.extend(search(f"{STATEMENT_TITLES[statement]} {UNIT_WORDS}"))
    return rows_of(hits)


# --- composing the lead ------------------------------------------------------------------------


def figure_answer(question: str, search: Callable[[str], Sequence[Hit]]) -> FigureAnswer | None:
    """The lead for a figure question, from the rows ``search`` finds (in the filing it names); None when
    the question asks for no statement figure."""
    request = read_request(question)
    return None if request is None else _request_answer(request, search)


def _request_answer(request: FigureRequest, search: Callable[[str], Sequence[Hit]]) -> FigureAnswer:
    """The lead for a request read from a question, its fallback formula tried when a line has no row."""
    search = _searching_once(search)
    answer = _answer(request, search)
    if not answer.computed and request.fallback and answer.reason == NO_ROW:
        retried = _answer(replace(request, formula=request.fallback, fallback=""), search)
        return retried if retried.computed else answer
    return answer


def _search_key(query: str) -> frozenset[str]:
    """The words keyword search matches for ``query``: its keywords as the index's Porter stemmer sees
    them where a plural is concerned ("total revenues" and "total revenue" are one search; a word
    ending in "ss" or "ies" is kept as it is, since the stemmer treats those otherwise)."""
    return frozenset(word[:-1] if word.endswith("s") and not word.endswith(("ss", "ies")) else word
                     for word in keywords(query))


def _searching_once(search: Callable[[str], Sequence[Hit]]) -> Callable[[str], Sequence[Hit]]:
    """``search`` answering each distinct query once per figure: the lines' labels share many
    queries ("net revenues", "net revenue"), as do the anchors, and a fallback formula repeats them."""
    answers: dict[frozenset[str], Sequence[Hit]] = {}

    def search_once(query: str) -> Sequence[Hit]:
        """The hits of ``query``, searched only when no query of the same words was."""
        key = _search_key(query)
        if key not in answers:
            answers[key] = search(query)
        return answers[key]

    return search_once


def _answer(request: FigureRequest, search: Callable[[str], Sequence[Hit]]) -> FigureAnswer:
    """The lead for one request: its formula's rows found, then the figure computed and shown.

    Every input of one figure comes from one filing: the figure is computed in each filing searched,
    and filings giving different figures (two companies, a restatement) give none.
    """
    tree = parse_formula(request.formula)
    terms = terms_of(tree)
    lines = [LINES[key] for key in dict.fromkeys(term.key for term in terms)]
    by_document: dict[str, list[StatementRow]] = {}
    for row in gather_rows(lines, search):
        by_document.setdefault(row.hit.document.key, []).append(row)
    answers = [_document_answer(request, tree, terms, rows) for rows in by_document.values()] or [
        _document_answer(request, tree, terms, [])]
    computed = [answer for answer in answers if answer.computed]
    if not computed:
        # The filing that supplied the most inputs says best what is missing.
        return max(answers, key=lambda answer: len(answer.rows))
    figures = {round(answer.value, 9) for answer in computed}
    if len(figures) == 1:
        return computed[0]
    sources = ", ".join(dict.fromkeys(answer.rows[0].source for answer in computed))
    return FigureAnswer(f"Not computed: {request.name} {_fy(request.year)} differs between the filings searched "
                        f"({sources}); one figure takes every input from one filing.",
                        [row for answer in computed for row in answer.rows])


def _document_answer(request: FigureRequest, tree, terms: Sequence[Term],
                     rows: Sequence[StatementRow]) -> FigureAnswer:
    """The lead for one request from one filing's rows."""
    years = [request.year - back for back in range(request.years)]
    chosen: dict[tuple[str, int], StatementRow] = {}
    agreeing: list[StatementRow] = []
    absent: set[str] = set()
    likeness: dict[tuple[str, str], int] = {}
    for at in years:
        for term in terms:
            year = str(at + term.offset)
            same_line = [row for (key, _), row in chosen.items() if key == term.key]
            found = find_row(LINES[term.key], year, rows, same_line, likeness)
            if found.row is None and term.optional and not found.seen:
                absent.add(term.key)  # the filing has no such row at all: it counts 0
                continue
            if found.row is None:
                return _not_computed(request, found, [*chosen.values()])
            chosen[(term.key, at + term.offset)] = found.row
            agreeing.extend(found.agreeing)
    evidence = list(dict.fromkeys(chosen.values()))
    if evidence and _year_columns_uncertain(evidence):
        return FigureAnswer(f"Not computed: {request.name} {_fy(request.year)} \u2014 the filing's columns are "
                            "headed by the calendar year its fiscal year ends in (January or February), which "
                            "may be one more than the fiscal year's name.", evidence)
    unit = _common_unit(evidence)
    if unit is None:
        units = ", ".join(sorted({_unit_said(row) for row in evidence}))
        return FigureAnswer(f"Not computed: the rows for {request.name} are in different units ({units}).",
                            evidence)

    def value(term: Term, at: int) -> float:
        """The input's value: the chosen row's cell for the term's year (0 for an absent optional line)."""
        if term.key in absent:
            return 0.0
        amount = chosen[(term.key, at + term.offset)].values[str(at + term.offset)]
        return abs(amount) if LINES[term.key].magnitude else amount

    if request.growth and any(value(term, at) < 0 for at in years for term in terms if term.offset < 0):
        return FigureAnswer(f"Not computed: {request.name} {_fy(request.year)} is not meaningful: negative base.",
                            evidence)
    results = []
    try:
        for at in years:
            results.append(evaluate(tree, lambda term, at=at: value(term, at)))
    except ZeroDivisionError:
        return FigureAnswer(f"Not computed: {request.name} {_fy(request.year)} divides by zero.", evidence)
    except ValueError:  # a root of a negative ratio: a CAGR from or to a negative year
        return FigureAnswer(f"Not computed: {request.name} {_fy(request.year)} is not meaningful: negative base.",
                            evidence)
    figure = sum(results) / len(results)
    places = max(_cell_decimals(row, year) for (_, year), row in chosen.items()) if chosen else 0
    inferred = any(row.unit_inferred for row in evidence)
    shown = _show_value(figure, request, unit, places, inferred)
    labels = " ".join(dict.fromkeys(citation_label(row.hit) for row in evidence))
    if request.lookup:
        row = evidence[0]
        lead = f"{display_label(row)} {_fy(request.year)} ({row.source}): {shown} {labels}"
        return FigureAnswer(lead, evidence, figure, agreeing)
    steps = []
    for at, result in zip(years, results):
        text = render(tree, lambda term, at=at: _show_term(term, at, chosen, value))
        steps.append(f"{request.name} {_fy(at)} = {text} = {_show_value(result, request, unit, places, inferred)}")
    if len(years) > 1:
        lead = ("Computed: " + "; ".join(steps) + f". {len(years)}-year average {request.name} "
                f"{_fy(years[-1])}\u2013{_fy(years[0])} = {shown} {labels}")
    else:
        lead = "Computed: " + steps[0].rsplit(" = ", 1)[0] + f" = {shown} {labels}"
    return FigureAnswer(lead, evidence, figure, agreeing)


_EARLY_YEAR_END = re.compile(r"\b(?:january|february|jan|feb)\.?\s+\d{1,2},?\s+(?:19|20)\d{2}\b")


def _year_columns_uncertain(rows: Sequence[StatementRow]) -> bool:
    """Whether the filing's year columns may be one year off the fiscal years questions name.

    A 52/53-week year ending around 3 February 2024 is "fiscal 2023" to many retailers, yet its column
    says 2024. Such columns are read only when the filing's own fiscal year (its metadata) is the
    newest column's year, so that "FY2024" and the column "2024" mean the same year.
    """
    meta = rows[0].hit.document.meta or {}
    try:
        fiscal_year = int(meta.get("fiscal_year"))
    except (TypeError, ValueError):
        fiscal_year = None
    newest = max(int(year) for row in rows for year in row.values)
    if fiscal_year is not None and newest == fiscal_year + 1:
        return True
    early = any(_EARLY_YEAR_END.search(row.context.split("\n", 1)[0]) or
                _EARLY_YEAR_END.search((row.hit.chunk.section or "").lower()) for row in rows)
    return early and fiscal_year != newest


def _cell_decimals(row: StatementRow, year: int) -> int:
    """The decimals the row's cell for ``year`` prints ("3,226.8" -> 1)."""
    match = re.search(r"\.(\d+)", row.cells.get(str(year), ""))
    return len(match[1]) if match else 0


def _common_unit(rows: Sequence[StatementRow]) -> str | None:
    """The unit all rows share ("" when none states one); None when they differ, a stated unit and
    one not stated (or only inferred from the filing's other pages) counting as different."""
    kinds = {(row.unit, row.unit_inferred) for row in rows}
    if len(kinds) > 1:
        return None
    return kinds.pop()[0] if kinds else ""


def _unit_said(row: StatementRow) -> str:
    """A row's unit as a lead names it: "in millions", "in millions, inferred", "unit not stated"."""
    if not row.unit:
        return "unit not stated"
    return f"{row.unit}, inferred" if row.unit_inferred else row.unit


def _fy(year: int) -> str:
    return f"FY{year}"


def _show_term(term: Term, at: int, chosen, value) -> str:
    year = at + term.offset
    row = chosen.get((term.key, year))
    page = f", p.{row.page}" if row and row.page else ""
    amount = value(term, at)
    if row is None:
        return f"{LINES[term.key].name} {_fy(year)} 0 (no such row in the filing)"
    return f"{display_label(row)} {_fy(year)} {_number(amount, _cell_decimals(row, year))} ({row.source}{page})"


def display_label(row: StatementRow) -> str:
    """A row's label without the signs some tables put before it ("+ Depreciation and amortization")."""
    return row.label.lstrip("+-\u2013\u2212=* ").strip() or row.label


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _show_value(value: float, request: FigureRequest, unit: str, places: int = 0, inferred: bool = False) -> str:
    """The figure as asked: a percent, a ratio, or an amount converted to the unit asked for.

    An amount keeps the decimals its input cells print (``places``: "24.6" billion is not "25"), and
    says so when its unit was ``inferred`` from the filing's other pages.
    """
    if request.percent:
        decimals = 1 if request.decimals is None else request.decimals
        return f"{_number(value * 100, decimals)}%"
    if not request.amount:
        if request.decimals is not None:
            return _number(value, request.decimals)
        # No rounding asked: two decimals, and the value before rounding for whoever needs more.
        return f"{_number(value, 2)} ({value:.6f} before rounding)"
    if request.unit and unit and request.unit != unit:
        converted = value * SCALES[unit] / SCALES[request.unit]
        decimals = max(2, places) if request.decimals is None else request.decimals
        shown = (f"{_number(value, places)} {_unit_word(unit)} = {_number(converted, decimals)} "
                 f"{_unit_word(request.unit)}")
        return shown + (" (unit inferred from the filing's other tables)" if inferred else "")
    decimals = places if request.decimals is None else request.decimals
    stated = _unit_word(unit) if unit else "unit as stated in the table"
    if inferred:
        stated += ", inferred from the filing's other tables"
    return f"{_number(value, decimals)} ({stated})"


def _unit_word(unit: str) -> str:
    """ "in millions" -> "million" (as in "4,625 million")."""
    return unit.removeprefix("in ").rstrip("s")


def _not_computed(request: FigureRequest, found: Found, chosen: Sequence[StatementRow]) -> FigureAnswer:
    """The lead when an input is missing: what was found and what was not."""
    what = "No figure given" if request.lookup else "Not computed"
    lead = f"{what}: {request.name} {_fy(request.year)} \u2014 {found.why} in the filing searched."
    return FigureAnswer(lead, [*chosen, *found.seen], reason=found.reason)


def row_line(row: StatementRow) -> str:
    """A row as quoted under the lead: its label and cells, with the table's unit."""
    cells = " | ".join(f"{year}: {cell}" for year, cell in row.cells.items())
    unit = f" ({row.unit})" if row.unit else ""
    return f"{row.label} | {cells}{unit}"


# --- the answer's parts --------------------------------------------------------------------------

#: Rows of other pages that state the same inputs, cited after the inputs' own rows.
MAX_AGREEING_CITATIONS = 2
#: Chunks read per label searched in the filing.
HITS_PER_SEARCH = 8


def filing_figure(question: str, index, user: str, relevant: Sequence[Hit],
                  documents: Sequence[DocumentInfo]) -> FigureAnswer | None:
    """The figure lead for ``question`` from the filing it names (else the filing of the best hit)
    among ``documents`` (those ``user`` sees, listed once per question by the caller); None when the
    question asks for no statement figure or no filing is in view."""
    request = read_request(question)
    if request is None:
        return None
    # Two companies named: a figure of each is two figures, and one computed from both is wrong.
    if sum(mentions_company(question, aliases) for aliases in company_aliases(documents).values()) > 1:
        return None
    tiers = preferred_documents(question, documents)
    # The filing the question names, else the filing of the best passage (a note or a statement
    # of a committee has no financial statements to read).
    is_filing = bool(relevant) and bool((relevant[0].document.meta or {}).get("fiscal_year"))
    keys = tiers[0] if tiers else ([relevant[0].document.key] if is_filing else [])
    # Only annual reports: a quarterly report's or a release's "2023" column may be a quarter.
    forms = {doc.key: str((doc.meta or {}).get("form") or "") for doc in documents}
    keys = [key for key in keys if forms.get(key, "").upper() in ANNUAL_FORMS]
    if not keys:
        return None

    def search(query: str) -> list[Hit]:
        """Keyword search of the chosen filings."""
        return index.search(query, user=user, k=HITS_PER_SEARCH, mode="keyword", documents=keys)

    return _request_answer(request, search)


def figure_markdown(figure: FigureAnswer) -> str:
    """The lead, then the rows it rests on quoted with their citations (so each input can be checked)."""
    quoted = [f"> {defuse(row_line(row))} {defuse(citation_label(row.hit))}" for row in dict.fromkeys(figure.rows)]
    return defuse(figure.lead) + ("\n\n" + "\n>\n".join(quoted) if quoted else "")


def evidence_rows(figure: FigureAnswer) -> list[StatementRow]:
    """The rows to cite first: the inputs' rows, then a few other pages stating the same values."""
    rows = list(dict.fromkeys(figure.rows))
    pages = {(row.source, row.page) for row in rows}
    for row in figure.agreeing:
        if len(rows) >= len(figure.rows) + MAX_AGREEING_CITATIONS:
            break
        if (row.source, row.page) not in pages:
            pages.add((row.source, row.page))
            rows.append(row)
    return rows


def writer_evidence(figure: FigureAnswer, hits: Sequence[Hit]) -> list[Hit]:
    """The hits for a grounded writer: the input rows' chunks first, the first one opening with the
    computed lead and each with its input rows on top, then the other hits."""
    first: list[Hit] = []
    for row in dict.fromkeys(figure.rows):
        if any(hit.chunk_id == row.hit.chunk_id for hit in first):
            continue
        lines = [row_line(other) for other in figure.rows if other.hit.chunk_id == row.hit.chunk_id]
        if not first:
            lines.insert(0, figure.lead)
        first.append(replace(row.hit, chunk=replace(row.hit.chunk, text="\n".join([*lines, row.hit.chunk.text]))))
    used = {hit.chunk_id for hit in first}
    return first + [hit for hit in hits if hit.chunk_id not in used]


def figure_citations(figure: FigureAnswer, others: Sequence) -> list:
    """Citations of the evidence rows first (their pages are the evidence), then ``others`` not
    already citing the same page."""
    from tradeassist.core.answer import Citation

    first: list = []
    seen: set[tuple[str, int | None]] = set()
    for row in evidence_rows(figure):
        if (row.source, row.page) not in seen:  # one citation per page: the first row on it is the snippet
            seen.add((row.source, row.page))
            first.append(Citation(row.source, row.page, defuse(row_line(row)), 1.0))
    return first + [citation for citation in others if (citation.source, citation.page) not in seen]
