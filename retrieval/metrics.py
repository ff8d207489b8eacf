"""Standard financial statement lines and metrics: names, synonyms, and formulas as expressions.

A line (``STATEMENT_LINES``) is what a statement row is called in filings, most specific label
first ("total revenues" before "net sales", so Walmart's total is preferred to its sales line).
A metric (``METRICS``) is a formula over lines in a small expression language: line keys,
``key[-1]`` for the year before the asked one, numbers, + - * / ^ and parentheses, ``avg(...)``, and
``opt(key)`` for a line a statement may lack (counted as 0, and said so).
A definition the question states ("Define X as total current assets less total current
liabilities", "(FY2019 COGS) / (average inventory between FY2018 and FY2019)") is translated
into the same language and preferred to the fixed formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """A statement line: its key, the labels filings give it (best first), which statement holds it."""

    key: str
    name: str
    labels: tuple[str, ...]
    statement: str  # "balance", "income" or "cash"
    #: Cash-flow outflows (capex) are printed in parentheses; formulas use their size.
    magnitude: bool = False
    #: Whether a negative value can be right (a loss); a negative inventory is a cash-flow change.
    signed: bool = False
    #: Words a question uses for it, besides the labels.
    words: tuple[str, ...] = ()
    #: A current asset: a row of the same label below "Total current assets" (non-current
    #: marketable securities, long-term receivables) is another line.
    current_asset: bool = False


STATEMENT_LINES: tuple[Line, ...] = (
    Line("revenue", "revenue", ("total revenues", "total revenue", "total net revenues", "total net revenue",
                                "total net sales", "net revenues", "net revenue", "revenues", "revenue",
                                "net sales", "sales", "net sales and revenues", "total net sales and revenue",
                                "total operating revenues", "operating revenues"),
         "income", words=("revenues", "revenue", "net sales", "sales", "topline", "top line")),
    Line("cogs", "cost of sales", ("total cost of revenue", "total cost of revenues", "total cost of sales",
                                   "cost of sales", "cost of revenue", "cost of revenues", "cost of goods sold",
                                   "cost of products sold", "cost of goods and services sold",
                                   "total cost of goods sold"),
         "income", words=("cogs", "cost of sales", "cost of revenue", "cost of revenues", "cost of goods sold",
                          "cost of products sold")),
    Line("gross_profit", "gross profit", ("gross profit", "gross margin"), "income"),
    Line("operating_income", "operating income", ("operating income", "operating income loss",
                                                  "operating profit", "operating profit loss",
                                                  "income from operations", "operating loss income",
                                                  "income loss from operations"),
         "income", signed=True, words=("operating income", "operating profit", "ebit", "income from operations")),
    Line("net_income", "net income", ("net income", "net earnings", "net income loss",
                                      "net income attributable to common shareholders"),
         "income", signed=True, words=("net income", "net earnings", "net profit")),
    Line("sga", "selling, general and administrative expenses", (
        "selling general and administrative expenses", "selling general and administrative expense",
        "selling general and administrative"), "income", words=("sg&a", "sg and a", "selling, general and administrative")),
    Line("interest_expense", "interest expense", ("interest expense", "interest expense net"), "income",
         words=("interest expense",)),
    Line("pretax_income", "income before income taxes", ("income before income taxes",
                                                         "earnings before income taxes",
                                                         "income loss before income taxes",
                                                         "earnings before provision for taxes on income"),
         "income", signed=True, words=("pretax income", "pre-tax income", "income before income taxes")),
    Line("income_tax", "provision for income taxes", ("provision for income taxes", "income tax expense",
                                                      "provision for taxes on income",
                                                      "provision for benefit from income taxes",
                                                      "income tax provision"),
         "income", signed=True, words=("income tax expense", "provision for income taxes", "tax expense")),
    Line("d_and_a", "depreciation and amortization", (
        "depreciation and amortization", "depreciation amortization", "depreciation and amortization expense",
        "depreciation and amortization of property equipment and intangibles", "depreciation amortization and other"),
         "cash", words=("depreciation and amortization", "d&a", "d & a")),
    Line("capex", "capital expenditure", ("capital expenditures", "capital spending",
                                          "purchases of property and equipment",
                                          "purchases of property plant and equipment",
                                          "payments for property and equipment",
                                          "additions to property and equipment",
                                          "additions to property plant and equipment",
                                          "capital expenditures including",
                                          "purchases of property equipment and intangibles"),
         "cash", magnitude=True,
         words=("capex", "capital expenditures", "capital expenditure", "capital spending",
                "purchases of property, plant and equipment", "purchases of property and equipment")),
    Line("operating_cash_flow", "cash from operations", ("net cash provided by operating activities",
                                                          "net cash from operating activities",
                                                          "cash provided by operations",
                                                          "net cash provided by used in operating activities",
                                                          "cash flows from operating activities"),
         "cash", words=("cash from operations", "operating cash flow", "cash flow from operations")),
    Line("inventory", "inventories", ("inventories", "merchandise inventories", "inventory", "total inventories",
                                      "inventories net"), "balance", words=("inventories", "inventory"),
         current_asset=True),
    Line("accounts_payable", "accounts payable", ("accounts payable", "trade payables", "accounts payable trade"),
         "balance", words=("accounts payable", "payables")),
    Line("receivables", "accounts receivable", ("accounts receivable net", "accounts receivable",
                                               "trade receivables", "receivables net",
                                               "accounts receivable less allowances",
                                               "trade accounts receivable net"),
         "balance", words=("accounts receivable", "receivables"), current_asset=True),
    Line("cash", "cash and cash equivalents", ("cash and cash equivalents", "cash and equivalents"), "balance",
         words=("cash and cash equivalents", "cash and equivalents"), current_asset=True),
    Line("short_term_investments", "short-term investments", ("short term investments", "marketable securities"),
         "balance", words=("short-term investments", "short term investments"), current_asset=True),
    Line("current_assets", "total current assets", ("total current assets",), "balance",
         words=("total current assets", "current assets")),
    Line("current_liabilities", "total current liabilities", ("total current liabilities",), "balance",
         words=("total current liabilities", "current liabilities")),
    Line("total_assets", "total assets", ("total assets",), "balance", words=("total assets",)),
    Line("ppe", "property, plant and equipment, net", ("property plant and equipment net",
                                                      "property and equipment net",
                                                      "net property plant and equipment",
                                                      "property plant and equipment"),
         "balance", words=("ppne", "pp&e", "ppe", "property, plant and equipment", "fixed assets")),
    Line("total_liabilities", "total liabilities", ("total liabilities",), "balance", words=("total liabilities",)),
    Line("research_development", "research and development", ("research and development",
                                                               "research and development expense",
                                                               "research development and related"),
         "income", words=("research and development", "r&d")),
    Line("dividends_paid", "dividends paid", ("dividends paid", "cash dividends paid", "dividends paid to common shareholders",
                                              "dividends paid to shareholders"),
         "cash", magnitude=True, words=("dividends paid", "cash dividends")),
    Line("share_repurchases", "share repurchases", ("repurchases of common stock", "purchases of common stock",
                                                    "repurchase of common stock", "share repurchases",
                                                    "purchase of company stock", "common stock repurchased"),
         "cash", magnitude=True, words=("share repurchases", "stock repurchases", "buybacks", "share buybacks")),
    Line("equity", "total shareholders' equity", ("total shareholders equity", "total stockholders equity",
                                                  "total equity", "total shareowners equity"),
         "balance", words=("shareholders' equity", "stockholders' equity", "shareholders equity",
                           "stockholders equity", "total equity")),
)
LINES: dict[str, Line] = {line.key: line for line in STATEMENT_LINES}
#: Every name of every line (its words and labels) with its line, longest first: a name inside a
#: longer one ("revenue" in "total revenue") is matched only where the longer one is not.
_LINE_NAMES: tuple[tuple[str, Line], ...] = tuple(sorted(
    ((name, line) for line in STATEMENT_LINES for name in {*line.words, *line.labels}), key=lambda pair: -len(pair[0])))


@dataclass(frozen=True)
class Metric:
    """A metric: its name, the words a question uses for it, its formula, and how it is shown."""

    name: str
    words: tuple[str, ...]
    formula: str
    percent: bool = False
    #: An amount (shown in the statement's unit), not a ratio.
    amount: bool = False
    #: The same metric from other lines, for filings that do not print a line of ``formula``
    #: (many income statements show no gross profit).
    fallback: str = ""


METRICS: tuple[Metric, ...] = (
    Metric("EBITDA less capex", (r"ebitda (?:less|minus) (?:capex|capital expenditures?)",),
           "operating_income + d_and_a - capex", amount=True),
    Metric("EBITDA margin", (r"ebitda (?:%|percent(?:age)?)? ?margin",),
           "(operating_income + d_and_a) / revenue", percent=True),
    Metric("EBITDA", (r"\bebitda\b",), "operating_income + d_and_a", amount=True),
    Metric("capex as % of revenue", (r"(?:capex|capital expenditures?) as (?:a )?(?:%|percent(?:age)?) of "
                                     r"(?:total )?(?:revenues?|net sales|sales)",),
           "capex / revenue", percent=True),
    Metric("COGS as % of revenue", (r"(?:cogs|cost of (?:goods sold|sales|revenues?)) as (?:a )?"
                                    r"(?:%|percent(?:age)?) of (?:total )?(?:revenues?|net sales|sales)",),
           "cogs / revenue", percent=True),
    Metric("current ratio", (r"\bcurrent ratio\b",), "current_assets / current_liabilities"),
    Metric("quick ratio", (r"\bquick ratio\b", r"\bacid[- ]test ratio\b"),
           "(cash + opt(short_term_investments) + receivables) / current_liabilities"),
    Metric("working capital", (r"\b(?:net )?working capital\b",), "current_assets - current_liabilities", amount=True),
    Metric("gross margin", (r"\bgross (?:profit )?margin\b",), "gross_profit / revenue", percent=True,
           fallback="(revenue - cogs) / revenue"),
    Metric("operating margin", (r"\boperating (?:income |profit )?margin\b",), "operating_income / revenue",
           percent=True),
    Metric("net margin", (r"\bnet (?:income |profit )?margin\b", r"\bnet earnings as a percent(?:age)? of sales\b"),
           "net_income / revenue", percent=True),
    Metric("inventory turnover", (r"\binventory turnover\b",), "cogs / avg(inventory, inventory[-1])"),
    Metric("asset turnover", (r"\b(?:total )?asset turnover\b",), "revenue / avg(total_assets, total_assets[-1])"),
    Metric("fixed asset turnover", (r"\bfixed asset turnover\b",), "revenue / avg(ppe, ppe[-1])"),
    Metric("days payable outstanding", (r"\bdays payables? outstanding\b", r"\bdpo\b"),
           "365 * avg(accounts_payable, accounts_payable[-1]) / (cogs + inventory - inventory[-1])"),
    Metric("days sales outstanding", (r"\bdays sales outstanding\b", r"\bdso\b"),
           "365 * avg(receivables, receivables[-1]) / revenue"),
    Metric("days inventory outstanding", (r"\bdays inventory outstanding\b", r"\bdio\b"),
           "365 * avg(inventory, inventory[-1]) / cogs"),
    Metric("interest coverage", (r"\binterest coverage\b", r"\btimes interest earned\b"),
           "operating_income / interest_expense"),
    Metric("return on assets", (r"\breturn on (?:total )?assets\b", r"\broa\b"),
           "net_income / avg(total_assets, total_assets[-1])", percent=True),
    Metric("effective tax rate", (r"\beffective (?:income )?tax rate\b",), "income_tax / pretax_income", percent=True),
    Metric("free cash flow", (r"\bfree cash flows?\b", r"\bfcf\b"), "operating_cash_flow - capex", amount=True),
    Metric("return on equity", (r"\breturn on (?:average )?(?:shareholders'? |stockholders'? )?equity\b", r"\broe\b"),
           "net_income / avg(equity, equity[-1])", percent=True),
    Metric("dividend payout ratio", (r"\b(?:dividend )?payout ratio\b",), "dividends_paid / net_income", percent=True),
    Metric("operating cash flow ratio", (r"\boperating cash flow ratio\b",), "operating_cash_flow / current_liabilities"),
    Metric("capital intensity", (r"\bcapital intensity\b", r"\bcapital intensive\b"), "total_assets / revenue"),
)

_GROWTH = re.compile(r"\b(?:(\d+|one|two|three|four|five)[- ]years? )?(?:total )?(?P<what>[\w ,&'-]{2,60}?) "
                     r"(?P<kind>cagr|compound annual growth rate|growth(?: rate)?|yoy growth)\b", re.IGNORECASE)
_YEARS_AVERAGE = re.compile(r"\b(\d+|one|two|three|four|five)[- ]years? average\b", re.IGNORECASE)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def number_of_years(word: str) -> int:
    """"3" or "three" as 3."""
    return int(word) if word.isdigit() else _NUMBER_WORDS[word.lower()]


def find_metric(question: str) -> Metric | None:
    """The first metric whose words the question uses (most specific metrics are listed first)."""
    lowered = question.lower()
    for metric in METRICS:
        if any(re.search(pattern, lowered) for pattern in metric.words):
            return metric
    return None


_SHARE_OF = re.compile(r"(?P<a>[\w ,&'-]{2,60}?) as (?:a )?(?:%|percent(?:age)?) of (?:total )?(?P<b>[\w ,&'-]{2,40})",
                       re.IGNORECASE)


def share_of(question: str) -> tuple[str, str] | None:
    """(line, line) of "<line> as a % of <line>" ("SG&A as a % of revenue"), each naming one line; else None."""
    match = _SHARE_OF.search(question)
    if not match:
        return None
    first, second = lines_named(match["a"]), lines_named(match["b"])
    if not first or not second or _narrowed(match["a"], first[-1]) or _narrowed(match["b"], second[0]):
        return None
    # The nearest line names on either side of "as a % of".
    return first[-1].key, second[0].key


def years_averaged(question: str) -> int:
    """N of "N year average" (1 when the question asks for one year)."""
    match = _YEARS_AVERAGE.search(question)
    return number_of_years(match[1]) if match else 1


def find_growth(question: str) -> tuple[str, str] | None:
    """(line key, "cagr" or "growth") for "2 year total revenue CAGR", "revenue growth"; else None."""
    match = _GROWTH.search(question)
    if not match:
        return None
    lines = lines_named(match["what"])
    if len(lines) != 1 or _narrowed(match["what"], lines[0]):
        return None
    kind = "cagr" if match["kind"].lower() in ("cagr", "compound annual growth rate") else "growth"
    return lines[0].key, kind


def _word_pattern(word: str) -> str:
    return r"(?<![\w])" + re.escape(word.lower()) + r"(?![\w])"


def lines_named(text: str) -> list[Line]:
    """The statement lines a text names (longest names first; a name inside a longer one is not counted)."""
    lowered = text.lower().replace("\u2019", "'")
    spans: list[tuple[int, int, Line]] = []
    for name, line in _LINE_NAMES:
        for match in re.finditer(_word_pattern(name), lowered):
            if any(start < match.end() and match.start() < end for start, end, _ in spans):
                continue
            spans.append((match.start(), match.end(), line))
    found: list[Line] = []
    for _, _, line in sorted(spans, key=lambda span: span[0]):
        if line not in found:
            found.append(line)
    return found


# --- the expression language ------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([a-z_]+)(?:\[(-?\d+)\])?|(.))")


@dataclass(frozen=True)
class Term:
    """A line's value for a year relative to the asked one (0 the asked year, -1 the year before)."""

    key: str
    offset: int = 0
    #: ``opt(key)``: a line some balance sheets do not have (short-term investments); absent, it counts 0.
    optional: bool = False


