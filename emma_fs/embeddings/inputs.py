"""What to embed, read from the workspace DuckDB with a content hash per ASIN.

Inputs (docs/contracts.md section 4): a listings relation (``asin``, ``listing_text``,
``image_paths`` VARCHAR[]) and ``review_texts(asin, review_text)``. The listings relation is
``[embed] source``; ``auto`` picks ``listings_joined`` (every ASIN before filtering and
dedup) when it exists, else ``listings``. Embedding the pre-dedup set keeps the loop stable:
``listings`` drops the duplicates that ``dedup_candidates`` found (and ``filter_decisions``
drops mismatched listings), so embedding ``listings`` would delete those vectors, the next
dedup would no longer see the pairs, and the dropped listings would come back.

Each reader returns the rows to embed plus the ASINs that cannot be embedded, with a reason:

- text: ``content_hash`` = md5 of ``listing_text``; empty text is skipped;
- images: ``content_hash`` = md5 over (path, size, mtime_ns) of each existing image file in
  listing order, so a rewritten file counts as changed; listings without image files are
  skipped (they never get a zero vector);
- reviews: ``content_hash`` = md5 of the listing's sorted non-empty review texts.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from emma_fs.errors import NotFound, TransformError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


def require_relation(con: duckdb.DuckDBPyConnection, name: str, columns: list[str]) -> None:
    """Fail clearly when a table/view or one of its columns is missing."""
    found = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [name],
    ).fetchall()}
    if not found:
        raise NotFound(f"table or view {name!r} not found in the workspace database",
                       hint="run `emma-fs transform run` to build the listings views first")
    missing = [c for c in columns if c not in found]
    if missing:
        raise TransformError(f"{name!r} lacks column(s) {missing} required for embedding",
                             hint="see docs/contracts.md section 4")


def resolve_source(con: duckdb.DuckDBPyConnection, source: str) -> str:
    """The listings relation to embed (``auto``: ``listings_joined`` if present)."""
    if source != "auto":
        if not source.replace("_", "").isalnum():
            raise TransformError(f"[embed] source {source!r} is not a table or view name")
        return source
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_name IN ('listings_joined', 'listings')").fetchall()}
    return "listings_joined" if "listings_joined" in present else "listings"


def _check_unique(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    dupes = con.execute(
        f"SELECT asin FROM {relation} GROUP BY asin HAVING count(*) > 1 LIMIT 5").fetchall()
    if dupes:
        raise TransformError(f"{relation!r} has duplicate ASINs, e.g. {[d[0] for d in dupes]}",
                             hint="the listings view must hold one row per ASIN")


def listing_texts(con: duckdb.DuckDBPyConnection,
                  source: str = "listings") -> tuple[pa.Table, pa.Table]:
    """``(rows(asin, text, content_hash), skipped(asin, reason))`` from ``source``."""
    require_relation(con, source, ["asin", "listing_text"])
    _check_unique(con, source)
    rows = con.sql(f"""
        SELECT asin, listing_text AS text, md5(listing_text) AS content_hash
        FROM {source} WHERE asin IS NOT NULL AND trim(coalesce(listing_text, '')) <> ''
        ORDER BY asin""").to_arrow_table()
    skipped = con.sql(f"""
        SELECT asin, 'empty listing_text' AS reason FROM {source}
        WHERE asin IS NOT NULL AND trim(coalesce(listing_text, '')) = ''
        ORDER BY asin""").to_arrow_table()
    return rows, skipped


def listing_images(con: duckdb.DuckDBPyConnection,
                   source: str = "listings") -> tuple[pa.Table, pa.Table, pa.Table]:
    """``(listings(asin, content_hash), files(asin, path), skipped(asin, reason))``.

    ``files`` holds every existing image file of the listings in ``listings`` order; only
    listings with at least one existing file appear in ``listings``.
    """
    import pyarrow as pa

    require_relation(con, source, ["asin", "image_paths"])
    _check_unique(con, source)
    flat = con.sql(f"""
        SELECT l.asin, u.ord, u.path
        FROM {source} l, unnest(l.image_paths) WITH ORDINALITY AS u(path, ord)
        WHERE l.asin IS NOT NULL AND u.path IS NOT NULL AND u.path <> ''
        ORDER BY l.asin, u.ord""").to_arrow_table()
    sizes, mtimes = [], []
    for path in flat.column("path").to_pylist():  # one stat per file; decoding costs far more
        try:
            st = os.stat(path)
            sizes.append(st.st_size)
            mtimes.append(st.st_mtime_ns)
        except OSError:
            sizes.append(None)
            mtimes.append(None)
    stat = flat.append_column("size", pa.array(sizes, pa.int64()))
    stat = stat.append_column("mtime_ns", pa.array(mtimes, pa.int64()))
    con.register("_emma_image_stat", stat)
    try:
        listings = con.sql("""
            SELECT asin, md5(string_agg(path || ':' || size || ':' || mtime_ns, '|'
                                        ORDER BY ord)) AS content_hash
            FROM _emma_image_stat WHERE size IS NOT NULL
            GROUP BY asin ORDER BY asin""").to_arrow_table()
        files = con.sql("""
            SELECT asin, path FROM _emma_image_stat WHERE size IS NOT NULL
            ORDER BY asin, ord""").to_arrow_table()
        skipped = con.sql(f"""
            SELECT l.asin, CASE WHEN s.n_listed IS NULL THEN 'no image paths'
                                ELSE 'image files missing: ' || s.n_listed END AS reason
            FROM {source} l LEFT JOIN (
                SELECT asin, count(*) AS n_listed, count(size) AS n_found
                FROM _emma_image_stat GROUP BY asin) s USING (asin)
            WHERE l.asin IS NOT NULL AND coalesce(s.n_found, 0) = 0
            ORDER BY l.asin""").to_arrow_table()
    finally:
        con.unregister("_emma_image_stat")
    return listings, files, skipped


def review_groups(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """``(asin, content_hash, n_reviews)`` for every ASIN with a non-empty review text."""
    require_relation(con, "review_texts", ["asin", "review_text"])
    return con.sql("""
        SELECT asin, md5(string_agg(review_text, chr(31) ORDER BY review_text)) AS content_hash,
               count(*) AS n_reviews
        FROM review_texts
        WHERE asin IS NOT NULL AND trim(coalesce(review_text, '')) <> ''
        GROUP BY asin ORDER BY asin""").to_arrow_table()


def reviews_of(con: duckdb.DuckDBPyConnection, asins: pa.Array) -> pa.Table:
    """``(asin, review_text)`` of the given ASINs' non-empty reviews."""
    import pyarrow as pa

    con.register("_emma_review_asins", pa.table({"asin": asins}))
    try:
        return con.sql("""
            SELECT r.asin, r.review_text FROM review_texts r
            JOIN _emma_review_asins USING (asin)
            WHERE trim(coalesce(r.review_text, '')) <> ''""").to_arrow_table()
    finally:
        con.unregister("_emma_review_asins")
