"""SQL text helpers for the feature exports: literal and identifier quoting, Parquet scans and
column introspection (DuckDB dialect)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


def quote_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def parquet_scan(path: Path | str) -> str:
    """``read_parquet('<path>')`` as SQL."""
    return f"read_parquet({quote_literal(str(path))})"


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name -> DuckDB type of a table, view or table function call."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
