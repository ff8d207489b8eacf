"""A corpus of hostile SQL, as data, generated systematically from templates.

Each ``HostileSql`` is one statement that tries to write, read files, reach the network, touch
system catalogs, escape the read-only session, or exhaust the machine. Placeholders are filled in
by the test: ``{SENTINEL}`` a file whose secret content must never show up in a result,
``{OUTSIDE}`` a folder where nothing may appear, ``{PROBE}`` a marker that no object created by
an attack may carry. ``may_pass`` marks statements that are harmless reads or resource bombs:
the guard may let them through, and then the row cap and the time limit must hold them.
"""

from __future__ import annotations

from dataclasses import dataclass

DIALECTS = ("duckdb", "sqlite", "postgres")


@dataclass(frozen=True)
class HostileSql:
    """One hostile statement with its family and whether the guard may let it through."""

    sql: str
    category: str
    may_pass: bool = False

    def render(self, sentinel: str, outside: str, probe: str) -> str:
        """The statement with its placeholders filled in."""
        return self.sql.replace("{SENTINEL}", sentinel).replace("{OUTSIDE}", outside).replace("{PROBE}", probe)


#: Demo tables with one column each, the targets of write attempts.
TARGETS = {
    "instruments": "name",
    "daily_bars": "close",
    "accounts": "desk",
    "orders": "status",
    "trades": "price",
    "positions": "quantity",
    "onchain_transfers": "amount",
}

WRITES_PER_TABLE = (
    "DELETE FROM {t}",
    "DELETE FROM {t} WHERE 1 = 1",
    "UPDATE {t} SET {c} = NULL",
    "UPDATE {t} SET {c} = {c} WHERE TRUE",
    "INSERT INTO {t} SELECT * FROM {t}",
    "INSERT INTO {t} DEFAULT VALUES",
    "INSERT INTO {t} ({c}) VALUES (NULL)",
    "INSERT OR REPLACE INTO {t} SELECT * FROM {t}",
    "REPLACE INTO {t} SELECT * FROM {t}",
    "MERGE INTO {t} AS d USING {t} AS s ON FALSE WHEN NOT MATCHED THEN INSERT DEFAULT VALUES",
    "DROP TABLE {t}",
    "DROP TABLE IF EXISTS {t} CASCADE",
    "DROP VIEW IF EXISTS {t}",
    "TRUNCATE TABLE {t}",
    "TRUNCATE {t}",
    "ALTER TABLE {t} ADD COLUMN {PROBE}_col INTEGER",
    "ALTER TABLE {t} RENAME TO {PROBE}_{t}",
    "ALTER TABLE {t} DROP COLUMN {c}",
    "CREATE TABLE {PROBE}_{t} AS SELECT * FROM {t}",
    "CREATE OR REPLACE VIEW {t} AS SELECT 1 AS one",
    "CREATE INDEX {PROBE}_i_{t} ON {t} ({c})",
    "WITH gone AS (DELETE FROM {t} RETURNING *) SELECT * FROM gone",
    "WITH moved AS (UPDATE {t} SET {c} = NULL RETURNING *) SELECT count(*) FROM moved",
    "SELECT * INTO {PROBE}_{t} FROM {t}",
    "SELECT * FROM {t} FOR UPDATE",
    "COMMENT ON TABLE {t} IS 'owned'",
    "GRANT ALL ON {t} TO PUBLIC",
    "LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE",
    "COPY {t} TO '{OUTSIDE}/{t}.csv'",
    "COPY {t} FROM '{SENTINEL}'",
)

STACK_PAYLOADS = (
    "DROP TABLE trades",
    "DELETE FROM orders",
    "ATTACH '{OUTSIDE}/stacked.db' AS stacked",
    "COPY trades TO '{OUTSIDE}/stacked.csv'",
    "UPDATE accounts SET desk = 'x'",
)
STACK_SEPARATORS = (";", "; ", ";\n", " ;/* */ ", ";--\n", "\n;\n\t")

