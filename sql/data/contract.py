"""The trading database's schema contract as SQLAlchemy tables: one definition for every dialect."""

from __future__ import annotations

import sqlalchemy as sa

#: Prices and quantities: DOUBLE everywhere, stored as REAL in SQLite.
Double = sa.Double().with_variant(sa.REAL(), "sqlite")

metadata = sa.MetaData()

instruments = sa.Table(
    "instruments", metadata,
    sa.Column("symbol", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("asset_class", sa.String, nullable=False),
    sa.Column("sector", sa.String),
    sa.Column("exchange", sa.String),
    sa.Column("currency", sa.String),
)

daily_bars = sa.Table(
    "daily_bars", metadata,
    sa.Column("symbol", sa.String, sa.ForeignKey("instruments.symbol"), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("open", Double, nullable=False),
    sa.Column("high", Double, nullable=False),
    sa.Column("low", Double, nullable=False),
    sa.Column("close", Double, nullable=False),
    sa.Column("volume", sa.BigInteger, nullable=False),
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("desk", sa.String, nullable=False),
    sa.Column("strategy", sa.String, nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
)

orders = sa.Table(
    "orders", metadata,
    sa.Column("order_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.account_id"), nullable=False),
    sa.Column("symbol", sa.String, sa.ForeignKey("instruments.symbol"), nullable=False),
    sa.Column("placed_at", sa.DateTime, nullable=False),
    sa.Column("side", sa.String, nullable=False),
    sa.Column("order_type", sa.String, nullable=False),
    sa.Column("quantity", Double, nullable=False),
    sa.Column("limit_price", Double),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("filled_quantity", Double, nullable=False),
)

trades = sa.Table(
    "trades", metadata,
    sa.Column("trade_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("order_id", sa.BigInteger, sa.ForeignKey("orders.order_id"), nullable=False),
    sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.account_id"), nullable=False),
    sa.Column("symbol", sa.String, sa.ForeignKey("instruments.symbol"), nullable=False),
    sa.Column("executed_at", sa.DateTime, nullable=False),
    sa.Column("side", sa.String, nullable=False),
    sa.Column("quantity", Double, nullable=False),
    sa.Column("price", Double, nullable=False),
    sa.Column("fee", Double, nullable=False),
)

positions = sa.Table(
    "positions", metadata,
    sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.account_id"), primary_key=True),
    sa.Column("symbol", sa.String, sa.ForeignKey("instruments.symbol"), primary_key=True),
    sa.Column("quantity", Double, nullable=False),
    sa.Column("avg_cost", Double, nullable=False),
)

onchain_transfers = sa.Table(
    "onchain_transfers", metadata,
    sa.Column("tx_hash", sa.String, primary_key=True),
    sa.Column("symbol", sa.String, sa.ForeignKey("instruments.symbol"), nullable=False),
    sa.Column("block_time", sa.DateTime, nullable=False),
    sa.Column("from_address", sa.String, nullable=False),
    sa.Column("to_address", sa.String, nullable=False),
    sa.Column("amount", Double, nullable=False),
    sa.Column("usd_value", Double, nullable=False),
)

#: Tables in dependency order: parents before the tables whose foreign keys point at them.
TABLE_ORDER: tuple[str, ...] = (
    "instruments", "accounts", "daily_bars", "orders", "trades", "positions", "onchain_transfers",
)


def table(name: str) -> sa.Table:
    """The contract table called ``name`` (KeyError when it is not part of the contract)."""
    return metadata.tables[name]


def create_table_ddl(name: str, dialect: str = "duckdb") -> str:
    """``CREATE TABLE`` for a contract table in ``dialect`` ('duckdb', 'sqlite' or 'postgresql')."""
    from sqlalchemy.dialects import postgresql, sqlite

    # DuckDB speaks PostgreSQL's DDL for these types (DOUBLE PRECISION, TIMESTAMP, BIGINT, VARCHAR).
    compiler_dialect = sqlite.dialect() if dialect == "sqlite" else postgresql.dialect()
    return str(sa.schema.CreateTable(table(name)).compile(dialect=compiler_dialect)).strip()


def create_contract_tables(conn) -> None:
    """Create every missing contract table, with keys, in a DuckDB connection."""
    existing = {row[0] for row in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    ).fetchall()}
    for name in TABLE_ORDER:
        if name not in existing:
            conn.execute(create_table_ddl(name, "duckdb"))
