"""Statements that grow values until memory runs out, and a child process that runs them with its memory watched.

Each statement in ``FAMILY`` passed the guard before values were bounded (docs/security.md, "What a
result may weigh"); run, most would take gigabytes within one DuckDB vector. ``run_in_child`` runs
them through the ``Executor`` in a separate process under an address-space limit, so that a bound
that fails costs that process, never the machine running the tests, and reports the peak RSS.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

A = "A" * 1000


def _chain(levels: int, first: str, step: str, last: str) -> str:
    """A CTE chain a0 .. aN where each level applies ``step`` to the one before."""
    ctes = [f"a0 AS ({first})"] + [f"a{i} AS ({step.format(prev=f'a{i - 1}')})" for i in range(1, levels + 1)]
    return f"WITH {', '.join(ctes)} {last.format(prev=f'a{levels}')}"


#: (what it does, DuckDB statement over the demo data).
FAMILY: list[tuple[str, str]] = [
    ("replace nested three deep (the reported attack)",
     f"SELECT length(replace(replace(replace(upper(symbol),'A','{A}'),'A','{A}'),'A','{A[:100]}')) AS n FROM trades"),
    ("replace nested twice",
     f"SELECT max(length(replace(replace(symbol, 'A', '{A[:400]}'), 'A', '{A[:400]}'))) FROM trades"),
    ("|| doubled through 30 CTEs",
     _chain(30, "SELECT symbol AS s FROM trades", "SELECT s || s AS s FROM {prev}",
            "SELECT max(length(s)) FROM {prev}")),
    ("concat() doubled through 30 CTEs",
     _chain(30, "SELECT symbol AS s FROM trades", "SELECT concat(s, s) AS s FROM {prev}",
            "SELECT max(length(s)) FROM {prev}")),
    ("a recursive CTE doubling s || s",
     "WITH RECURSIVE r(s, n) AS (SELECT 'ab', 1 UNION ALL SELECT s || s, n + 1 FROM r WHERE n < 40) "
     "SELECT max(length(s)) FROM r"),
    ("a recursive CTE appending 1,000 characters a step",
     f"WITH RECURSIVE r(s, n) AS (SELECT 'x', 1 UNION ALL SELECT s || '{A}', n + 1 FROM r WHERE n < 1000000) "
     "SELECT max(length(s)) FROM r"),
    ("regexp_replace with \\0 back-references, four deep",
     "SELECT max(length(" + "regexp_replace(" * 4 + "symbol"
     + (", '.', '" + "\\0" * 50 + "', 'g')") * 4 + ")) FROM trades"),
    ("regexp_replace of the empty match between every character",
     f"SELECT max(length(regexp_replace(regexp_replace(symbol, '', '{A}', 'g'), '', '{A}', 'g'))) FROM trades"),
    ("replace inside a padded value",
     f"SELECT max(length(replace(lpad(symbol, 1000, 'A'), 'A', '{A}'))) FROM trades"),
    ("replace of a string_agg", f"SELECT length(replace(string_agg(symbol, ''), 'A', '{A}')) FROM trades"),
    ("a string_agg copied into every row",
     "SELECT (SELECT string_agg(symbol, '') FROM trades) AS s FROM trades LIMIT 10000"),
    ("a list of every price copied into every row",
     "SELECT (SELECT list(price) FROM trades) AS l FROM trades LIMIT 500"),
    ("a string_agg joined to every row",
     "SELECT max(length(a.s || b.symbol)) FROM (SELECT string_agg(symbol, '') AS s FROM trades) a, trades b"),
    ("a list doubled through 25 CTEs",
     _chain(25, "SELECT [price] AS l FROM trades", "SELECT list_concat(l, l) AS l FROM {prev}",
            "SELECT max(len(l)) FROM {prev}")),
    ("a recursive CTE doubling a list",
     "WITH RECURSIVE r(l, n) AS (SELECT [1], 1 UNION ALL SELECT list_concat(l, l), n + 1 FROM r WHERE n < 40) "
     "SELECT max(len(l)) FROM r"),
    ("format() of ten grown values",
     f"SELECT max(length(format('{{}}{{}}{{}}{{}}{{}}{{}}{{}}{{}}{{}}{{}}', r, r, r, r, r, r, r, r, r, r))) "
     f"FROM (SELECT replace(symbol, 'A', '{A[:90]}') AS r FROM trades) t"),
    ("concat_ws with a grown separator",
     f"SELECT max(length(concat_ws(replace(symbol, 'A', '{A}'), symbol, symbol, symbol))) FROM trades"),
    ("the growth in WHERE",
     f"SELECT count(*) FROM trades WHERE length(replace(replace(symbol, 'A', '{A}'), 'A', '{A}')) > 0"),
    ("the growth in ORDER BY",
     f"SELECT symbol FROM trades ORDER BY replace(replace(symbol, 'A', '{A}'), 'A', '{A}') LIMIT 1"),
    ("string_agg over a cross join (held by DuckDB's memory_limit)",
     "SELECT length(string_agg(a.symbol || b.symbol, '')) FROM trades a, trades b"),
]

_CHILD = r"""
import json, resource, sys, tempfile, time, datetime as dt
from pathlib import Path
from tradeassist.core.errors import DataSourceError, UnsafeSqlError
from tradeassist.core.settings import Settings
from tradeassist.sql.db.executor import Database, Executor
sys.path.insert(0, sys.argv[3])
from string_growth import FAMILY

def peak_mb():
    # VmHWM is this program's own peak: ru_maxrss would keep the forking parent's size across exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

database = Database.connect(sys.argv[1])
executor = Executor(database, Settings(home=Path(tempfile.mkdtemp()), today=dt.date(2026, 11, 20), sql_timeout_s=10))
executor.run_sql("SELECT count(*), max(symbol) FROM trades")
report = {"baseline_mb": peak_mb(), "results": []}
for what, sql in FAMILY:
    started = time.monotonic()
    try:
        executor.run_sql(sql)
        outcome, message = "answered", ""
    except UnsafeSqlError as exc:
        outcome, message = "refused", str(exc)
    except DataSourceError as exc:
        outcome, message = type(exc).__name__, str(exc)
    except MemoryError as exc:
        outcome, message = "MemoryError", str(exc)
    report["results"].append({"what": what, "outcome": outcome, "message": message[:300],
                              "seconds": round(time.monotonic() - started, 2), "peak_mb": peak_mb()})
    Path(sys.argv[2]).write_text(json.dumps(report))
"""


def run_in_child(db_path: Path, report: Path, *, address_space_gb: float = 6, timeout_s: float = 600) -> dict:
    """Run ``FAMILY`` in a child process limited to ``address_space_gb``; its report (partial if it died)."""
    limit = int(address_space_gb * 1024**3)

    def cap() -> None:  # in the child, before exec: a failed bound costs the child, not the machine
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    started = time.monotonic()
    command = [sys.executable, "-P", "-c", _CHILD, str(db_path), str(report), str(Path(__file__).parent)]
    child = subprocess.run(command, preexec_fn=cap, capture_output=True, text=True, timeout=timeout_s)
    data = json.loads(report.read_text()) if report.exists() else {"results": []}
    data.update(returncode=child.returncode, stderr=child.stderr[-2000:], seconds=time.monotonic() - started)
    return data