COMMENT_TRICKS = (
    "/* SELECT */ DELETE FROM trades",
    "-- SELECT\nDELETE FROM trades",
    "DELETE/**/FROM/**/trades",
    "DEL/**/ETE FROM trades",
    "SELECT/**/*/**/FROM/**/trades;/**/DROP/**/TABLE/**/trades",
    "/**/;DROP TABLE trades",
    "SELECT 1 --\n; DROP TABLE trades",
    "SELECT 1 /* nested /* comment */ */; DROP TABLE trades",
    "SELECT 1 /* ; DROP TABLE trades */ ; DELETE FROM orders",
    "SELECT * FROM trades -- ; DROP TABLE trades\n; DELETE FROM trades",
    "SELECT * FROM trades WHERE 1 = 1 /*'*/; DROP TABLE trades; -- '",
)
COMMENTED_HARMLESS = (
    "SELECT 1 -- */; DROP TABLE trades; /*",
    "SELECT 1 /* ; DROP TABLE trades */",
    "SELECT 1 /*! ; DROP TABLE trades */",
    "SELECT symbol FROM trades -- '; DROP TABLE trades; --",
)

CASE_GAMES = (
    "delete from trades",
    "DeLeTe FrOm TrAdEs",
    "DELETE\tFROM\ttrades",
    "DELETE\n\nFROM\n\ntrades",
    "drop table ORDERS",
    "DrOp TaBlE oRdErS",
    "insert INTO accounts default VALUES",
    "InSeRt InTo AcCoUnTs DeFaUlT vAlUeS",
    "attach 'x.db' as y",
    "AtTaCh DaTaBaSe 'x.db' As y",
    "pragma query_only = 0",
    "PrAgMa WrItAbLe_ScHeMa = 1",
    "sElEcT * fRoM tRaDeS; dRoP tAbLe TrAdEs",
    "update TRADES set PRICE = 0",
    "UpDaTe TrAdEs SeT pRiCe = 0",
)

HOMOGLYPHS = (
    "D\u0415LETE FROM trades",  # Cyrillic capital IE
    "\uff24\uff25\uff2c\uff25\uff34\uff25 FROM trades",  # fullwidth DELETE
    "DE\u200bLETE FROM trades",  # zero-width space
    "DELETE\u00a0FROM\u00a0trades",  # no-break spaces
    "\ufeffDELETE FROM trades",  # byte order mark
    "\u202eDELETE FROM trades",  # right-to-left override
    "DR\u041eP TABLE trades",  # Cyrillic capital O
    "SELECT * FROM trades\u037e DROP TABLE trades",  # Greek question mark looks like ;
    "SELECT * FROM trades\uff1b DROP TABLE trades",  # fullwidth semicolon
    "SELECT * FROM trades;\u200bDROP TABLE trades",
    "SELECT * FROM trades;\u00a0DROP TABLE trades",
    "\u0455elect * from trades; drop table trades",  # Cyrillic dze for s
    "SELECT * FROM trades WHERE symbol = 'A'\u2019; DROP TABLE trades; --",
    "INS\u0415RT INTO accounts DEFAULT VALUES",
    "UPD\u0410TE trades SET price = 0",  # Cyrillic A
)

