"""Listings an embedding run could not embed, recorded in DuckDB with a reason.

Table ``embedding_skips(space, asin, reason, recorded_at)``: this space's rows are replaced on
every run (e.g. ``no image paths``, ``image files missing: 2``, ``undecodable images: 1``,
``empty listing_text``), so a user can see why a listing has no vector.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

DDL = """CREATE TABLE IF NOT EXISTS embedding_skips (
    space VARCHAR NOT NULL, asin VARCHAR NOT NULL, reason VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL)"""


def record(con: duckdb.DuckDBPyConnection, space: str, skipped: pa.Table) -> dict[str, int]:
    """Replace the space's skip rows with ``skipped(asin, reason)``; count per reason kind."""
    con.execute(DDL)
    con.execute("DELETE FROM embedding_skips WHERE space = ?", [space])
    if skipped.num_rows:
        con.register("_emma_skips", skipped)
        try:
            con.execute("""INSERT INTO embedding_skips
                SELECT ?, asin, reason, now() FROM _emma_skips""", [space])
        finally:
            con.unregister("_emma_skips")
    return dict(Counter(r.split(":")[0] for r in skipped.column("reason").to_pylist()))
