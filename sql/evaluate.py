"""Execution-match evaluation of the SQL route on a question set (``tradeassist eval sql``).

Gold SQL (DuckDB dialect, ``{today}`` substituted) runs on the same database connection, not
through the planner. An answer counts when every gold column is found among the answer's
columns and the rows, projected on them, equal the gold rows as a multiset (floats at 4
significant digits, dates and timestamps as ISO text). A clarifying question counts as a miss.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlglot

from core.errors import BadInputError, TradeAssistError
from core.question import Question
from core.settings import Settings


@dataclass(frozen=True)
class CaseResult:
    """One question's outcome: ok, miss, clarify or error, with the reason and the SQL tried."""

    id: str
    question: str
    outcome: str
    reason: str
    sql: str | None
    ms: float


@dataclass(frozen=True)
class EvalReport:
    """Every case and the score (the share of ok cases)."""

    cases: tuple[CaseResult, ...]

    @property
    def score(self) -> float:
        """Share of questions answered correctly."""
        return sum(c.outcome == "ok" for c in self.cases) / len(self.cases) if self.cases else 0.0

    def counts(self) -> dict[str, int]:
        """How many cases ended in each outcome."""
        return dict(Counter(c.outcome for c in self.cases))

    def to_json(self) -> dict:
        """Plain-dict form written by ``--report``."""
        return {"score": self.score, "counts": self.counts(), "cases": [asdict(c) for c in self.cases]}


def normalize_cell(value) -> object:
    """A cell in comparable form: numbers at 4 significant digits, dates as ISO text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return None
        return float(f"{float(value):.4g}")
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if len(text) == 19 and text[10] == " " and text.endswith("00:00:00"):
        return text[:10]  # SQLite keeps timestamps as text
    return text


def _column(frame, index: int) -> list:
    return [normalize_cell(v) for v in frame.iloc[:, index].tolist()]


def execution_match(gold, answer) -> tuple[bool, str]:
    """Whether the answer frame holds the gold frame's columns with equal rows (as a multiset)."""
    if len(gold) != len(answer):
        return False, f"{len(answer)} rows, expected {len(gold)}"
    gold_cols = [_column(gold, i) for i in range(gold.shape[1])]
    answer_cols = [_column(answer, i) for i in range(answer.shape[1])]
    candidates = []
    for g in gold_cols:
        same = [j for j, a in enumerate(answer_cols) if Counter(map(repr, a)) == Counter(map(repr, g))]
        if not same:
            return False, f"no answer column matches gold values like {g[:3]}"
        candidates.append(same)
    gold_rows = Counter(zip(*map(lambda c: tuple(map(repr, c)), gold_cols)))
    for choice in itertools.islice(itertools.product(*candidates), 200):
        if len(set(choice)) != len(choice):
            continue
        rows = Counter(zip(*[tuple(map(repr, answer_cols[j])) for j in choice]))
        if rows == gold_rows:
            return True, "match"
    return False, "columns match one by one but rows differ"


def load_cases(path: Path) -> list[dict]:
    """Question cases from a JSON-lines file (``id``, ``question``, ``gold_sql``)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BadInputError(f"Cannot read the question set {path}: {exc.strerror}.") from None
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError:
            raise BadInputError(f"{path} line {number} is not JSON.") from None
        if not {"question", "gold_sql"} <= set(case):
            raise BadInputError(f"{path} line {number} needs 'question' and 'gold_sql'.")
        case.setdefault("id", f"q{number}")
        cases.append(case)
    return cases


def run_gold(route, gold_sql: str, settings: Settings):
    """Run one gold statement on the route's database (guarded, not planned)."""
    from sql.guard import guard_sql

    database, _planner = route.engine()
    text = gold_sql.replace("{today}", settings.current_date().isoformat())
    if database.dialect != "duckdb":
        text = sqlglot.transpile(text, read="duckdb", write=database.dialect)[0]
    guarded = guard_sql(text, database.schema(), database.dialect, default_limit=100_000, max_rows=100_000)
    return database.query(guarded.run_sql, timeout_s=settings.sql_timeout_s, max_rows=100_000).frame


def evaluate(cases: list[dict], settings: Settings, route=None) -> EvalReport:
    """Score the SQL route on ``cases``."""
    from sql.route import SqlRoute

    own = route is None
    route = route or SqlRoute(settings)
    try:
        return EvalReport(tuple(_run_cases(cases, settings, route)))
    finally:
        if own:
            route.close()


def _run_cases(cases: list[dict], settings: Settings, route) -> list[CaseResult]:
    results = []
    for case in cases:
        started = time.perf_counter()
        question, sql = case["question"], None
        try:
            gold = run_gold(route, case["gold_sql"], settings)
        except TradeAssistError as exc:
            results.append(CaseResult(case["id"], question, "error", f"gold SQL failed: {exc}", None, 0.0))
            continue
        try:
            answer = route.answer(Question(question))
            sql = answer.sql.statement if answer.sql else None
            if answer.needs_clarification:
                outcome, reason = "clarify", answer.notices[0].message
            elif answer.table is None:
                outcome, reason = "miss", "no table in the answer"
            else:
                ok, reason = execution_match(gold, answer.table.frame)
                outcome = "ok" if ok else "miss"
        except TradeAssistError as exc:
            outcome, reason = "error", f"{exc.type}: {exc}"
        ms = (time.perf_counter() - started) * 1000
        results.append(CaseResult(case["id"], question, outcome, reason, sql, ms))
    return results