ADMIN = (
    # PRAGMA
    "PRAGMA query_only = 0",
    "PRAGMA writable_schema = 1",
    "PRAGMA journal_mode = WAL",
    "PRAGMA database_list",
    "PRAGMA table_info(trades)",
    "PRAGMA enable_profiling",
    "PRAGMA threads = 1",
    "PRAGMA version",
    # ATTACH / DETACH
    "ATTACH '{OUTSIDE}/evil.duckdb' AS evil",
    "ATTACH DATABASE '{OUTSIDE}/evil.sqlite' AS evil",
    "ATTACH '{SENTINEL}' AS s (TYPE sqlite)",
    "ATTACH ':memory:' AS m",
    "ATTACH 'dbname=test host=127.0.0.1' AS pg (TYPE postgres)",
    "DETACH DATABASE main",
    "DETACH evil",
    # COPY / EXPORT / IMPORT
    "COPY (SELECT * FROM trades) TO '{OUTSIDE}/t.parquet' (FORMAT parquet)",
    "COPY trades TO PROGRAM 'touch {OUTSIDE}/pwned'",
    "COPY (SELECT 1) TO PROGRAM 'id > {OUTSIDE}/id.txt'",
    "COPY trades FROM PROGRAM 'cat {SENTINEL}'",
    "COPY (SELECT 1) TO STDOUT",
    "EXPORT DATABASE '{OUTSIDE}/export'",
    "IMPORT DATABASE '{OUTSIDE}/export'",
    "COPY FROM DATABASE memory TO evil",
    # extensions
    "INSTALL httpfs",
    "LOAD httpfs",
    "INSTALL postgres_scanner",
    "LOAD '{SENTINEL}'",
    "FORCE INSTALL httpfs FROM 'http://127.0.0.1:9/'",
    "CREATE EXTENSION IF NOT EXISTS dblink",
    "CREATE EXTENSION adminpack",
    # settings and session
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET enable_external_access",
    "SET GLOBAL threads = 1",
    "SET memory_limit = '1GB'",
    "SET temp_directory = '{OUTSIDE}'",
    "SET allow_community_extensions = true",
    "SET search_path = pg_catalog",
    "SET statement_timeout = 0",
    "SET default_transaction_read_only = off",
    "SET TRANSACTION READ WRITE",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "SET SESSION AUTHORIZATION postgres",
    "SET ROLE postgres",
    "RESET ROLE",
    "RESET ALL",
    "USE memory",
    "USE {PROBE}",
    # CALL
    "CALL pragma_version()",
    "CALL duckdb_settings()",
    "CALL enable_logging()",
    "CALL checkpoint()",
    "CALL dbgen(sf = 0.01)",
    # transactions
    "BEGIN",
    "BEGIN TRANSACTION READ WRITE",
    "START TRANSACTION READ WRITE",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT a",
    "RELEASE SAVEPOINT a",
    "END",
    "ABORT",
    # maintenance and server
    "VACUUM",
    "VACUUM INTO '{OUTSIDE}/copy.db'",
    "ANALYZE",
    "ANALYZE trades",
    "CHECKPOINT",
    "FORCE CHECKPOINT",
    "REINDEX",
    "CLUSTER",
    "DISCARD ALL",
    "LISTEN channel",
    "NOTIFY channel, 'x'",
    "UNLISTEN *",
    "PREPARE p AS DELETE FROM trades",
    "EXECUTE p",
    "DEALLOCATE p",
    "DO $$ BEGIN DELETE FROM trades; END $$",
    "DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {OUTSIDE}/do'''; END $$",
    "ALTER SYSTEM SET work_mem = '1MB'",
    "ALTER ROLE postgres NOLOGIN",
    "GRANT pg_execute_server_program TO PUBLIC",
    "REVOKE SELECT ON trades FROM PUBLIC",
    "SECURITY LABEL ON TABLE trades IS 'x'",
    "KILL 1",
    # objects
    "CREATE FUNCTION {PROBE}_f() RETURNS int AS 'select 1' LANGUAGE sql",
    "CREATE MACRO {PROBE}_m(a) AS a + 1",
    "CREATE SECRET {PROBE}_s (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "CREATE SEQUENCE {PROBE}_seq",
    "CREATE SCHEMA {PROBE}_schema",
    "CREATE ROLE {PROBE}_role",
    "CREATE USER {PROBE}_user",
    "CREATE DATABASE {PROBE}_db",
    "CREATE TEMP TABLE {PROBE}_tmp (a int)",
    "CREATE TRIGGER {PROBE}_trg AFTER INSERT ON trades BEGIN DELETE FROM trades; END",
    "CREATE TYPE {PROBE}_type AS ENUM ('a')",
    "DROP SCHEMA public CASCADE",
    "DROP DATABASE test",
    "DROP FUNCTION IF EXISTS {PROBE}_f",
    "UPDATE pg_settings SET setting = 'off' WHERE name = 'fsync'",
    # describing and other roots
    "SHOW TABLES",
    "SHOW ALL",
    "DESCRIBE trades",
    "SUMMARIZE trades",
    "EXPLAIN ANALYZE DELETE FROM trades",
    "EXPLAIN SELECT * FROM trades",
    "VALUES (1), (2)",
    "PIVOT trades ON side USING count(*)",
    "UNPIVOT daily_bars ON open, close INTO NAME k VALUE v",
    "LOAD DATA INFILE '{SENTINEL}' INTO TABLE trades",
    "SELECT * FROM trades INTO OUTFILE '{OUTSIDE}/o.txt'",
    "HANDLER trades OPEN",
    "SELECT * INTO TEMP {PROBE}_t FROM trades",
    "SELECT * INTO UNLOGGED {PROBE}_u FROM orders",
    "SELECT * FROM trades FOR SHARE",
    "SELECT * FROM trades FOR NO KEY UPDATE",
    "SELECT * FROM trades FOR KEY SHARE",
    "SELECT * FROM trades FOR UPDATE SKIP LOCKED",
    "SELECT * FROM trades FOR UPDATE NOWAIT",
    "SELECT * FROM trades t FOR UPDATE OF t",
)

