"""The executor: runs guarded SQL on a read-only database under a time limit and a row cap.

Only ``GuardedSql`` runs here; ``run_sql`` guards plain text first. Database errors come back as
``DataSourceError`` carrying the database's own message (a language model can correct its SQL from
it); a query past ``TRADEASSIST_SQL_TIMEOUT_S`` is stopped and reported as such.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tradeassist.core.errors import UnsafeSqlError
from tradeassist.sql.db.database import Database, QueryResult
from tradeassist.sql.db.guard import GuardedSql, guard_sql

if TYPE_CHECKING:  # pragma: no cover - typing only
    from tradeassist.core.settings import Settings

__all__ = ["Database", "Executor", "QueryResult"]


class Executor:
    """Runs guarded statements on one database with the limits from settings."""

    def __init__(self, database: Database, settings: Settings, *, row_cap: int | None = None) -> None:
        """``row_cap`` replaces the configured default LIMIT and row cap (engines reading whole tables)."""
        self.database = database
        self.settings = settings
        self.row_cap = row_cap

    @property
    def max_rows(self) -> int:
        """The most rows one statement may return."""
        return self.row_cap if self.row_cap is not None else self.settings.sql_max_rows

    def guard(self, sql: str) -> GuardedSql:
        """Check ``sql`` against this database's schema and dialect with the configured limits."""
        return guard_sql(
            sql,
            self.database.schema(),
            self.database.dialect,
            default_limit=self.row_cap if self.row_cap is not None else self.settings.sql_default_limit,
            max_rows=self.max_rows,
        )

    def run(self, guarded: GuardedSql) -> QueryResult:
        """Run a guarded statement: at most ``limit`` rows (never more than the row cap), timed."""
        if not isinstance(guarded, GuardedSql):
            raise UnsafeSqlError("only SQL checked by the guard may run; pass the result of guard_sql")
        cap = max(1, min(guarded.limit, self.max_rows))
        return self.database.query(
            guarded.run_sql,
            timeout_s=self.settings.sql_timeout_s,
            max_rows=cap,
            max_cell_bytes=int(self.settings.sql_max_cell_kb * 1024),
            max_result_bytes=int(self.settings.sql_max_result_mb * 1024 * 1024),
        )

    def run_sql(self, sql: str) -> tuple[GuardedSql, QueryResult]:
        """Guard ``sql``, then run it; returns the checked statement and its result."""
        guarded = self.guard(sql)
        return guarded, self.run(guarded)
