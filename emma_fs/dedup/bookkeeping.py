"""Writing dedup results into DuckDB and recording their content versions.

``replace_rows`` swaps one slice of a shared table (e.g. one modality of ``dedup_candidates``)
in a transaction and records the table's new content version in ``_emma_source_versions`` so
the SQL transforms that read it rebuild. Every candidate run is also logged in
``dedup_runs(modality, threshold, probes, embedding_version, n_vectors, n_pairs, seconds,
run_at)`` so the thresholds behind the current candidates are on record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emma_fs import db

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

RUNS_DDL = """CREATE TABLE IF NOT EXISTS dedup_runs (
    modality VARCHAR, threshold DOUBLE, probes INTEGER, embedding_version VARCHAR,
    n_vectors BIGINT, n_pairs BIGINT, seconds DOUBLE, run_at TIMESTAMPTZ)"""


def content_version(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Order-independent content hash of a table: ``<rows>-<xor of row hashes>``."""
    rows, digest = con.execute(
        f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {table} t").fetchone()
    return f"{rows}-{int(digest):016x}"


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table, *,
                 key: str | None = None, value: str | None = None) -> str:
    """Delete ``table`` rows where ``key = value`` (all rows without ``key``), insert
    ``rows``, record and return the table's new content version."""
    con.execute("BEGIN TRANSACTION")
    try:
        if key is None:
            con.execute(f"DELETE FROM {table}")
        else:
            con.execute(f"DELETE FROM {table} WHERE {key} = ?", [value])
        if rows.num_rows:
            con.register("_emma_new_rows", rows)
            cols = ", ".join(rows.column_names)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _emma_new_rows")
            con.unregister("_emma_new_rows")
        version = content_version(con, table)
        db.set_source_version(con, table, version)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return version


def log_run(con: duckdb.DuckDBPyConnection, summary: dict) -> None:
    """Append one candidate run (threshold, model, counts) to ``dedup_runs``."""
    con.execute(RUNS_DDL)
    con.execute("INSERT INTO dedup_runs VALUES (?, ?, ?, ?, ?, ?, ?, now())", [
        summary["modality"], summary["threshold"], summary["probes"],
        summary["embedding_version"], summary["vectors"], summary["pairs"],
        summary["seconds"]])