def parse_formula(formula: str):
    """A formula as a tree: Term, float, ("avg", [args]) or (op, left, right) with op one of + - * / ^;
    ValueError if malformed."""
    tokens = []
    for number, name, offset, other in _TOKEN.findall(formula.strip()):
        if number:
            tokens.append(("num", float(number)))
        elif name:
            tokens.append(("name", name, int(offset) if offset else 0))
        elif other.strip():
            tokens.append(("op", other))
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        if position >= len(tokens):
            raise ValueError("formula ends early")
        position += 1
        return tokens[position - 1]

    def left_associative(operators: str, operand):
        # One precedence level: operands joined left to right by any of ``operators``.
        node = operand()
        while peek() and peek()[0] == "op" and peek()[1] in operators:
            op = take()[1]
            node = (op, node, operand())
        return node

    def expression():
        return left_associative("+-", product)

    def product():
        return left_associative("*/", power)

    def power():
        node = atom()
        if peek() == ("op", "^"):
            take()
            node = ("^", node, atom())
        return node

    def atom():
        token = take() if peek() else None
        if token is None:
            raise ValueError("formula ends early")
        if token[0] == "num":
            return token[1]
        if token == ("op", "("):
            node = expression()
            if take() != ("op", ")"):
                raise ValueError("unbalanced parentheses")
            return node
        if token[0] == "name" and token[1] == "avg":
            if take() != ("op", "("):
                raise ValueError("avg needs arguments")
            args = [expression()]
            while peek() == ("op", ","):
                take()
                args.append(expression())
            if take() != ("op", ")"):
                raise ValueError("unbalanced parentheses")
            return ("avg", args)
        if token[0] == "name" and token[1] == "opt":
            inner = atom() if peek() == ("op", "(") else None
            if not isinstance(inner, Term):
                raise ValueError("opt needs one line")
            return Term(inner.key, inner.offset, optional=True)
        if token[0] == "name" and token[1] in LINES:
            return Term(token[1], token[2])
        raise ValueError(f"unknown word in formula: {token[1]}")

    tree = expression()
    if position != len(tokens):
        raise ValueError("trailing text in formula")
    return tree


