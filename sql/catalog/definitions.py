"""Business definitions: what tables and columns mean, their synonyms, metrics and defaults.

Loaded from a YAML file (the demo ships ``sql/demo/definitions.yaml``) or generated from the
schema alone for any other database: identifiers read as words (``sbTxAmt`` -> amount), column
comments and the values they list, roles from names and types, joins from keys and names.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from tradeassist.core.errors import ConfigError
from tradeassist.sql.catalog.definition_types import ColumnDef, Definitions, MetricDef, TableDef
from tradeassist.sql.catalog.generated_definitions import generate_definitions

DEMO_DEFINITIONS = Path(__file__).parents[1] / "demo" / "definitions.yaml"
#: Tables and columns of the demo schema contract; a database having all of them is the demo.
DEMO_CONTRACT = {
    "instruments": {"symbol", "name", "asset_class", "sector"},
    "daily_bars": {"symbol", "date", "close", "volume"},
    "accounts": {"account_id", "desk"},
    "orders": {"order_id", "status", "order_type"},
    "trades": {"trade_id", "executed_at", "price", "fee"},
    "positions": {"account_id", "symbol", "quantity"},
    "onchain_transfers": {"tx_hash", "block_time", "usd_value"},
}


def _split(name: str) -> str:
    return name.replace("_", " ").strip().lower()


def _dotted(key: str) -> tuple[str, str]:
    table, _, column = key.partition(".")
    if not table or not column:
        raise ConfigError(f"Definitions key {key!r} must be 'table.column'.")
    return table, column


def _words(values: Any) -> tuple[str, ...]:
    return tuple(str(v).lower() for v in (values or ()))


@functools.lru_cache(maxsize=16)
def _read_yaml(path: str, _mtime_ns: int) -> dict:
    import yaml

    # The C loader when present: the pure-Python one takes a large share of catalog start-up.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506 (safe loader)
    return data


def load_definitions(path: Path, schema) -> Definitions:
    """Read a YAML definitions file, checked against the schema; generated defaults fill gaps."""
    import yaml

    try:
        data = _read_yaml(str(Path(path).resolve()), Path(path).stat().st_mtime_ns)
    except FileNotFoundError:
        raise ConfigError(f"The definitions file {path} does not exist.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"The definitions file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The definitions file {path} must hold a mapping.")
    base = generate_definitions(schema, key_stems=True)  # gaps filled as files were written against
    tables = dict(base.tables)
    for name, spec in (data.get("tables") or {}).items():
        if name not in schema.tables:
            continue  # definitions may describe tables a smaller database lacks
        spec = spec or {}
        default = base.tables[name]
        tables[name] = TableDef(
            name=name,
            description=str(spec.get("description", default.description)),
            synonyms=_words(spec.get("synonyms")) or default.synonyms,
            verbs=_words(spec.get("verbs")),
            date_column=spec.get("date_column", default.date_column),
            measure=spec.get("measure", default.measure),
            money=spec.get("money"),
            subject=spec.get("subject", default.subject),
            label=spec.get("label", default.label),
            prior=float(spec.get("prior", 0.0)),
            person=bool(spec.get("person", False)),
        )
    columns = dict(base.columns)
    for key, spec in (data.get("columns") or {}).items():
        table, column = _dotted(key)
        if table in schema.tables and column in schema.tables[table].columns:
            spec = spec or {}
            default = base.columns[(table, column)]
            columns[(table, column)] = ColumnDef(
                table, column, str(spec.get("description", default.description) or ""),
                tuple(dict.fromkeys((*_words(spec.get("synonyms")), _split(column)))),
                str(spec.get("role", default.role) or ""),
            )
    metrics = {}
    for key, spec in (data.get("metrics") or {}).items():
        table, name = _dotted(key)
        if table in schema.tables:
            metrics[(table, name)] = MetricDef(
                table, name, str(spec["expression"]), _words(spec.get("synonyms")) or (_split(name),),
                bool(spec.get("money", False)),
            )
    value_synonyms = {}
    for key, mapping in (data.get("values") or {}).items():
        value_synonyms[_dotted(key)] = {str(v): _words(words) for v, words in (mapping or {}).items()}
    prefer = tuple(_dotted(key) for key in data.get("prefer") or ())
    joins = _joins(data["joins"], schema, path) if "joins" in data else base.joins
    return Definitions(tables, columns, metrics, value_synonyms, prefer, source=str(path), joins=joins)


def _joins(entries, schema, path) -> tuple[tuple[str, str, str, str], ...]:
    """``joins:`` entries ``"table.column -> table.column"``, checked against the schema."""
    joins = []
    for entry in entries or ():
        left, arrow, right = str(entry).partition("->")
        if not arrow:
            raise ConfigError(f"{path}: join {entry!r} must read 'table.column -> table.column'.")
        (lt, lc), (rt, rc) = _dotted(left.strip()), _dotted(right.strip())
        if schema.column(lt, lc) is not None and schema.column(rt, rc) is not None:
            joins.append((lt, lc, rt, rc))
    return tuple(joins)


def is_demo_schema(schema) -> bool:
    """True when the schema holds every table and column of the demo contract."""
    for table, needed in DEMO_CONTRACT.items():
        if table not in schema.tables or not needed <= set(schema.tables[table].columns):
            return False
    return True


def choose_definitions(schema, settings=None) -> Definitions:
    """The settings' definitions file, else the demo's for the demo schema, else generated."""
    path = getattr(settings, "definitions", None) if settings is not None else None
    if path:
        return load_definitions(Path(path), schema)
    if is_demo_schema(schema):
        return load_definitions(DEMO_DEFINITIONS, schema)
    return generate_definitions(schema)


__all__ = ["ColumnDef", "Definitions", "MetricDef", "TableDef", "choose_definitions", "generate_definitions",
           "is_demo_schema", "load_definitions"]
