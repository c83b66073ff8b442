"""DDL of the Smart Labeling tables in the workspace DuckDB (created idempotently).

- ``label_properties(property, created_at)``: every property ever labeled.
- ``label_feature_defs(property, pattern, added_at)``: keyword (regex) features of a property.
- ``label_feature_hits(property, pattern, asin)``: the ASINs whose ``listing_text`` matches a
  pattern (sparse: only hits are stored), recomputed when a pattern is added or refreshed.
- ``label_events``: the append-only answer log (see :mod:`emma_fs.labeling.events`).
- ``smart_labels(asin, property, probability, model_fingerprint, labeled_at)``: the applied
  probabilistic labels, one row per object and property (see :mod:`emma_fs.labeling.apply`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

LABEL_DDL = [
    """CREATE TABLE IF NOT EXISTS label_properties (
        property VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS label_feature_defs (
        property VARCHAR NOT NULL, pattern VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (property, pattern))""",
    """CREATE TABLE IF NOT EXISTS label_feature_hits (
        property VARCHAR NOT NULL, pattern VARCHAR NOT NULL, asin VARCHAR NOT NULL)""",
    """CREATE SEQUENCE IF NOT EXISTS label_event_seq START 1""",
    """CREATE TABLE IF NOT EXISTS label_events (
        event_id BIGINT PRIMARY KEY DEFAULT nextval('label_event_seq'),
        property VARCHAR NOT NULL, asin VARCHAR NOT NULL,
        label VARCHAR NOT NULL,          -- '1', '0', 'skip' or 'undo'
        mode VARCHAR NOT NULL, page INTEGER, probability_shown DOUBLE,
        model_fingerprint VARCHAR, dataset_fingerprint VARCHAR,
        who VARCHAR NOT NULL, "at" TIMESTAMPTZ NOT NULL,
        undoes BIGINT                    -- for 'undo': the event_id it compensates
    )""",
    """CREATE TABLE IF NOT EXISTS smart_labels (
        asin VARCHAR NOT NULL, property VARCHAR NOT NULL, probability DOUBLE NOT NULL,
        model_fingerprint VARCHAR NOT NULL, labeled_at TIMESTAMPTZ NOT NULL)""",
]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the labeling tables if they are missing."""
    for ddl in LABEL_DDL:
        con.execute(ddl)