def terms_of(tree) -> list[Term]:
    """Every Term of a formula tree, in reading order, once each."""
    found: list[Term] = []

    def walk(node):
        if isinstance(node, Term):
            if node not in found:
                found.append(node)
        elif isinstance(node, tuple) and node[0] == "avg":
            for arg in node[1]:
                walk(arg)
        elif isinstance(node, tuple):
            walk(node[1])
            walk(node[2])

    walk(tree)
    return found


def evaluate(tree, value_of: Callable[[Term], float]) -> float:
    """The formula's value with each Term's value from ``value_of``; ZeroDivisionError and ValueError
    (a root of a negative number) propagate."""
    if isinstance(tree, float):
        return tree
    if isinstance(tree, Term):
        return value_of(tree)
    if tree[0] == "avg":
        values = [evaluate(arg, value_of) for arg in tree[1]]
        return sum(values) / len(values)
    op, left, right = tree
    a, b = evaluate(left, value_of), evaluate(right, value_of)
    if op == "^":
        if a < 0:
            raise ValueError("a negative base has no real root")
        return a ** b
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    return a * b if op == "*" else a / b


def render(tree, show: Callable[[Term], str]) -> str:
    """The formula in words, each Term shown by ``show`` (its label, year, value and page)."""
    if isinstance(tree, float):
        return f"{tree:g}"
    if isinstance(tree, Term):
        return show(tree)
    if tree[0] == "avg":
        return "average(" + ", ".join(render(arg, show) for arg in tree[1]) + ")"
    op, left, right = tree
    text_left, text_right = render(left, show), render(right, show)
    if isinstance(left, tuple) and left[0] in "+-" and op in "*/":
        text_left = f"({text_left})"
    if isinstance(left, tuple) and left[0] in "+-*/" and op == "^":
        text_left = f"({text_left})"
    if isinstance(right, tuple) and right[0] in "+-*/" and (op in "*/^" or right[0] in "+-" and op == "-"):
        text_right = f"({text_right})"
    return f"{text_left} {op} {text_right}"


