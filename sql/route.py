"""The SQL route: plain English -> planned (or taught) SQL -> guard -> read-only run -> answer parts."""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from tradeassist.core.answer import Answer, ModelInfo, Notice, Sql, Table, Text
from tradeassist.core.errors import DataSourceError, ModelUnavailableError, TradeAssistError
from tradeassist.core.question import Question
from tradeassist.core.settings import Settings

logger = logging.getLogger(__name__)

#: The planner's note for a word its plan leaves out (see sql.planner).
_UNUSED_NOTE = re.compile(r"'([^']+)' is not used by the plan")


class PlanLeftovers(NamedTuple):
    """Words of a question the SQL plan could not link (``unknown``) or did not use (``unused``),
    the catalog things it named, and whether the plan is confident."""

    unknown: tuple[str, ...]
    unused: tuple[str, ...]
    named: tuple[str, ...]
    confident: bool

#: Words that make a question look like one about tabular trading data.
_DATA_WORDS = frozenset("""
how many average avg total sum count number max min highest lowest largest top bottom latest
price close volume trades orders positions transfers fees quantity notional per by each daily monthly
weekly show list which last this year month week yesterday today since between percentage
""".split())
_DOC_WORDS = frozenset("""say says said document documents report filing 10-k 10k statement fomc minutes
policy risk risks mention mentions summarize summary explain why according pdf page""".split())
_SIGNAL_WORDS = frozenset("""breakout signal signals backtest backtests indicator indicators rsi macd shap
xgboost predict prediction forecast score momentum model""".split())


class LlmSqlEngine(Protocol):
    """A language-model SQL writer used when the offline planner is unsure."""

    def generate(self, question: Question, catalog: Any, previous_sql: str | None) -> str:
        """SQL text for the question (it still passes the guard before running)."""
        ...


