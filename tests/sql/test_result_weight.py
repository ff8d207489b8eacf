"""What a result may weigh: padding widths refused by the guard, bytes per value and per result capped."""

from __future__ import annotations

import pytest

from tradeassist.core.errors import UnsafeSqlError
from tradeassist.core.settings import Settings
from tradeassist.sql.db.database import ResultTooLargeError
from tradeassist.sql.db.executor import Database, Executor
from tradeassist.sql.db.guard import MAX_PAD_WIDTH

#: (statement, the refusal's words); each would build values of megabytes per row.
REFUSED = [
    ("SELECT lpad(name, 20000000, 'y') FROM accounts", "lpad to width 20,000,000"),
    ("SELECT rpad(name, 20000000) FROM accounts", "rpad to width 20,000,000"),
    ("SELECT lpad(name, 10 * 2000000, 'y') FROM accounts", "whole-number width"),
    ("SELECT lpad(name, account_id * 100000, 'y') FROM accounts", "whole-number width"),
    ("SELECT printf('%20000000s', name) FROM accounts", "printf with a width"),
    ("SELECT printf('%*s', 20000000, name) FROM accounts", "printf with a width"),
    ("SELECT printf(name, 1) FROM accounts", "format written in the query"),
]



def _pad(executor, column: str, width: int = MAX_PAD_WIDTH) -> str:
    # SQLite has no lpad; its printf pads the same way.
    if executor.database.dialect == "sqlite":
        return f"printf('%{width}s', {column})"
    return f"lpad({column}, {width}, '.')"


@pytest.fixture(scope="module")
def executor(db_url, tmp_path_factory):
    database = Database.connect(db_url)
    yield Executor(database, Settings(home=tmp_path_factory.mktemp("home"), sql_max_cell_kb=16, sql_max_result_mb=2))
    database.close()


@pytest.mark.parametrize(("sql", "reason"), REFUSED)
def test_padding_and_format_bombs_are_refused(executor, sql, reason):
    if "printf" in sql and executor.database.dialect == "postgres":
        pytest.skip("PostgreSQL has no printf")
    with pytest.raises(UnsafeSqlError, match=reason):
        executor.run_sql(sql)


def test_sane_padding_runs(executor):
    _, result = executor.run_sql(f"SELECT {_pad(executor, 'name')} AS padded FROM accounts")
    assert result.row_count > 0 and len(result.frame["padded"][0]) == MAX_PAD_WIDTH


def test_value_and_result_weight_are_capped(executor):
    # 16 KB per value: one value joining every trade's symbol passes it on the demo data.
    with pytest.raises(ResultTooLargeError, match="per value"):
        executor.run_sql("SELECT group_concat(symbol, ',') FROM trades" if executor.database.dialect == "sqlite"
                         else "SELECT string_agg(symbol, ',') FROM trades")
    # 2 MB per result: 10,000 rows of four 1,000-character values are about 40 MB.
    wide = ", ".join(f"{_pad(executor, 'symbol')} AS c{i}" for i in range(4))
    with pytest.raises(ResultTooLargeError, match="the result weighs"):
        executor.run_sql(f"SELECT {wide} FROM trades LIMIT 10000")
    _, result = executor.run_sql("SELECT symbol, price FROM trades LIMIT 10000")  # plain data passes
    assert result.row_count == 10000