def formula_text(tree) -> str:
    """A formula tree written back in the expression language (every operation parenthesised)."""
    if isinstance(tree, float):
        return f"{tree:g}"
    if isinstance(tree, Term):
        text = f"{tree.key}[{tree.offset}]" if tree.offset else tree.key
        return f"opt({text})" if tree.optional else text
    if tree[0] == "avg":
        return "avg(" + ", ".join(formula_text(arg) for arg in tree[1]) + ")"
    op, left, right = tree
    return f"({formula_text(left)} {op} {formula_text(right)})"


def _shifted(tree, years: int):
    """The tree with every Term moved ``years`` (a definition of a line used at the year before)."""
    if isinstance(tree, Term):
        return Term(tree.key, tree.offset + years, tree.optional)
    if isinstance(tree, tuple) and tree[0] == "avg":
        return ("avg", [_shifted(arg, years) for arg in tree[1]])
    if isinstance(tree, tuple):
        return (tree[0], _shifted(tree[1], years), _shifted(tree[2], years))
    return tree


def substitute_line(formula: str, key: str, definition: str) -> str | None:
    """``formula`` with each term of line ``key`` replaced by ``definition`` (a formula relative to the
    term's year); None when ``key`` is not in it or is optional there (a definition is not optional)."""
    found = False

    def walk(node):
        nonlocal found
        if isinstance(node, Term) and node.key == key:
            if node.optional:
                raise ValueError("a defined line cannot be optional")
            found = True
            return _shifted(stated, node.offset)
        if isinstance(node, tuple) and node[0] == "avg":
            return ("avg", [walk(arg) for arg in node[1]])
        if isinstance(node, tuple):
            return (node[0], walk(node[1]), walk(node[2]))
        return node

    try:
        stated = parse_formula(definition)
        replaced = walk(parse_formula(formula))
    except ValueError:
        return None
    return formula_text(replaced) if found else None