#: File, network and system functions; each is tried in several positions.
FUNCTIONS = (
    "read_csv('{SENTINEL}')",
    "read_csv_auto('{SENTINEL}')",
    "read_text('{SENTINEL}')",
    "read_blob('{SENTINEL}')",
    "read_parquet('{OUTSIDE}/*.parquet')",
    "read_json('{SENTINEL}')",
    "read_json_auto('{SENTINEL}')",
    "read_ndjson_objects('{SENTINEL}')",
    "parquet_scan('{SENTINEL}')",
    "glob('{OUTSIDE}/*')",
    "sniff_csv('{SENTINEL}')",
    "read_parquet('https://127.0.0.1:9/x.parquet')",
    "read_csv('s3://bucket/x.csv')",
    "pg_read_file('{SENTINEL}')",
    "pg_read_binary_file('{SENTINEL}')",
    "pg_ls_dir('{OUTSIDE}')",
    "pg_stat_file('{SENTINEL}')",
    "lo_import('{SENTINEL}')",
    "lo_export(1, '{OUTSIDE}/lo')",
    "lo_get(1)",
    "dblink('dbname=test', 'DELETE FROM trades')",
    "dblink_exec('dbname=test', 'DROP TABLE trades')",
    "load_extension('{SENTINEL}')",
    "readfile('{SENTINEL}')",
    "writefile('{OUTSIDE}/w.txt', 'x')",
    "fts3_tokenizer('simple')",
    "current_setting('data_directory')",
    "set_config('statement_timeout', '0', false)",
    "pg_sleep(30)",
    "pg_terminate_backend(pg_backend_pid())",
    "pg_cancel_backend(1)",
    "pg_reload_conf()",
    "pg_rotate_logfile()",
    "txid_current()",
    "nextval('{PROBE}_seq')",
    "setval('{PROBE}_seq', 1)",
    "getenv('HOME')",
    "duckdb_settings()",
    "duckdb_extensions()",
    "duckdb_secrets()",
    "duckdb_databases()",
    "duckdb_tables()",
    "pragma_table_info('trades')",
    "pragma_database_list()",
    "sqlite_version()",
    "version()",
    "current_user",
    "current_database()",
    "query('DELETE FROM trades')",
    "query_table('trades')",
    "pg_advisory_lock(1)",
    "inet_server_addr()",
    "pg_backend_pid()",
    "pg_postmaster_start_time()",
    "setseed(0.5)",
    "user()",
    "system('id')",
    "shell('id')",
    "http_get('http://127.0.0.1:9/')",
    "json_extract(read_text('{SENTINEL}'), '$')",
    "upper(pg_read_file('{SENTINEL}'))",
    "length(read_blob('{SENTINEL}'))",
)
FUNCTION_POSITIONS = (
    "SELECT {f}",
    "SELECT * FROM {f}",
    "SELECT symbol FROM trades WHERE symbol IN (SELECT {f})",
)

