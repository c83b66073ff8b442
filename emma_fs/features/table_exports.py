"""How a DuckDB table written by another stage becomes a feature export (one row per asin).

- Long label tables (``asin, property, probability, ...``, e.g. ``smart_labels``) are pivoted:
  one DOUBLE column per property holding its latest probability (by ``labeled_at``).
- Other tables (e.g. ``filled_attributes``, one row per listing and generation) keep their
  latest row per asin, ordered by ``generation`` then a timestamp column; nested values
  (STRUCT, MAP) become JSON strings, which Feast can serve.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from emma_fs.errors import StoreError
from emma_fs.features.sqltext import columns_of, quote_ident, quote_literal

if TYPE_CHECKING:
    import duckdb

ORDER_COLUMNS = ("generation", "event_timestamp", "updated_at", "labeled_at", "created_at")
TIME_COLUMNS = ("event_timestamp", "updated_at", "labeled_at", "created_at")
RESERVED = {"asin", "event_timestamp", "event_ts", "created_ts", "vector"}


def feature_name(label: str) -> str:
    """A property name as a feature column (lower snake case, never a reserved name)."""
    name = re.sub(r"\W+", "_", label.strip().lower()).strip("_") or "unnamed"
    return f"label_{name}" if name in RESERVED or name[0].isdigit() else name


def labels_query(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Pivot a long ``(asin, property, probability)`` table to one column per property."""
    cols = columns_of(con, quote_ident(table))
    order = next((c for c in TIME_COLUMNS if c in cols), None)
    latest = f"SELECT asin, property, probability FROM {quote_ident(table)}"
    if order:
        latest += (f" QUALIFY row_number() OVER (PARTITION BY asin, property "
                   f"ORDER BY {quote_ident(order)} DESC) = 1")
    properties = [r[0] for r in con.execute(
        f"SELECT DISTINCT property FROM {quote_ident(table)} ORDER BY 1").fetchall()]
    names = [feature_name(p) for p in properties]
    if len(set(names)) != len(names):
        raise StoreError(f"table {table!r}: properties {properties} collide as column names")
    pivots = ", ".join(
        f"max(probability) FILTER (WHERE property = {quote_literal(p)}) AS {quote_ident(n)}"
        for p, n in zip(properties, names, strict=True))
    return f"WITH latest AS ({latest}) SELECT asin, {pivots} FROM latest GROUP BY asin"


def latest_row_query(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Latest row per asin of a wide table, nested values as JSON strings."""
    cols = columns_of(con, quote_ident(table))
    select = []
    for name, typ in cols.items():
        if name in TIME_COLUMNS:
            continue
        expr = quote_ident(name)
        if typ.startswith(("STRUCT", "MAP", "JSON", "UNION")):
            expr = f"CAST(to_json({expr}) AS VARCHAR)"
        select.append(f"{expr} AS {quote_ident(name)}")
    sql = f"SELECT {', '.join(select)} FROM {quote_ident(table)}"
    order = [c for c in ORDER_COLUMNS if c in cols]
    if order:
        by = ", ".join(f"{quote_ident(c)} DESC" for c in order)
        sql += f" QUALIFY row_number() OVER (PARTITION BY asin ORDER BY {by}) = 1"
    return sql


def table_export_query(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The export query of ``table`` (see the module docstring)."""
    cols = columns_of(con, quote_ident(table))
    if "asin" not in cols:
        raise StoreError(f"table {table!r} has no asin column and cannot be a feature view")
    if {"property", "probability"} <= set(cols):
        return labels_query(con, table)
    return latest_row_query(con, table)
