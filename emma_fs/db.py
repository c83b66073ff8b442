"""The DuckDB database of a workspace: connections and the system tables every stage shares.

System tables (created idempotently by :func:`bootstrap`):

- ``_emma_source_versions(table_name, version, updated_at)``: a content version for every
  table written *outside* the SQL transforms (raw tables written by ingest, candidate pairs and
  scores written by embedding/dedup). The transform engine folds these versions into the
  fingerprints of transforms that read those tables, so new data means a new version.
- ``dedup_candidates(asin_a, asin_b, modality, similarity, embedding_version)``: candidate
  near-duplicate pairs from the embedding spaces (modality ``text``, ``image``, or
  ``text+image`` for pairs close in both; see ``emma_fs/dedup/settings.py``); read by the SQL
  dedup bookkeeping.
- ``text_image_mismatch(asin, score, version)``: per-listing text/image disagreement score.
- ``material_probs(asin, node, probability, provenance)``: a material probability per listing
  and taxonomy node, written by ``emma-fs fill``; read by ``sql/materials_consistency.sql``
  (empty until the first fill, so transforms reading it still run).
- ``filled_attributes``: per listing and generation, every predictable attribute (price_usd,
  mass_kg, materials, category_path, rating_dist) with ``<column>_provenance`` = ``observed`` or
  ``predicted:<model fingerprint>:gen<N>``; written by ``emma-fs fill``.

Other stages own their own tables; this module only owns what crosses stage boundaries.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

SYSTEM_DDL = [
    """CREATE TABLE IF NOT EXISTS _emma_source_versions (
        table_name VARCHAR PRIMARY KEY, version VARCHAR NOT NULL, updated_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS dedup_candidates (
        asin_a VARCHAR NOT NULL, asin_b VARCHAR NOT NULL, modality VARCHAR NOT NULL,
        similarity DOUBLE NOT NULL, embedding_version VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS text_image_mismatch (
        asin VARCHAR NOT NULL, score DOUBLE NOT NULL, version VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS material_probs (
        asin VARCHAR NOT NULL, node VARCHAR NOT NULL, probability DOUBLE NOT NULL,
        provenance VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS filled_attributes (
        asin VARCHAR NOT NULL, generation INTEGER NOT NULL, model_fingerprint VARCHAR NOT NULL,
        price_usd DOUBLE, price_usd_provenance VARCHAR NOT NULL,
        mass_kg DOUBLE, mass_kg_provenance VARCHAR NOT NULL,
        materials VARCHAR[], materials_provenance VARCHAR NOT NULL,
        category_path VARCHAR[], category_path_provenance VARCHAR NOT NULL,
        rating_dist DOUBLE[], rating_dist_provenance VARCHAR NOT NULL)""",
]


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the workspace database (creating it and the system tables when writable)."""
    import duckdb

    from emma_fs.errors import ConfigError

    if read_only and not path.exists():
        raise ConfigError(f"database {path} does not exist yet",
                          hint="run `emma-fs ingest` (or the demo) first")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        bootstrap(con)
    return con


def bootstrap(con: duckdb.DuckDBPyConnection) -> None:
    """Create the shared system tables if missing."""
    for ddl in SYSTEM_DDL:
        con.execute(ddl)


def set_source_version(con: duckdb.DuckDBPyConnection, table_name: str, version: str) -> None:
    """Record the content version of an externally written table (call after writing it)."""
    con.execute(
        "INSERT OR REPLACE INTO _emma_source_versions VALUES (?, ?, ?)",
        [table_name, version, datetime.now(UTC)],
    )


def source_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """All recorded source-table versions, by table name."""
    return dict(con.execute("SELECT table_name, version FROM _emma_source_versions").fetchall())