def without_percent_scale(formula: str) -> str | None:
    """The formula without its final "* 100" ("gross profit divided by revenues times 100" already
    states a percent, which the lead shows as one); None when it has no such factor."""
    tree = parse_formula(formula)
    if isinstance(tree, tuple) and tree[0] == "*":
        if tree[2] == 100.0:
            return formula_text(tree[1])
        if tree[1] == 100.0:
            return formula_text(tree[2])
    return None


# --- definitions stated in the question ----------------------------------------------------------

_DEFINITION = re.compile(
    r"(?:(?P<before>[^.?:]{2,80}?)\s+(?:is|are)\s+defined\s+as|\bdefine\s+(?P<name>[^.?]{2,60}?)\s+as"
    r"|\bcalculate\s+(?P<using>[^.?]{2,60}?)\s+using)\s*:?\s*(?P<body>[^?]+?)(?=\.\s|\.$|\?|$)",
    re.IGNORECASE)
_AVERAGE_BETWEEN = re.compile(r"\baverage (?:of )?(?:year[- ]end )?(?P<line>[a-z ,&'-]+?) between "
                              r"(?:fy\s?)?(?P<a>(?:19|20)\d{2}) and (?:fy\s?)?(?P<b>(?:19|20)\d{2})", re.IGNORECASE)