class SqlRoute:
    """Answers questions about the trading database with SQL, a table and a chart."""

    name = "sql"
    description = "Questions about trading data: prices, volumes, trades, orders, positions, transfers."

    def __init__(self, settings: Settings, *, llm_engine: LlmSqlEngine | None = None, teacher=None):
        self.settings = settings
        self.llm_engine = llm_engine
        self._lock = threading.Lock()
        self._database = None
        self._planner = None
        #: The taught pairs (``tradeassist.sql.teach.Teacher``); made on first use when not given.
        self._teacher = teacher

    # ------------------------------------------------------------------ connections
    def _connect(self):
        from tradeassist.sql.db.database import Database

        url = self.settings.resolved_db_url()
        if not self.settings.db_url and not Path(url).exists():
            raise DataSourceError(
                f"The demo database {url} does not exist yet: run `tradeassist demo` to build it, "
                "or point TRADEASSIST_DB_URL at your own database."
            )
        return Database.connect(url, self.settings)

    def engine(self):
        """The connected database and its planner, built once per route (thread-safe)."""
        with self._lock:
            if self._planner is None:
                from tradeassist.sql.catalog.catalog import Catalog
                from tradeassist.sql.planner import Planner

                database = self._connect()
                catalog = Catalog.for_database(database, self.settings)
                self._database, self._planner = database, Planner(catalog, self.settings.current_date())
            return self._database, self._planner

    def close(self) -> None:
        """Close the database connection (a later question reconnects)."""
        with self._lock:
            if self._database is not None:
                self._database.close()
            self._database = self._planner = None

    def teacher(self):
        """The taught question-SQL pairs of this home folder (made once, whichever thread asks first)."""
        with self._lock:
            if self._teacher is None:
                from tradeassist.sql.teach import Teacher

                self._teacher = Teacher(self.settings)
            return self._teacher

    def teach(self, question: str, sql: str, user: str | None = None):
        """Guard ``sql`` against this route's database and store it as ``user``'s answer to ``question`` (None: everyone's)."""
        database, _planner = self.engine()
        return self.teacher().teach(question, sql, database, user=user)

    # ------------------------------------------------------------------ route protocol
    def claim(self, question: Question) -> float:
        """0..1 from catalog cues (names, values, aggregates, time words) in the question."""
        words = set(question.text.lower().replace("?", " ").replace(",", " ").split())
        if not words:
            return 0.0
        score = 0.15 * len(words & _DATA_WORDS)
        try:
            _db, planner = self.engine()
            from tradeassist.sql.planner.parse import parse_question

            parsed = parse_question(question.text, planner.catalog, planner.today)
            mentions = parsed.mentions()
            score += 0.25 * sum(1 for m in mentions if m.values) + 0.2 * sum(1 for m in mentions if m.concepts)
            score += 0.15 * bool(parsed.period) - 0.1 * len(parsed.unknown)
        except TradeAssistError as exc:  # no database yet, or one that cannot be read: words alone rank
            logger.debug("sql claim without the catalog: %s", exc)
        score -= 0.35 * len(words & _DOC_WORDS) + 0.4 * len(words & _SIGNAL_WORDS)
        return max(0.0, min(1.0, score))

    def unexplained_words(self, text: str) -> PlanLeftovers:
        """What the plan for ``text`` could not link or use, and what it named (for the router,
        which asks the documents about these words: see ``tradeassist.core.route_evidence``)."""
        from tradeassist.sql.planner.parse import parse_question

        _database, planner = self.engine()
        parsed = parse_question(text, planner.catalog, planner.today)
        plan = planner.plan(text)
        unused = [word for note in getattr(plan, "notes", ()) for word in _UNUSED_NOTE.findall(note)]
        return PlanLeftovers(
            unknown=tuple(token.original for token in parsed.unknown),
            unused=(*getattr(plan, "unknown_words", ()), *unused),
            named=tuple(mention.text for mention in parsed.mentions()),
            confident=bool(plan.ok),
        )

    def answer(self, question: Question) -> Answer:
        """Plan, guard, run and present; a clarifying Notice instead of a guess when unsure."""
        if question.frames:
            return self._answer_frames(question)
        database, planner = self.engine()
        return self.answer_with(question, database, planner, self.teacher())

    def _answer_frames(self, question: Question) -> Answer:
        from tradeassist.sql.catalog.catalog import Catalog
        from tradeassist.sql.db.database import Database
        from tradeassist.sql.catalog.definitions import generate_definitions
        from tradeassist.sql.planner import Planner

        database = Database.from_frames(dict(question.frames))
        try:
            schema = database.schema()
            catalog = Catalog.build(schema, database.dialect, _fetcher(database, self.settings), self.settings,
                                    definitions=generate_definitions(schema))
            return self.answer_with(question, database, Planner(catalog, self.settings.current_date()), None)
        finally:
            database.close()

    def answer_with(self, question: Question, database, planner, teacher) -> Answer:
        """Answer over a given database and planner (the notebook path passes its own)."""
        from tradeassist.sql.planner.describe import describe_intent
        from tradeassist.sql.planner.intent import Intent
        from tradeassist.sql.planner.verify import shape_problems

        if question.sql is not None:
            return self._answer_written(question, database, planner.catalog)
        typed = looks_like_sql(question.text)
        if typed and _SQL_START.match(question.text).group(1).lower() in ("select", "with"):
            # A typed query goes to the guard as it is, never through the English planner, which would
            # read words such as replace( or a comment's DROP as a request to write.
            return self._answer_written(question, database, planner.catalog, question.text)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        previous, previous_sql = _previous_plan(question)
        plan = planner.plan(question.text, Intent.from_json(previous) if previous else None)
        method = "planner"
        sql_text = plan.sql if plan.ok else None
        notices: list[Notice] = []
        taught = teacher.match(question.text, planner.catalog, user=question.user) if teacher is not None else None
        if typed:
            sql_text, method = question.text, "sql"  # another statement typed: the guard says why it is refused
        elif taught is not None and (not plan.ok or plan.confidence < 0.95):
            sql_text, method = taught, "taught"
        model_failed = None
        if method == "planner" and not plan.ok and self.llm_engine is not None:
            try:
                sql_text = self.llm_engine.generate(question, planner.catalog, previous_sql)
                method = "llm"
            except ModelUnavailableError as exc:
                model_failed = str(exc)
                notices.append(Notice(f"The configured language model did not answer, so the offline planner "
                                      f"answered alone. {exc}", "warning"))
        timings["plan"] = (time.perf_counter() - started) * 1000
        if sql_text is None:
            notices.append(Notice(plan.clarify or "Please rephrase the question.", "clarify", plan.options))
            return Answer(route=self.name, parts=(Text(plan.clarify or "Please rephrase."), *notices),
                          model=ModelInfo(method="planner", failed=model_failed), timings_ms=timings,
                          state={"plan": None, "sql": None, "confidence": plan.confidence})
        guarded, result = self._guard_and_run(sql_text, database, timings)
        problems = [] if method == "sql" else shape_problems(list(result.frame.columns), plan.asks, planner.catalog)
        if problems:
            # A table that does not have the asked shape is never shown as the answer.
            message = ("The query I could write does not answer the question as asked: "
                       + "; ".join(problems) + ". Please rephrase, e.g. name what to rank and by what measure.")
            options = (describe_intent(plan.intent, planner.catalog),) if plan.intent is not None else ()
            return Answer(route=self.name, parts=(Text(message), Notice(message, "clarify", options)),
                          model=ModelInfo(method=method), timings_ms=timings,
                          state={"plan": None, "sql": guarded.sql, "confidence": plan.confidence})
        t = time.perf_counter()
        parts = self._present(question, guarded, result, database.dialect, notices, planner.catalog)
        timings["present"] = (time.perf_counter() - t) * 1000
        state = {
            "plan": plan.intent.to_json() if (plan.intent is not None and method == "planner") else None,
            "sql": guarded.sql,
            "confidence": plan.confidence,
        }
        # The LLM engine's SQL carries its own provenance (provider, model, tokens, cost).
        model = getattr(sql_text, "model", None) if method == "llm" else None
        return Answer(route=self.name, parts=tuple(parts), model=model or ModelInfo(method=method),
                      timings_ms=timings, state=state)

    def _answer_written(self, question: Question, database, catalog, sql: str | None = None) -> Answer:
        """Guard and run the SQL the person wrote (``Question.sql``, or ``sql`` typed as the question)."""
        timings: dict[str, float] = {}
        guarded, result = self._guard_and_run(sql if sql is not None else question.sql, database, timings)
        t = time.perf_counter()
        parts = self._present(question, guarded, result, database.dialect, [], catalog)
        timings["present"] = (time.perf_counter() - t) * 1000
        return Answer(route=self.name, parts=tuple(parts), model=ModelInfo(method="sql"), timings_ms=timings,
                      state={"plan": None, "sql": guarded.sql, "confidence": None})

    def _guard_and_run(self, sql_text: str, database, timings: dict[str, float]):
        """The guarded statement and its read-only result, timing both into ``timings``."""
        from tradeassist.sql.db.executor import Executor

        executor = Executor(database, self.settings)
        t = time.perf_counter()
        guarded = executor.guard(sql_text)
        timings["guard"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        result = executor.run(guarded)
        timings["execute"] = (time.perf_counter() - t) * 1000
        return guarded, result

    def _present(self, question: Question, guarded, result, dialect: str, notices: list[Notice],
                 catalog=None) -> list:
        from tradeassist.sql.present import choose_chart
        from tradeassist.sql.reading import describe_sql
        from tradeassist.sql.summary import summarize

        frame = result.frame
        words = question.text or question.sql or ""  # written SQL: its own words choose the chart
        # What the SQL computes, read from its tree whoever wrote it (a LIMIT the guard added is not the author's).
        # The model's SQL arrives already guarded, so the default limit in it is the guard's too.
        imposed = guarded.limit if guarded.limit_imposed or guarded.limit == self.settings.sql_default_limit else None
        reading = describe_sql(guarded.expression, dialect, catalog, imposed_limit=imposed)

        if result.truncated:
            notices.append(Notice(
                f"The result was capped at {len(frame):,} rows (the limit for one answer); "
                "narrow the question to see the rest.", "warning"))
        parts: list = [Text(summarize(frame, words, result.truncated, reading=reading)),
                       Sql(guarded.sql, dialect, reading.text), Table(frame, truncated=result.truncated)]
        chart = choose_chart(frame, words, reading=reading)
        if chart is not None:
            parts.append(chart)
        return parts + notices


_SQL_START = re.compile(
    r"^\s*(select|with|insert|update|delete|drop|create|alter|pragma|copy|attach|detach|install|load|"
    r"truncate|grant|revoke|merge|vacuum|call|begin|export|import|checkpoint)\b", re.IGNORECASE)


def looks_like_sql(text: str) -> bool:
    """True when the text is a SQL statement rather than an English question."""
    if not _SQL_START.match(text):
        return False
    import sqlglot
    import sqlglot.expressions as exp
    from sqlglot.errors import SqlglotError

    if ";" in text or _SQL_START.match(text).group(1).lower() not in ("select", "with"):
        # A statement keyword first ("drop table x", "pragma ..."): SQL, which the guard refuses
        # unless it is a plain read; English requests like "delete all trades" fail to parse.
        if ";" not in text and not _parses(text):
            return False
        return True
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except RecursionError:
        return True  # a SELECT nested past the parser's depth: SQL, which the guard refuses clearly
    except SqlglotError:
        return False
    return tree is not None and not isinstance(tree, exp.Command)


def _parses(text: str) -> bool:
    import logging

    import sqlglot
    import sqlglot.expressions as exp
    from sqlglot.errors import SqlglotError

    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)  # "falling back to Command" warnings are expected here
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
        return tree is not None and not (isinstance(tree, exp.Command) and len(text.split()) > 6)
    except RecursionError:
        return True  # too deeply nested to parse: treated as SQL, which the guard refuses
    except SqlglotError:
        return False
    finally:
        logger.setLevel(level)


def _previous_plan(question: Question) -> tuple[dict | None, str | None]:
    for turn in reversed(question.context):
        answer = turn.answer
        if answer is not None and answer.route == "sql" and answer.error is None:
            return answer.state.get("plan"), answer.state.get("sql")
    return None, None


def _fetcher(database, settings: Settings):
    def fetch(select) -> list:
        result = database.query(select.sql(dialect=database.dialect), timeout_s=settings.sql_timeout_s,
                                max_rows=1_000_000)
        frame = result.frame
        if frame.shape[1] == 1:
            return frame.iloc[:, 0].tolist()
        return [tuple(row) for row in frame.itertuples(index=False, name=None)]

    return fetch


__all__ = ["SqlRoute", "LlmSqlEngine", "looks_like_sql"]