#: Statements that would exhaust memory if run; the guard must refuse them, nothing runs them.
MEMORY_BOMBS = (
    "SELECT randomblob(1000000000)",
    "SELECT zeroblob(1000000000)",
    "SELECT repeat('x', 1000000000)",
    "SELECT range(1000000000000)",
    "SELECT * FROM range(1000000000000)",
    "SELECT generate_series(1, 1000000000000)",
    "SELECT * FROM generate_series(1, 1000000000000)",
    "SELECT unnest(range(1000000000))",
    "SELECT list_value(1) FROM range(1000000000000)",
    "SELECT space(1000000000)",
)

CATALOGS = (
    "information_schema.tables",
    "information_schema.columns",
    '"information_schema"."tables"',
    "INFORMATION_SCHEMA.TABLES",
    "pg_catalog.pg_user",
    "pg_catalog.pg_shadow",
    "pg_catalog.pg_authid",
    "pg_catalog.pg_class",
    "pg_user",
    "pg_shadow",
    "pg_authid",
    "pg_settings",
    "pg_stat_activity",
    "pg_roles",
    "pg_tables",
    "pg_proc",
    "pg_file_settings",
    "pg_hba_file_rules",
    "sqlite_master",
    "sqlite_schema",
    "sqlite_temp_master",
    "sqlite_sequence",
    "temp.sqlite_master",
    "main.sqlite_master",
    "main.trades",
    "memory.main.trades",
    "system.main.trades",
    "public.trades",
)
CATALOG_WRAPPERS = (
    "SELECT * FROM {c}",
    "SELECT count(*) FROM {c}",
    "WITH x AS (SELECT * FROM {c}) SELECT * FROM x",
    "SELECT symbol FROM trades UNION ALL SELECT CAST(count(*) AS VARCHAR) FROM {c}",
    "SELECT t.symbol FROM trades t JOIN {c} s ON TRUE",
)
SHADOWING = (
    # A CTE named like a system view must not let the real view in outside its scope.
    "WITH pg_user AS (SELECT 1 AS a) SELECT * FROM (SELECT * FROM pg_shadow) s",
    "SELECT * FROM (WITH sqlite_master AS (SELECT 1 AS a) SELECT * FROM sqlite_master) x, sqlite_master",
    "WITH x AS (WITH pg_settings AS (SELECT 1 AS a) SELECT * FROM pg_settings) SELECT * FROM pg_settings",
    "WITH trades AS (SELECT * FROM information_schema.tables) SELECT * FROM trades",
    "WITH RECURSIVE r AS (SELECT * FROM pg_roles) SELECT * FROM r",
)

PARAMETERS = (
    "SELECT * FROM trades WHERE symbol = ?",
    "SELECT * FROM trades WHERE symbol = $1",
    "SELECT * FROM trades WHERE symbol = :sym",
    "SELECT * FROM trades WHERE symbol = @sym",
    "SELECT @@version",
    "SELECT $sym",
    "SELECT * FROM trades LIMIT ?",
    "SELECT * FROM trades LIMIT $1",
)

LIMIT_GAMES = (
    "SELECT * FROM trades LIMIT 10%",
    "SELECT * FROM trades LIMIT (SELECT count(*) FROM trades)",
    "SELECT * FROM trades LIMIT ALL",
    "SELECT * FROM trades LIMIT -1",
    "SELECT * FROM trades LIMIT 1e12",
    "SELECT * FROM trades LIMIT '100000000'",
    "SELECT * FROM trades FETCH FIRST 50 PERCENT ROWS ONLY",
    "SELECT * FROM trades ORDER BY price FETCH FIRST 1 ROWS WITH TIES",
)

#: Read-only statements that may pass the guard but must be held by the LIMIT and time limit.
RESOURCE = (
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    "SELECT count(*) FROM daily_bars a, daily_bars b, daily_bars c",
    "SELECT * FROM daily_bars a CROSS JOIN daily_bars b",
    "SELECT * FROM daily_bars LIMIT 100000000",
    "SELECT * FROM orders LIMIT 18446744073709551615",
    "SELECT a.symbol FROM trades a, trades b ORDER BY a.price * b.price",
)

