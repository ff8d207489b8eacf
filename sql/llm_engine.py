"""The language-model SQL engine: vanna's legacy prompt and memory interfaces over our catalog.

vanna (``vanna.legacy``) supplies the prompt layout (tables as DDL, business definitions as
documentation, taught question-SQL pairs as examples); its ``ask``/plotting paths are never used
(they ``exec`` model-written code), and its SQL extraction is replaced by ``tradeassist.sql.llm_reply``, which
copes with what real models write. The model is reached through the gateway (local first;
confidential questions stay local). Every statement passes the same guard as any other SQL, must
use a reading of every catalog phrase of the question (its table, column or value), and is then
checked by the database itself on a zero-row probe; a refusal or a database error goes back to
the model for at most two corrections. When it still fails the engine returns None and the route
asks back, as it does offline: a model never turns a clarifying question into an unchecked answer.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlglot.expressions as exp

from tradeassist.core.answer import ModelInfo
from tradeassist.core.errors import BadInputError, DataSourceError, ModelUnavailableError, TradeAssistError, UnsafeSqlError

if TYPE_CHECKING:
    from tradeassist.core.gateway import Completion, Gateway
    from tradeassist.core.question import Question
    from tradeassist.core.settings import Settings
    from tradeassist.sql.catalog.catalog import Catalog
    from tradeassist.sql.db.database import Database
    from tradeassist.sql.teach import Teacher

#: Taught pairs shown to the model as examples, most similar first.
MAX_EXAMPLES = 5
#: Tokens of the prompt's context (vanna counts about four characters per token).
MAX_PROMPT_TOKENS = 6000
#: Reply tokens kept free for the SQL when a model's context window is small.
SQL_REPLY_TOKENS = 384
#: Tokens the fixed parts take beyond the schema and notes: vanna's guidelines, examples, the question.
PROMPT_OVERHEAD_TOKENS = 350
#: Real tokenizers cut schema text (short names, punctuation) finer than vanna's four characters.
CHARS_PER_TOKEN_SLACK = 1.3

_WORD = re.compile(r"[a-z0-9_]+")
log = logging.getLogger(__name__)


class GeneratedSql(str):
    """SQL text from the model, carrying the provenance of the call(s) that wrote it."""

    model: ModelInfo
    corrections: int

    def __new__(cls, text: str, model: ModelInfo, corrections: int = 0) -> GeneratedSql:
        value = super().__new__(cls, text)
        value.model = model
        value.corrections = corrections
        return value


class VannaSqlEngine:
    """Writes SQL with a language model when the offline planner is unsure (SqlRoute's seam)."""

    def __init__(self, gateway: Gateway, settings: Settings, *, teacher: Teacher | None = None,
                 database: Callable[[], Database | None] | None = None):
        self.gateway = gateway
        self.settings = settings
        self.teacher = teacher
        #: Returns the connected database for the zero-row probe (None: guard only).
        self.database = database

    def generate(self, question: Question, catalog: Catalog, previous_sql: str | None) -> GeneratedSql | None:
        """Guarded SQL for the question; None when its SQL is refused (the planner asks).

        ModelUnavailableError when no configured model answered: the route says so beside its answer.
        """
        window = self.gateway.context_tokens(task="sql", confidential=question.confidential)
        reply_tokens = min(self.settings.llm_max_tokens, SQL_REPLY_TOKENS) if window else None
        vanna = CatalogVanna(catalog, self._pairs(question.user), today=self.settings.current_date().isoformat(),
                             prompt_tokens=prompt_budget(window, reply_tokens), compact=bool(window))
        messages = base = self._messages(vanna, question, previous_sql)
        corrections = max(0, min(2, self.settings.llm_sql_corrections))
        named = question_mentions(question.text, catalog, self.settings.current_date())
        tokens_in = tokens_out = 0
        latency = cost = 0.0
        last_error: Exception | None = None
        for attempt in range(corrections + 1):
            log.info("asking the model for SQL (attempt %d of %d)", attempt + 1, corrections + 1)
            try:
                completion = self.gateway.complete(messages, task="sql", confidential=question.confidential,
                                                   max_tokens=reply_tokens)
            except ModelUnavailableError as exc:
                # Raised to the route: a configured model that fails is reported, never silently skipped.
                log.warning("no model answered: %s", exc)
                raise
            model = completion.model
            tokens_in, tokens_out = tokens_in + model.tokens_in, tokens_out + model.tokens_out
            latency, cost = latency + model.latency_ms, cost + model.cost_usd
            try:
                guarded = self._check(completion, catalog, named)
            except (UnsafeSqlError, DataSourceError) as exc:
                last_error = exc
                # Under a small window only the latest failed reply goes back: each round would
                # otherwise add a whole reply and leave no room for the corrected one.
                history = base if window else messages
                messages = [*history, ("assistant", completion.text), ("user", _correction(exc, catalog.dialect))]
                continue
            info = ModelInfo(method="llm", provider=model.provider, model=model.model, tokens_in=tokens_in,
                             tokens_out=tokens_out, latency_ms=round(latency, 1), cost_usd=round(cost, 8))
            return GeneratedSql(guarded.sql, info, attempt)
        # The model could not write acceptable SQL: refused, so the product asks back as offline.
        log.warning("model SQL refused after %d corrections: %s", corrections, last_error)
        return None

    def _check(self, completion: Completion, catalog: Catalog, named: list[tuple[str, list[tuple]]]):
        """The reply's statement, guarded and probed; UnsafeSqlError or DataSourceError says what to correct."""
        from tradeassist.sql.db.guard import guard_sql
        from tradeassist.sql.llm_reply import extract_query, uncovered

        if completion.truncated:
            raise UnsafeSqlError("The reply was cut off at the token limit before the statement ended.")
        if "intermediate_sql" in completion.text.lower():
            # vanna's guideline invites a lookup query first; its rows are not the answer.
            raise UnsafeSqlError("That was an intermediate query; write the final statement that answers the question.")
        sql = extract_query(completion.text, catalog.dialect, self.settings.current_date())
        if sql is None:
            raise UnsafeSqlError("The reply held no SELECT statement that parses.")
        guarded = guard_sql(sql, catalog.schema, catalog.dialect, default_limit=self.settings.sql_default_limit,
                            max_rows=self.settings.sql_max_rows)
        missing = uncovered(guarded.sql, catalog.dialect, named)
        if missing:
            # A statement that ignores part of the question answers another question.
            raise UnsafeSqlError(f"The statement ignores {', '.join(map(repr, missing))} from the question: use "
                                 "the table, column or value each names.")
        self._probe(guarded.expression, catalog)
        return guarded

    # ------------------------------------------------------------------ context
    def _pairs(self, user: str | None = None) -> list[dict[str, str]]:
        """The taught pairs ``user`` may use, as the model's examples (another user's pairs stay theirs)."""
        if self.teacher is None:
            return []
        return [{"question": pair.question, "sql": pair.sql} for pair in self.teacher.pairs() if pair.visible_to(user)]

    def _messages(self, vanna: CatalogVanna, question: Question, previous_sql: str | None) -> list[tuple[str, str]]:
        from tradeassist.core.gateway import conversation_window

        docs = vanna.get_related_documentation(question.text)
        if previous_sql:
            docs.append(f"The previous question in this conversation was answered with: {previous_sql}")
        prompt = vanna.get_sql_prompt(initial_prompt=vanna.initial_prompt(), question=question.text,
                                      question_sql_list=vanna.get_similar_question_sql(question.text),
                                      ddl_list=vanna.get_related_ddl(question.text), doc_list=docs)
        window = conversation_window(question, max_turns=self.settings.llm_context_turns)
        return [*prompt[:-1], *window, prompt[-1]]  # earlier turns sit just before the question

    def _probe(self, expression: exp.Expression, catalog: Catalog) -> None:
        # The database binds names and types on a zero-row run: wrong functions, casts or
        # ambiguous columns come back as its own message, for the model to correct. Only the
        # database the catalog describes is probed (a notebook's frames have their own).
        try:
            database = self.database() if self.database is not None else None
        except TradeAssistError:
            return
        if database is None or set(database.schema().tables) != set(catalog.schema.tables):
            return
        probe = exp.select("*").from_(expression.copy().subquery("probe")).limit(0)
        database.query(probe.sql(dialect=catalog.dialect), timeout_s=self.settings.sql_timeout_s, max_rows=1)


def question_mentions(question: str, catalog: Catalog, today) -> list[tuple[str, list[tuple]]]:
    """The catalog phrases of the question, each with its readings (see ``tradeassist.sql.llm_reply.uncovered``)."""
    from tradeassist.sql.planner.parse import parse_question

    try:
        parsed = parse_question(question, catalog, today)
    except BadInputError:  # a question the parser cannot read names nothing it can check
        return []
    found = []
    for mention in parsed.mentions():
        readings: list[tuple] = []
        for concept in mention.concepts:
            if concept.kind == "metric":
                readings = []  # a metric is an expression: any spelling of it may be right
                break
            if concept.kind in ("table", "verb"):
                readings.append(("table", concept.table))
            elif concept.kind == "column" and concept.column:
                readings.append(("column", concept.column))
            elif concept.kind == "value" and concept.column:
                readings.append(("value", concept.column, concept.value))
        else:
            readings += [("value", ref.column, ref.value) for ref in mention.values]
        if readings:
            found.append((mention.text, readings))
    return found


def _correction(error: Exception, dialect: str) -> str:
    return (f"That SQL failed: {error}\nWrite one corrected {dialect} SELECT statement that answers the "
            "question, using only the tables and columns given. Reply with the SQL only.")


def _vanna_base() -> type:
    from vanna.legacy.base.base import VannaBase  # the 0.x API; only its prompt and memory parts are used

    return VannaBase


def _make_catalog_vanna() -> type:
    base = _vanna_base()

    class _CatalogVanna(base):  # type: ignore[misc, valid-type]
        """vanna's memory interfaces answered from our catalog, definitions and taught pairs."""

        def __init__(self, catalog: Catalog, pairs: list[dict[str, str]], *, today: str,
                     prompt_tokens: int = MAX_PROMPT_TOKENS, compact: bool = False):
            super().__init__(config={"dialect": _dialect_name(catalog.dialect), "max_tokens": prompt_tokens})
            self.catalog = catalog
            self.compact = compact
            self.pairs = list(pairs)
            self.today = today

        def log(self, message: str, title: str = "Info") -> None:
            """Silence vanna's printing."""

        def initial_prompt(self) -> str:
            """The system message's opening: the dialect and the read-only rule."""
            return (f"You are a {self.dialect} expert writing read-only queries over a trading database. "
                    "Answer with one SELECT statement that only uses the tables and columns below. ")

        # memory: read from the catalog, never trained or stored by vanna
        def get_similar_question_sql(self, question: str, **kwargs: Any) -> list:
            """Taught pairs sharing the most words with the question."""
            words = set(_WORD.findall(question.lower()))
            ranked = sorted(self.pairs, key=lambda p: -_overlap(words, p["question"]))
            return [p for p in ranked[:MAX_EXAMPLES] if _overlap(words, p["question"]) > 0]

        def get_related_ddl(self, question: str, **kwargs: Any) -> list:
            """Every table of the catalog as CREATE TABLE.

            The same text, in the same order, for every question: a server's prefix cache
            (llama.cpp, vLLM) then reuses the schema part, which on a CPU is most of the time.
            """
            return [table_ddl(table, self.catalog.dialect) for table in self.catalog.schema.tables.values()]

        def get_related_documentation(self, question: str, **kwargs: Any) -> list:
            """Today's date, then the business definitions (compact ones under a small window)."""
            return [f"Today is {self.today}; resolve relative dates from it."] + \
                definition_notes(self.catalog, compact=self.compact)

        def add_question_sql(self, question: str, sql: str, **kwargs: Any) -> str:
            """Remember a pair for this engine's lifetime (the Teacher stores pairs for good)."""
            self.pairs.append({"question": question, "sql": sql})
            return str(len(self.pairs))

        def add_ddl(self, ddl: str, **kwargs: Any) -> str:
            """Not used: tables come from the database."""
            raise NotImplementedError("tables come from the database catalog")

        def add_documentation(self, documentation: str, **kwargs: Any) -> str:
            """Not used: definitions come from the catalog."""
            raise NotImplementedError("definitions come from the catalog's YAML")

        def get_training_data(self, **kwargs: Any):
            """The examples this engine holds."""
            import pandas as pd

            return pd.DataFrame(self.pairs)

        def remove_training_data(self, id: str, **kwargs: Any) -> bool:
            """Nothing to remove: examples are read from the Teacher."""
            return False

        def generate_embedding(self, data: str, **kwargs: Any) -> list[float]:
            """Not used: examples are ranked by shared words."""
            return []

        # messages in the gateway's (role, text) form
        def system_message(self, message: str) -> tuple[str, str]:
            """A system message in the gateway's form."""
            return ("system", message)

        def user_message(self, message: str) -> tuple[str, str]:
            """A user message in the gateway's form."""
            return ("user", message)

        def assistant_message(self, message: str) -> tuple[str, str]:
            """An assistant message in the gateway's form."""
            return ("assistant", message)

        def submit_prompt(self, prompt, **kwargs: Any) -> str:
            """Not used: VannaSqlEngine sends prompts through the gateway."""
            raise NotImplementedError("prompts go through the gateway, which VannaSqlEngine calls")

    return _CatalogVanna


#: The vanna-based class, made once per process (a pure memo: it depends on nothing but the code).
_CLASS: type | None = None
#: The chat's worker threads may ask for the class at the same time: one of them makes it.
_CLASS_LOCK = threading.Lock()


def CatalogVanna(catalog: Catalog, pairs: list[dict[str, str]], *, today: str,  # noqa: N802 - a class factory
                 prompt_tokens: int = MAX_PROMPT_TOKENS, compact: bool = False):
    """vanna's VannaBase bound to one catalog (built lazily: vanna imports plotly and more)."""
    global _CLASS
    with _CLASS_LOCK:
        if _CLASS is None:
            _CLASS = _make_catalog_vanna()
    return _CLASS(catalog, pairs, today=today, prompt_tokens=prompt_tokens, compact=compact)


def prompt_budget(window: int | None, reply_tokens: int | None) -> int:
    """vanna's token budget for the schema and notes so the whole prompt and the reply fit the window."""
    if not window:
        return MAX_PROMPT_TOKENS
    room = window - (reply_tokens or 0) - PROMPT_OVERHEAD_TOKENS
    return max(200, min(MAX_PROMPT_TOKENS, int(room / CHARS_PER_TOKEN_SLACK)))


def table_ddl(table, dialect: str) -> str:
    """CREATE TABLE for one table of the schema, built as a sqlglot expression."""
    columns = []
    for column in table.columns.values():
        try:
            kind = exp.DataType.build(column.sql_type or "TEXT", dialect=dialect)
        except Exception:  # an exotic type name still shows, as text
            kind = exp.DataType.build("TEXT")
        columns.append(exp.ColumnDef(this=exp.to_identifier(column.name), kind=kind))
    create = exp.Create(this=exp.Schema(this=exp.to_table(table.name), expressions=columns), kind="TABLE")
    return create.sql(dialect=dialect)


def definition_notes(catalog: Catalog, *, compact: bool = False) -> list[str]:
    """Business definitions as short sentences: tables, columns, metrics, value words.

    ``compact`` leaves out the synonym lists (the planner's vocabulary, most of the text) and lists
    each column's known values on one line: a 2048-token window then still holds every definition.
    """
    definitions = catalog.definitions
    notes: list[str] = []
    for name, table in definitions.tables.items():
        bits = [f"Table {name}"]
        if table.description:
            bits.append(f": {table.description}")
        if table.synonyms and not compact:
            bits.append(f" (also called {', '.join(table.synonyms)})")
        if table.date_column:
            bits.append(f"; its date column is {table.date_column}")
        notes.append("".join(bits) + ".")
    for (table, column), cdef in definitions.columns.items():
        if cdef.description or (cdef.synonyms and not compact):
            also = f" (also called {', '.join(cdef.synonyms)})" if cdef.synonyms and not compact else ""
            notes.append(f"Column {table}.{column}: {cdef.description}{also}.")
    for (table, name), metric in definitions.metrics.items():
        notes.append(f"Metric {name} on {table} = {metric.expression}.")
    for (table, column), values in definitions.value_synonyms.items():
        if compact:
            notes.append(f"In {table}.{column}, values include {', '.join(map(repr, values))}.")
            continue
        for value, words in values.items():
            notes.append(f"In {table}.{column}, {value!r} is also called {', '.join(words)}.")
    return notes


def _overlap(words: set[str], question: str) -> float:
    other = set(_WORD.findall(question.lower()))
    return len(words & other) / max(1, len(words | other))


def _dialect_name(dialect: str) -> str:
    return {"duckdb": "DuckDB", "sqlite": "SQLite", "postgres": "PostgreSQL"}.get(dialect, dialect)
