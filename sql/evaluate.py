"""Execution-match evaluation of the SQL route on a question set (``tradeassist eval sql``).

Gold SQL (DuckDB dialect, ``{today}`` substituted) runs on the same database connection, not
through the planner. Each question ends in one of three outcomes:

- **right**: the answer shows a table holding every gold column, with rows equal to the gold
  rows as a multiset (floats at 4 significant digits, dates and timestamps as ISO text);
- **clarified**: the answer asks back, refuses, or shows no table: a miss, but an honest one;
- **wrong**: the answer shows a table that does not match: a wrong answer shown as right.

A fourth, ``error``, marks a case whose gold SQL itself failed (the set, not the product, is at
fault). A case may carry ``context``: earlier questions of the same conversation, asked first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sqlglot

from tradeassist.core.errors import BadInputError, TradeAssistError
from tradeassist.core.question import Question, Turn
from tradeassist.core.settings import Settings

#: The outcomes, in the order they are reported.
OUTCOMES = ("right", "clarified", "wrong", "error")
_SHOWN_ROWS = 5  # rows of the answer and the gold kept in the per-question detail


@dataclass(frozen=True)
class CaseResult:
    """One question's outcome (right, clarified, wrong or error), the reason and what was tried."""

    id: str
    question: str
    outcome: str
    reason: str
    sql: str | None
    ms: float
    context: tuple[str, ...] = ()
    confidence: float | None = None
    options: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    gold_columns: tuple[str, ...] = ()
    gold_rows: tuple[tuple, ...] = field(default=())


@dataclass(frozen=True)
class EvalReport:
    """Every case, the three counts and the score (the share of right answers)."""

    cases: tuple[CaseResult, ...]

    @property
    def score(self) -> float:
        """Share of questions answered right."""
        return self.count("right") / len(self.cases) if self.cases else 0.0

    def count(self, outcome: str) -> int:
        """How many cases ended in ``outcome``."""
        return sum(c.outcome == outcome for c in self.cases)

    def counts(self) -> dict[str, int]:
        """Right, clarified and wrong counts (and errors of the gold SQL, when any)."""
        counts = {name: self.count(name) for name in OUTCOMES}
        if not counts["error"]:
            del counts["error"]
        return counts

    def summary(self) -> str:
        """One line: ``right 38 / clarified 1 / wrong 1 of 40``."""
        counts = " / ".join(f"{name} {n}" for name, n in self.counts().items())
        return f"{counts} of {len(self.cases)}"

    def to_json(self) -> dict:
        """Plain-dict form written by ``--report`` and printed by ``--json``."""
        return {"score": self.score, "counts": self.counts(), "total": len(self.cases),
                "cases": [_jsonable(asdict(c)) for c in self.cases]}


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


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
    """Question cases from a JSON-lines file (``id``, ``question``, ``gold_sql``, optional ``context``)."""
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
        context = case.get("context") or []
        if not isinstance(context, list) or not all(isinstance(q, str) for q in context):
            raise BadInputError(f"{path} line {number}: 'context' must be a list of earlier questions.")
        case["context"] = context
        case.setdefault("id", f"q{number}")
        cases.append(case)
    return cases


def run_gold(route, gold_sql: str, settings: Settings):
    """Run one gold statement on the route's database (guarded, not planned)."""
    from tradeassist.sql.db.guard import guard_sql

    database, _planner = route.engine()
    text = gold_sql.replace("{today}", settings.current_date().isoformat())
    if database.dialect != "duckdb":
        text = sqlglot.transpile(text, read="duckdb", write=database.dialect)[0]
    guarded = guard_sql(text, database.schema(), database.dialect, default_limit=100_000, max_rows=100_000)
    return database.query(guarded.run_sql, timeout_s=settings.sql_timeout_s, max_rows=100_000).frame


def evaluate(cases: list[dict], settings: Settings, route=None) -> EvalReport:
    """Score the SQL route on ``cases``."""
    from tradeassist.sql.route import SqlRoute

    own = route is None
    route = route or SqlRoute(settings)
    try:
        return EvalReport(tuple(score_case(case, settings, route) for case in cases))
    finally:
        if own:
            route.close()


def ask_in_context(route, question: str, context: list[str]):
    """The route's answer to ``question`` asked after ``context`` in one conversation."""
    turns: list[Turn] = []
    for earlier in context:
        try:
            answer = route.answer(Question(earlier, context=tuple(turns)))
        except TradeAssistError:
            answer = None  # the conversation goes on, as it does in the chat
        turns.append(Turn(earlier, answer))
    return route.answer(Question(question, context=tuple(turns)))


def _rows(frame) -> tuple[tuple, ...]:
    return tuple(tuple(normalize_cell(v) for v in row) for row in frame.head(_SHOWN_ROWS).itertuples(index=False))


def score_case(case: dict, settings: Settings, route) -> CaseResult:
    """Ask one case's question (after its context) and compare the answer with its gold SQL."""
    started = time.perf_counter()
    question, context = case["question"], tuple(case.get("context") or ())
    base = {"id": case["id"], "question": question, "context": context}
    try:
        gold = run_gold(route, case["gold_sql"], settings)
    except TradeAssistError as exc:
        return CaseResult(**base, outcome="error", reason=f"gold SQL failed: {exc}", sql=None, ms=0.0)
    detail = {"gold_columns": tuple(map(str, gold.columns)), "gold_rows": _rows(gold)}
    try:
        answer = ask_in_context(route, question, list(context))
    except TradeAssistError as exc:  # a refusal (read-only, unsafe, data source): no table shown
        ms = (time.perf_counter() - started) * 1000
        return CaseResult(**base, outcome="clarified", reason=f"refused: {exc.type}: {exc}", sql=None, ms=ms, **detail)
    sql = answer.sql.statement if answer.sql else None
    detail["confidence"] = answer.state.get("confidence")
    if answer.needs_clarification:
        notice = next(n for n in answer.notices if n.level == "clarify")
        outcome, reason = "clarified", notice.message
        detail["options"] = tuple(notice.options)
    elif answer.table is None:
        outcome, reason = "clarified", "no table in the answer"
    else:
        frame = answer.table.frame
        ok, reason = execution_match(gold, frame)
        outcome = "right" if ok else "wrong"
        detail.update(columns=tuple(map(str, frame.columns)), rows=_rows(frame))
    ms = (time.perf_counter() - started) * 1000
    return CaseResult(**base, outcome=outcome, reason=reason, sql=sql, ms=ms, **detail)