_CHANGE_BETWEEN = re.compile(r"\bchange in (?P<line>[a-z ,&'-]+?) between (?:fy\s?)?(?P<a>(?:19|20)\d{2}) and "
                             r"(?:fy\s?)?(?P<b>(?:19|20)\d{2})", re.IGNORECASE)
_YEAR_LINE = re.compile(r"\bfy\s?((?:19|20)\d{2})\s+(?P<rest>[a-z&][^()+*/=-]*)", re.IGNORECASE)
#: Words of a definition that carry no arithmetic: qualifiers and where a line is read from.
_NOTES = re.compile(r"\[[^\]]*\]|\((?:from|per|as|on|in|see) [^()]*\)", re.IGNORECASE)
_FILLER = re.compile(r"\b(?:unadjusted|reported|the|of|from|in|on|a|an|as|cash flow statement|income statement|"
                     r"balance sheet|statement|p&l)\b|[\"':]", re.IGNORECASE)
_OPERATORS = ((re.compile(r"\bless\b|\bminus\b", re.IGNORECASE), " - "),
              (re.compile(r"\bplus\b|\band\b", re.IGNORECASE), " + "),
              (re.compile(r"\bdivided by\b|\bover\b", re.IGNORECASE), " / "),
              (re.compile(r"\btimes\b|\bmultiplied by\b|\u00d7", re.IGNORECASE), " * "))