#: Values that carry SQL stay values: these are harmless reads.
VALUE_INJECTION = (
    "SELECT * FROM trades WHERE symbol = 'AAPL''; DROP TABLE trades;--'",
    "SELECT * FROM trades WHERE symbol = 'AAPL'' OR 1=1; DELETE FROM trades; --'",
    "SELECT * FROM trades WHERE symbol = '\\'; DROP TABLE trades; --'",
    "SELECT * FROM instruments WHERE name LIKE '%''; ATTACH ''x'' AS y; --%'",
    "SELECT * FROM trades WHERE symbol = E'\\'; DROP TABLE trades; --'",
    "SELECT * FROM trades WHERE symbol = $$'; DROP TABLE trades; --$$",
    "SELECT * FROM trades WHERE symbol = $q$'; DELETE FROM orders; --$q$",
)
VALUE_INJECTION_STACKED = (
    "SELECT * FROM trades WHERE symbol = 'AAPL'; DROP TABLE trades;--'",
    "SELECT * FROM trades WHERE symbol = 'AAPL' OR 1=1; DELETE FROM trades; --'",
    "SELECT * FROM trades WHERE symbol = ''; INSERT INTO accounts DEFAULT VALUES; --'",
    "SELECT * FROM trades WHERE symbol = 'x' UNION SELECT * FROM sqlite_master --'",
)

ENCODING = (
    "SELECT 1\x00; DROP TABLE trades",
    "SELECT 1\x1a; DROP TABLE trades",
    "SELECT '" + "a" * 200_000 + "'",
    "SELECT " + "(" * 3000 + "1" + ")" * 3000,
    "",
    "   \n\t  ",
    ";",
    ";;;",
    "-- only a comment",
    "/* only a comment */",
)


def hostile_statements() -> list[HostileSql]:
    """The whole corpus, in a fixed order, without duplicates."""
    cases: list[HostileSql] = []
    for table, column in TARGETS.items():
        cases += [HostileSql(t.replace("{t}", table).replace("{c}", column), "write") for t in WRITES_PER_TABLE]
    cases += [
        HostileSql(f"SELECT * FROM trades{sep}{payload}", "stacked")
        for payload in STACK_PAYLOADS
        for sep in STACK_SEPARATORS
    ]
    cases += [HostileSql(sql, "comment") for sql in COMMENT_TRICKS]
    cases += [HostileSql(sql, "comment", may_pass=True) for sql in COMMENTED_HARMLESS]
    cases += [HostileSql(sql, "case") for sql in CASE_GAMES]
    cases += [HostileSql(sql, "homoglyph") for sql in HOMOGLYPHS]
    cases += [HostileSql(sql, "admin") for sql in ADMIN]
    cases += [HostileSql(p.replace("{f}", f), "function") for f in FUNCTIONS for p in FUNCTION_POSITIONS]
    cases += [HostileSql(sql, "memory") for sql in MEMORY_BOMBS]
    cases += [HostileSql(w.replace("{c}", c), "catalog") for c in CATALOGS for w in CATALOG_WRAPPERS]
    cases += [HostileSql(sql, "catalog") for sql in SHADOWING]
    cases += [HostileSql(sql, "parameter") for sql in PARAMETERS]
    cases += [HostileSql(sql, "limit") for sql in LIMIT_GAMES]
    cases += [HostileSql(sql, "resource", may_pass=True) for sql in RESOURCE]
    cases += [HostileSql(sql, "value", may_pass=True) for sql in VALUE_INJECTION]
    cases += [HostileSql(sql, "value") for sql in VALUE_INJECTION_STACKED]
    cases += [HostileSql(sql, "encoding") for sql in ENCODING]
    unique: dict[str, HostileSql] = {}
    for case in cases:
        unique.setdefault(case.sql, case)
    return list(unique.values())
