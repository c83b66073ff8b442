"""The engine's state tables in DuckDB (all readable by plain SQL):

- ``_emma_transforms(name, fingerprint, physical_table, kind, audit_hash, updated_at)``: the
  current version of each transform (what its view in ``main`` points at).
- ``_emma_transform_versions(name, fingerprint, physical_table, kind, components, audit_hash,
  parent_tables, rows_out, created_at, duckdb_version, sqlglot_version)``: every complete
  physical version still present; written in the same transaction that creates the table.
- ``_emma_transform_runs(run_id, transform, fingerprint, action, status, started_at, ended_at,
  rows_in, rows_out, message, duckdb_version, sqlglot_version)``: the run log. A row still
  ``running`` when a new run starts was killed and is marked ``interrupted``.
Timestamps are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlglot

from emma_fs.transforms import ddl
from emma_fs.transforms.fingerprint import Components

if TYPE_CHECKING:
    import duckdb

STATE_DDL = [
    """CREATE TABLE IF NOT EXISTS _emma_transforms (
        name VARCHAR PRIMARY KEY, fingerprint VARCHAR NOT NULL, physical_table VARCHAR NOT NULL,
        kind VARCHAR NOT NULL, audit_hash VARCHAR, updated_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS _emma_transform_versions (
        name VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, physical_table VARCHAR NOT NULL,
        kind VARCHAR NOT NULL, components JSON NOT NULL, audit_hash VARCHAR,
        parent_tables VARCHAR[], rows_out BIGINT, created_at TIMESTAMPTZ,
        duckdb_version VARCHAR, sqlglot_version VARCHAR, PRIMARY KEY (name, fingerprint))""",
    """CREATE TABLE IF NOT EXISTS _emma_transform_runs (
        run_id VARCHAR NOT NULL, transform VARCHAR NOT NULL, fingerprint VARCHAR,
        action VARCHAR NOT NULL, status VARCHAR NOT NULL, started_at TIMESTAMPTZ,
        ended_at TIMESTAMPTZ, rows_in BIGINT, rows_out BIGINT, message VARCHAR,
        duckdb_version VARCHAR, sqlglot_version VARCHAR)""",
]


@dataclass(frozen=True)
class Current:
    name: str
    fingerprint: str
    physical_table: str
    kind: str
    audit_hash: str | None


@dataclass(frozen=True)
class Version:
    name: str
    fingerprint: str
    physical_table: str
    kind: str
    components: Components
    audit_hash: str | None
    parent_tables: tuple[str, ...]
    created_at: datetime


def now() -> datetime:
    return datetime.now(UTC)


def duckdb_version() -> str:
    import duckdb

    return duckdb.__version__


def bootstrap(con: duckdb.DuckDBPyConnection) -> None:
    """Create the versions schema and state tables if missing."""
    con.execute(ddl.create_schema())
    for statement in STATE_DDL:
        con.execute(statement)


def current(con: duckdb.DuckDBPyConnection) -> dict[str, Current]:
    rows = con.execute("SELECT name, fingerprint, physical_table, kind, audit_hash "
                       "FROM _emma_transforms").fetchall()
    return {r[0]: Current(*r) for r in rows}


def versions(con: duckdb.DuckDBPyConnection, name: str | None = None) -> list[Version]:
    """Recorded versions (oldest first), of one transform or all."""
    rows = con.execute(
        "SELECT name, fingerprint, physical_table, kind, components, audit_hash, parent_tables, "
        "created_at FROM _emma_transform_versions WHERE ? IS NULL OR name = ? "
        "ORDER BY created_at, fingerprint", [name, name]).fetchall()
    return [Version(r[0], r[1], r[2], r[3], Components.from_json(r[4]), r[5],
                    tuple(r[6] or ()), r[7]) for r in rows]


def physical_objects(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Objects present in the versions schema: name -> ``table`` | ``view``."""
    rows = con.execute(
        "SELECT table_name, 'table' FROM duckdb_tables() WHERE schema_name = ? "
        "UNION ALL SELECT view_name, 'view' FROM duckdb_views() WHERE schema_name = ?",
        [ddl.VERSIONS_SCHEMA, ddl.VERSIONS_SCHEMA]).fetchall()
    return dict(rows)


def main_objects(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Tables and views outside the versions schema: lower-case key -> ``table`` | ``view``.
    Keys are ``name`` for the main schema and ``schema.name`` otherwise."""
    rows = con.execute(
        "SELECT schema_name, table_name, 'table' FROM duckdb_tables() WHERE NOT internal "
        "UNION ALL SELECT schema_name, view_name, 'view' FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    return {(n if s == "main" else f"{s}.{n}").lower(): k for s, n, k in rows
            if s != ddl.VERSIONS_SCHEMA}


def record_version(con: duckdb.DuckDBPyConnection, *, name: str, fingerprint: str,
                   physical_table: str, kind: str, components: Components, audit_hash: str,
                   parent_tables: list[str], rows_out: int | None) -> None:
    con.execute(
        "INSERT OR REPLACE INTO _emma_transform_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [name, fingerprint, physical_table, kind, components.to_json(), audit_hash,
         parent_tables, rows_out, now(), duckdb_version(), sqlglot.__version__])


def set_current(con: duckdb.DuckDBPyConnection, *, name: str, fingerprint: str,
                physical_table: str, kind: str, audit_hash: str | None) -> None:
    con.execute("INSERT OR REPLACE INTO _emma_transforms VALUES (?, ?, ?, ?, ?, ?)",
                [name, fingerprint, physical_table, kind, audit_hash, now()])


def forget_versions(con: duckdb.DuckDBPyConnection, physical_tables: list[str]) -> None:
    if physical_tables:
        con.execute("DELETE FROM _emma_transform_versions WHERE list_contains(?, physical_table)",
                    [physical_tables])


def log_start(con: duckdb.DuckDBPyConnection, run_id: str, transform: str, fingerprint: str,
              action: str) -> datetime:
    started = now()
    con.execute("INSERT INTO _emma_transform_runs VALUES (?, ?, ?, ?, 'running', ?, NULL, NULL, "
                "NULL, NULL, ?, ?)", [run_id, transform, fingerprint, action, started,
                                       duckdb_version(), sqlglot.__version__])
    return started


def log_end(con: duckdb.DuckDBPyConnection, run_id: str, transform: str, status: str, *,
            rows_in: int | None = None, rows_out: int | None = None,
            message: str | None = None) -> None:
    con.execute("UPDATE _emma_transform_runs SET status = ?, ended_at = ?, rows_in = ?, "
                "rows_out = ?, message = ? WHERE run_id = ? AND transform = ? "
                "AND status = 'running'",
                [status, now(), rows_in, rows_out, message, run_id, transform])


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Rows left ``running`` by a killed process become ``interrupted``; returns how many."""
    n = con.execute("SELECT count(*) FROM _emma_transform_runs WHERE status = 'running'"
                    ).fetchone()[0]
    if n:
        con.execute("UPDATE _emma_transform_runs SET status = 'interrupted' "
                    "WHERE status = 'running'")
    return n


def run_log(con: duckdb.DuckDBPyConnection, limit: int = 50,
            transform: str | None = None) -> list[dict[str, Any]]:
    cur = con.execute(
        "SELECT run_id, transform, fingerprint[1:12] AS fingerprint, action, status, started_at,"
        " ended_at, rows_in, rows_out, duckdb_version, sqlglot_version, message "
        "FROM _emma_transform_runs WHERE ? IS NULL OR transform = ? "
        "ORDER BY started_at DESC LIMIT ?", [transform, transform, limit])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