@dataclass(frozen=True)
class Definition:
    """A definition stated in a question: the name it defines and its body in words."""

    name: str
    body: str


_PARTS = re.compile(r"\busing\s+(?P<numerator>[^.?]{2,80}?)\s+as\s+the\s+numerator\s+and\s+(?P<denominator>[^.?]{2,80}?)"
                    r"\s+as\s+the\s+denominator", re.IGNORECASE)


def stated_definition(question: str) -> Definition | None:
    """ "X is defined as ...", "Define X as ...", "Calculate X using ...", "using A as the numerator and
    B as the denominator": the name defined and the body."""
    parts = _PARTS.search(question)
    if parts:
        return Definition("", f"({parts['numerator']}) / ({parts['denominator']})")
    match = _DEFINITION.search(question)
    if not match:
        return None
    name = match["name"] or match["using"] or match["before"] or ""
    return Definition(name.strip(), match["body"].strip())


class _Terms:
    """Terms found so far in a definition, each replaced in the text by a placeholder (§0§, §1§)."""

    def __init__(self, year: int):
        self.year = year
        self.terms: list[str] = []

    def put(self, key: str, at: int) -> str:
        """The placeholder standing for ``key`` at year ``at``."""
        self.terms.append(f"{key}[{at - self.year}]")
        return f" \u00a7{len(self.terms) - 1}\u00a7 "

    def named(self, line_text: str, at: int) -> str:
        """The placeholder of the one statement line ``line_text`` names, at year ``at``; ValueError otherwise."""
        lines = lines_named(line_text)
        if len(lines) != 1:
            raise ValueError(f"not one statement line: {line_text}")
        return self.put(lines[0].key, at)

    def after_year(self, match: re.Match) -> str:
        """ "FY2018 COGS + ..." -> the placeholder of cogs at 2018, then the rest."""
        rest = match["rest"]
        for name, line in _LINE_NAMES:
            if re.match(re.escape(name) + r"(?![\w])", rest, flags=re.IGNORECASE):
                return self.put(line.key, int(match[1])) + rest[len(name):]
        raise ValueError(f"no statement line after the year: {rest}")

    def restore(self, text: str) -> str:
        """``text`` with each placeholder replaced by its term ("cogs[-1]")."""
        return re.sub("\u00a7(\\d+)\u00a7", lambda m: self.terms[int(m[1])], text)


def defined_line(name: str) -> Line | None:
    """The statement line a definition's name is, qualifiers aside ("unadjusted operating income"),
    else None."""
    text = " ".join(_FILLER.sub(" ", name).lower().split())
    for line in STATEMENT_LINES:
        if text and text in {*line.words, *line.labels}:
            return line
    return None


def definition_formula(body: str, year: int) -> str | None:
    """A stated definition as a formula relative to ``year``, or None when a word is not understood.

    "(FY2019 COGS) / (average inventory between FY2018 and FY2019)" with year 2019 becomes
    "(cogs[0]) / (avg(inventory[-1], inventory[0]))".
    """
    terms = _Terms(year)
    text = _NOTES.sub(" ", body)
    try:
        text = _AVERAGE_BETWEEN.sub(lambda m: f" avg({terms.named(m['line'], int(m['a']))}, "
                                              f"{terms.named(m['line'], int(m['b']))}) ", text)
        text = _CHANGE_BETWEEN.sub(lambda m: f" ({terms.named(m['line'], int(m['b']))} - "
                                             f"{terms.named(m['line'], int(m['a']))}) ", text)
        text = _YEAR_LINE.sub(terms.after_year, text)
    except ValueError:
        return None
    # Line names left without a year mean the asked year.
    for name, line in _LINE_NAMES:
        text = re.sub(r"(?<![\w])" + re.escape(name) + r"(?![\w])", lambda m, key=line.key: terms.put(key, year),
                      text, flags=re.IGNORECASE)
    text = _FILLER.sub(" ", text)
    for pattern, operator in _OPERATORS:
        text = pattern.sub(operator, text)
    text = terms.restore(" ".join(text.split()).lower())
    try:
        tree = parse_formula(text)
    except ValueError:
        return None
    return text if terms_of(tree) else None


#: Words that may stand right before a line's name without changing what it is ("What was the
#: total revenue", "Nike's FY2023 net sales"). Any other lower-case word there narrows the line
#: ("casino revenue", "segment sales", "pension expense") to something the statement line is not.
_NEUTRAL_BEFORE = frozenset("""
what which was were is are did does do the a an its their his her our how much many of for in at on by to and
with as from report reported record recorded post posted show showed generate generated earn earned book booked
have has had total net consolidated annual yearly fiscal full year year-end end ending ended company company's
group overall approximately roughly about calculate compute give tell me please usd dollars million millions
billion billions thousand thousands amount value level figure reported statement statements gaap
""".split())
#: After a line's name, these start a phrase that narrows it ("revenue from casino operations",
#: "sales per store", "revenue of the Las Vegas segment").
_NARROWING_AFTER = re.compile(r"^\s*(?:from|per|excluding|attributable to|of the|of its|for the [a-z]+ segment)\s+([a-z][\w&-]*)")
_SEGMENT_WORDS = re.compile(r"\b(?:segments?|divisions?|regions?|geograph(?:y|ic|ical)|brands?|products?|stores?)\b",
                            re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([\w&'\u2019-]+)[\s,]*$")


def _narrowed(question: str, line: Line) -> bool:
    """Whether every place the question names ``line`` is narrowed by a word the line does not
    have: a qualifier before it ("casino revenue"), a phrase after it ("revenue from casinos"), or
    a segment, region or product named anywhere. Such a question asks for a figure the statement
    line is not, and answering with the line's total would be a wrong number shown as right."""
    if _SEGMENT_WORDS.search(question):
        return True
    lowered = question.replace("\u2019", "'")
    names = sorted({*line.words, *line.labels}, key=len, reverse=True)
    spans = []
    for name in names:
        for match in re.finditer(_word_pattern(name), lowered.lower()):
            if not any(start <= match.start() < end for start, end in spans):
                spans.append((match.start(), match.end()))
    if not spans:
        return False
    for start, end in spans:
        before = _WORD_BEFORE.search(lowered[:start])
        word = before[1] if before else ""
        after = _NARROWING_AFTER.match(lowered[end:].lower())
        plain_before = (not word or word[0].isupper() or word.lower() in _NEUTRAL_BEFORE
                        or word.lower().endswith(("'s", "s'")) or re.fullmatch(r"(?:fy)?\d{2,4}", word.lower()))
        if plain_before and not after:
            return False
    return True


def lookup_line(question: str) -> Line | None:
    """The one statement line a question asks for ("FY2016 COGS", "total current assets"), else None
    (none, several, or one narrowed by the question to something else: "casino revenue")."""
    lines = lines_named(question)
    if len(lines) != 1 or _narrowed(question, lines[0]):
        return None
    return lines[0]
